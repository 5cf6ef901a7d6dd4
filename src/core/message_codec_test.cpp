// The stored message layout: round trips, versions, and malformed input.
#include "core/message_codec.h"

#include <gtest/gtest.h>

namespace polymq::core {
namespace {

TEST(MessageCodecTest, RoundTripsEveryPropertyAndValueKind) {
  Message m;
  m.exchange = "amq.topic";
  m.routing_key = "a.b.c";
  m.body = std::string("bin\0ary", 7);
  Properties& p = m.properties;
  p.content_type = "text/plain";
  p.content_encoding = "gzip";
  p.delivery_mode = 2;
  p.priority = 7;
  p.correlation_id = "corr";
  p.reply_to = "reply";
  p.expiration = "6000";
  p.message_id = "id-1";
  p.timestamp = 1700000000;
  p.type = "t";
  p.user_id = "guest";
  p.app_id = "app";
  p.cluster_id = "c";
  Table nested = {{"x", Value::Int32(-5)}};
  p.headers = Table{{"i8", Value::Int(ValueKind::kInt8, -3)},
                    {"u64", Value::UInt(ValueKind::kUInt64, 1ull << 63)},
                    {"f", Value::Float(1.5f)},
                    {"d", Value::Double(2.25)},
                    {"dec", Value::Dec(Decimal{2, 12345})},
                    {"s", Value::String("text")},
                    {"b", Value::Bytes(std::string("\0\1", 2))},
                    {"ts", Value::Timestamp(42)},
                    {"arr", Value::Arr({Value::Bool(true), Value::Void()})},
                    {"tab", Value::Tab(nested)}};
  std::string encoded;
  encode_stored_message(encoded, 99, true, m);
  StoredMessage out;
  ASSERT_TRUE(decode_stored_message(encoded, out));
  EXPECT_EQ(out.sequence, 99u);
  EXPECT_TRUE(out.transient);
  EXPECT_EQ(out.message->body, m.body);
  EXPECT_EQ(out.message->routing_key, "a.b.c");
  EXPECT_EQ(out.message->properties.expiration, "6000");
  EXPECT_EQ(out.message->properties.timestamp, 1700000000u);
  EXPECT_EQ(out.message->properties.priority, 7);
  const Table& h = *out.message->properties.headers;
  ASSERT_EQ(h.size(), p.headers->size());
  for (size_t i = 0; i < h.size(); ++i) {
    EXPECT_EQ(h[i].first, (*p.headers)[i].first);
    EXPECT_EQ(h[i].second.kind, (*p.headers)[i].second.kind) << h[i].first;
    EXPECT_TRUE(h[i].second.equals((*p.headers)[i].second)) << h[i].first;
  }
}

TEST(MessageCodecTest, RejectsEveryTruncationWithoutReadingPastTheEnd) {
  Message m;
  m.body = "hello";
  m.properties.headers = Table{{"k", Value::String("v")}};
  std::string encoded;
  encode_stored_message(encoded, 1, false, m);
  for (size_t n = 0; n < encoded.size(); ++n) {
    StoredMessage out;
    EXPECT_FALSE(decode_stored_message(std::string_view(encoded).substr(0, n), out)) << n;
  }
  encoded.push_back('x');
  StoredMessage out;
  EXPECT_FALSE(decode_stored_message(encoded, out));
}

TEST(MessageCodecTest, RoundTripsTheNeutralFields) {
  Message m;
  m.routing_key = "orders";
  m.key = std::string("customer-\0-7", 12);
  m.timestamp_ms = 1'700'000'000'123;
  m.annotations = Table{{"sqs.MessageGroupId", Value::String("g1")},
                        {"sqs.MessageDeduplicationId", Value::String("d1")}};
  m.body = "{}";
  std::string encoded;
  encode_stored_message(encoded, 5, false, m);
  StoredMessage out;
  ASSERT_TRUE(decode_stored_message(encoded, out));
  EXPECT_EQ(out.message->key, m.key);
  EXPECT_EQ(out.message->timestamp_ms, m.timestamp_ms);
  ASSERT_EQ(out.message->annotations.size(), 2u);
  EXPECT_TRUE(out.message->annotations[0].second.equals(Value::String("g1")));
  EXPECT_EQ(out.message->exchange, "");
  EXPECT_FALSE(out.message->properties.headers.has_value());
  EXPECT_EQ(out.message->body, "{}");
}

// Bytes as the first layout (version 1) wrote them, for a message published to exchange "ex"
// with routing key "rk", content_type "t", a header {"n": int32 7} and body "hi".
std::string version1_record() {
  auto u32 = [](uint32_t v) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
    return s;
  };
  std::string r;
  r += '\x01';                                // version 1
  r += '\x00';                                // flags
  r += std::string("\x09\0\0\0\0\0\0\0", 8);  // sequence 9
  r += u32(2) + "ex" + u32(2) + "rk";
  r += std::string("\x05\x00", 2);            // presence: content_type, headers
  r += u32(1) + "t";                          // content_type
  r += u32(1) + u32(1) + "n";                 // headers: 1 entry, key "n"
  r += '\x06';                                // kind code 6: int32
  r += std::string("\x07\0\0\0\0\0\0\0", 8);  // 7
  r += u32(2) + "hi";                         // body
  return r;
}

TEST(MessageCodecTest, ReadsVersionOneRecords) {
  StoredMessage out;
  ASSERT_TRUE(decode_stored_message(version1_record(), out));
  EXPECT_EQ(out.sequence, 9u);
  EXPECT_EQ(out.message->exchange, "ex");
  EXPECT_EQ(out.message->routing_key, "rk");
  EXPECT_EQ(out.message->properties.content_type, "t");
  ASSERT_TRUE(out.message->properties.headers.has_value());
  const Value* n = find(*out.message->properties.headers, "n");
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->kind, ValueKind::kInt32);
  EXPECT_EQ(n->as_int(), 7);
  EXPECT_EQ(out.message->body, "hi");
  // Re-encoded, it is a version 2 record with the same content.
  std::string again;
  encode_stored_message(again, out.sequence, out.transient, *out.message);
  EXPECT_EQ(again[0], '\x02');
  StoredMessage reread;
  ASSERT_TRUE(decode_stored_message(again, reread));
  EXPECT_EQ(reread.message->properties.content_type, "t");
  EXPECT_EQ(reread.message->body, "hi");
  // A version 1 record cut short or with bytes after it is refused too.
  std::string v1 = version1_record();
  EXPECT_FALSE(decode_stored_message(std::string_view(v1).substr(0, v1.size() - 1), out));
  EXPECT_FALSE(decode_stored_message(v1 + "x", out));
}

