// Delivery policies: parsing with AWS's limits, the retry phases, the topic's defaults and the
// subscription's overrides.
#include "sns/delivery_policy.h"

#include <gtest/gtest.h>

namespace polymq::sns {
namespace {

using std::chrono::milliseconds;

std::string error_of(std::string_view json) {
  auto p = parse_subscription_delivery_policy(json);
  const std::string* e = std::get_if<std::string>(&p);
  return e != nullptr ? *e : "";
}

TEST(DeliveryPolicy, ParsesAllParts) {
  auto p = parse_subscription_delivery_policy(
      R"({"healthyRetryPolicy":{"minDelayTarget":2,"maxDelayTarget":8,"numRetries":6,)"
      R"("numNoDelayRetries":1,"numMinDelayRetries":1,"numMaxDelayRetries":1,)"
      R"("backoffFunction":"geometric"},"throttlePolicy":{"maxReceivesPerSecond":3},)"
      R"("requestPolicy":{"headerContentType":"application/json; charset=UTF-8"},)"
      R"("sicklyRetryPolicy":null,"guaranteed":false})");
  ASSERT_TRUE(std::holds_alternative<DeliveryPolicy>(p)) << std::get<std::string>(p);
  const DeliveryPolicy& d = std::get<DeliveryPolicy>(p);
  ASSERT_TRUE(d.retry);
  EXPECT_EQ(d.retry->num_retries, 6u);
  EXPECT_EQ(d.retry->backoff, Backoff::kGeometric);
  EXPECT_EQ(d.max_receives_per_second, 3u);
  EXPECT_EQ(d.content_type, "application/json; charset=UTF-8");
  // no delay, min, backoff (3: 2 s * 4^(i/3)), max; then given up.
  const RetryPolicy& r = *d.retry;
  EXPECT_EQ(r.delay_before(1), milliseconds(0));
  EXPECT_EQ(r.delay_before(2), milliseconds(2000));
  EXPECT_EQ(r.delay_before(3), milliseconds(3175));
  EXPECT_EQ(r.delay_before(4), milliseconds(5040));
  EXPECT_EQ(r.delay_before(5), milliseconds(8000));
  EXPECT_EQ(r.delay_before(6), milliseconds(8000));
  EXPECT_EQ(r.delay_before(7), std::nullopt);
}

TEST(DeliveryPolicy, BackoffFunctionsGoFromMinToMax) {
  for (Backoff b :
       {Backoff::kLinear, Backoff::kArithmetic, Backoff::kGeometric, Backoff::kExponential}) {
    RetryPolicy r;
    r.min_delay_s = 1;
    r.max_delay_s = 20;
    r.num_retries = 10;
    r.backoff = b;
    milliseconds previous{0};
    for (uint32_t i = 1; i <= 10; ++i) {
      const milliseconds d = *r.delay_before(i);
      EXPECT_GE(d, previous);
      EXPECT_GE(d, milliseconds(1000));
      previous = d;
    }
    EXPECT_EQ(previous, milliseconds(20000));
    EXPECT_EQ(r.delay_before(11), std::nullopt);
  }
  RetryPolicy linear;
  linear.min_delay_s = 1;
  linear.max_delay_s = 5;
  linear.num_retries = 4;
  EXPECT_EQ(linear.delay_before(1), milliseconds(2000));
  EXPECT_EQ(linear.delay_before(2), milliseconds(3000));
}

TEST(DeliveryPolicy, AwsDefaultsForWhatIsLeftOut) {
  auto p = parse_subscription_delivery_policy(R"({"healthyRetryPolicy":{"numRetries":2}})");
  const RetryPolicy r = *std::get<DeliveryPolicy>(p).retry;
  EXPECT_EQ(r.delay_before(1), milliseconds(20000));
  EXPECT_EQ(r.delay_before(2), milliseconds(20000));
  EXPECT_EQ(r.delay_before(3), std::nullopt);
  RetryPolicy none;
  none.num_retries = 0;
  EXPECT_EQ(none.delay_before(1), std::nullopt);
}

TEST(DeliveryPolicy, RefusesWhatAwsRefuses) {
  EXPECT_EQ(error_of("{"), "failed to parse JSON.");
  EXPECT_EQ(error_of("[]"), "failed to parse JSON.");
  EXPECT_EQ(error_of(R"({"other":1})"), "invalid JSON. Attribute other is unknown.");
  const std::string retry = R"({"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,)";
  EXPECT_NE(error_of(retry + R"("numRetries":101}})").find("numRetries"), std::string::npos);
  EXPECT_NE(error_of(retry + R"("numRetries":-1}})").find("numRetries"), std::string::npos);
  EXPECT_NE(error_of(retry + R"("numRetries":1.5}})").find("numRetries"), std::string::npos);
  EXPECT_NE(error_of(R"({"healthyRetryPolicy":{"minDelayTarget":0,"maxDelayTarget":1}})")
                .find("minDelayTarget"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":3601}})")
                .find("maxDelayTarget"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"healthyRetryPolicy":{"minDelayTarget":9,"maxDelayTarget":3}})")
                .find("less than or equal"),
            std::string::npos);
  EXPECT_NE(error_of(retry + R"("numRetries":2,"numNoDelayRetries":2,"numMaxDelayRetries":1}})")
                .find("must not exceed numRetries"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"healthyRetryPolicy":{"minDelayTarget":60,"maxDelayTarget":60,)"
                     R"("numRetries":61}})")
                .find("3600"),
            std::string::npos);
  EXPECT_EQ(error_of(R"({"healthyRetryPolicy":{"minDelayTarget":60,"maxDelayTarget":60,)"
                     R"("numRetries":60}})"),
            "");
  EXPECT_NE(error_of(retry + R"("backoffFunction":"cubic"}})").find("backoffFunction"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"throttlePolicy":{"maxReceivesPerSecond":0}})").find("maxReceives"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"requestPolicy":{"headerContentType":"json"}})").find("headerContent"),
            std::string::npos);
  EXPECT_NE(
      error_of(R"({"requestPolicy":{"headerContentType":"a/b\r\nX: y"}})").find("headerContent"),
      std::string::npos);
}

