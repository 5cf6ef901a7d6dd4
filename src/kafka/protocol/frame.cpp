#include "kafka/protocol/frame.h"

namespace polymq::kafka {

FrameParse parse_frame(const uint8_t* data, size_t size, uint32_t max_bytes,
                       std::string_view& payload, size_t& consumed) {
  if (size < kSizePrefixBytes) return FrameParse::kNeedMore;
  const int32_t declared = declared_frame_size(data);
  if (declared < 0) return FrameParse::kNegative;
  const auto n = static_cast<uint32_t>(declared);
  if (n > max_bytes) return FrameParse::kTooLarge;
  if (size - kSizePrefixBytes < n) return FrameParse::kNeedMore;
  payload = std::string_view(reinterpret_cast<const char*>(data) + kSizePrefixBytes, n);
  consumed = kSizePrefixBytes + n;
  return FrameParse::kFrame;
}

int32_t declared_frame_size(const uint8_t* data) {
  Reader prefix(data, kSizePrefixBytes);
  return prefix.int32();
}

RequestParse parse_request(std::string_view payload, Request& out) {
  out = Request{};
  Reader in(payload);
  // Api key and version come first in every header version; they choose the rest.
  {
    Reader peek(payload);
    out.header.request_api_key = peek.int16();
    out.header.request_api_version = peek.int16();
    out.header.correlation_id = peek.int32();
    if (!peek.ok()) return RequestParse::kMalformed;
  }
  const int16_t key = out.header.request_api_key;
  const int16_t version = out.header.request_api_version;
  const ApiInfo* info = api_info(key);
  if (info == nullptr) return RequestParse::kUnknownApi;
  out.header_version = request_header_version(key, version);
  if (!out.header.decode(in, out.header_version)) return RequestParse::kMalformed;
  if (version < info->min_version || version > info->max_version) {
    return RequestParse::kUnsupportedVersion;
  }
  if (!decode_request_body(key, version, in, out.body)) return RequestParse::kMalformed;
  if (in.remaining() != 0) return RequestParse::kMalformed;
  return RequestParse::kOk;
}

namespace {

// Writes a zero size, then lets `fill` append, then patches the size (spliced records
// included).
template <class Fill>
void framed(std::string& out, std::vector<Splice>* splices, Fill&& fill) {
  Writer w(out, splices);
  const size_t size_pos = w.position();
  w.int32(0);
  fill(w);
  w.patch_int32(size_pos, static_cast<int32_t>(w.position() + w.spliced_bytes() - size_pos -
                                               kSizePrefixBytes));
}

}  // namespace

void append_request(std::string& out, int16_t version, int32_t correlation_id,
                    const std::optional<std::string>& client_id, const RequestBody& body) {
  const int16_t key = api_key_of(body);
  if (key < 0) return;
  framed(out, nullptr, [&](Writer& w) {
    RequestHeader h;
    h.request_api_key = key;
    h.request_api_version = version;
    h.correlation_id = correlation_id;
    h.client_id = client_id;
    h.encode(w, request_header_version(key, version));
    encode_body(w, version, body);
  });
}

void append_response(std::string& out, int16_t version, int32_t correlation_id,
                     const ResponseBody& body, std::vector<Splice>* splices) {
  const int16_t key = api_key_of(body);
  if (key < 0) return;
  framed(out, splices, [&](Writer& w) {
    ResponseHeader h;
    h.correlation_id = correlation_id;
    h.encode(w, response_header_version(key, version));
    encode_body(w, version, body);
  });
}

bool parse_response(std::string_view payload, int16_t api_key, int16_t version,
                    ResponseHeader& header, ResponseBody& body) {
  const int16_t header_version = response_header_version(api_key, version);
  if (header_version < 0) return false;
  Reader in(payload);
  if (!header.decode(in, header_version)) return false;
  return decode_response_body(api_key, version, in, body) && in.remaining() == 0;
}

}  // namespace polymq::kafka
