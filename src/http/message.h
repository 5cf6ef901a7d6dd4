// The request a Service is handed and the response it answers with: plain values, no socket.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/headers.h"

namespace polymq::http {

struct Request {
  std::string method;  // as sent, e.g. "GET" (methods are case-sensitive)
  std::string target;  // the request-target as sent: path, then '?' and the query if any
  int version = 11;    // 10 for HTTP/1.0, 11 for HTTP/1.1
  Headers headers;
  std::string body;  // de-chunked
  // Filled by the session: who sent it.
  std::string remote_address;
  bool remote_loopback = false;

  // The target before '?' (still percent-encoded) and after it ("" when there is none).
  std::string_view path() const;
  std::string_view query() const;
};

struct Response {
  int status = 200;
  // The session adds Content-Length and Connection itself; a service sets neither.
  Headers headers;
  std::string body;

  static Response text(int status, std::string body);
};

// "OK", "Not Found" ...: the reason phrase of a status code ("" for an unknown one).
std::string_view reason_phrase(int status);

}  // namespace polymq::http