TEST(MessageCodecTest, SkipsFieldsOfALaterBuildAndRefusesUnknownVersions) {
  Message m;
  m.body = "b";
  std::string encoded;
  encode_stored_message(encoded, 1, false, m);
  // Insert a field with tag 200 right after the fixed header (version, flags, sequence).
  std::string later =
      encoded.substr(0, 10) + std::string("\xc8\x03\0\0\0abc", 8) + encoded.substr(10);
  StoredMessage out;
  ASSERT_TRUE(decode_stored_message(later, out));
  EXPECT_EQ(out.message->body, "b");
  std::string v9 = encoded;
  v9[0] = '\x09';
  EXPECT_FALSE(decode_stored_message(v9, out));
}

TEST(MessageCodecTest, StoresTheNotBeforeTimeAndReadsRecordsWithoutOne) {
  Message m;
  m.routing_key = "q";
  m.not_before_ms = 1'700'000'005'000;
  m.body = "late";
  std::string encoded;
  encode_stored_message(encoded, 3, false, m);
  StoredMessage out;
  ASSERT_TRUE(decode_stored_message(encoded, out));
  EXPECT_EQ(out.message->not_before_ms, 1'700'000'005'000);
  EXPECT_EQ(out.message->body, "late");
  // A queue stores the due time it computed from its default delay in place of the message's.
  Message plain;
  plain.body = "x";
  std::string queued;
  encode_stored_message(queued, 4, false, plain, 1'700'000'009'000);
  ASSERT_TRUE(decode_stored_message(queued, out));
  EXPECT_EQ(out.message->not_before_ms, 1'700'000'009'000);
  // A version 2 record as builds before the field wrote it (routing key, empty properties,
  // body): no not-before time, served at once.
  auto u32 = [](uint32_t v) {
    std::string s(4, '\0');
    for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
    return s;
  };
  std::string older;
  older += '\x02';
  older += '\x00';
  older += std::string("\x07\0\0\0\0\0\0\0", 8);
  older += '\x02' + u32(1) + "q";                     // routing key
  older += '\x03' + u32(2) + std::string("\0\0", 2);  // properties: none present
  older += '\x07' + u32(2) + "ok";                    // body
  ASSERT_TRUE(decode_stored_message(older, out));
  EXPECT_EQ(out.sequence, 7u);
  EXPECT_FALSE(out.message->not_before_ms.has_value());
  EXPECT_EQ(out.message->body, "ok");
  ASSERT_TRUE(decode_stored_message(version1_record(), out));
  EXPECT_FALSE(out.message->not_before_ms.has_value());
  // A not-before field of the wrong size is malformed.
  std::string bad = older.substr(0, 10) + '\x08' + u32(4) + "abcd" + older.substr(10);
  EXPECT_FALSE(decode_stored_message(bad, out));
}

