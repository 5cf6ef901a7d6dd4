// Publisher confirms and transactions on a channel: confirm sequence numbers, acks with
// multiple, the exclusive modes, commit and rollback of publishes and of settlements. The
// broker has no storage, so every publish completes at once: the confirms of one read batch
// leave as one basic.ack at the end of it.
#include <gtest/gtest.h>

#include <string>

#include "amqp/amqp_test_client.h"

namespace polymq::amqp {
namespace {

using testing::AmqpTestClient;
using testing::Received;
using testing::TestBroker;

class AmqpConfirmTx : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(c.handshake());
    c.open_channel(1);
    c.open_channel(2);  // an observer
    q = c.declare_queue(2);
  }

  void select_confirms(uint16_t channel = 1) {
    c.send(channel, spec::ConfirmSelect{});
    c.expect<spec::ConfirmSelectOk>(channel);
  }
  void select_tx(uint16_t channel = 1) {
    c.send(channel, spec::TxSelect{});
    c.expect<spec::TxSelectOk>(channel);
  }
  void commit(uint16_t channel = 1) {
    c.send(channel, spec::TxCommit{});
    c.expect<spec::TxCommitOk>(channel);
  }
  void rollback(uint16_t channel = 1) {
    c.send(channel, spec::TxRollback{});
    c.expect<spec::TxRollbackOk>(channel);
  }
  uint64_t get(uint16_t channel) {
    spec::BasicGet m;
    m.queue = q;
    c.send(channel, m);
    return c.expect<spec::BasicGetOk>(channel).delivery_tag;
  }
  // Bodies of what is ready in q, taken with no-ack gets on the observer channel.
  std::vector<std::string> drain() {
    std::vector<std::string> bodies;
    spec::BasicGet m;
    m.queue = q;
    m.no_ack = true;
    while (true) {
      c.send(2, m);
      std::optional<Received> r = c.next();
      if (!r || !r->is<spec::BasicGetOk>()) {
        if (!r || !r->is<spec::BasicGetEmpty>()) ADD_FAILURE() << "expected get-ok or get-empty";
        return bodies;
      }
      bodies.push_back(r->body);
    }
  }
  void expect_channel_error(const std::string& text, uint16_t class_id, uint16_t method_id) {
    const auto close = c.expect_channel_close(1);
    EXPECT_EQ(close.reply_code, spec::kPreconditionFailed);
    EXPECT_EQ(close.reply_text, text);
    EXPECT_EQ(close.class_id, class_id);
    EXPECT_EQ(close.method_id, method_id);
  }

  TestBroker b;
  AmqpTestClient c{b};
  std::string q;
};

TEST_F(AmqpConfirmTx, ConfirmTagsCountUpFromOne) {
  select_confirms();
  for (uint64_t n = 1; n <= 3; ++n) {
    c.publish(1, "", q, "m");
    const auto ack = c.expect<spec::BasicAck>(1);
    EXPECT_EQ(ack.delivery_tag, n);
    EXPECT_FALSE(ack.multiple);
  }
  EXPECT_EQ(c.message_count(2, q), 3u);
}

TEST_F(AmqpConfirmTx, PublishesOfOneBatchAreConfirmedByOneMultipleAck) {
  select_confirms();
  c.publish(1, "", q, "first");
  EXPECT_EQ(c.expect<spec::BasicAck>(1).delivery_tag, 1u);
  // Written at once, read by the session in one batch.
  std::string frames;
  for (int i = 0; i < 4; ++i) frames += c.publish_frames(1, "", q, "m");
  c.send_bytes(frames);
  const auto ack = c.expect<spec::BasicAck>(1);
  EXPECT_EQ(ack.delivery_tag, 5u);
  EXPECT_TRUE(ack.multiple);
  c.expect_nothing(1);
}

TEST_F(AmqpConfirmTx, UnroutablePublishesAreConfirmedToo) {
  select_confirms();
  c.publish(1, "", "no-such-queue", "lost");
  EXPECT_EQ(c.expect<spec::BasicAck>(1).delivery_tag, 1u);
}

TEST_F(AmqpConfirmTx, PublishesBeforeConfirmSelectAreNotCounted) {
  c.publish(1, "", q, "before");
  select_confirms();
  c.publish(1, "", q, "after");
  EXPECT_EQ(c.expect<spec::BasicAck>(1).delivery_tag, 1u);
}

TEST_F(AmqpConfirmTx, ConfirmSelectNowaitHasNoAnswer) {
  spec::ConfirmSelect select;
  select.nowait = true;
  c.send(1, select);
  c.publish(1, "", q, "m");
  EXPECT_EQ(c.expect<spec::BasicAck>(1).delivery_tag, 1u);
}

TEST_F(AmqpConfirmTx, ConfirmSelectOnATransactionalChannelIsRefused) {
  select_tx();
  c.send(1, spec::ConfirmSelect{});
  expect_channel_error("PRECONDITION_FAILED - cannot switch from tx to confirm mode",
                       spec::ConfirmSelect::kClassId, spec::ConfirmSelect::kMethodId);
}

TEST_F(AmqpConfirmTx, TxSelectOnAConfirmChannelIsRefused) {
  select_confirms();
  c.send(1, spec::TxSelect{});
  expect_channel_error("PRECONDITION_FAILED - cannot switch from confirm to tx mode",
                       spec::TxSelect::kClassId, spec::TxSelect::kMethodId);
}

