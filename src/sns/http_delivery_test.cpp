// The pieces of http(s) delivery that need no network: the confirmation's JSON, the retry
// schedule, endpoint URLs and the request as written.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "sns/delivery_policy.h"
#include "sns/envelope.h"
#include "sns/http_post.h"

namespace polymq::sns {
namespace {

TEST(Confirmation, FieldsInAwsOrder) {
  Confirmation c;
  c.message_id = "165545c9-2a5c-472c-8df2-7ff2be2b3b1b";
  c.token = "2336412f37fb687f5d51e6e2425e";
  c.topic_arn = "arn:aws:sns:us-west-2:000000000000:MyTopic";
  c.subscribe_url = "http://localhost:9324/?Action=ConfirmSubscription&TopicArn=" + c.topic_arn +
                    "&Token=" + c.token;
  c.timestamp_ms = 1764606385123;
  c.signing_cert_url = "http://localhost:9324/SimpleNotificationService-polymq.pem";
  const std::string json = render_confirmation(c);
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  std::vector<std::string> keys;
  for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m)
    keys.emplace_back(m->name.GetString());
  EXPECT_EQ(keys, (std::vector<std::string>{"Type", "MessageId", "Token", "TopicArn", "Message",
                                            "SubscribeURL", "Timestamp", "SignatureVersion",
                                            "Signature", "SigningCertURL"}));
  EXPECT_STREQ(doc["Type"].GetString(), "SubscriptionConfirmation");
  EXPECT_EQ(doc["Token"].GetString(), c.token);
  EXPECT_EQ(doc["SubscribeURL"].GetString(), c.subscribe_url);
  EXPECT_STREQ(doc["Timestamp"].GetString(), "2025-12-01T16:26:25.123Z");
  EXPECT_NE(std::string(doc["Message"].GetString()).find(c.topic_arn), std::string::npos);
  // The signature is stable for the same confirmation and changes with the token.
  EXPECT_EQ(render_confirmation(c), json);
  Confirmation other = c;
  other.token = "ffff";
  rapidjson::Document doc2;
  doc2.Parse(render_confirmation(other).c_str());
  EXPECT_STRNE(doc["Signature"].GetString(), doc2["Signature"].GetString());
}

TEST(RetrySchedule, ImmediateRetriesThenDoublingBackoffThenGivesUp) {
  using std::chrono::milliseconds;
  EXPECT_EQ(default_retry_delay(1), milliseconds(0));
  EXPECT_EQ(default_retry_delay(2), milliseconds(0));
  EXPECT_EQ(default_retry_delay(3), milliseconds(0));
  EXPECT_EQ(default_retry_delay(4), milliseconds(1000));
  EXPECT_EQ(default_retry_delay(5), milliseconds(2000));
  EXPECT_EQ(default_retry_delay(6), milliseconds(4000));
  EXPECT_EQ(default_retry_delay(8), milliseconds(16000));
  EXPECT_EQ(default_retry_delay(9), milliseconds(20000));
  EXPECT_EQ(default_retry_delay(kMaxDeliveryAttempts - 1), milliseconds(20000));
  EXPECT_EQ(default_retry_delay(kMaxDeliveryAttempts), std::nullopt);
  EXPECT_EQ(default_retry_delay(kMaxDeliveryAttempts + 7), std::nullopt);
}

TEST(EndpointUrl, Parses) {
  std::optional<Url> u = parse_url("http://127.0.0.1:8080/hook?a=b");
  ASSERT_TRUE(u);
  EXPECT_FALSE(u->https);
  EXPECT_EQ(u->host, "127.0.0.1");
  EXPECT_EQ(u->port, 8080);
  EXPECT_EQ(u->target, "/hook?a=b");
  u = parse_url("https://example.com");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->https);
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->target, "/");
  u = parse_url("http://[::1]:81?x");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->target, "/?x");
  for (const char* bad : {"", "ftp://x/", "http://", "http://:80/", "http://a:0/", "http://a:99999",
                          "http://user@a/", "http://a b/", "http://a/x y", "http://a:8x/"}) {
    EXPECT_FALSE(parse_url(bad)) << bad;
  }
}

TEST(EndpointUrl, RendersRequest) {
  const Url u = *parse_url("http://localhost:8080/in");
  EXPECT_EQ(render_post(u, {{"x-amz-sns-message-type", "Notification"}}, "hi"),
            "POST /in HTTP/1.1\r\nHost: localhost:8080\r\nx-amz-sns-message-type: Notification\r\n"
            "Content-Length: 2\r\nConnection: close\r\n\r\nhi");
  EXPECT_EQ(render_post(*parse_url("https://h/"), {}, "").substr(0, 30),
            "POST / HTTP/1.1\r\nHost: h\r\nCont");
}

}  // namespace
}  // namespace polymq::sns
