// Delayed delivery (core/queue.h, queue_delays.cpp): held messages, their due times, order,
// counts, purge, TTL, paging and recovery after a restart.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "core/fake_timers.h"
#include "core/queue.h"
#include "core/queue_test_util.h"
#include "core/test_storage.h"

namespace polymq::core {
namespace {

using std::chrono::milliseconds;
using testing::take;
using testing::TestStorage;

// FakeTimers that count the timers made and the wall-clock reads.
class CountingTimers final : public TimerService {
 public:
  Clock::time_point now() const override { return fake.now(); }
  int64_t wall_ms() const override {
    ++wall_reads;
    return fake.wall_ms();
  }
  std::unique_ptr<Timer> create(std::function<void()> on_fire) override {
    ++created;
    return fake.create(std::move(on_fire));
  }
  FakeTimers fake;
  mutable int wall_reads = 0;
  int created = 0;
};

class Subscriber : public Consumer {
 public:
  bool ready() const override { return true; }
  void deliver(Queue&, Delivery d) override { bodies.emplace_back(d.message->body.view()); }
  void cancelled_by_queue(Queue&) override {}
  std::vector<std::string> bodies;
};

class DelayedDeliveryTest : public ::testing::Test {
 protected:
  Queue& make_queue(QueueSettings settings = {}) {
    queue_ = std::make_unique<Queue>("q", "/", QueueOptions{}, 0);
    queue_->configure(settings, nullptr, &timers_);
    return *queue_;
  }
  // A message due `delay_ms` from now (nullopt: none of its own).
  MessagePtr message(const std::string& body, std::optional<int64_t> delay_ms = std::nullopt,
                     bool persistent = false) {
    auto m = std::make_shared<Message>();
    m->body = body;
    if (delay_ms) m->not_before_ms = timers_.wall_ms() + *delay_ms;
    if (persistent) m->properties.delivery_mode = 2;
    return m;
  }
  std::vector<std::string> drain(Queue& q) {
    std::vector<std::string> bodies;
    Delivery d;
    while (take(q, d)) {
      bodies.emplace_back(d.message->body.view());
      q.ack(d.lease);
    }
    return bodies;
  }
  void advance(int64_t ms) { timers_.fake.advance(milliseconds(ms)); }