TEST_F(AmqpConfirmTx, CommitWithoutSelectIsRefused) {
  c.send(1, spec::TxCommit{});
  expect_channel_error("PRECONDITION_FAILED - channel is not transactional",
                       spec::TxCommit::kClassId, spec::TxCommit::kMethodId);
}

TEST_F(AmqpConfirmTx, RollbackWithoutSelectIsRefused) {
  c.send(1, spec::TxRollback{});
  expect_channel_error("PRECONDITION_FAILED - channel is not transactional",
                       spec::TxRollback::kClassId, spec::TxRollback::kMethodId);
}

TEST_F(AmqpConfirmTx, PublishesAreEnqueuedAtCommit) {
  select_tx();
  c.publish(1, "", q, "t1");
  c.publish(1, "", q, "t2");
  EXPECT_EQ(c.message_count(2, q), 0u);
  commit();
  EXPECT_EQ(drain(), (std::vector<std::string>{"t1", "t2"}));
}

TEST_F(AmqpConfirmTx, RollbackDiscardsPublishes) {
  select_tx();
  c.publish(1, "", q, "gone");
  rollback();
  c.publish(1, "", q, "kept");
  commit();
  EXPECT_EQ(drain(), std::vector<std::string>{"kept"});
}

TEST_F(AmqpConfirmTx, ClosingTheChannelDiscardsUncommittedPublishes) {
  select_tx();
  c.publish(1, "", q, "gone");
  c.send(1, spec::ChannelClose{});
  c.expect<spec::ChannelCloseOk>(1);
  EXPECT_EQ(c.message_count(2, q), 0u);
}

TEST_F(AmqpConfirmTx, AcksApplyAtCommit) {
  c.publish(2, "", q, "a");
  select_tx();
  const uint64_t t = get(1);
  c.ack(1, t);
  // Not yet settled in the queue: closing the channel now would return it.
  c.send(1, spec::TxCommit{});
  c.expect<spec::TxCommitOk>(1);
  c.send(1, spec::ChannelClose{});
  c.expect<spec::ChannelCloseOk>(1);
  EXPECT_EQ(c.message_count(2, q), 0u);
}

TEST_F(AmqpConfirmTx, UncommittedAcksAreReturnedWhenTheChannelCloses) {
  c.publish(2, "", q, "a");
  select_tx();
  c.ack(1, get(1));
  c.send(1, spec::ChannelClose{});
  c.expect<spec::ChannelCloseOk>(1);
  EXPECT_EQ(c.message_count(2, q), 1u);
}

TEST_F(AmqpConfirmTx, UncommittedAckSettlesTheTagForTheChannel) {
  // As RabbitMQ: recover does not return an acked tag, and acking it again is an unknown tag.
  c.send_bytes(c.publish_frames(2, "", q, "a") + c.publish_frames(2, "", q, "b"));
  select_tx();
  const uint64_t first = get(1);
  get(1);
  c.ack(1, first);
  c.send(1, spec::BasicRecover{true});
  c.expect<spec::BasicRecoverOk>(1);
  EXPECT_EQ(c.message_count(2, q), 1u);  // only "b" came back
  c.ack(1, first);
  expect_channel_error("PRECONDITION_FAILED - unknown delivery tag " + std::to_string(first),
                       spec::BasicAck::kClassId, spec::BasicAck::kMethodId);
  // The channel closed before the commit: "a" went back to the queue too.
  EXPECT_EQ(c.message_count(2, q), 2u);
}

TEST_F(AmqpConfirmTx, RollbackReturnsAckedTagsToTheChannel) {
  std::string frames;
  for (const char* body : {"a", "b", "c"}) frames += c.publish_frames(2, "", q, body);
  c.send_bytes(frames);
  select_tx();
  const uint64_t a = get(1);
  const uint64_t b_tag = get(1);
  get(1);
  c.ack(1, b_tag, /*multiple=*/true);  // a and b
  rollback();
  // Unacked again: an ack of a rolled-back tag is valid, and commits.
  c.ack(1, a);
  commit();
  c.send(1, spec::BasicRecover{true});  // b and c go back, b first
  c.expect<spec::BasicRecoverOk>(1);
  EXPECT_EQ(drain(), (std::vector<std::string>{"b", "c"}));
}

TEST_F(AmqpConfirmTx, NackInATransactionRequeuesAtCommit) {
  c.publish(2, "", q, "a");
  select_tx();
  spec::BasicNack nack;
  nack.delivery_tag = get(1);
  nack.requeue = true;
  c.send(1, nack);
  EXPECT_EQ(c.message_count(2, q), 0u);
  commit();
  EXPECT_EQ(c.message_count(2, q), 1u);
}

TEST_F(AmqpConfirmTx, TransactionsGoOnAfterCommit) {
  select_tx();
  c.publish(1, "", q, "one");
  commit();
  c.publish(1, "", q, "two");
  EXPECT_EQ(c.message_count(2, q), 1u);
  commit();
  EXPECT_EQ(c.message_count(2, q), 2u);
}

}  // namespace
}  // namespace polymq::amqp
