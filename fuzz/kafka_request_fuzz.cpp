// libFuzzer target for everything that reads Kafka bytes off the network: framing, the request
// header and every generated request body, the response bodies (a client's side), and the
// RecordBatch v2 header and records of what a Produce carries. Besides sanitizer findings it
// checks that whatever decodes re-encodes to bytes that decode and re-encode the same again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kafka/protocol/frame.h"
#include "kafka/protocol/record_batch.h"

namespace {

using namespace polymq::kafka;

void check_records(std::string_view records) {
  BatchIterator it(records);
  while (!it.done()) {
    std::string_view batch;
    RecordBatchHeader h;
    const BatchParse p = it.next(batch, h);
    if (p != BatchParse::kOk) {
      // Walk a batch whose CRC is wrong anyway: the record reader must not trust it.
      if (p != BatchParse::kBadCrc) return;
      batch = records.substr(0, h.size());
    }
    if (batch.size() != h.size()) abort();
    if (h.compression() == Compression::kNone) {
      RecordReader reader(batch, h);
      Record r;
      int32_t n = 0;
      while (reader.next(r)) {
        if (r.key && (r.key->data() < batch.data() ||
                      r.key->data() + r.key->size() > batch.data() + batch.size())) {
          abort();
        }
        ++n;
      }
      if (reader.ok() && n != h.record_count) abort();
    }
    if (p != BatchParse::kOk) return;
  }
}

void check_request(std::string_view payload) {
  Request r;
  if (parse_request(payload, r) != RequestParse::kOk) return;
  std::string once;
  append_request(once, r.header.request_api_version, r.header.correlation_id, r.header.client_id,
                 r.body);
  std::string_view p1;
  size_t consumed = 0;
  if (parse_frame(reinterpret_cast<const uint8_t*>(once.data()), once.size(), UINT32_MAX, p1,
                  consumed) != FrameParse::kFrame) {
    abort();
  }
  Request again;
  if (parse_request(p1, again) != RequestParse::kOk) abort();
  std::string twice;
  append_request(twice, again.header.request_api_version, again.header.correlation_id,
                 again.header.client_id, again.body);
  if (once != twice) abort();
  if (const auto* produce = std::get_if<ProduceRequest>(&r.body)) {
    for (const auto& topic : produce->topic_data) {
      for (const auto& part : topic.partition_data) {
        if (part.records) check_records(*part.records);
      }
    }
  }
}

// The payload read as a response body of the api key and version in its first four bytes.
void check_response(std::string_view payload) {
  Reader head(payload);
  const int16_t key = head.int16();
  const int16_t version = head.int16();
  if (!head.ok() || api_info(key) == nullptr) return;
  Reader in(payload.substr(4));
  ResponseBody body;
  if (!decode_response_body(key, version, in, body)) return;
  std::string once;
  Writer w1(once);
  encode_body(w1, version, body);
  Reader in2(once);
  ResponseBody again;
  if (!decode_response_body(key, version, in2, again) || in2.remaining() != 0) abort();
  std::string twice;
  Writer w2(twice);
  encode_body(w2, version, again);
  if (once != twice) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The first byte picks the request size limit, so both the default and a small one run.
  if (size == 0) return 0;
  const uint32_t max_bytes = (data[0] & 1) != 0 ? 64 : kDefaultMaxRequestBytes;
  ++data;
  --size;
  size_t pos = 0;
  while (pos < size) {
    std::string_view payload;
    size_t consumed = 0;
    if (parse_frame(data + pos, size - pos, max_bytes, payload, consumed) != FrameParse::kFrame) {
      break;
    }
    if (consumed < kSizePrefixBytes || consumed > size - pos) abort();
    check_request(payload);
    check_response(payload);
    check_records(payload);
    pos += consumed;
  }
  return 0;
}