TEST(MessageCodecTest, ValueKindsHaveStableCodes) {
  // Codes are on disk: check two of them byte for byte through a header.
  Message m;
  m.properties.headers = Table{{"a", Value::Bytes("z")}, {"b", Value::Timestamp(1)}};
  m.body = "";
  std::string encoded;
  encode_stored_message(encoded, 1, false, m);
  EXPECT_NE(encoded.find(std::string("\x01\0\0\0"
                                     "a\x0e",
                                     6)),
            std::string::npos);  // bytes: 14
  EXPECT_NE(encoded.find(std::string("\x01\0\0\0"
                                     "b\x0f",
                                     6)),
            std::string::npos);  // timestamp: 15
}

TEST(MessageCodecTest, StoresTheGroupAndDedupIdAndReadsRecordsWithoutThem) {
  Message m;
  m.routing_key = "q.fifo";
  m.group = "orders-17";
  m.dedup_id = std::string("d\0x", 3);  // bytes, kept as they are
  m.body = "ordered";
  std::string encoded;
  encode_stored_message(encoded, 9, false, m);
  StoredMessage out;
  ASSERT_TRUE(decode_stored_message(encoded, out));
  EXPECT_EQ(out.message->group, "orders-17");
  EXPECT_EQ(out.message->dedup_id, std::string("d\0x", 3));
  EXPECT_EQ(out.message->body, "ordered");
  // An empty group is a group, not none.
  Message empty_group;
  empty_group.group = "";
  empty_group.body = "e";
  std::string e;
  encode_stored_message(e, 10, false, empty_group);
  ASSERT_TRUE(decode_stored_message(e, out));
  EXPECT_EQ(out.message->group, "");
  EXPECT_FALSE(out.message->dedup_id.has_value());
  // Records without the fields (older builds, other queues) decode without them.
  Message plain;
  plain.body = "x";
  std::string p;
  encode_stored_message(p, 11, false, plain);
  ASSERT_TRUE(decode_stored_message(p, out));
  EXPECT_FALSE(out.message->group.has_value());
  EXPECT_FALSE(out.message->dedup_id.has_value());
  ASSERT_TRUE(decode_stored_message(version1_record(), out));
  EXPECT_FALSE(out.message->group.has_value());
  // Cut inside the group field: malformed.
  EXPECT_FALSE(decode_stored_message(encoded.substr(0, encoded.find("orders") + 3), out));
}

}  // namespace
}  // namespace polymq::core
