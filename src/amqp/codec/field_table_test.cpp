#include "amqp/codec/field_table.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>

namespace polymq::amqp {
namespace {

using core::Value;
using core::ValueKind;

std::string encode(const core::Table& t) {
  std::string out;
  Writer w(out);
  encode_table(w, t);
  return out;
}

bool decode(const std::string& bytes, core::Table& t) {
  Reader r(bytes);
  return decode_table(r, t) && r.remaining() == 0;
}

core::Table every_type() {
  return {
      {"void", Value::Void()},
      {"true", Value::Bool(true)},
      {"false", Value::Bool(false)},
      {"i8", Value::Int(ValueKind::kInt8, -128)},
      {"u8", Value::UInt(ValueKind::kUInt8, 255)},
      {"i16", Value::Int(ValueKind::kInt16, -32768)},
      {"u16", Value::UInt(ValueKind::kUInt16, 65535)},
      {"i32", Value::Int32(std::numeric_limits<int32_t>::min())},
      {"u32", Value::UInt(ValueKind::kUInt32, 0xffffffffu)},
      {"i64", Value::Int64(std::numeric_limits<int64_t>::min())},
      {"f", Value::Float(1.5f)},
      {"d", Value::Double(-2.25)},
      {"dec", Value::Dec({2, 314})},
      {"s", Value::String(std::string("h\x00llo", 5))},
      {"x", Value::Bytes(std::string("\x00\xff\x01", 3))},
      {"ts", Value::Timestamp(1700000000)},
      {"arr", Value::Arr({Value::Int32(1), Value::String("two"), Value::Void(),
                          Value::Arr({Value::Bool(true)}), Value::Tab({{"k", Value::Int64(9)}})})},
      {"tab",
       Value::Tab({{"nested", Value::Tab({{"deep", Value::Arr({})}})}, {"e", Value::Tab({})}})},
  };
}

void expect_same(const Value& a, const Value& b) {
  ASSERT_EQ(a.kind, b.kind);
  ASSERT_EQ(a.data.index(), b.data.index());
  if (const core::Array* arr = a.as_array()) {
    const core::Array* other = b.as_array();
    ASSERT_EQ(arr->size(), other->size());
    for (size_t i = 0; i < arr->size(); ++i) expect_same((*arr)[i], (*other)[i]);
  } else if (const core::Table* t = a.as_table()) {
    const core::Table* other = b.as_table();
    ASSERT_EQ(t->size(), other->size());
    for (size_t i = 0; i < t->size(); ++i) {
      EXPECT_EQ((*t)[i].first, (*other)[i].first);
      expect_same((*t)[i].second, (*other)[i].second);
    }
  } else {
    EXPECT_TRUE(a.data == b.data);
  }
}

TEST(FieldTable, EveryTypeRoundTripsWithItsExactKind) {
  core::Table in = every_type();
  std::string bytes = encode(in);
  core::Table out;
  ASSERT_TRUE(decode(bytes, out));
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    SCOPED_TRACE(in[i].first);
    EXPECT_EQ(out[i].first, in[i].first);
    expect_same(out[i].second, in[i].second);
  }
  EXPECT_EQ(encode(out), bytes);
}

TEST(FieldTable, TagsFollowRabbitMQ) {
  const std::pair<Value, char> cases[] = {
      {Value::Void(), 'V'},
      {Value::Bool(true), 't'},
      {Value::Int(ValueKind::kInt8, 1), 'b'},
      {Value::UInt(ValueKind::kUInt8, 1), 'B'},
      {Value::Int(ValueKind::kInt16, 1), 's'},
      {Value::UInt(ValueKind::kUInt16, 1), 'u'},
      {Value::Int32(1), 'I'},
      {Value::UInt(ValueKind::kUInt32, 1), 'i'},
      {Value::Int64(1), 'l'},
      {Value::Float(1), 'f'},
      {Value::Double(1), 'd'},
      {Value::Dec({}), 'D'},
      {Value::String(""), 'S'},
      {Value::Bytes(""), 'x'},
      {Value::Timestamp(1), 'T'},
      {Value::Arr({}), 'A'},
      {Value::Tab({}), 'F'},
  };
  for (const auto& [value, tag] : cases) EXPECT_EQ(field_tag(value), tag);
}

TEST(FieldTable, GoldenBytes) {
  core::Table t = {
      {"a", Value::Int32(-2)},
      {"b", Value::Float(1.0f)},
      {"c", Value::Arr({Value::UInt(ValueKind::kUInt16, 0x1234), Value::Bool(true)})},
  };
  const char expected[] =
      "\x00\x00\x00\x1a"
      "\x01"
      "a"
      "I\xff\xff\xff\xfe"
      "\x01"
      "b"
      "f\x3f\x80\x00\x00"
      "\x01"
      "c"
      "A\x00\x00\x00\x05"
      "u\x12\x34"
      "t\x01";
  EXPECT_EQ(encode(t), std::string(expected, sizeof expected - 1));
}

TEST(FieldTable, UInt64IsWrittenAsSignedWhenItFitsElseAsTimestamp) {
  core::Table t = {{"small", Value::UInt(ValueKind::kUInt64, 5)},
                   {"big", Value::UInt(ValueKind::kUInt64, 0xfedcba9876543210ull)}};
  std::string bytes = encode(t);
  core::Table out;
  ASSERT_TRUE(decode(bytes, out));
  EXPECT_EQ(out[0].second.kind, ValueKind::kInt64);
  EXPECT_EQ(out[0].second.as_int(), 5);
  EXPECT_EQ(out[1].second.kind, ValueKind::kTimestamp);
  EXPECT_EQ(std::get<uint64_t>(out[1].second.data), 0xfedcba9876543210ull);
}

TEST(FieldTable, DecodesEmptyTable) {
  core::Table out = {{"stale", Value::Void()}};
  ASSERT_TRUE(decode(std::string(4, '\0'), out));
  EXPECT_TRUE(out.empty());
}

TEST(FieldTable, NonZeroBoolOctetIsTrue) {
  std::string bytes(
      "\x00\x00\x00\x04\x01k"
      "t\x07",
      8);
  core::Table out;
  ASSERT_TRUE(decode(bytes, out));
  EXPECT_EQ(out[0].second.as_bool(), true);
}

TEST(FieldTable, UnknownTagFails) {
  for (char tag : {'Z', 'U', 'L', 'c', '\0'}) {
    std::string bytes("\x00\x00\x00\x03\x01k", 6);
    bytes.push_back(tag);
    core::Table out;
    EXPECT_FALSE(decode(bytes, out)) << tag;
  }
}

TEST(FieldTable, TruncatedAtEveryLengthFails) {
  std::string bytes = encode(every_type());
  for (size_t n = 0; n < bytes.size(); ++n) {
    Reader r(reinterpret_cast<const uint8_t*>(bytes.data()), n);
    core::Table out;
    EXPECT_FALSE(decode_table(r, out)) << "length " << n;
    EXPECT_FALSE(r.ok());
  }
}

TEST(FieldTable, InnerLengthDisagreeingWithOuterFails) {
  // Outer table claims 8 bytes but the entry's string claims more than remain inside it.
  std::string bytes(
      "\x00\x00\x00\x08\x01k"
      "S\x00\x00\x00\x09xxxxxxxxx",
      4 + 4 + 9 + 4);
  core::Table out;
  Reader r(bytes);
  EXPECT_FALSE(decode_table(r, out));
}

// `levels` tables nested inside each other (the outermost included), built outside-in: the table
// j levels above the innermost has a body of 7 * j bytes (key "k", tag 'F', length, body).
std::string nested_tables(int levels) {
  std::string out;
  Writer w(out);
  for (int j = levels - 1; j > 0; --j) {
    w.u32(static_cast<uint32_t>(7 * j));
    w.shortstr("k");
    w.u8('F');
  }
  w.u32(0);
  return out;
}

TEST(FieldTable, NestingDepthIsLimited) {
  core::Table out;
  EXPECT_TRUE(decode(nested_tables(kMaxFieldDepth), out));
  EXPECT_FALSE(decode(nested_tables(kMaxFieldDepth + 1), out));
  EXPECT_FALSE(decode(nested_tables(100000), out));  // would overflow the stack if unbounded
}

TEST(FieldTable, ArraysCountTowardsDepth) {
  Value v = Value::Void();
  for (int i = 0; i < kMaxFieldDepth; ++i) v = Value::Arr({v});
  core::Table t = {{"a", v}};  // the table is level 1, so the innermost array is one too deep
  std::string bytes = encode(t);
  core::Table out;
  ASSERT_TRUE(decode(bytes, out));  // the encoder wrote the too-deep array as void
  const Value* cur = &out[0].second;
  int arrays = 0;
  while (const core::Array* a = cur->as_array()) {
    ++arrays;
    cur = &a->front();
  }
  EXPECT_EQ(arrays, kMaxFieldDepth - 1);
  EXPECT_EQ(cur->kind, ValueKind::kVoid);
}

TEST(FieldTable, FloatOutOfRangeSaturates) {
  Value huge{ValueKind::kFloat, 1e300};
  std::string out;
  Writer w(out);
  encode_field_value(w, huge);
  Reader r(out);
  Value back;
  ASSERT_TRUE(decode_field_value(r, back));
  EXPECT_EQ(back.as_double(), std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace polymq::amqp
