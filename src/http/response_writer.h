// Serializes responses: status line, the service's fields, then the framing fields the
// session owns (Content-Length, Connection), then the body.
#pragma once

#include <string>

#include "http/message.h"

namespace polymq::http {

// How a response goes on the wire, decided by its request and the connection's state.
struct Framing {
  bool head_request = false;   // the answer to HEAD: Content-Length of the body, no body bytes
  bool close = false;          // the connection closes after it: "Connection: close"
  bool keep_alive_10 = false;  // an HTTP/1.0 client asked to keep the connection open
};

// Appends `response` to `out`. Content-Length is always sent (no chunked responses, so an
// HTTP/1.0 client reads them too), except where a status has no body (1xx, 204, 304).
// Fields named Content-Length, Transfer-Encoding or Connection set by a service are dropped.
void append_response(std::string& out, const Response& response, const Framing& framing);

// The interim answer to "Expect: 100-continue".
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace polymq::http
