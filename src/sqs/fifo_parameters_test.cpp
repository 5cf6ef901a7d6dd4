#include "sqs/fifo_parameters.h"

#include <gtest/gtest.h>

#include "sqs/digests.h"

namespace polymq::sqs {
namespace {

QueueConfig fifo(bool content_based = false, std::string scope = "queue") {
  QueueConfig c;
  c.fifo_queue = true;
  c.content_based_deduplication = content_based;
  c.deduplication_scope = std::move(scope);
  return c;
}

core::Message body(std::string text) {
  core::Message m;
  m.body = core::Body(std::move(text));
  return m;
}

TEST(FifoParametersTest, AFifoSendNeedsAGroupAndADedupIdUnlessContentBased) {
  core::Message m = body("hello");
  std::optional<Error> e = apply_send_parameters(fifo(), {std::nullopt, "d", std::nullopt}, 0, m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->query_code, "MissingParameter");
  EXPECT_EQ(e->message, "The request must contain the parameter MessageGroupId.");
  e = apply_send_parameters(fifo(), {"g", std::nullopt, std::nullopt}, 0, m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->query_code, "InvalidParameterValue");
  EXPECT_FALSE(apply_send_parameters(fifo(true), {"g", std::nullopt, std::nullopt}, 0, m));
  EXPECT_EQ(m.group, "g");
  EXPECT_EQ(m.dedup_id, sha256_hex("hello"));
  EXPECT_EQ(dedup_id_of(m), sha256_hex("hello"));
}

TEST(FifoParametersTest, MessageGroupScopeKeysTheIdByGroup) {
  core::Message m = body("x");
  EXPECT_FALSE(apply_send_parameters(fifo(false, "messageGroup"), {"g", "d", std::nullopt}, 0, m));
  EXPECT_EQ(m.dedup_id, "g\nd");
  EXPECT_EQ(dedup_id_of(m), "d");
}

TEST(FifoParametersTest, DelayIsRefusedOnAFifoQueueAndDedupIdOnAStandardOne) {
  core::Message m = body("x");
  std::optional<Error> e = apply_send_parameters(fifo(), {"g", "d", "0"}, 0, m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->message,
            "Value 0 for parameter DelaySeconds is invalid. Reason: The request include parameter "
            "that is not valid for this queue type.");
  e = apply_send_parameters(QueueConfig{}, {std::nullopt, "d", std::nullopt}, 0, m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->query_code, "InvalidParameterValue");
  // A standard queue keeps a group (fair queues) and a delay.
  EXPECT_FALSE(apply_send_parameters(QueueConfig{}, {"g", std::nullopt, "5"}, 1000, m));
  EXPECT_EQ(m.group, "g");
  EXPECT_EQ(m.not_before_ms, 6000);
  EXPECT_FALSE(m.dedup_id);
}

TEST(FifoParametersTest, IdsAreOneTo128PrintableCharacters) {
  core::Message m = body("x");
  EXPECT_TRUE(apply_send_parameters(fifo(), {"", "d", std::nullopt}, 0, m));
  EXPECT_TRUE(apply_send_parameters(fifo(), {"a b", "d", std::nullopt}, 0, m));
  EXPECT_TRUE(apply_send_parameters(fifo(), {"g", std::string(129, 'd'), std::nullopt}, 0, m));
  EXPECT_FALSE(apply_send_parameters(fifo(), {std::string(128, 'g'), "!#$%", std::nullopt}, 0, m));
}

}  // namespace
}  // namespace polymq::sqs