  CountingTimers timers_;
  std::unique_ptr<Queue> queue_;  // destroyed before timers_ (declared after)
};

TEST_F(DelayedDeliveryTest, HeldUntilDueThenReadyInEnqueueOrder) {
  Queue& q = make_queue();
  q.enqueue(message("a", 1000));
  q.enqueue(message("b", 500));
  q.enqueue(message("c"));
  q.enqueue(message("d", 0));  // due now: not held
  EXPECT_EQ(q.message_count(), 2u);
  EXPECT_EQ(q.delayed_count(), 2u);
  advance(499);
  EXPECT_EQ(q.delayed_count(), 2u);
  advance(1);
  EXPECT_EQ(q.delayed_count(), 1u);
  EXPECT_EQ(q.message_count(), 3u);
  advance(500);
  EXPECT_EQ(q.delayed_count(), 0u);
  // Each takes its place by enqueue order, as a requeued message does.
  EXPECT_EQ(drain(q), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST_F(DelayedDeliveryTest, NotReceivedBeforeItsTimeAndPushedToSubscribersWhenDue) {
  Queue& q = make_queue();
  q.enqueue(message("later", 2000));
  Delivery d;
  EXPECT_FALSE(take(q, d));
  Subscriber s;
  ASSERT_TRUE(q.add_consumer(&s, ConsumerOptions{}).ok());
  q.enqueue(message("now"));
  EXPECT_EQ(s.bodies, std::vector<std::string>{"now"});
  advance(1999);
  EXPECT_EQ(s.bodies.size(), 1u);
  advance(1);
  EXPECT_EQ(s.bodies, (std::vector<std::string>{"now", "later"}));
  q.remove_consumer(&s);
}

TEST_F(DelayedDeliveryTest, QueueDefaultDelayAppliesToMessagesWithoutTheirOwn) {
  QueueSettings settings;
  settings.delivery_delay_ms = 3000;
  Queue& q = make_queue(settings);
  q.enqueue(message("default"));
  q.enqueue(message("own-zero", 0));   // an explicit time overrides the queue's delay
  q.enqueue(message("own-1s", 1000));  // shorter than the queue's
  EXPECT_EQ(drain(q), std::vector<std::string>{"own-zero"});
  advance(1000);
  EXPECT_EQ(drain(q), std::vector<std::string>{"own-1s"});
  advance(1999);
  EXPECT_EQ(q.delayed_count(), 1u);
  advance(1);
  EXPECT_EQ(drain(q), std::vector<std::string>{"default"});
}

TEST_F(DelayedDeliveryTest, QueuesWithoutDelaysReadNoWallClockAndHoldNoTimer) {
  Queue& q = make_queue();
  Subscriber s;
  ASSERT_TRUE(q.add_consumer(&s, ConsumerOptions{}).ok());
  for (int i = 0; i < 100; ++i) q.enqueue(message(std::to_string(i)));
  EXPECT_EQ(s.bodies.size(), 100u);
  EXPECT_EQ(timers_.wall_reads, 0);
  EXPECT_EQ(timers_.created, 0);
  q.enqueue(message("late", 10));
  EXPECT_EQ(timers_.created, 1);  // one timer, made on first need, for every held message
  q.enqueue(message("later", 20));
  EXPECT_EQ(timers_.created, 1);
  advance(20);
  EXPECT_EQ(s.bodies.size(), 102u);
  q.remove_consumer(&s);
}

TEST_F(DelayedDeliveryTest, PurgeAndDeleteDropHeldMessages) {
  Queue& q = make_queue();
  q.enqueue(message("held", 1000));
  q.enqueue(message("ready"));
  EXPECT_EQ(q.purge(), 2u);
  EXPECT_EQ(q.delayed_count(), 0u);
  EXPECT_EQ(q.memory_bytes(), 0u);
  advance(1000);
  Delivery d;
  EXPECT_FALSE(take(q, d));
  q.enqueue(message("held again", 1000));
  EXPECT_GT(q.memory_bytes(), 0u);
  q.mark_deleted();
  EXPECT_EQ(q.delayed_count(), 0u);
  advance(1000);
  EXPECT_EQ(q.message_count(), 0u);
}

TEST_F(DelayedDeliveryTest, TtlCountsFromTheEnqueueAndLengthLimitsCountOnlyReadyMessages) {
  QueueSettings settings;
  settings.message_ttl_ms = 1500;
  settings.max_length = 1;
  Queue& q = make_queue(settings);
  q.enqueue(message("expires-while-held", 2000));
  q.enqueue(message("released-in-time", 1000));
  q.enqueue(message("ready"));  // the limit counts it alone
  EXPECT_EQ(q.message_count(), 1u);
  EXPECT_EQ(q.delayed_count(), 2u);
  advance(1000);
  // Released into a full queue, at its place by enqueue order, which is the head: it is the
  // one dropped, as a requeued message would be.
  EXPECT_EQ(q.message_count(), 1u);
  EXPECT_EQ(q.delayed_count(), 1u);
  advance(1000);
  // "ready" expired at 1.5 s; the held one expired before its release at 2 s.
  EXPECT_EQ(q.delayed_count(), 0u);
  EXPECT_EQ(q.message_count(), 0u);
  Delivery d;
  EXPECT_FALSE(take(q, d));
}

TEST_F(DelayedDeliveryTest, HeldMessagesSurviveARestartWithTheirDueTimes) {
  TestStorage storage("delayed");
  QueueOptions options;
  options.durable = true;
  QueueSettings settings;
  settings.delivery_delay_ms = 5000;
  {
    Queue q("q", "/", options, 0);
    q.configure(settings, nullptr, &timers_);
    ASSERT_TRUE(q.attach_storage(&storage.stores()).ok());
    EXPECT_EQ(q.enqueue(message("own", 2000, true)), EnqueueOutcome::kQueuedPendingSync);
    EXPECT_EQ(q.enqueue(message("default", std::nullopt, true)),
              EnqueueOutcome::kQueuedPendingSync);
    EXPECT_EQ(q.enqueue(message("ready", 0, true)), EnqueueOutcome::kQueuedPendingSync);
    Delivery taken;  // handed out, never settled: redelivered after the restart
    ASSERT_TRUE(take(q, taken));
    storage.run_round();
  }
  advance(1000);
  // After the restart the queue has no default delay: the stored due times still hold.
  Queue again("q", "/", options, 0);
  again.configure(QueueSettings{}, nullptr, &timers_);
  ASSERT_TRUE(again.attach_storage(&storage.stores()).ok());
  EXPECT_EQ(again.delayed_count(), 2u);
  EXPECT_EQ(again.message_count(), 1u);
  Delivery d;
  ASSERT_TRUE(take(again, d));
  EXPECT_EQ(d.message->body, "ready");
  EXPECT_TRUE(d.redelivered());
  again.ack(d.lease);
  EXPECT_FALSE(take(again, d));
  advance(1000);
  ASSERT_TRUE(take(again, d));
  EXPECT_EQ(d.message->body, "own");
  EXPECT_FALSE(d.redelivered());  // delivered-up-to passed it, but it was held then
  again.ack(d.lease);
  advance(2999);
  EXPECT_FALSE(take(again, d));
  advance(1);
  ASSERT_TRUE(take(again, d));
  EXPECT_EQ(d.message->body, "default");
  again.ack(d.lease);
  storage.run_round();
}

TEST_F(DelayedDeliveryTest, HeldMessagesBeyondTheWindowArePagedAndHeldWhenReadBack) {
  QueueStoreOptions store_options;
  store_options.window_bytes = 8 * 1024;
  TestStorage storage("delayed-paging", store_options);
  Queue q("q", "/", QueueOptions{}, 0);
  q.configure(QueueSettings{}, nullptr, &timers_);
  ASSERT_TRUE(q.attach_storage(&storage.stores()).ok());
  // Held messages fill the window; beyond it, messages page whether delayed or not.
  for (int i = 0; i < 100; ++i) q.enqueue(message("held-" + std::to_string(i), 1000));
  q.enqueue(message("ready"));
  EXPECT_LT(q.memory_bytes(), 9u * 1024);
  EXPECT_LT(q.delayed_count(), 100u);
  EXPECT_EQ(q.delayed_count() + q.message_count(), 101u);
  // Nothing is handed out early: the window holds only held messages, and the ready one
  // behind them on disk waits for them.
  Delivery d;
  EXPECT_FALSE(take(q, d));
  advance(1000);
  std::vector<std::string> expected;
  for (int i = 0; i < 100; ++i) expected.push_back("held-" + std::to_string(i));
  expected.push_back("ready");
  EXPECT_EQ(drain(q), expected);
  EXPECT_EQ(q.delayed_count() + q.message_count(), 0u);
}

TEST_F(DelayedDeliveryTest, LengthLimitWithAWindowFullOfHeldMessagesDropsOnlyWhatIsReady) {
  QueueStoreOptions store_options;
  store_options.window_bytes = 8 * 1024;
  TestStorage storage("delayed-limit", store_options);
  Queue q("q", "/", QueueOptions{}, 0);
  QueueSettings settings;
  settings.max_length = 5;
  q.configure(settings, nullptr, &timers_);
  ASSERT_TRUE(q.attach_storage(&storage.stores()).ok());
  // Paged held messages count as ready, over the limit, but none can be dropped before the
  // window's held ones are due: the enqueue returns instead of looping.
  for (int i = 0; i < 40; ++i) q.enqueue(message("held-" + std::to_string(i), 1000));
  EXPECT_GT(q.message_count(), 5u);
  advance(1000);
  // Due, they are ready, and the limit drops from the head down to five.
  EXPECT_EQ(q.delayed_count(), 0u);
  std::vector<std::string> left = drain(q);
  ASSERT_EQ(left.size(), 5u);
  EXPECT_EQ(left.back(), "held-39");
}

}  // namespace
}  // namespace polymq::core
