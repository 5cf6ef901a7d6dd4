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
  EXPECT_EQ(apply_attributes({{"FifoQueue", "true"}}, c)->query_code,
            "AWS.SimpleQueueService.UnsupportedOperation");
  EXPECT_EQ(apply_attributes({{"RedrivePolicy", "{}"}}, c)->query_code,
            "AWS.SimpleQueueService.UnsupportedOperation");
  EXPECT_EQ(apply_attributes({{"DelaySeconds", "901"}}, c)->query_code, "InvalidParameterValue");
  EXPECT_EQ(c, QueueConfig{});
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

}  // namespace
}  // namespace polymq::sqs
