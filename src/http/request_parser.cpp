#include "http/request_parser.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>

namespace polymq::http {

namespace bhttp = boost::beast::http;

struct RequestParser::Impl {
  std::optional<bhttp::request_parser<bhttp::string_body>> parser;
};

namespace {

void start(std::optional<bhttp::request_parser<bhttp::string_body>>& parser, const Limits& limits) {
  parser.emplace();
  parser->header_limit(
      static_cast<uint32_t>(std::min<size_t>(limits.max_header_bytes, UINT32_MAX)));
  parser->body_limit(static_cast<uint64_t>(limits.max_body_bytes));
}

}  // namespace

RequestParser::RequestParser(Limits limits) : limits_(limits), impl_(std::make_unique<Impl>()) {
  start(impl_->parser, limits_);
}

RequestParser::~RequestParser() = default;

bool RequestParser::in_progress() const { return impl_->parser->got_some(); }

RequestParser::Step RequestParser::fail(Step step, int status, std::string text) {
  error_status_ = status;
  error_text_ = std::move(text);
  step.state = State::kError;
  step.continue_expected = false;
  return step;
}

bool RequestParser::check_header(Step& step) {
  header_checked_ = true;
  const auto& p = *impl_->parser;
  const auto& msg = p.get();
  const unsigned version = msg.version();
  // Beast takes a request whose Transfer-Encoding does not end in chunked as having no body;
  // its body would then be read as the next request.
  if (msg.find(bhttp::field::transfer_encoding) != msg.end() && !p.chunked()) {
    step = fail(step, 501, "transfer codings other than chunked are not supported");
    return false;
  }
  const auto expect = msg.find(bhttp::field::expect);
  if (expect != msg.end()) {
    if (!boost::beast::iequals(expect->value(), "100-continue")) {
      step = fail(step, 417, "only Expect: 100-continue is understood");
      return false;
    }
    step.continue_expected = version == 11 && !p.is_done();
  }
  return true;
}

RequestParser::Step RequestParser::parse(const uint8_t* data, size_t size) {
  Step step;
  auto& p = *impl_->parser;
  while (step.consumed < size) {
    boost::beast::error_code ec;
    const size_t n =
        p.put(boost::asio::const_buffer(data + step.consumed, size - step.consumed), ec);
    step.consumed += n;
    if (ec == bhttp::error::need_more) break;
    if (ec == bhttp::error::header_limit) return fail(step, 431, "request header too large");
    if (ec == bhttp::error::body_limit) return fail(step, 413, "request body too large");
    // Beast reads HTTP/1.0 and HTTP/1.1 only (an HTTP/2 preface included).
    if (ec == bhttp::error::bad_version) return fail(step, 505, "only HTTP/1.0 and 1.1 are served");
    if (ec) return fail(step, 400, "malformed request: " + ec.message());
    if (p.is_header_done() && !header_checked_ && !check_header(step)) return step;
    if (p.is_done()) {
      step.state = State::kComplete;
      step.continue_expected = false;  // the body came along: nothing to wait for
      return step;
    }
    if (n == 0) break;
  }
  // Beast bounds the header by header_limit, but waits for a chunk-size line (extensions
  // included) or the trailer fields however long they grow: bound them by the same limit, so
  // that what the connection buffers stays bounded.
  if (size - step.consumed > limits_.max_header_bytes) {
    return p.is_header_done() ? fail(step, 400, "chunk line or trailer too long")
                              : fail(step, 431, "request header too large");
  }
  return step;
}

Request RequestParser::take(bool& keep_alive) {
  auto& p = *impl_->parser;
  keep_alive = p.keep_alive();
  auto msg = p.release();
  Request r;
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  r.version = static_cast<int>(msg.version());
  for (const auto& field : msg) {
    r.headers.add(std::string(field.name_string()), std::string(field.value()));
  }
  r.body = std::move(msg.body());
  start(impl_->parser, limits_);
  header_checked_ = false;
  return r;
}

}  // namespace polymq::http
