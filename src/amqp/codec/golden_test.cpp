// Golden frames: the bytes pika 1.2.0 (pika.frame ... marshal()) writes for the same frames,
// so the codec is checked against a real client rather than against itself.
#include <gtest/gtest.h>

#include <string>

#include "amqp/codec/content_header.h"
#include "amqp/codec/frame.h"
#include "amqp/codec/generated/amqp_spec.h"

namespace polymq::amqp {
namespace {

using core::Value;
using core::ValueKind;

template <size_t N>
std::string bytes(const char (&s)[N]) {
  return std::string(s, N - 1);
}

// Parses `wire` as exactly one frame of `type` on `channel`; returns its payload.
std::string single_frame(const std::string& wire, uint8_t type, uint16_t channel) {
  Frame f{};
  size_t consumed = 0;
  EXPECT_EQ(
      parse_frame(reinterpret_cast<const uint8_t*>(wire.data()), wire.size(), 131072, f, consumed),
      FrameParse::kFrame);
  EXPECT_EQ(consumed, wire.size());
  EXPECT_EQ(f.type, type);
  EXPECT_EQ(f.channel, channel);
  return std::string(reinterpret_cast<const char*>(f.payload), f.size);
}

template <class M>
M decode_as(const std::string& payload) {
  spec::Method m;
  EXPECT_EQ(
      spec::decode_method(reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), m),
      spec::MethodDecode::kOk);
  EXPECT_TRUE(std::holds_alternative<M>(m));
  return std::holds_alternative<M>(m) ? std::get<M>(m) : M{};
}

const std::string* str(const core::Table& t, std::string_view key, ValueKind kind) {
  const Value* v = core::find(t, key);
  if (v == nullptr || v->kind != kind) return nullptr;
  return v->as_string();
}

TEST(Golden, ProtocolHeader) {
  EXPECT_EQ(std::string(kProtocolHeader.begin(), kProtocolHeader.end()),
            bytes("\x41\x4d\x51\x50\x00\x00\x09\x01"));
}

TEST(Golden, Heartbeat) {
  std::string out;
  append_heartbeat_frame(out);
  EXPECT_EQ(out, bytes("\x08\x00\x00\x00\x00\x00\x00\xce"));
}

// connection.start-ok as pika sends it: client properties with nested capabilities, PLAIN.
const char kStartOk[] =
    "\x01\x00\x00\x00\x00\x01\x22\x00\x0a\x00\x0b\x00\x00\x00\xfe\x07"
    "\x70\x72\x6f\x64\x75\x63\x74\x53\x00\x00\x00\x1a\x50\x69\x6b\x61"
    "\x20\x50\x79\x74\x68\x6f\x6e\x20\x43\x6c\x69\x65\x6e\x74\x20\x4c"
    "\x69\x62\x72\x61\x72\x79\x08\x70\x6c\x61\x74\x66\x6f\x72\x6d\x53"
    "\x00\x00\x00\x0d\x50\x79\x74\x68\x6f\x6e\x20\x33\x2e\x31\x31\x2e"
    "\x32\x0c\x63\x61\x70\x61\x62\x69\x6c\x69\x74\x69\x65\x73\x46\x00"
    "\x00\x00\x6f\x1c\x61\x75\x74\x68\x65\x6e\x74\x69\x63\x61\x74\x69"
    "\x6f\x6e\x5f\x66\x61\x69\x6c\x75\x72\x65\x5f\x63\x6c\x6f\x73\x65"
    "\x74\x01\x0a\x62\x61\x73\x69\x63\x2e\x6e\x61\x63\x6b\x74\x01\x12"
    "\x63\x6f\x6e\x6e\x65\x63\x74\x69\x6f\x6e\x2e\x62\x6c\x6f\x63\x6b"
    "\x65\x64\x74\x01\x16\x63\x6f\x6e\x73\x75\x6d\x65\x72\x5f\x63\x61"
    "\x6e\x63\x65\x6c\x5f\x6e\x6f\x74\x69\x66\x79\x74\x01\x12\x70\x75"
    "\x62\x6c\x69\x73\x68\x65\x72\x5f\x63\x6f\x6e\x66\x69\x72\x6d\x73"
    "\x74\x01\x0b\x69\x6e\x66\x6f\x72\x6d\x61\x74\x69\x6f\x6e\x53\x00"
    "\x00\x00\x18\x53\x65\x65\x20\x68\x74\x74\x70\x3a\x2f\x2f\x70\x69"
    "\x6b\x61\x2e\x72\x74\x66\x64\x2e\x6f\x72\x67\x07\x76\x65\x72\x73"
    "\x69\x6f\x6e\x53\x00\x00\x00\x05\x31\x2e\x32\x2e\x30\x05\x50\x4c"
    "\x41\x49\x4e\x00\x00\x00\x0c\x00\x67\x75\x65\x73\x74\x00\x67\x75"
    "\x65\x73\x74\x05\x65\x6e\x5f\x55\x53\xce";

TEST(Golden, ConnectionStartOkFromPika) {
  std::string wire = bytes(kStartOk);
  auto m = decode_as<spec::ConnectionStartOk>(single_frame(wire, kFrameMethod, 0));
  EXPECT_EQ(m.mechanism, "PLAIN");
  EXPECT_EQ(m.response, std::string("\0guest\0guest", 12));
  EXPECT_EQ(m.locale, "en_US");
  const core::Table& cp = m.client_properties;
  ASSERT_EQ(cp.size(), 5u);
  ASSERT_NE(str(cp, "product", ValueKind::kString), nullptr);
  EXPECT_EQ(*str(cp, "product", ValueKind::kString), "Pika Python Client Library");
  EXPECT_EQ(*str(cp, "version", ValueKind::kString), "1.2.0");
  const Value* caps = core::find(cp, "capabilities");
  ASSERT_NE(caps, nullptr);
  ASSERT_EQ(caps->kind, ValueKind::kTable);
  EXPECT_EQ(core::find_bool(*caps->as_table(), "publisher_confirms"), true);
  EXPECT_EQ(core::find_bool(*caps->as_table(), "basic.nack"), true);
  EXPECT_EQ(caps->as_table()->size(), 5u);

  std::string again;
  append_method_frame(again, 0, m);
  EXPECT_EQ(again, wire);
}

const char kPublish[] =
    "\x01\x00\x01\x00\x00\x00\x1c\x00\x3c\x00\x28\x00\x00\x0a\x61\x6d"
    "\x71\x2e\x64\x69\x72\x65\x63\x74\x09\x6f\x72\x64\x65\x72\x73\x2e"
    "\x65\x75\x01\xce";

TEST(Golden, BasicPublishFromPika) {
  std::string wire = bytes(kPublish);
  auto m = decode_as<spec::BasicPublish>(single_frame(wire, kFrameMethod, 1));
  EXPECT_EQ(m.ticket, 0);
  EXPECT_EQ(m.exchange, "amq.direct");
  EXPECT_EQ(m.routing_key, "orders.eu");
  EXPECT_TRUE(m.mandatory);
  EXPECT_FALSE(m.immediate);
  EXPECT_TRUE(spec::method_has_content(m.kClassId, m.kMethodId));

  spec::BasicPublish built;
  built.exchange = "amq.direct";
  built.routing_key = "orders.eu";
  built.mandatory = true;
  std::string out;
  append_method_frame(out, 1, built);
  EXPECT_EQ(out, wire);
}

const char kDeliver[] =
    "\x01\x00\x03\x00\x00\x00\x23\x00\x3c\x00\x3c\x07\x63\x74\x61\x67"
    "\x31\x2e\x30\x00\x00\x00\x00\x00\x00\x00\x2a\x01\x09\x61\x6d\x71"
    "\x2e\x74\x6f\x70\x69\x63\x03\x61\x2e\x62\xce";

TEST(Golden, BasicDeliverAsPikaExpectsIt) {
  spec::BasicDeliver d;
  d.consumer_tag = "ctag1.0";
  d.delivery_tag = 42;
  d.redelivered = true;
  d.exchange = "amq.topic";
  d.routing_key = "a.b";
  std::string out;
  append_method_frame(out, 3, d);
  EXPECT_EQ(out, bytes(kDeliver));

  auto back = decode_as<spec::BasicDeliver>(single_frame(out, kFrameMethod, 3));
  EXPECT_EQ(back.delivery_tag, 42u);
  EXPECT_TRUE(back.redelivered);
}

// A content header with all 14 properties; headers hold int, long, string, bool, array with void,
// nested table, decimal, byte array and timestamp values.
const char kHeader[] =
    "\x02\x00\x05\x00\x00\x01\x14\x00\x3c\x00\x00\x00\x00\x00\x00\x00"
    "\x01\x86\xa0\xff\xfc\x10\x61\x70\x70\x6c\x69\x63\x61\x74\x69\x6f"
    "\x6e\x2f\x6a\x73\x6f\x6e\x04\x67\x7a\x69\x70\x00\x00\x00\x9f\x05"
    "\x78\x2d\x69\x6e\x74\x49\x00\x00\x00\x07\x05\x78\x2d\x6e\x65\x67"
    "\x49\xff\xff\xff\xfb\x05\x78\x2d\x62\x69\x67\x6c\x00\x00\x01\x00"
    "\x00\x00\x00\x00\x05\x78\x2d\x73\x74\x72\x53\x00\x00\x00\x05\x68"
    "\x65\x6c\x6c\x6f\x06\x78\x2d\x62\x6f\x6f\x6c\x74\x00\x06\x78\x2d"
    "\x6c\x69\x73\x74\x41\x00\x00\x00\x0e\x49\x00\x00\x00\x01\x53\x00"
    "\x00\x00\x03\x74\x77\x6f\x56\x05\x78\x2d\x6d\x61\x70\x46\x00\x00"
    "\x00\x11\x01\x6b\x53\x00\x00\x00\x01\x76\x01\x6e\x41\x00\x00\x00"
    "\x02\x74\x01\x05\x78\x2d\x64\x65\x63\x44\x02\x00\x00\x01\x3a\x07"
    "\x78\x2d\x62\x79\x74\x65\x73\x78\x00\x00\x00\x02\x00\xff\x06\x78"
    "\x2d\x74\x69\x6d\x65\x54\x00\x00\x00\x00\x65\x93\x7d\x25\x02\x09"
    "\x06\x63\x6f\x72\x72\x2d\x31\x15\x61\x6d\x71\x2e\x72\x61\x62\x62"
    "\x69\x74\x6d\x71\x2e\x72\x65\x70\x6c\x79\x2d\x74\x6f\x05\x36\x30"
    "\x30\x30\x30\x03\x6d\x2d\x31\x00\x00\x00\x00\x65\x53\xf1\x00\x0d"
    "\x6f\x72\x64\x65\x72\x2e\x63\x72\x65\x61\x74\x65\x64\x05\x67\x75"
    "\x65\x73\x74\x04\x73\x68\x6f\x70\x02\x63\x31\xce";

TEST(Golden, ContentHeaderFromPika) {
  std::string wire = bytes(kHeader);
  std::string payload = single_frame(wire, kFrameHeader, 5);
  uint16_t class_id = 0;
  uint64_t body_size = 0;
  core::Properties p;
  ASSERT_TRUE(decode_content_header(reinterpret_cast<const uint8_t*>(payload.data()),
                                    payload.size(), class_id, body_size, p));
  EXPECT_EQ(class_id, spec::kClassBasic);
  EXPECT_EQ(body_size, 100000u);
  EXPECT_EQ(p.content_type, "application/json");
  EXPECT_EQ(p.content_encoding, "gzip");
  EXPECT_EQ(p.delivery_mode, 2);
  EXPECT_EQ(p.priority, 9);
  EXPECT_EQ(p.correlation_id, "corr-1");
  EXPECT_EQ(p.reply_to, "amq.rabbitmq.reply-to");
  EXPECT_EQ(p.expiration, "60000");
  EXPECT_EQ(p.message_id, "m-1");
  EXPECT_EQ(p.timestamp, 1700000000u);
  EXPECT_EQ(p.type, "order.created");
  EXPECT_EQ(p.user_id, "guest");
  EXPECT_EQ(p.app_id, "shop");
  EXPECT_EQ(p.cluster_id, "c1");

  ASSERT_TRUE(p.headers.has_value());
  const core::Table& h = *p.headers;
  ASSERT_EQ(h.size(), 10u);
  EXPECT_EQ(core::find(h, "x-int")->kind, ValueKind::kInt32);
  EXPECT_EQ(core::find_int(h, "x-int"), 7);
  EXPECT_EQ(core::find_int(h, "x-neg"), -5);
  EXPECT_EQ(core::find(h, "x-big")->kind, ValueKind::kInt64);
  EXPECT_EQ(core::find_int(h, "x-big"), int64_t{1} << 40);
  EXPECT_EQ(*str(h, "x-str", ValueKind::kString), "hello");
  EXPECT_EQ(core::find_bool(h, "x-bool"), false);
  const core::Array* list = core::find(h, "x-list")->as_array();
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].kind, ValueKind::kInt32);
  EXPECT_EQ(*(*list)[1].as_string(), "two");
  EXPECT_EQ((*list)[2].kind, ValueKind::kVoid);
  const core::Table* map = core::find(h, "x-map")->as_table();
  ASSERT_NE(map, nullptr);
  EXPECT_EQ(*core::find_string(*map, "k"), "v");
  EXPECT_EQ(core::find(*map, "n")->as_array()->at(0).as_bool(), true);
  const Value* dec = core::find(h, "x-dec");
  ASSERT_EQ(dec->kind, ValueKind::kDecimal);
  EXPECT_EQ(std::get<core::Decimal>(dec->data), (core::Decimal{2, 314}));
  EXPECT_EQ(*str(h, "x-bytes", ValueKind::kBytes), std::string("\x00\xff", 2));
  const Value* ts = core::find(h, "x-time");
  ASSERT_EQ(ts->kind, ValueKind::kTimestamp);
  EXPECT_EQ(std::get<uint64_t>(ts->data), 1704164645u);  // 2024-01-02T03:04:05Z

  std::string again;
  append_content_header_frame(again, 5, class_id, body_size, p);
  EXPECT_EQ(again, wire);
}

}  // namespace
}  // namespace polymq::amqp
