#include "http/response_writer.h"

namespace polymq::http {

namespace {

bool status_has_body(int status) { return status >= 200 && status != 204 && status != 304; }

bool framing_field(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
         iequals(name, "Connection");
}

}  // namespace

void append_response(std::string& out, const Response& response, const Framing& framing) {
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += reason_phrase(response.status);
  out += "\r\n";
  for (const auto& [name, value] : response.headers.fields()) {
    if (framing_field(name)) continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  const bool body = status_has_body(response.status);
  if (body) {
    out += "Content-Length: ";
    out += std::to_string(response.body.size());
    out += "\r\n";
  }
  if (framing.close) {
    out += "Connection: close\r\n";
  } else if (framing.keep_alive_10) {
    out += "Connection: keep-alive\r\n";
  }
  out += "\r\n";
  if (body && !framing.head_request) out += response.body;
}

}  // namespace polymq::http
