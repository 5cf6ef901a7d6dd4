// An SQS message through the core's neutral message and back, and AMQP headers seen as SQS
// message attributes.
#include "sqs/message_mapping.h"

#include <gtest/gtest.h>

namespace polymq::sqs {
namespace {

TEST(MessageMappingTest, AttributesRoundTripThroughHeaders) {
  const std::vector<MessageAttribute> in = {
      {"text", "String", "hello"},
      {"count", "Number", "42"},
      {"blob", "Binary", std::string("\0\x01", 2)},
      {"url", "String.url", "http://example.com"},
  };
  const core::Message m = to_core_message("q", "body", in, "id-1", 1700000000000);
  EXPECT_EQ(m.routing_key, "q");
  EXPECT_TRUE(m.persistent());
  EXPECT_EQ(m.properties.message_id, "id-1");
  EXPECT_EQ(m.timestamp_ms, 1700000000000);
  EXPECT_EQ(m.body.view(), "body");
  // AMQP consumers see plain headers: text as longstr, bytes as a byte array.
  ASSERT_TRUE(m.properties.headers.has_value());
  EXPECT_EQ(core::find(*m.properties.headers, "text")->kind, core::ValueKind::kString);
  EXPECT_EQ(core::find(*m.properties.headers, "blob")->kind, core::ValueKind::kBytes);
  const std::vector<MessageAttribute> out = message_attributes_of(m);
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].name, in[i].name);
    EXPECT_EQ(out[i].data_type, in[i].data_type);
    EXPECT_EQ(out[i].value, in[i].value);
  }
}

TEST(MessageMappingTest, AmqpHeadersBecomeAttributes) {
  core::Message m;
  core::Table h;
  h.emplace_back("s", core::Value::String("x"));
  h.emplace_back("i", core::Value::Int32(-5));
  h.emplace_back("d", core::Value::Double(1.5));
  h.emplace_back("b", core::Value::Bool(true));
  h.emplace_back("t", core::Value::Tab({}));
  h.emplace_back("empty", core::Value::String(""));
  m.properties.headers = h;
  const std::vector<MessageAttribute> out = message_attributes_of(m);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].data_type, "String");
  EXPECT_EQ(out[1].data_type, "Number");
  EXPECT_EQ(out[1].value, "-5");
  EXPECT_EQ(out[2].value, "1.5");
  EXPECT_EQ(out[3].value, "true");
}

TEST(MessageMappingTest, ChecksAttributesAsAwsDoes) {
  EXPECT_FALSE(check_message_attributes({{"a.b-c_1", "Number.int", "12"}}));
  EXPECT_TRUE(check_message_attributes({{"AWS.x", "String", "v"}}));
  EXPECT_TRUE(check_message_attributes({{"a..b", "String", "v"}}));
  EXPECT_TRUE(check_message_attributes({{".a", "String", "v"}}));
  EXPECT_TRUE(check_message_attributes({{"a", "Text", "v"}}));
  EXPECT_TRUE(check_message_attributes({{"a", "", "v"}}));
  EXPECT_TRUE(check_message_attributes({{"a", "String", ""}}));
  EXPECT_TRUE(check_message_attributes({{"a", "Number", "x1"}}));
  EXPECT_TRUE(check_message_attributes({{"a", "String", "1"}, {"a", "String", "2"}}));
  std::vector<MessageAttribute> eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back({"a" + std::to_string(i), "String", "v"});
  EXPECT_TRUE(check_message_attributes(eleven));
}

TEST(MessageMappingTest, BodyCharacters) {
  EXPECT_FALSE(check_body("plain\ttext\r\n"));
  EXPECT_FALSE(check_body("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_TRUE(check_body(std::string("a\0b", 3)));
  EXPECT_TRUE(check_body("\x01"));
  EXPECT_TRUE(check_body("\xc3"));          // truncated
  EXPECT_TRUE(check_body("\xc0\xaf"));      // overlong
  EXPECT_TRUE(check_body("\xed\xa0\x80"));  // a surrogate
  EXPECT_TRUE(check_body("\xef\xbf\xbe"));  // U+FFFE
}

TEST(MessageMappingTest, AttributeNameSelection) {
  EXPECT_TRUE(selected({"All"}, "x"));
  EXPECT_TRUE(selected({".*"}, "x"));
  EXPECT_TRUE(selected({"x"}, "x"));
  EXPECT_FALSE(selected({"y"}, "x"));
  EXPECT_TRUE(selected({"order.*"}, "order.id"));
  EXPECT_FALSE(selected({"order.*"}, "orders"));
}

TEST(MessageMappingTest, SentTimestamp) {
  core::Message m;
  EXPECT_EQ(sent_timestamp_ms(m, 5), 5);
  m.properties.timestamp = 1700000000;
  EXPECT_EQ(sent_timestamp_ms(m, 5), 1700000000000);
  m.timestamp_ms = 1700000000123;
  EXPECT_EQ(sent_timestamp_ms(m, 5), 1700000000123);
}

TEST(MessageMappingTest, SystemAttributesAreCheckedAndKeptAsAnAnnotation) {
  const std::vector<MessageAttribute> trace = {{"AWSTraceHeader", "String", "Root=1-abc"}};
  EXPECT_FALSE(check_system_attributes({}).has_value());
  EXPECT_FALSE(check_system_attributes(trace).has_value());
  auto error = check_system_attributes({{"SenderId", "String", "x"}});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->query_code, "InvalidParameterValue");
  EXPECT_EQ(error->message, "Message system attribute name 'SenderId' is invalid.");
  EXPECT_TRUE(check_system_attributes({{"AWSTraceHeader", "Number", "1"}}).has_value());
  EXPECT_TRUE(check_system_attributes({{"AWSTraceHeader", "String.x", "1"}}).has_value());
  EXPECT_TRUE(check_system_attributes({{"AWSTraceHeader", "String", ""}}).has_value());
  EXPECT_TRUE(check_system_attributes({trace[0], trace[0]}).has_value());

  core::Message m = to_core_message("q", "body", {}, "id", 1);
  EXPECT_EQ(trace_header_of(m), nullptr);
  apply_system_attributes(trace, m);
  ASSERT_NE(trace_header_of(m), nullptr);
  EXPECT_EQ(*trace_header_of(m), "Root=1-abc");
  // Not an application header: AMQP consumers and MessageAttributes do not see it.
  EXPECT_FALSE(m.properties.headers.has_value());
  EXPECT_TRUE(message_attributes_of(m).empty());
}

}  // namespace
}  // namespace polymq::sqs
