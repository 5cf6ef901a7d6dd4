// Kafka framing and the request/response envelope: a 4-byte big-endian size, then a header
// (request v0-v2, response v0-v1) and the body of the API the header names.
//
// parse_frame() never copies: the payload points into the caller's buffer. The size is judged
// from the first four bytes, so an oversized request is refused before it is buffered
// (Kafka's socket.request.max.bytes, 100 MiB by default).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kafka/protocol/generated/api_keys.h"
#include "kafka/protocol/generated/headers.h"
#include "kafka/protocol/generated/messages.h"
#include "kafka/protocol/wire.h"

namespace polymq::kafka {

constexpr size_t kSizePrefixBytes = 4;
// socket.request.max.bytes: Kafka's default limit on one request (size prefix excluded).
constexpr uint32_t kDefaultMaxRequestBytes = 100 * 1024 * 1024;

enum class FrameParse {
  kFrame,     // `payload` and `consumed` (prefix + payload) are set
  kNeedMore,  // the buffer holds a prefix of a frame within the limit
  kTooLarge,  // the declared size exceeds max_bytes (known from the first four bytes)
  kNegative,  // the declared size is negative (Kafka: InvalidReceiveException)
};

FrameParse parse_frame(const uint8_t* data, size_t size, uint32_t max_bytes,
                       std::string_view& payload, size_t& consumed);
// The size a frame's prefix declares (negative for a hostile one). REQUIRES: size >= 4.
int32_t declared_frame_size(const uint8_t* data);

enum class RequestParse {
  kOk,
  kUnknownApi,          // header.request_api_key is not an API PolyMQ knows
  kUnsupportedVersion,  // header is read; the version is outside the API's range
  kMalformed,           // truncated or malformed header or body, or bytes after the body
};

struct Request {
  RequestHeader header;
  int16_t header_version = -1;
  RequestBody body;
};

// Parses one request payload (the bytes after the size prefix). On kUnknownApi the api key,
// version and correlation id are still set from the first eight bytes when there are eight;
// on kUnsupportedVersion the whole header is, so the caller can answer (ApiVersions with
// UNSUPPORTED_VERSION, in response header v0). As Kafka's own broker, a body must be followed
// by nothing. Records fields (Produce) are views into `payload`: keep it while `out` is used.
RequestParse parse_request(std::string_view payload, Request& out);

// Appends a complete frame: size prefix, header in the version the API and version call for,
// and the body. encode_request is what a client writes (tests, tools); append_response is the
// broker's answer to a request of `version`.
void append_request(std::string& out, int16_t version, int32_t correlation_id,
                    const std::optional<std::string>& client_id, const RequestBody& body);
// With `splices`, records fields are not copied into `out` but listed there (Writer): the
// frame is `out` with each splice's bytes inserted at its position.
void append_response(std::string& out, int16_t version, int32_t correlation_id,
                     const ResponseBody& body, std::vector<Splice>* splices = nullptr);

template <class M>
void append_request(std::string& out, int16_t version, int32_t correlation_id,
                    const std::optional<std::string>& client_id, const M& body) {
  append_request(out, version, correlation_id, client_id, RequestBody(body));
}
template <class M>
void append_response(std::string& out, int16_t version, int32_t correlation_id, const M& body) {
  append_response(out, version, correlation_id, ResponseBody(body));
}

// Parses a response payload to a request of api_key/version (a client's view: tests, tools).
bool parse_response(std::string_view payload, int16_t api_key, int16_t version,
                    ResponseHeader& header, ResponseBody& body);

}  // namespace polymq::kafka
