#include "amqp/codec/wire.h"

#include <gtest/gtest.h>

#include <string>

namespace polymq::amqp {
namespace {

TEST(Reader, ReadsBigEndianIntegers) {
  const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                          0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
  Reader r(data, sizeof data);
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16(), 0x0203);
  EXPECT_EQ(r.u32(), 0x04050607u);
  EXPECT_EQ(r.u64(), 0x08090a0b0c0d0e0full);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(Reader, FailureIsStickyAndNeverReadsPastTheEnd) {
  const uint8_t data[] = {0xff, 0xee, 0xdd};
  Reader r(data, sizeof data);
  EXPECT_EQ(r.u32(), 0u);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(r.u8(), 0u);  // would fit in the original buffer, but the reader has failed
  std::string s = "x";
  EXPECT_FALSE(r.shortstr(s));
  EXPECT_TRUE(s.empty());
  std::string_view v;
  EXPECT_FALSE(r.bytes(0, v));
  EXPECT_FALSE(r.ok());
}

TEST(Reader, Strings) {
  std::string in(
      "\x03"
      "abc"
      "\x00\x00\x00\x02"
      "\x00\xff"
      "tail",
      4 + 6 + 4);
  Reader r(in);
  std::string s;
  ASSERT_TRUE(r.shortstr(s));
  EXPECT_EQ(s, "abc");
  ASSERT_TRUE(r.longstr(s));
  EXPECT_EQ(s, std::string("\x00\xff", 2));
  std::string_view v;
  ASSERT_TRUE(r.bytes(4, v));
  EXPECT_EQ(v, "tail");
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(Reader, LengthPastTheEndFails) {
  std::string in(
      "\x05"
      "abcd");
  Reader r(in);
  std::string s;
  EXPECT_FALSE(r.shortstr(s));
  EXPECT_FALSE(r.ok());
  const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 'a'};
  Reader r2(huge, sizeof huge);
  EXPECT_FALSE(r2.longstr(s));
}

TEST(Writer, WritesBigEndianAndPatches) {
  std::string out = "pre";
  Writer w(out);
  EXPECT_EQ(w.position(), 3u);
  w.u8(0x01);
  size_t pos = w.position();
  w.u32(0);
  w.u16(0x0203);
  w.u64(0x0405060708090a0bull);
  w.patch_u32(pos, 0xa1b2c3d4u);
  EXPECT_EQ(out, std::string("pre\x01\xa1\xb2\xc3\xd4\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b"));
  w.patch_u32(out.size() - 2, 0);  // out of range: ignored
  EXPECT_EQ(out.size(), 18u);
}

TEST(Writer, Strings) {
  std::string out;
  Writer w(out);
  w.shortstr("ab");
  w.longstr(std::string("\x00z", 2));
  w.raw("r");
  EXPECT_EQ(out, std::string("\x02"
                             "ab\x00\x00\x00\x02\x00zr",
                             10));
}

TEST(Writer, ShortstrTruncatesAt255) {
  std::string out;
  Writer w(out);
  w.shortstr(std::string(300, 'q'));
  ASSERT_EQ(out.size(), 256u);
  EXPECT_EQ(static_cast<uint8_t>(out[0]), 255);
}

}  // namespace
}  // namespace polymq::amqp
