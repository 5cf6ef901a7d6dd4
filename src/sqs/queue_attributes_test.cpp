#include "sqs/queue_attributes.h"

#include <gtest/gtest.h>

namespace polymq::sqs {
namespace {

TEST(QueueAttributesTest, AppliesServedAttributesInRange) {
  QueueConfig c;
  EXPECT_FALSE(apply_attributes({{"VisibilityTimeout", "5"},
                                 {"MessageRetentionPeriod", "60"},
                                 {"ReceiveMessageWaitTimeSeconds", "20"},
                                 {"MaximumMessageSize", "1048576"},
                                 {"DelaySeconds", "900"},
                                 {"FifoQueue", "false"}},
                                c));
  EXPECT_EQ(c.delay_seconds, 900);
  EXPECT_EQ(c.visibility_timeout, 5);
  EXPECT_EQ(c.message_retention_period, 60);
  EXPECT_EQ(c.receive_message_wait_time, 20);
  EXPECT_EQ(c.maximum_message_size, 1048576);
}

TEST(QueueAttributesTest, RefusesWithAwsErrors) {
  QueueConfig c;
  EXPECT_EQ(apply_attributes({{"VisibilityTimeout", "43201"}}, c)->query_code,
            "InvalidParameterValue");
  EXPECT_EQ(apply_attributes({{"MessageRetentionPeriod", "59"}}, c)->query_code,
            "InvalidParameterValue");
  EXPECT_EQ(apply_attributes({{"MaximumMessageSize", "12x"}}, c)->query_code,
            "InvalidParameterValue");
  EXPECT_EQ(apply_attributes({{"Colour", "red"}}, c)->query_code, "InvalidAttributeName");
  EXPECT_EQ(apply_attributes({{"FifoQueue", "yes"}}, c)->query_code, "InvalidParameterValue");
  // FIFO-only attributes are unknown names on a standard queue, as AWS answers.
  EXPECT_EQ(apply_attributes({{"ContentBasedDeduplication", "true"}}, c)->query_code,
            "InvalidAttributeName");
  EXPECT_EQ(apply_attributes({{"RedrivePolicy", "{}"}}, c)->query_code, "InvalidParameterValue");
  EXPECT_EQ(apply_attributes({{"Policy", "{}"}}, c)->query_code,
            "AWS.SimpleQueueService.UnsupportedOperation");
  EXPECT_EQ(apply_attributes({{"DelaySeconds", "901"}}, c)->query_code, "InvalidParameterValue");
  EXPECT_EQ(c, QueueConfig{});
}

TEST(QueueAttributesTest, FifoAttributesAreAppliedStoredAndCompared) {
  QueueConfig c;
  EXPECT_FALSE(apply_attributes({{"FifoQueue", "true"},
                                 {"ContentBasedDeduplication", "true"},
                                 {"DeduplicationScope", "messageGroup"},
                                 {"FifoThroughputLimit", "perMessageGroupId"}},
                                c));
  EXPECT_TRUE(c.fifo_queue);
  EXPECT_TRUE(c.content_based_deduplication);
  EXPECT_EQ(c.deduplication_scope, "messageGroup");
  EXPECT_EQ(c.fifo_throughput_limit, "perMessageGroupId");
  const core::Table args = to_arguments(c);
  EXPECT_EQ(core::find_bool(args, "x-single-active-group"), true);
  EXPECT_EQ(core::find_int(args, "x-deduplication-window"), 300000);
  EXPECT_EQ(from_arguments(args), c);
  EXPECT_TRUE(matches(c, {{"FifoQueue", "true"}, {"ContentBasedDeduplication", "true"}}));
  EXPECT_FALSE(matches(c, {{"ContentBasedDeduplication", "false"}}));
  EXPECT_FALSE(matches(c, {{"DeduplicationScope", "queue"}}));
  EXPECT_FALSE(matches(QueueConfig{}, {{"FifoQueue", "true"}}));
  QueueConfig bad = c;
  EXPECT_EQ(apply_attributes({{"DeduplicationScope", "group"}}, bad)->query_code,
            "InvalidParameterValue");
  EXPECT_EQ(apply_attributes({{"FifoThroughputLimit", "perGroup"}}, bad)->query_code,
            "InvalidParameterValue");
}

TEST(QueueAttributesTest, ArgumentsRoundTripAndDefaultsForOtherQueues) {
  QueueConfig c;
  c.visibility_timeout = 7;
  c.message_retention_period = 120;
  c.receive_message_wait_time = 3;
  c.maximum_message_size = 2048;
  c.delay_seconds = 900;
  const core::Table args = to_arguments(c);
  EXPECT_EQ(core::find_int(args, "x-message-ttl"), 120000);
  EXPECT_EQ(core::find_int(args, "x-delivery-delay"), 900000);
  EXPECT_EQ(from_arguments(args), c);
  EXPECT_EQ(from_arguments({}), QueueConfig{});  // a queue AMQP declared
}

TEST(QueueAttributesTest, IdempotenceComparesTheAttributesGiven) {
  QueueConfig c;
  c.visibility_timeout = 7;
  EXPECT_TRUE(matches(c, {}));
  EXPECT_TRUE(matches(c, {{"VisibilityTimeout", "7"}}));
  EXPECT_FALSE(matches(c, {{"VisibilityTimeout", "8"}}));
  EXPECT_TRUE(matches(c, {{"MaximumMessageSize", "262144"}}));
}

TEST(QueueAttributesTest, RedrivePolicyIsTheCoreDeadLettering) {
  QueueConfig c;
  ASSERT_FALSE(apply_attributes(
      {{"RedrivePolicy",
        R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":3})"},
       {"RedriveAllowPolicy", R"({"redrivePermission":"denyAll"})"}},
      c));
  ASSERT_TRUE(c.redrive_policy);
  const core::Table args = to_arguments(c);
  EXPECT_EQ(*core::find_string(args, "x-dead-letter-exchange"), "");
  EXPECT_EQ(*core::find_string(args, "x-dead-letter-routing-key"), "dlq");
  // Dead-lettered when returned a 3rd time: after 3 receives.
  EXPECT_EQ(core::find_int(args, "x-delivery-limit"), 2);
  EXPECT_EQ(from_arguments(args), c);
  EXPECT_TRUE(matches(c, {{"RedrivePolicy", render(*c.redrive_policy)}}));
  EXPECT_FALSE(matches(c, {{"RedrivePolicy", ""}}));
}

TEST(QueueAttributesTest, UpdatedArgumentsChangeOnlyWhatIsNamed) {
  // A queue declared over AMQP with its own dead-lettering and length limit.
  const core::Table amqp = {{"x-dead-letter-exchange", core::Value::String("dlx")},
                            {"x-max-length", core::Value::Int64(10)}};
  QueueConfig c = from_arguments(amqp);
  ASSERT_FALSE(apply_attributes({{"VisibilityTimeout", "7"}}, c));
  core::Table t = updated_arguments(amqp, {{"VisibilityTimeout", "7"}}, c);
  EXPECT_EQ(core::find_int(t, "x-sqs-visibility-timeout"), 7);
  EXPECT_EQ(*core::find_string(t, "x-dead-letter-exchange"), "dlx");
  EXPECT_EQ(core::find_int(t, "x-max-length"), 10);
  EXPECT_EQ(core::find(t, "x-message-ttl"), nullptr);  // retention not named: not added
  // Removing a redrive policy the queue never had leaves AMQP's dead-lettering alone.
  ASSERT_FALSE(apply_attributes({{"RedrivePolicy", ""}}, c));
  t = updated_arguments(t, {{"RedrivePolicy", ""}}, c);
  EXPECT_EQ(*core::find_string(t, "x-dead-letter-exchange"), "dlx");

  const std::string policy =
      R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":1})";
  ASSERT_FALSE(apply_attributes({{"RedrivePolicy", policy}}, c));
  t = updated_arguments(t, {{"RedrivePolicy", policy}}, c);
  EXPECT_EQ(*core::find_string(t, "x-dead-letter-exchange"), "");
  EXPECT_EQ(core::find_int(t, "x-delivery-limit"), 0);
  ASSERT_FALSE(apply_attributes({{"RedrivePolicy", ""}}, c));
  t = updated_arguments(t, {{"RedrivePolicy", ""}}, c);
  EXPECT_EQ(core::find(t, "x-dead-letter-exchange"), nullptr);
  EXPECT_EQ(core::find(t, "x-delivery-limit"), nullptr);
  EXPECT_EQ(core::find(t, "x-sqs-redrive-policy"), nullptr);
  EXPECT_FALSE(from_arguments(t).redrive_policy);
}

}  // namespace
}  // namespace polymq::sqs
