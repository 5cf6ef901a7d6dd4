#include "amqp/codec/frame.h"

#include <algorithm>

#include "amqp/codec/content_header.h"

namespace polymq::amqp {

FrameParse parse_frame(const uint8_t* data, size_t size, uint32_t frame_max, Frame& out,
                       size_t& consumed) {
  consumed = 0;
  if (size == 0) return FrameParse::kNeedMore;
  uint8_t type = data[0];
  if (type != kFrameMethod && type != kFrameHeader && type != kFrameBody &&
      type != kFrameHeartbeat) {
    return FrameParse::kBadType;
  }
  if (size < kFrameHeaderSize) return FrameParse::kNeedMore;
  Reader header(data + 1, kFrameHeaderSize - 1);
  uint16_t channel = header.u16();
  uint32_t payload_size = header.u32();
  uint64_t total = uint64_t{payload_size} + kFrameOverhead;
  if (frame_max != 0 && total > frame_max) return FrameParse::kTooLarge;
  if (size < total) return FrameParse::kNeedMore;
  if (data[total - 1] != kFrameEnd) return FrameParse::kBadFrameEnd;
  out = Frame{type, channel, data + kFrameHeaderSize, payload_size};
  consumed = static_cast<size_t>(total);
  return FrameParse::kFrame;
}

void append_content_header_frame(std::string& out, uint16_t channel, uint16_t class_id,
                                 uint64_t body_size, const core::Properties& props) {
  Writer w(out);
  w.u8(kFrameHeader);
  w.u16(channel);
  size_t size_pos = w.position();
  w.u32(0);
  w.u16(class_id);
  w.u16(0);  // weight
  w.u64(body_size);
  encode_basic_properties(w, props);
  w.patch_u32(size_pos, static_cast<uint32_t>(w.position() - size_pos - 4));
  w.u8(kFrameEnd);
}

void append_body_frames(std::string& out, uint16_t channel, std::string_view body,
                        uint32_t frame_max) {
  size_t chunk = UINT32_MAX;
  if (frame_max != 0) chunk = std::max(frame_max, kFrameMinSize) - kFrameOverhead;
  out.reserve(out.size() + body.size() + (body.size() / chunk + 1) * kFrameOverhead);
  Writer w(out);
  while (!body.empty()) {
    std::string_view part = body.substr(0, chunk);
    body.remove_prefix(part.size());
    w.u8(kFrameBody);
    w.u16(channel);
    w.u32(static_cast<uint32_t>(part.size()));
    w.raw(part);
    w.u8(kFrameEnd);
  }
}

void append_heartbeat_frame(std::string& out) {
  Writer w(out);
  w.u8(kFrameHeartbeat);
  w.u16(0);
  w.u32(0);
  w.u8(kFrameEnd);
}

const char* frame_type_name(uint8_t type) {
  switch (type) {
    case kFrameMethod:
      return "method";
    case kFrameHeader:
      return "header";
    case kFrameBody:
      return "body";
    case kFrameHeartbeat:
      return "heartbeat";
    default:
      return "unknown";
  }
}

}  // namespace polymq::amqp
