#include "core/queue.h"

#include <gtest/gtest.h>

#include "core/queue_test_util.h"

namespace polymq::core {
namespace {

using testing::consumer_options;
using testing::take;

MessagePtr make(std::string body) {
  auto m = std::make_shared<Message>();
  m->body = std::move(body);
  return m;
}

class RecordingConsumer : public Consumer {
 public:
  explicit RecordingConsumer(size_t max_credit) : credit(max_credit) {}
  bool ready() const override { return received.size() < credit; }
  void deliver(Queue&, Delivery m) override { received.push_back(std::move(m)); }
  void cancelled_by_queue(Queue&) override { cancelled = true; }
  size_t credit;
  std::vector<Delivery> received;
  bool cancelled = false;
};

TEST(QueueTest, EnqueueAndTakeInOrder) {
  Queue q("q", "/", {}, 0);
  q.enqueue(make("a"));
  q.enqueue(make("b"));
  EXPECT_EQ(q.message_count(), 2u);
  EXPECT_EQ(q.ready_bytes(), 2u);
  Delivery m;
  ASSERT_TRUE(take(q, m));
  EXPECT_EQ(m.message->body, "a");
  EXPECT_FALSE(m.redelivered());
  ASSERT_TRUE(take(q, m));
  EXPECT_EQ(m.message->body, "b");
  EXPECT_FALSE(take(q, m));
  EXPECT_EQ(q.unacked_count(), 2u);
}

TEST(QueueTest, RequeueRestoresOriginalPositionAndMarksRedelivered) {
  Queue q("q", "/", {}, 0);
  for (const char* b : {"1", "2", "3", "4"}) q.enqueue(make(b));
  Delivery first, second;
  ASSERT_TRUE(take(q, first));
  ASSERT_TRUE(take(q, second));
  // Returned out of order, they still come back ahead of "3" and in publish order.
  q.requeue(second.lease);
  q.requeue(first.lease);
  std::vector<std::string> order;
  Delivery m;
  while (take(q, m))
    order.push_back(std::string(m.message->body.view()) + (m.redelivered() ? "r" : ""));
  EXPECT_EQ(order, (std::vector<std::string>{"1r", "2r", "3", "4"}));
}

TEST(QueueTest, StatsCountPublishesDeliveriesRedeliveriesAndAcks) {
  Queue q("q", "/", {}, 0);
  for (const char* b : {"1", "2", "3"}) q.enqueue(make(b));
  Delivery a, b;
  ASSERT_TRUE(take(q, a));
  ASSERT_TRUE(take(q, b));
  EXPECT_TRUE(q.ack(a.lease));
  EXPECT_FALSE(q.ack(a.lease));  // settled already: not counted again
  q.requeue(b.lease);
  Delivery again;
  ASSERT_TRUE(take(q, again));
  RecordingConsumer consumer(10);
  ASSERT_TRUE(q.add_consumer(&consumer, consumer_options(false)).ok());
  q.dispatch();
  ASSERT_EQ(consumer.received.size(), 1u);  // "3"
  EXPECT_TRUE(q.ack(again.lease));
  const QueueStats& s = q.stats();
  EXPECT_EQ(s.published, 3u);
  EXPECT_EQ(s.delivered, 4u);  // 1, 2, 2 again (received), 3 (consumed)
  EXPECT_EQ(s.redelivered, 1u);
  EXPECT_EQ(s.acked, 2u);
}

TEST(QueueTest, DispatchRoundRobinRespectsReadiness) {
  Queue q("q", "/", {}, 0);
  RecordingConsumer a(2), b(10);
  ASSERT_TRUE(q.add_consumer(&a, consumer_options(false)).ok());
  ASSERT_TRUE(q.add_consumer(&b, consumer_options(false)).ok());
  for (int i = 0; i < 6; ++i) q.enqueue(make(std::to_string(i)));
  EXPECT_EQ(a.received.size(), 2u);  // a ran out of credit; b took the rest
  EXPECT_EQ(b.received.size(), 4u);
  EXPECT_EQ(a.received[0].message->body, "0");
  EXPECT_EQ(b.received[0].message->body, "1");
  EXPECT_EQ(q.message_count(), 0u);
}

TEST(QueueTest, ExclusiveConsumerLocksQueue) {
  Queue q("q", "/", {}, 0);
  RecordingConsumer a(1), b(1);
  ASSERT_TRUE(q.add_consumer(&a, consumer_options(true)).ok());
  Status s = q.add_consumer(&b, consumer_options(false));
  EXPECT_EQ(s.code(), ErrorCode::kAccessRefused);
  EXPECT_TRUE(q.remove_consumer(&a));
  EXPECT_TRUE(q.add_consumer(&b, consumer_options(false)).ok());
  EXPECT_EQ(q.add_consumer(&a, consumer_options(true)).code(), ErrorCode::kAccessRefused);
}

TEST(QueueTest, DeleteCancelsConsumersAndDropsMessages) {
  Queue q("q", "/", {}, 0);
  RecordingConsumer a(0);
  ASSERT_TRUE(q.add_consumer(&a, consumer_options(false)).ok());
  q.enqueue(make("x"));
  q.mark_deleted();
  EXPECT_TRUE(a.cancelled);
  EXPECT_EQ(q.message_count(), 0u);
  EXPECT_EQ(q.consumer_count(), 0u);
  q.enqueue(make("y"));
  EXPECT_EQ(q.message_count(), 0u);
}

TEST(QueueTest, PurgeReturnsCount) {
  Queue q("q", "/", {}, 0);
  q.enqueue(make("a"));
  q.enqueue(make("b"));
  EXPECT_EQ(q.purge(), 2u);
  EXPECT_EQ(q.message_count(), 0u);
  EXPECT_EQ(q.ready_bytes(), 0u);
}

}  // namespace
}  // namespace polymq::core
