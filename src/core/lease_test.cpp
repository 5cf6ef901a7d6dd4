// Leases: what a queue hands out and keeps until it is settled, returned, or its deadline
// passes (SQS visibility timeouts, AMQP channels that close).
#include <gtest/gtest.h>

#include "core/fake_timers.h"
#include "core/queue.h"
#include "core/queue_test_util.h"

namespace polymq::core {
namespace {

using namespace std::chrono_literals;
using testing::take;

MessagePtr make(std::string body) {
  auto m = std::make_shared<Message>();
  m->body = std::move(body);
  return m;
}

class LeaseTest : public ::testing::Test {
 protected:
  LeaseTest() : q_("q", "/", {}, 0) { q_.configure({}, nullptr, &timers_); }

  Queue::ReceiveOptions visible_for(std::chrono::milliseconds ms, HolderId holder = 0) {
    Queue::ReceiveOptions o;
    o.holder = holder;
    o.deadline = timers_.now() + ms;
    return o;
  }

  FakeTimers timers_;
  Queue q_;
};

TEST_F(LeaseTest, ReceivedMessageIsInvisibleUntilItsDeadlineThenReturnsWithACount) {
  q_.enqueue(make("a"));
  Delivery d;
  ASSERT_TRUE(q_.receive(d, visible_for(30s)));
  EXPECT_NE(d.lease, 0u);
  EXPECT_EQ(d.delivery_count, 0u);
  EXPECT_EQ(q_.message_count(), 0u);
  EXPECT_EQ(q_.unacked_count(), 1u);

  Delivery none;
  timers_.advance(29s);
  EXPECT_FALSE(q_.receive(none, visible_for(30s)));

  timers_.advance(1s);
  EXPECT_FALSE(q_.holds(d.lease));
  EXPECT_EQ(q_.unacked_count(), 0u);
  EXPECT_EQ(q_.message_count(), 1u);
  Delivery again;
  ASSERT_TRUE(q_.receive(again, visible_for(30s)));
  EXPECT_EQ(again.message->body, "a");
  EXPECT_EQ(again.delivery_count, 1u);  // SQS: ApproximateReceiveCount 2
  EXPECT_NE(again.lease, d.lease);
  // The first receipt is stale: settling it does nothing.
  EXPECT_FALSE(q_.ack(d.lease));
  EXPECT_TRUE(q_.ack(again.lease));
  EXPECT_EQ(q_.unacked_count(), 0u);
  EXPECT_EQ(q_.message_count(), 0u);
}

TEST_F(LeaseTest, FirstDeliveryTimeIsKeptAcrossReturns) {
  q_.enqueue(make("a"));
  const Clock::time_point first = timers_.now();
  Delivery d;
  ASSERT_TRUE(q_.receive(d, visible_for(10s)));
  EXPECT_EQ(d.first_delivered, first);
  timers_.advance(10s);
  Delivery again;
  ASSERT_TRUE(q_.receive(again, visible_for(10s)));
  EXPECT_EQ(again.delivery_count, 1u);
  EXPECT_EQ(again.first_delivered, first);
}

TEST_F(LeaseTest, ExtendMovesTheDeadline) {
  q_.enqueue(make("a"));
  Delivery d;
  ASSERT_TRUE(q_.receive(d, visible_for(10s)));
  ASSERT_TRUE(q_.extend(d.lease, timers_.now() + 60s));
  timers_.advance(30s);
  EXPECT_TRUE(q_.holds(d.lease));
  EXPECT_EQ(q_.message_count(), 0u);
  timers_.advance(30s);
  EXPECT_FALSE(q_.holds(d.lease));
  EXPECT_EQ(q_.message_count(), 1u);
}

TEST_F(LeaseTest, ExtendToNoDeadlineKeepsTheLeaseUntilSettled) {
  q_.enqueue(make("a"));
  Delivery d;
  ASSERT_TRUE(q_.receive(d, visible_for(10s)));
  ASSERT_TRUE(q_.extend(d.lease, Clock::time_point::max()));
  timers_.advance(1h);
  EXPECT_TRUE(q_.holds(d.lease));
  EXPECT_TRUE(q_.ack(d.lease));
}

TEST_F(LeaseTest, RequeueWithDelayReturnsTheMessageWhenTheDelayPassed) {
  q_.enqueue(make("a"));
  Delivery d;
  ASSERT_TRUE(take(q_, d));
  ASSERT_TRUE(q_.requeue(d.lease, 5s));
  EXPECT_EQ(q_.message_count(), 0u);
  timers_.advance(4s);
  EXPECT_EQ(q_.message_count(), 0u);
  timers_.advance(1s);
  EXPECT_EQ(q_.message_count(), 1u);
  Delivery again;
  ASSERT_TRUE(take(q_, again));
  EXPECT_TRUE(again.redelivered());
}

TEST_F(LeaseTest, RequeueWithoutDelayReturnsAtOnceInPlace) {
  for (const char* b : {"1", "2", "3"}) q_.enqueue(make(b));
  Delivery first;
  ASSERT_TRUE(take(q_, first));
  ASSERT_TRUE(q_.requeue(first.lease));
  EXPECT_FALSE(q_.requeue(first.lease));  // settled already
  Delivery d;
  ASSERT_TRUE(take(q_, d));
  EXPECT_EQ(d.message->body, "1");
  EXPECT_TRUE(d.redelivered());
}

TEST_F(LeaseTest, ReleaseHolderReturnsOnlyThatHoldersLeases) {
  for (const char* b : {"1", "2", "3"}) q_.enqueue(make(b));
  Queue::ReceiveOptions by7;
  by7.holder = 7;
  Queue::ReceiveOptions by8;
  by8.holder = 8;
  Delivery a, b, c;
  ASSERT_TRUE(q_.receive(a, by7));
  ASSERT_TRUE(q_.receive(b, by8));
  ASSERT_TRUE(q_.receive(c, by7));
  EXPECT_EQ(q_.release_holder(7), 2u);
  EXPECT_EQ(q_.message_count(), 2u);
  EXPECT_TRUE(q_.holds(b.lease));
  EXPECT_FALSE(q_.holds(a.lease));
  EXPECT_EQ(q_.release_holder(7), 0u);
}

TEST_F(LeaseTest, ReceiveManyAndAutoSettle) {
  for (const char* b : {"1", "2", "3"}) q_.enqueue(make(b));
  std::vector<Delivery> out;
  EXPECT_EQ(q_.receive(2, visible_for(30s), out), 2u);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].message->body, "1");
  EXPECT_EQ(out[1].message->body, "2");
  Queue::ReceiveOptions no_ack;
  no_ack.auto_settle = true;
  Delivery d;
  ASSERT_TRUE(q_.receive(d, no_ack));
  EXPECT_EQ(d.lease, 0u);
  EXPECT_EQ(q_.unacked_count(), 2u);
  EXPECT_EQ(q_.receive(5, visible_for(30s), out), 0u);
}

