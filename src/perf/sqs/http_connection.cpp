#include "perf/sqs/http_connection.h"

#include <cctype>
#include <charconv>

namespace polymq::perf::sqs {
namespace {

bool iequals_prefix(std::string_view line, std::string_view name) {
  if (line.size() < name.size()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

}  // namespace

void HttpConnection::connect(const std::string& host, uint16_t port,
                             std::function<void(const std::string& error)> done) {
  asio::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) return done("bad address " + host + ": " + ec.message());
  socket_.async_connect(asio::ip::tcp::endpoint(address, port),
                        [this, done = std::move(done)](const asio::error_code& error) {
                          if (error) return done("connect: " + error.message());
                          socket_.set_option(asio::ip::tcp::no_delay(true));
                          done("");
                        });
}

void HttpConnection::request(std::string request, Handler done) {
  out_ = std::move(request);
  handler_ = std::move(done);
  asio::async_write(socket_, asio::buffer(out_), [this](const asio::error_code& error, size_t) {
    if (error) return std::exchange(handler_, nullptr)("write: " + error.message(), 0, {});
    if (!deliver()) read_more();
  });
}

void HttpConnection::read_more() {
  socket_.async_read_some(asio::buffer(buffer_), [this](const asio::error_code& error, size_t n) {
    if (error) {
      return std::exchange(handler_, nullptr)("read: " + error.message(), 0, {});
    }
    in_.append(buffer_, n);
    if (!deliver()) read_more();
  });
}

bool HttpConnection::deliver() {
  const size_t head_end = in_.find("\r\n\r\n");
  if (head_end == std::string::npos) return false;
  const std::string_view head(in_.data(), head_end);
  int status = 0;
  if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0 ||
      std::from_chars(head.data() + 9, head.data() + 12, status).ec != std::errc()) {
    std::exchange(handler_, nullptr)("malformed status line", 0, {});
    return true;
  }
  size_t length = std::string::npos;
  for (size_t at = head.find("\r\n"); at != std::string::npos && at < head.size();) {
    const size_t next = head.find("\r\n", at + 2);
    const std::string_view line =
        head.substr(at + 2, (next == std::string::npos ? head.size() : next) - at - 2);
    if (iequals_prefix(line, "content-length:")) {
      std::string_view value = line.substr(15);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      std::from_chars(value.data(), value.data() + value.size(), length);
    }
    at = next;
  }
  if (length == std::string::npos) {
    std::exchange(handler_, nullptr)("answer without Content-Length", status, {});
    return true;
  }
  if (in_.size() < head_end + 4 + length) return false;
  const std::string answer = in_.substr(head_end + 4, length);
  in_.erase(0, head_end + 4 + length);
  std::exchange(handler_, nullptr)("", status, answer);
  return true;
}

}  // namespace polymq::perf::sqs
