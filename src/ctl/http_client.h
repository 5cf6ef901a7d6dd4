// A one-request-per-connection HTTP/1.1 client for the management API (Boost.Beast behind
// http_client.cpp). A CLI sends a handful of requests, so each opens its own connection; the
// whole exchange (resolve, connect, write, read) has one deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace polymq::ctl {

struct Endpoint {
  std::string host = "127.0.0.1";
  uint16_t port = 15672;
  std::string username = "guest";
  std::string password = "guest";
  std::chrono::milliseconds timeout{60000};
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

// Why no answer came back. kRefused: nothing listens there; kUnreachable: the name does not
// resolve or the host cannot be reached; kTimeout: the deadline passed; kBroken: the peer closed
// or sent something that is not HTTP.
enum class TransportError { kNone, kRefused, kUnreachable, kTimeout, kBroken };

struct HttpResult {
  TransportError error = TransportError::kNone;
  std::string detail;  // the system's words for a transport error
  HttpResponse response;
};

// `target` is the path and query, already percent-encoded. A non-empty `body` is sent as
// application/json. Basic authentication with the endpoint's credentials.
HttpResult http_request(const Endpoint& endpoint, const std::string& method,
                        const std::string& target, const std::string& body);

}  // namespace polymq::ctl
