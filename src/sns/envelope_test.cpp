#include "sns/envelope.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace polymq::sns {
namespace {

TEST(Envelope, Iso8601WithMilliseconds) {
  EXPECT_EQ(iso8601_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_ms(1764606385123), "2025-12-01T16:26:25.123Z");
}

TEST(Envelope, FieldsInAwsOrder) {
  Notification n;
  n.message_id = "95df01b4-ee98-5cb9-9903-4c221d41eb5e";
  n.topic_arn = "arn:aws:sns:us-east-1:000000000000:orders";
  n.subject = "My First Message";
  n.message = "Hello \"world\"\n";
  n.timestamp_ms = 1764606385123;
  n.signing_cert_url = "http://localhost/SimpleNotificationService-polymq.pem";
  n.unsubscribe_url = "http://localhost/?Action=Unsubscribe&SubscriptionArn=x";
  n.attributes = {{"color", "String", "red"}, {"n", "Number", "1.5"}, {"b", "Binary", "\x01\x02"}};
  const std::string json = render_envelope(n);
  EXPECT_EQ(json.find("{\"Type\":\"Notification\",\"MessageId\":\"95df01b4-"), 0u) << json;
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError());
  std::vector<std::string> keys;
  for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m)
    keys.emplace_back(m->name.GetString());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"Type", "MessageId", "TopicArn", "Subject", "Message",
                                      "Timestamp", "SignatureVersion", "Signature",
                                      "SigningCertURL", "UnsubscribeURL", "MessageAttributes"}));
  EXPECT_STREQ(doc["Message"].GetString(), "Hello \"world\"\n");
  EXPECT_STREQ(doc["Timestamp"].GetString(), "2025-12-01T16:26:25.123Z");
  EXPECT_STREQ(doc["SignatureVersion"].GetString(), "1");
  EXPECT_STREQ(doc["MessageAttributes"]["color"]["Type"].GetString(), "String");
  EXPECT_STREQ(doc["MessageAttributes"]["color"]["Value"].GetString(), "red");
  EXPECT_STREQ(doc["MessageAttributes"]["n"]["Value"].GetString(), "1.5");
  EXPECT_STREQ(doc["MessageAttributes"]["b"]["Value"].GetString(), "AQI=");
  EXPECT_GT(doc["Signature"].GetStringLength(), 20u);
}

TEST(Envelope, NoSubjectNoAttributes) {
  Notification n;
  n.message = "m";
  const std::string json = render_envelope(n);
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_FALSE(doc.HasMember("Subject"));
  EXPECT_FALSE(doc.HasMember("MessageAttributes"));
  EXPECT_FALSE(doc.HasMember("SequenceNumber"));
  // The signature is stable: it depends on the signed fields only.
  EXPECT_EQ(render_envelope(n), json);
}

TEST(Envelope, AFifoTopicsSequenceNumberFollowsTheMessageId) {
  Notification n;
  n.message_id = "id";
  n.sequence_number = "1764606385123000000";
  n.message = "m";
  const std::string json = render_envelope(n);
  EXPECT_EQ(
      json.find(
          R"({"Type":"Notification","MessageId":"id","SequenceNumber":"1764606385123000000","TopicArn")"),
      0u)
      << json;
}

}  // namespace
}  // namespace polymq::sns
