#include "sqs/redrive_policy.h"

#include <gtest/gtest.h>

namespace polymq::sqs {
namespace {

constexpr const char* kArn = "arn:aws:sqs:us-east-1:000000000000:dlq";

TEST(RedrivePolicyTest, ParsesAndRendersAsAws) {
  for (
      const char* json :
      {R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":5})",
       R"({"maxReceiveCount":"5", "deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq"})"}) {
    auto parsed = parse_redrive_policy(json);
    ASSERT_TRUE(std::holds_alternative<RedrivePolicy>(parsed)) << json;
    const RedrivePolicy& p = std::get<RedrivePolicy>(parsed);
    EXPECT_EQ(p.dead_letter_target_arn, kArn);
    EXPECT_EQ(p.dead_letter_queue, "dlq");
    EXPECT_EQ(p.max_receive_count, 5);
    EXPECT_EQ(render(p),
              R"({"deadLetterTargetArn":")" + std::string(kArn) + R"(","maxReceiveCount":5})");
  }
}

TEST(RedrivePolicyTest, RefusesWhatAwsRefuses) {
  for (
      const char* json : {
          "",
          "[]",
          "{",
          R"({"maxReceiveCount":5})",
          R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq"})",
          R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":0})",
          R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":1001})",
          R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":"x"})",
          R"({"deadLetterTargetArn":"dlq","maxReceiveCount":1})",
          R"({"deadLetterTargetArn":"arn:aws:sqs:r:a:dlq","maxReceiveCount":1,"other":1})",
      }) {
    auto parsed = parse_redrive_policy(json);
    ASSERT_TRUE(std::holds_alternative<Error>(parsed)) << json;
    EXPECT_EQ(std::get<Error>(parsed).query_code, "InvalidParameterValue");
  }
}

TEST(RedrivePolicyTest, QueueArns) {
  auto arn = parse_queue_arn("arn:aws:sqs:eu-west-1:123:q-1");
  ASSERT_TRUE(arn);
  EXPECT_EQ(arn->region, "eu-west-1");
  EXPECT_EQ(arn->account, "123");
  EXPECT_EQ(arn->name, "q-1");
  EXPECT_FALSE(parse_queue_arn("arn:aws:sns:eu-west-1:123:q"));
  EXPECT_FALSE(parse_queue_arn("arn:aws:sqs:eu-west-1:123:"));
  EXPECT_FALSE(parse_queue_arn("arn:aws:sqs:eu-west-1"));
}

TEST(RedriveAllowPolicyTest, PermissionsAndRendering) {
  auto all = parse_redrive_allow_policy(R"({"redrivePermission":"allowAll"})");
  ASSERT_TRUE(std::holds_alternative<RedriveAllowPolicy>(all));
  EXPECT_TRUE(std::get<RedriveAllowPolicy>(all).allows("arn:aws:sqs:r:1:any"));
  EXPECT_EQ(render(std::get<RedriveAllowPolicy>(all)), R"({"redrivePermission":"allowAll"})");

  auto deny = parse_redrive_allow_policy(R"({"redrivePermission":"denyAll"})");
  ASSERT_TRUE(std::holds_alternative<RedriveAllowPolicy>(deny));
  EXPECT_FALSE(std::get<RedriveAllowPolicy>(deny).allows("arn:aws:sqs:r:1:any"));

  auto by = parse_redrive_allow_policy(
      R"({"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:1:src"]})");
  ASSERT_TRUE(std::holds_alternative<RedriveAllowPolicy>(by));
  const RedriveAllowPolicy& p = std::get<RedriveAllowPolicy>(by);
  EXPECT_TRUE(p.allows("arn:aws:sqs:eu-west-1:1:src"));  // any region
  EXPECT_FALSE(p.allows("arn:aws:sqs:us-east-1:1:other"));
  EXPECT_FALSE(p.allows("arn:aws:sqs:us-east-1:2:src"));
  EXPECT_EQ(render(p),
            R"({"redrivePermission":"byQueue","sourceQueueArns":["arn:aws:sqs:us-east-1:1:src"]})");

  for (const char* json : {
           R"({"redrivePermission":"maybe"})",
           R"({"redrivePermission":"byQueue"})",
           R"({"redrivePermission":"byQueue","sourceQueueArns":[]})",
           R"({"redrivePermission":"byQueue","sourceQueueArns":["nope"]})",
           R"({"redrivePermission":"allowAll","sourceQueueArns":["arn:aws:sqs:r:1:q"]})",
           R"({})",
       }) {
    EXPECT_TRUE(std::holds_alternative<Error>(parse_redrive_allow_policy(json))) << json;
  }
  std::string eleven = R"({"redrivePermission":"byQueue","sourceQueueArns":[)";
  for (int i = 0; i < 11; ++i)
    eleven += (i ? ",\"" : "\"") + std::string("arn:aws:sqs:r:1:q") + std::to_string(i) + "\"";
  eleven += "]}";
  EXPECT_TRUE(std::holds_alternative<Error>(parse_redrive_allow_policy(eleven)));
}

}  // namespace
}  // namespace polymq::sqs
