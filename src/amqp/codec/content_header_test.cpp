#include "amqp/codec/content_header.h"

#include <gtest/gtest.h>

#include <string>

#include "amqp/codec/field_table.h"
#include "amqp/codec/frame.h"

namespace polymq::amqp {
namespace {

core::Properties all_properties() {
  core::Properties p;
  p.content_type = "text/plain";
  p.content_encoding = "utf-8";
  p.headers = core::Table{{"x-death", core::Value::Arr({core::Value::Tab({})})}};
  p.delivery_mode = 2;
  p.priority = 7;
  p.correlation_id = "c";
  p.reply_to = "r";
  p.expiration = "1000";
  p.message_id = "id";
  p.timestamp = 0x0102030405060708ull;
  p.type = "t";
  p.user_id = "guest";
  p.app_id = "app";
  p.cluster_id = "cl";
  return p;
}

std::string header_payload(const core::Properties& p, uint64_t body_size = 10) {
  std::string frame;
  append_content_header_frame(frame, 1, spec::kClassBasic, body_size, p);
  return frame.substr(kFrameHeaderSize, frame.size() - kFrameOverhead);
}

bool decode(const std::string& payload, uint16_t& class_id, uint64_t& body_size,
            core::Properties& p) {
  return decode_content_header(reinterpret_cast<const uint8_t*>(payload.data()), payload.size(),
                               class_id, body_size, p);
}

std::string table_bytes(const core::Table& t) {
  std::string s;
  Writer w(s);
  encode_table(w, t);
  return s;
}

void expect_equal(const core::Properties& a, const core::Properties& b) {
  EXPECT_EQ(a.content_type, b.content_type);
  EXPECT_EQ(a.content_encoding, b.content_encoding);
  ASSERT_EQ(a.headers.has_value(), b.headers.has_value());
  if (a.headers) {
    EXPECT_EQ(table_bytes(*a.headers), table_bytes(*b.headers));
  }
  EXPECT_EQ(a.delivery_mode, b.delivery_mode);
  EXPECT_EQ(a.priority, b.priority);
  EXPECT_EQ(a.correlation_id, b.correlation_id);
  EXPECT_EQ(a.reply_to, b.reply_to);
  EXPECT_EQ(a.expiration, b.expiration);
  EXPECT_EQ(a.message_id, b.message_id);
  EXPECT_EQ(a.timestamp, b.timestamp);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.user_id, b.user_id);
  EXPECT_EQ(a.app_id, b.app_id);
  EXPECT_EQ(a.cluster_id, b.cluster_id);
}

TEST(ContentHeader, AllPropertiesRoundTrip) {
  core::Properties in = all_properties();
  std::string payload = header_payload(in, 123456789);
  uint16_t class_id = 0;
  uint64_t body_size = 0;
  core::Properties out;
  ASSERT_TRUE(decode(payload, class_id, body_size, out));
  EXPECT_EQ(class_id, 60);
  EXPECT_EQ(body_size, 123456789u);
  expect_equal(out, in);
  EXPECT_EQ(payload.substr(12, 2), "\xff\xfc");
}

TEST(ContentHeader, EachPropertyAloneRoundTrips) {
  core::Properties all = all_properties();
  for (int i = 0; i < 14; ++i) {
    core::Properties one;
    switch (i) {
      case 0:
        one.content_type = all.content_type;
        break;
      case 1:
        one.content_encoding = all.content_encoding;
        break;
      case 2:
        one.headers = all.headers;
        break;
      case 3:
        one.delivery_mode = all.delivery_mode;
        break;
      case 4:
        one.priority = all.priority;
        break;
      case 5:
        one.correlation_id = all.correlation_id;
        break;
      case 6:
        one.reply_to = all.reply_to;
        break;
      case 7:
        one.expiration = all.expiration;
        break;
      case 8:
        one.message_id = all.message_id;
        break;
      case 9:
        one.timestamp = all.timestamp;
        break;
      case 10:
        one.type = all.type;
        break;
      case 11:
        one.user_id = all.user_id;
        break;
      case 12:
        one.app_id = all.app_id;
        break;
      case 13:
        one.cluster_id = all.cluster_id;
        break;
    }
    std::string payload = header_payload(one);
    uint16_t flags = static_cast<uint16_t>((static_cast<uint8_t>(payload[12]) << 8) |
                                           static_cast<uint8_t>(payload[13]));
    EXPECT_EQ(flags, 1u << (15 - i)) << i;
    uint16_t class_id = 0;
    uint64_t body_size = 0;
    core::Properties out = all;  // decoding must reset what is absent
    ASSERT_TRUE(decode(payload, class_id, body_size, out)) << i;
    expect_equal(out, one);
  }
}

TEST(ContentHeader, NoProperties) {
  std::string payload = header_payload({}, 0);
  EXPECT_EQ(payload, std::string("\x00\x3c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 14));
  uint16_t class_id = 0;
  uint64_t body_size = 1;
  core::Properties out = all_properties();
  ASSERT_TRUE(decode(payload, class_id, body_size, out));
  EXPECT_EQ(body_size, 0u);
  expect_equal(out, core::Properties{});
}

TEST(ContentHeader, ContinuationAndUnknownFlagsAreMalformed) {
  for (uint8_t low : {0x01, 0x02, 0x03}) {
    std::string payload = header_payload({});
    payload[13] = static_cast<char>(low);
    payload.append(2, '\0');  // a second, empty flags word
    uint16_t class_id = 0;
    uint64_t body_size = 0;
    core::Properties out;
    EXPECT_FALSE(decode(payload, class_id, body_size, out)) << int{low};
  }
}

TEST(ContentHeader, TruncatedAtEveryLengthFails) {
  std::string payload = header_payload(all_properties());
  for (size_t n = 0; n < payload.size(); ++n) {
    uint16_t class_id = 0;
    uint64_t body_size = 0;
    core::Properties out;
    EXPECT_FALSE(decode(payload.substr(0, n), class_id, body_size, out)) << n;
  }
}

TEST(ContentHeader, TrailingBytesAreMalformed) {
  std::string payload = header_payload(all_properties()) + "x";
  uint16_t class_id = 0;
  uint64_t body_size = 0;
  core::Properties out;
  EXPECT_FALSE(decode(payload, class_id, body_size, out));
}

TEST(ContentHeader, OnlyBasicCarriesContent) {
  std::string payload = header_payload({});
  payload[1] = 50;  // queue
  uint16_t class_id = 0;
  uint64_t body_size = 0;
  core::Properties out;
  EXPECT_FALSE(decode(payload, class_id, body_size, out));
  EXPECT_EQ(class_id, 50);
}

TEST(ContentHeader, WeightIsIgnored) {
  std::string payload = header_payload({});
  payload[3] = 1;
  uint16_t class_id = 0;
  uint64_t body_size = 0;
  core::Properties out;
  EXPECT_TRUE(decode(payload, class_id, body_size, out));
}

}  // namespace
}  // namespace polymq::amqp
