// libFuzzer target for HTTP requests as a session reads them: bytes split into pieces the way
// reads would deliver them (the unconsumed rest presented again), small limits so that the
// 413/431 paths run too, and the query and form decoding of every request. Besides sanitizer
// findings it checks that a request that parsed, written out again with a Content-Length,
// parses to the same request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/form.h"
#include "http/request_parser.h"

namespace {

using namespace polymq::http;

std::string reserialize(const Request& r) {
  std::string out =
      r.method + " " + r.target + (r.version == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  for (const auto& [name, value] : r.headers.fields()) {
    if (iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding")) continue;
    out += name + ": " + value + "\r\n";
  }
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" + r.body;
  return out;
}

void check_round_trip(const Request& r, const Limits& limits) {
  const std::string again = reserialize(r);
  RequestParser parser(limits);
  const auto step = parser.parse(reinterpret_cast<const uint8_t*>(again.data()), again.size());
  // A request may grow past the header limit by the Content-Length field written for it.
  if (step.state == RequestParser::State::kError && parser.error_status() == 431) return;
  if (step.state != RequestParser::State::kComplete || step.consumed != again.size()) abort();
  bool keep = false;
  const Request back = parser.take(keep);
  if (back.method != r.method || back.target != r.target || back.body != r.body ||
      back.version != r.version) {
    abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the read size and whether the limits are small.
  const size_t piece = 1 + (data[0] & 0x3f);
  Limits limits;
  if ((data[0] & 0x40) != 0) {
    limits.max_header_bytes = 128;
    limits.max_body_bytes = 64;
  }
  ++data;
  --size;
  RequestParser parser(limits);
  std::string buffered;
  for (size_t at = 0; at < size; at += piece) {
    buffered.append(reinterpret_cast<const char*>(data) + at, std::min(piece, size - at));
    size_t pos = 0;
    while (pos < buffered.size()) {
      const auto step = parser.parse(reinterpret_cast<const uint8_t*>(buffered.data()) + pos,
                                     buffered.size() - pos);
      if (step.consumed > buffered.size() - pos) abort();
      pos += step.consumed;
      if (step.state == RequestParser::State::kError) {
        const int status = parser.error_status();
        if (status < 400 || status > 505) abort();
        return 0;
      }
      if (step.state == RequestParser::State::kNeedMore) break;
      bool keep = false;
      const Request r = parser.take(keep);
      if (r.body.size() > limits.max_body_bytes) abort();
      (void)parse_form(r.query());
      (void)parse_form(r.body);
      check_round_trip(r, limits);
    }
    buffered.erase(0, pos);
    // What stays buffered (an unfinished header, chunk line or trailer) is bounded.
    if (buffered.size() > limits.max_header_bytes + piece) abort();
  }
  return 0;
}
