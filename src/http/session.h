// One HTTP/1.1 connection: parses requests (http/request_parser), hands each complete one to
// the Service, and writes the answers in request order (http/response_queue).
//
// - Keep-alive: HTTP/1.1 connections stay open unless the request says "Connection: close";
//   HTTP/1.0 ones close after the answer unless it says "Connection: keep-alive". Bytes after
//   a closing request are discarded.
// - Pipelining: requests sent without waiting are all handed to the service as they arrive;
//   at most `max_unanswered` wait for answers, then reading stops until one is answered.
// - A malformed request (or one over a limit) is answered 400/413/417/431/501/505 after the
//   answers before it, and the connection closes: the input cannot be resynchronised.
// - "Expect: 100-continue" gets an interim 100 once the header is read, in answer order.
// - Idle connections (nothing asked, nothing unanswered) close after `idle_timeout`; one that
//   stalls in the middle of a request gets a 408 first. A long poll is not idle.
//
// REQUIRES: every call on the connection's event loop thread.
#pragma once

#include <chrono>
#include <memory>

#include "http/request_parser.h"
#include "http/response_queue.h"
#include "http/service.h"
#include "net/connection.h"

namespace polymq::http {

struct SessionConfig {
  Limits limits;
  size_t max_unanswered = 16;
  std::chrono::seconds idle_timeout{60};
};

class Session final : public net::Handler {
 public:
  Session(net::Connection& connection, Service& service, SessionConfig config = {});

  size_t on_read(const uint8_t* data, size_t size) override;
  void on_tick(net::Clock::time_point now) override;
  void on_shutdown() override;
  void on_closed() override;

 private:
  // Answers `status` after the answers already queued, then closes.
  void refuse(int status, const std::string& text);

  net::Connection& connection_;
  Service& service_;
  SessionConfig config_;
  RequestParser parser_;
  std::shared_ptr<ResponseQueue> responses_;
  // A request ended the connection (Connection: close, HTTP/1.0, bad input): what follows is
  // not read as requests.
  bool done_reading_ = false;
  net::Clock::time_point last_activity_;
};

}  // namespace polymq::http
