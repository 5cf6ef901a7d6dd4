#include "amqp/codec/frame.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace polymq::amqp {
namespace {

const uint8_t* bytes_of(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

FrameParse parse(const std::string& s, uint32_t frame_max, Frame& f, size_t& consumed) {
  return parse_frame(bytes_of(s), s.size(), frame_max, f, consumed);
}

std::string frame_bytes(uint8_t type, uint16_t channel, const std::string& payload) {
  std::string out;
  Writer w(out);
  w.u8(type);
  w.u16(channel);
  w.u32(static_cast<uint32_t>(payload.size()));
  w.raw(payload);
  w.u8(kFrameEnd);
  return out;
}

TEST(Frame, ProtocolHeader) {
  EXPECT_EQ(std::string(kProtocolHeader.begin(), kProtocolHeader.end()),
            std::string("AMQP\x00\x00\x09\x01", 8));
}

TEST(Frame, ParsesOneFrame) {
  std::string s = frame_bytes(kFrameBody, 0x1234, "hello") + "next";
  Frame f{};
  size_t consumed = 0;
  ASSERT_EQ(parse(s, kFrameMinSize, f, consumed), FrameParse::kFrame);
  EXPECT_EQ(consumed, 13u);
  EXPECT_EQ(f.type, kFrameBody);
  EXPECT_EQ(f.channel, 0x1234);
  EXPECT_EQ(f.size, 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(f.payload), f.size), "hello");
  EXPECT_EQ(f.payload, bytes_of(s) + kFrameHeaderSize);
}

TEST(Frame, ParsesConsecutiveFrames) {
  std::string s;
  append_heartbeat_frame(s);
  append_method_frame(s, 2, spec::BasicAck{});
  append_body_frames(s, 2, "abc", kFrameMinSize);
  std::vector<uint8_t> types;
  size_t pos = 0;
  while (pos < s.size()) {
    Frame f{};
    size_t consumed = 0;
    ASSERT_EQ(parse_frame(bytes_of(s) + pos, s.size() - pos, 0, f, consumed), FrameParse::kFrame);
    types.push_back(f.type);
    pos += consumed;
  }
  EXPECT_EQ(types, (std::vector<uint8_t>{kFrameHeartbeat, kFrameMethod, kFrameBody}));
}

TEST(Frame, NeedMoreAtEverySplitPoint) {
  std::string s = frame_bytes(kFrameMethod, 1, std::string(40, 'm'));
  for (size_t n = 0; n < s.size(); ++n) {
    Frame f{};
    size_t consumed = 99;
    EXPECT_EQ(parse_frame(bytes_of(s), n, kFrameMinSize, f, consumed), FrameParse::kNeedMore)
        << "at " << n;
    EXPECT_EQ(consumed, 0u);
  }
}

TEST(Frame, TooLargeIsKnownFromTheHeaderAlone) {
  std::string header("\x03\x00\x01\x00\x00\x10\x00", 7);  // payload 4096 + 8 > 4096
  Frame f{};
  size_t consumed = 0;
  EXPECT_EQ(parse(header, kFrameMinSize, f, consumed), FrameParse::kTooLarge);
  std::string six = header.substr(0, 6);
  EXPECT_EQ(parse(six, kFrameMinSize, f, consumed), FrameParse::kNeedMore);
  // Exactly frame_max bytes in all is allowed.
  std::string fits = frame_bytes(kFrameBody, 1, std::string(kFrameMinSize - 8, 'b'));
  EXPECT_EQ(parse(fits, kFrameMinSize, f, consumed), FrameParse::kFrame);
  EXPECT_EQ(consumed, kFrameMinSize);
  // frame_max 0: no limit; the largest size still only needs more data.
  std::string max_header("\x03\x00\x01\xff\xff\xff\xff", 7);
  EXPECT_EQ(parse(max_header, 0, f, consumed), FrameParse::kNeedMore);
  EXPECT_EQ(parse(max_header, UINT32_MAX, f, consumed), FrameParse::kTooLarge);
}

TEST(Frame, BadFrameEnd) {
  std::string s = frame_bytes(kFrameHeartbeat, 0, "");
  s.back() = '\xcd';
  Frame f{};
  size_t consumed = 0;
  EXPECT_EQ(parse(s, 0, f, consumed), FrameParse::kBadFrameEnd);
  EXPECT_EQ(consumed, 0u);
}

TEST(Frame, BadTypeIsKnownFromTheFirstByte) {
  for (int type : {0, 4, 5, 6, 7, 9, int{'A'}, int{'G'}, 0xce, 0xff}) {
    std::string s(1, static_cast<char>(type));
    Frame f{};
    size_t consumed = 0;
    EXPECT_EQ(parse(s, 0, f, consumed), FrameParse::kBadType) << type;
  }
  Frame f{};
  size_t consumed = 0;
  // A client speaking another protocol version sends "AMQP..." where a frame is expected.
  std::string again(kProtocolHeader.begin(), kProtocolHeader.end());
  EXPECT_EQ(parse(again, 0, f, consumed), FrameParse::kBadType);
}

TEST(Frame, HeartbeatGolden) {
  std::string s;
  append_heartbeat_frame(s);
  EXPECT_EQ(s, std::string("\x08\x00\x00\x00\x00\x00\x00\xce", 8));
}

TEST(Frame, BodySplitsByFrameMax) {
  std::string body(10000, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7);
  std::string out = "x";
  append_body_frames(out, 9, body, kFrameMinSize);
  std::string joined;
  std::vector<uint32_t> sizes;
  size_t pos = 1;
  while (pos < out.size()) {
    Frame f{};
    size_t consumed = 0;
    ASSERT_EQ(parse_frame(bytes_of(out) + pos, out.size() - pos, kFrameMinSize, f, consumed),
              FrameParse::kFrame);
    EXPECT_EQ(f.type, kFrameBody);
    EXPECT_EQ(f.channel, 9);
    sizes.push_back(f.size);
    joined.append(reinterpret_cast<const char*>(f.payload), f.size);
    pos += consumed;
  }
  EXPECT_EQ(sizes, (std::vector<uint32_t>{4088, 4088, 1824}));
  EXPECT_EQ(joined, body);
}

TEST(Frame, BodyExactMultipleAndEmpty) {
  std::string out;
  append_body_frames(out, 1, std::string(2 * 4088, 'z'), 4096);
  EXPECT_EQ(out.size(), 2u * 4096);
  std::string empty;
  append_body_frames(empty, 1, "", 4096);
  EXPECT_TRUE(empty.empty());
  std::string unlimited;
  append_body_frames(unlimited, 1, std::string(100000, 'u'), 0);
  EXPECT_EQ(unlimited.size(), 100000u + 8);
  std::string tiny_max;  // below the minimum: treated as kFrameMinSize
  append_body_frames(tiny_max, 1, std::string(5000, 't'), 10);
  EXPECT_EQ(tiny_max.size(), 5000u + 2 * 8);
}

TEST(Frame, MethodFrameForTheVariant) {
  spec::Method m = spec::ChannelOpen{};
  std::string a;
  std::string b;
  append_method_frame(a, 3, m);
  append_method_frame(b, 3, spec::ChannelOpen{});
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, std::string("\x01\x00\x03\x00\x00\x00\x05\x00\x14\x00\x0a\x00\xce", 13));
}

TEST(Frame, TypeNames) {
  EXPECT_STREQ(frame_type_name(kFrameMethod), "method");
  EXPECT_STREQ(frame_type_name(kFrameHeartbeat), "heartbeat");
  EXPECT_STREQ(frame_type_name(42), "unknown");
}

}  // namespace
}  // namespace polymq::amqp
