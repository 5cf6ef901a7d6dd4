// The primitives against bytes written out by hand from the Kafka protocol guide.
#include "kafka/protocol/wire.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace polymq::kafka {
namespace {

// A literal's bytes, NULs included (the literal outlives every Reader made from it).
template <size_t N>
std::string_view bytes(const char (&s)[N]) {
  return std::string_view(s, N - 1);
}

TEST(KafkaWire, FixedWidthIntegersAreBigEndian) {
  std::string out;
  Writer w(out);
  w.int8(-2);
  w.int16(0x0102);
  w.int32(-1);
  w.int64(0x0102030405060708);
  w.uint16(0xFFFE);
  w.uint32(0x80000001u);
  w.float64(1.5);
  w.boolean(true);
  EXPECT_EQ(out, bytes("\xfe\x01\x02\xff\xff\xff\xff\x01\x02\x03\x04\x05\x06\x07\x08\xff\xfe"
                       "\x80\x00\x00\x01\x3f\xf8\x00\x00\x00\x00\x00\x00\x01"));
  Reader r(out);
  EXPECT_EQ(r.int8(), -2);
  EXPECT_EQ(r.int16(), 0x0102);
  EXPECT_EQ(r.int32(), -1);
  EXPECT_EQ(r.int64(), 0x0102030405060708);
  EXPECT_EQ(r.uint16(), 0xFFFE);
  EXPECT_EQ(r.uint32(), 0x80000001u);
  EXPECT_EQ(r.float64(), 1.5);
  EXPECT_TRUE(r.boolean());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(KafkaWire, VarintsMatchKafka) {
  // ByteUtils: unsigned 300 = ac 02; zig-zag 0, -1, 1, -2 = 0, 1, 2, 3; int32 min = ff ff ff ff 0f.
  std::string out;
  Writer w(out);
  w.uvarint(300);
  w.varint(0);
  w.varint(-1);
  w.varint(1);
  w.varint(-2);
  w.varint(std::numeric_limits<int32_t>::min());
  w.varlong(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(out, bytes("\xac\x02\x00\x01\x02\x03\xff\xff\xff\xff\x0f"
                       "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01"));
  Reader r(out);
  EXPECT_EQ(r.uvarint(), 300u);
  EXPECT_EQ(r.varint(), 0);
  EXPECT_EQ(r.varint(), -1);
  EXPECT_EQ(r.varint(), 1);
  EXPECT_EQ(r.varint(), -2);
  EXPECT_EQ(r.varint(), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(r.varlong(), std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(r.ok());
}

TEST(KafkaWire, OverlongVarintIsMalformed) {
  Reader r(bytes("\x80\x80\x80\x80\x80\x01"));
  r.uvarint();
  EXPECT_EQ(r.error(), WireError::kMalformed);
  Reader r2(bytes("\x80\x80"));
  r2.varlong();
  EXPECT_EQ(r2.error(), WireError::kTruncated);
}

TEST(KafkaWire, ClassicAndCompactStrings) {
  std::string out;
  Writer w(out);
  w.string("ab", false);
  w.string("ab", true);
  w.nullable_string(std::nullopt, false);
  w.nullable_string(std::nullopt, true);
  w.nullable_string(std::nullopt, false, /*nullable=*/false);
  w.bytes("x", false);
  w.nullable_bytes(std::nullopt, true);
  EXPECT_EQ(out, bytes("\x00\x02"
                       "ab"
                       "\x03"
                       "ab"
                       "\xff\xff"
                       "\x00"
                       "\x00\x00"
                       "\x00\x00\x00\x01x"
                       "\x00"));
  Reader r(out);
  std::string s;
  std::optional<std::string> o;
  EXPECT_TRUE(r.string(s, false));
  EXPECT_EQ(s, "ab");
  EXPECT_TRUE(r.string(s, true));
  EXPECT_EQ(s, "ab");
  EXPECT_TRUE(r.nullable_string(o, false, true));
  EXPECT_FALSE(o.has_value());
  EXPECT_TRUE(r.nullable_string(o, true, true));
  EXPECT_FALSE(o.has_value());
  EXPECT_TRUE(r.nullable_string(o, false, true));
  EXPECT_EQ(o, "");
  EXPECT_TRUE(r.bytes(s, false));
  EXPECT_EQ(s, "x");
  EXPECT_TRUE(r.nullable_bytes(o, true, true));
  EXPECT_FALSE(o.has_value());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(KafkaWire, NullWhereNotAllowedIsMalformed) {
  Reader r(bytes("\xff\xff"));
  std::string s;
  EXPECT_FALSE(r.string(s, false));
  EXPECT_EQ(r.error(), WireError::kMalformed);
  Reader r2(bytes("\x00"));
  EXPECT_FALSE(r2.string(s, true));
  Reader r3(bytes("\xff\xff\xff\xff"));
  EXPECT_EQ(r3.array_length(false, false, 1), -1);
  EXPECT_FALSE(r3.ok());
}

TEST(KafkaWire, NegativeLengthOtherThanNullIsMalformed) {
  Reader r(bytes("\xff\xfe"));
  std::optional<std::string> o;
  EXPECT_FALSE(r.nullable_string(o, false, true));
  EXPECT_EQ(r.error(), WireError::kMalformed);
}

TEST(KafkaWire, LengthsBeyondTheInputFailBeforeAllocating) {
  // A string claiming 32767 bytes with 2 left, and arrays claiming more elements than fit.
  Reader r(
      bytes("\x7f\xff"
            "ab"));
  std::string s;
  EXPECT_FALSE(r.string(s, false));
  EXPECT_EQ(r.error(), WireError::kTruncated);
  Reader a(
      bytes("\x00\x00\x00\x03"
            "\x00\x00\x00\x01\x00\x00\x00\x02"));
  EXPECT_EQ(a.array_length(false, false, 4), -1);  // 3 int32s need 12 bytes, 8 are left
  EXPECT_FALSE(a.ok());
  Reader b(
      bytes("\x00\x00\x00\x02"
            "\x00\x00\x00\x01\x00\x00\x00\x02"));
  EXPECT_EQ(b.array_length(false, false, 4), 2);
  Reader c(bytes("\xff\xff\xff\xff\x0f"));  // compact: 2^32 - 2 elements, nothing left
  EXPECT_EQ(c.array_length(true, true, 1), -1);
  EXPECT_FALSE(c.ok());
}

TEST(KafkaWire, ReadsPastTheEndStick) {
  Reader r(bytes("\x01"));
  EXPECT_EQ(r.int32(), 0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.int8(), 0);  // the one byte is not handed out after a failure
  EXPECT_EQ(r.error(), WireError::kTruncated);
}

TEST(KafkaWire, SubReaderBoundsATaggedField) {
  Reader r(bytes("\x01\x02\x03"));
  Reader sub = r.sub(2);
  EXPECT_EQ(sub.int16(), 0x0102);
  EXPECT_EQ(sub.int8(), 0);
  EXPECT_FALSE(sub.ok());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.int8(), 3);
  Reader short_input(bytes("\x01"));
  Reader none = short_input.sub(2);
  EXPECT_FALSE(none.ok());
  EXPECT_FALSE(short_input.ok());
}

TEST(KafkaWire, UuidRoundTrip) {
  Uuid u;
  for (size_t i = 0; i < 16; ++i) u.bytes[i] = static_cast<uint8_t>(0xA0 + i);
  std::string out;
  Writer w(out);
  w.uuid(u);
  ASSERT_EQ(out.size(), 16u);
  Reader r(out);
  EXPECT_EQ(r.uuid(), u);
}

}  // namespace
}  // namespace polymq::kafka
