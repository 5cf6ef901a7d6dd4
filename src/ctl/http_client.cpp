#include "ctl/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>

namespace polymq::ctl {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// The largest answer taken: a definitions export of a big broker fits easily.
constexpr uint64_t kMaxBody = uint64_t{1} << 30;

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (uint32_t{static_cast<unsigned char>(in[i])} << 16) |
                       (uint32_t{static_cast<unsigned char>(in[i + 1])} << 8) |
                       uint32_t{static_cast<unsigned char>(in[i + 2])};
    for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(n >> shift) & 63]);
  }
  if (i < in.size()) {
    uint32_t n = uint32_t{static_cast<unsigned char>(in[i])} << 16;
    if (i + 1 < in.size()) n |= uint32_t{static_cast<unsigned char>(in[i + 1])} << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// One request over one connection, driven by the io_context's run_for: whatever has not
// finished by the deadline is a timeout.
class Exchange {
 public:
  Exchange(const Endpoint& endpoint, bhttp::request<bhttp::string_body> request)
      : endpoint_(endpoint), request_(std::move(request)), resolver_(io_), stream_(io_) {
    parser_.body_limit(kMaxBody);
  }

  HttpResult run() {
    resolver_.async_resolve(endpoint_.host, std::to_string(endpoint_.port),
                            [this](error_code ec, tcp::resolver::results_type results) {
                              if (ec) return fail(TransportError::kUnreachable, ec);
                              connect(results);
                            });
    io_.run_for(endpoint_.timeout);
    if (!done_) {
      result_.error = TransportError::kTimeout;
      result_.detail = "no answer within " + std::to_string(endpoint_.timeout.count()) + " ms";
    }
    return std::move(result_);
  }

 private:
  void connect(const tcp::resolver::results_type& results) {
    stream_.async_connect(results, [this](error_code ec, const tcp::endpoint&) {
      if (ec == asio::error::connection_refused) return fail(TransportError::kRefused, ec);
      if (ec) return fail(TransportError::kUnreachable, ec);
      bhttp::async_write(stream_, request_, [this](error_code wec, size_t) {
        if (wec) return fail(TransportError::kBroken, wec);
        bhttp::async_read(stream_, buffer_, parser_, [this](error_code rec, size_t) {
          if (rec) return fail(TransportError::kBroken, rec);
          result_.response.status = static_cast<int>(parser_.get().result_int());
          result_.response.body = std::move(parser_.get().body());
          finish();
        });
      });
    });
  }

  void fail(TransportError error, const error_code& ec) {
    result_.error = error;
    result_.detail = ec.message();
    finish();
  }

  void finish() {
    done_ = true;
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    io_.stop();
  }

  const Endpoint& endpoint_;
  bhttp::request<bhttp::string_body> request_;
  asio::io_context io_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  bhttp::response_parser<bhttp::string_body> parser_;
  HttpResult result_;
  bool done_ = false;
};

}  // namespace

HttpResult http_request(const Endpoint& endpoint, const std::string& method,
                        const std::string& target, const std::string& body) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, endpoint.host + ":" + std::to_string(endpoint.port));
  req.set(bhttp::field::user_agent, "polymqctl");
  req.set(bhttp::field::accept, "application/json");
  req.set(bhttp::field::connection, "close");
  req.set(bhttp::field::authorization,
          "Basic " + base64(endpoint.username + ":" + endpoint.password));
  if (!body.empty()) {
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  }
  req.prepare_payload();
  return Exchange(endpoint, std::move(req)).run();
}

}  // namespace polymq::ctl