TEST(DeliveryPolicy, TopicDefaultsAndSubscriptionOverrides) {
  const std::string topic =
      R"({"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,)"
      R"("numRetries":1},"defaultRequestPolicy":{"headerContentType":"application/xml"}}})";
  const std::string subscription = R"({"healthyRetryPolicy":{"numRetries":7}})";
  DeliveryPolicy d = effective_delivery_policy(topic, "");
  EXPECT_EQ(d.retry->num_retries, 1u);
  EXPECT_EQ(d.content_type, "application/xml");
  d = effective_delivery_policy(topic, subscription);
  EXPECT_EQ(d.retry->num_retries, 7u);
  EXPECT_EQ(d.content_type, "application/xml");  // the part it does not give
  const std::string closed = R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":1},)"
                             R"("disableSubscriptionOverrides":true}})";
  EXPECT_EQ(effective_delivery_policy(closed, subscription).retry->num_retries, 1u);
  EXPECT_EQ(effective_delivery_policy("", ""), DeliveryPolicy{});
  auto bad = parse_topic_delivery_policy(R"({"sqs":{}})");
  EXPECT_EQ(std::get<std::string>(bad), "invalid JSON. Attribute sqs is unknown.");
  bad = parse_topic_delivery_policy(R"({"http":{"disableSubscriptionOverrides":"yes"}})");
  EXPECT_TRUE(std::holds_alternative<std::string>(bad));
}

TEST(DeliveryPolicy, DefaultScheduleWithoutPolicy) {
  EXPECT_EQ(retry_delay(std::nullopt, 1), milliseconds(0));
  EXPECT_EQ(retry_delay(std::nullopt, 4), milliseconds(1000));
  EXPECT_EQ(retry_delay(std::nullopt, kMaxDeliveryAttempts), std::nullopt);
}

}  // namespace
}  // namespace polymq::sns
