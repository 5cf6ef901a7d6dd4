// AMQP 0-9-1 framing: type octet, channel short, payload size long, payload, frame-end octet.
//
// parse_frame() never copies: a Frame points into the caller's buffer and is valid while that
// buffer is. The writers append complete frames to an output string so that many frames can be
// batched into one write.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "amqp/codec/generated/amqp_spec.h"
#include "amqp/codec/wire.h"
#include "core/message.h"

namespace polymq::amqp {

constexpr uint8_t kFrameMethod = spec::kFrameMethod;
constexpr uint8_t kFrameHeader = spec::kFrameHeader;
constexpr uint8_t kFrameBody = spec::kFrameBody;
constexpr uint8_t kFrameHeartbeat = spec::kFrameHeartbeat;
constexpr uint8_t kFrameEnd = spec::kFrameEnd;
constexpr size_t kFrameHeaderSize = 7;
// Header plus frame-end octet: what a frame costs beyond its payload.
constexpr size_t kFrameOverhead = kFrameHeaderSize + 1;
constexpr uint32_t kFrameMinSize = spec::kFrameMinSize;

// What a client sends first; a server answers anything else with this and closes.
inline constexpr std::array<uint8_t, 8> kProtocolHeader = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};

struct Frame {
  uint8_t type;
  uint16_t channel;
  const uint8_t* payload;  // points into the parsed buffer
  uint32_t size;
};

enum class FrameParse {
  kFrame,        // `out` and `consumed` are set
  kNeedMore,     // the buffer holds a prefix of a valid frame
  kTooLarge,     // the declared size exceeds frame_max (known from the 7 header bytes)
  kBadFrameEnd,  // the octet after the payload is not kFrameEnd
  kBadType,      // the type octet is not method, header, body or heartbeat
};

// Parses one frame from the front of [data, data + size). `frame_max` is the negotiated maximum
// frame size including the 8 bytes of framing; 0 means no limit. The type is judged from the
// first byte and the size from the first seven, so a bad or oversized frame is rejected before
// its payload has to be buffered.
FrameParse parse_frame(const uint8_t* data, size_t size, uint32_t frame_max, Frame& out,
                       size_t& consumed);

// Appends a method frame: header (size back-patched), class id, method id, arguments, frame end.
template <class M>
void append_method_frame(std::string& out, uint16_t channel, const M& method) {
  Writer w(out);
  w.u8(kFrameMethod);
  w.u16(channel);
  size_t size_pos = w.position();
  w.u32(0);
  if constexpr (std::is_same_v<M, spec::Method>) {
    spec::encode_method(w, method);
  } else {
    w.u16(M::kClassId);
    w.u16(M::kMethodId);
    method.encode_args(w);
  }
  w.patch_u32(size_pos, static_cast<uint32_t>(w.position() - size_pos - 4));
  w.u8(kFrameEnd);
}

// Appends a content header frame: class id, weight 0, body size, property flags and properties.
void append_content_header_frame(std::string& out, uint16_t channel, uint16_t class_id,
                                 uint64_t body_size, const core::Properties& props);

// Appends the body as frames of at most frame_max - 8 payload bytes each; an empty body appends
// nothing. frame_max 0 means no limit; a value below kFrameMinSize is treated as kFrameMinSize.
void append_body_frames(std::string& out, uint16_t channel, std::string_view body,
                        uint32_t frame_max);

// Appends a heartbeat frame (type 8, channel 0, empty payload).
void append_heartbeat_frame(std::string& out);

// Name for logs: "method", "header", "body", "heartbeat" or "unknown".
const char* frame_type_name(uint8_t type);

}  // namespace polymq::amqp