TEST_F(LeaseTest, DeadlinePastTheDeliveryLimitDeadLettersInsteadOfReturning) {
  Queue limited("limited", "/", {}, 0);
  QueueSettings args;
  args.delivery_limit = 1;
  limited.configure(args, nullptr, &timers_);
  limited.enqueue(make("poison"));
  Delivery d;
  ASSERT_TRUE(limited.receive(d, visible_for(1s)));
  timers_.advance(1s);  // returned once: within the limit
  ASSERT_TRUE(limited.receive(d, visible_for(1s)));
  EXPECT_EQ(d.delivery_count, 1u);
  timers_.advance(1s);  // twice: over it, and there is no dead-letter exchange
  EXPECT_EQ(limited.message_count(), 0u);
  EXPECT_EQ(limited.unacked_count(), 0u);
}

TEST_F(LeaseTest, DeletedQueueForgetsItsLeases) {
  q_.enqueue(make("a"));
  Delivery d;
  ASSERT_TRUE(q_.receive(d, visible_for(5s)));
  q_.mark_deleted();
  EXPECT_EQ(q_.unacked_count(), 0u);
  EXPECT_FALSE(q_.ack(d.lease));
  timers_.advance(10s);  // its deadline timer is gone with it
  EXPECT_EQ(q_.message_count(), 0u);
}

class CountingConsumer : public Consumer {
 public:
  bool ready() const override { return true; }
  void deliver(Queue&, Delivery d) override { received.push_back(std::move(d)); }
  void cancelled_by_queue(Queue&) override {}
  std::vector<Delivery> received;
};

TEST_F(LeaseTest, SubscribersGetLeasesUnlessTheySettleOnDelivery) {
  CountingConsumer acking, no_ack;
  ConsumerOptions a;
  a.holder = 1;
  ConsumerOptions n;
  n.holder = 2;
  n.auto_settle = true;
  ASSERT_TRUE(q_.add_consumer(&acking, a).ok());
  ASSERT_TRUE(q_.add_consumer(&no_ack, n).ok());
  for (const char* b : {"1", "2", "3", "4"}) q_.enqueue(make(b));
  ASSERT_EQ(acking.received.size(), 2u);
  ASSERT_EQ(no_ack.received.size(), 2u);
  EXPECT_NE(acking.received[0].lease, 0u);
  EXPECT_EQ(no_ack.received[0].lease, 0u);
  EXPECT_EQ(q_.unacked_count(), 2u);
  EXPECT_EQ(q_.memory_bytes(), 2 * make("1")->footprint());
  // The consumer leaving does not return its leases; its holder going away does.
  EXPECT_TRUE(q_.remove_consumer(&acking));
  EXPECT_EQ(q_.unacked_count(), 2u);
  EXPECT_EQ(q_.release_holder(1), 2u);
  EXPECT_EQ(no_ack.received.size(), 4u);  // the returned ones went to the remaining consumer
  EXPECT_TRUE(no_ack.received[2].redelivered());
  EXPECT_EQ(q_.unacked_count(), 0u);
}

}  // namespace
}  // namespace polymq::core
