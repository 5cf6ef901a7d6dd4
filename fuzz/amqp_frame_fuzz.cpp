// libFuzzer target for everything that reads AMQP bytes off the network: the frame parser, and on
// each frame the method, content header and field table decoders. Besides sanitizer findings it
// checks that whatever decodes re-encodes to bytes that decode to the same encoding again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "amqp/codec/content_header.h"
#include "amqp/codec/field_table.h"
#include "amqp/codec/frame.h"
#include "amqp/codec/generated/amqp_spec.h"

namespace {

using namespace polymq::amqp;

const uint8_t* bytes_of(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

void check_method(const Frame& f) {
  spec::Method m;
  if (spec::decode_method(f.payload, f.size, m) != spec::MethodDecode::kOk) return;
  std::string once;
  Writer w(once);
  spec::encode_method(w, m);
  spec::Method again;
  if (spec::decode_method(bytes_of(once), once.size(), again) != spec::MethodDecode::kOk) abort();
  std::string twice;
  Writer w2(twice);
  spec::encode_method(w2, again);
  if (once != twice) abort();
  if (spec::method_info(m) == nullptr) abort();
}

void check_content_header(const Frame& f) {
  uint16_t class_id = 0;
  uint64_t body_size = 0;
  polymq::core::Properties props;
  if (!decode_content_header(f.payload, f.size, class_id, body_size, props)) return;
  std::string once;
  append_content_header_frame(once, f.channel, class_id, body_size, props);
  Frame g{};
  size_t consumed = 0;
  if (parse_frame(bytes_of(once), once.size(), 0, g, consumed) != FrameParse::kFrame) abort();
  uint16_t class_id2 = 0;
  uint64_t body_size2 = 0;
  polymq::core::Properties props2;
  if (!decode_content_header(g.payload, g.size, class_id2, body_size2, props2)) abort();
  std::string twice;
  append_content_header_frame(twice, f.channel, class_id2, body_size2, props2);
  if (once != twice || class_id != class_id2 || body_size != body_size2) abort();
}

void check_table(const Frame& f) {
  Reader r(f.payload, f.size);
  polymq::core::Table t;
  if (!decode_table(r, t)) return;
  std::string once;
  Writer w(once);
  encode_table(w, t);
  Reader r2(bytes_of(once), once.size());
  polymq::core::Table t2;
  if (!decode_table(r2, t2) || r2.remaining() != 0) abort();
  std::string twice;
  Writer w2(twice);
  encode_table(w2, t2);
  if (once != twice) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The first byte picks the negotiated frame_max, so both limited and unlimited paths run.
  if (size == 0) return 0;
  const uint32_t frame_max = (data[0] & 1) != 0 ? 0 : kFrameMinSize;
  ++data;
  --size;
  size_t pos = 0;
  while (pos < size) {
    Frame f{};
    size_t consumed = 0;
    if (parse_frame(data + pos, size - pos, frame_max, f, consumed) != FrameParse::kFrame) break;
    if (consumed < kFrameOverhead || consumed > size - pos) abort();
    switch (f.type) {
      case kFrameMethod:
        check_method(f);
        break;
      case kFrameHeader:
        check_content_header(f);
        break;
      default:
        break;
    }
    check_table(f);
    pos += consumed;
  }
  return 0;
}
