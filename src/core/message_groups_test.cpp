// Message groups and the deduplication window (core/queue.h, queue_groups.cpp): order within a
// group, one group in flight at a time, a returning message at the head of its group,
// subscribers, duplicates within and after the window, and both after a restart.
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
using testing::TestStorage;

// Takes up to `max` messages, as a receiver would.
class Taker : public Consumer {
 public:
  explicit Taker(size_t max) : max_(max) {}
  bool ready() const override { return leases.size() < max_; }
  void deliver(Queue&, Delivery d) override {
    bodies.emplace_back(d.message->body.view());
    leases.push_back(d.lease);
  }
  void cancelled_by_queue(Queue&) override {}
  std::vector<std::string> bodies;
  std::vector<LeaseId> leases;

 private:
  size_t max_;
};

class MessageGroupsTest : public ::testing::Test {
 protected:
  static QueueSettings grouped() {
    QueueSettings s;
    s.one_in_flight_per_group = true;
    return s;
  }
  Queue& make_queue(QueueSettings settings = grouped()) {
    queue_ = std::make_unique<Queue>("q", "/", QueueOptions{}, 0);
    queue_->configure(settings, nullptr, &timers_);
    return *queue_;
  }
  MessagePtr message(const std::string& body, std::optional<std::string> group,
                     std::optional<std::string> dedup = std::nullopt, bool persistent = false) {
    auto m = std::make_shared<Message>();
    m->body = body;
    m->group = std::move(group);
    m->dedup_id = std::move(dedup);
    m->properties.message_id = "id-" + body;
    m->timestamp_ms = timers_.wall_ms();
    if (persistent) m->properties.delivery_mode = 2;
    return m;
  }
  // Receives up to `max` with a visibility deadline `visibility_ms` ahead.
  std::vector<Delivery> receive(Queue& q, size_t max, int64_t visibility_ms = 30000) {
    Queue::ReceiveOptions o;
    o.deadline = timers_.now() + milliseconds(visibility_ms);
    std::vector<Delivery> out;
    q.receive(max, o, out);
    return out;
  }
  static std::vector<std::string> bodies(const std::vector<Delivery>& ds) {
    std::vector<std::string> out;
    for (const Delivery& d : ds) out.emplace_back(d.message->body.view());
    return out;
  }
  using Bodies = std::vector<std::string>;

  FakeTimers timers_;
  std::unique_ptr<Queue> queue_;  // destroyed before timers_ (declared after)
};

TEST_F(MessageGroupsTest, AGroupIsHandedOutTogetherInOrderThenBlocked) {
  Queue& q = make_queue();
  q.enqueue(message("a1", "a"));
  q.enqueue(message("b1", "b"));
  q.enqueue(message("a2", "a"));
  q.enqueue(message("b2", "b"));
  q.enqueue(message("a3", "a"));
  // The first eligible group's messages come together, then the next group's.
  EXPECT_EQ(bodies(receive(q, 4)), (Bodies{"a1", "a2", "a3", "b1"}));
  EXPECT_EQ(q.groups_in_flight(), 2u);
  // b2 waits for b1; a has nothing left.
  EXPECT_TRUE(receive(q, 10).empty());
  EXPECT_EQ(q.message_count(), 1u);
}

TEST_F(MessageGroupsTest, AGroupInFlightBlocksOnlyItselfUntilEveryLeaseIsSettled) {
  Queue& q = make_queue();
  q.enqueue(message("a1", "a"));
  q.enqueue(message("a2", "a"));
  q.enqueue(message("a3", "a"));
  q.enqueue(message("b1", "b"));
  std::vector<Delivery> first = receive(q, 2);
  ASSERT_EQ(bodies(first), (Bodies{"a1", "a2"}));
  EXPECT_EQ(bodies(receive(q, 1)), (Bodies{"b1"}));
  EXPECT_TRUE(receive(q, 1).empty());
  ASSERT_TRUE(q.ack(first[0].lease));
  EXPECT_TRUE(receive(q, 1).empty());  // a2 is still in flight
  ASSERT_TRUE(q.ack(first[1].lease));
  EXPECT_EQ(bodies(receive(q, 1)), (Bodies{"a3"}));
}

TEST_F(MessageGroupsTest, AnExpiredVisibilityReturnsTheMessageToTheHeadOfItsGroup) {
  Queue& q = make_queue();
  q.enqueue(message("a1", "a"));
  q.enqueue(message("a2", "a"));
  std::vector<Delivery> got = receive(q, 1, 1000);
  ASSERT_EQ(bodies(got), (Bodies{"a1"}));
  EXPECT_TRUE(receive(q, 1).empty());
  timers_.advance(milliseconds(1000));
  EXPECT_EQ(q.groups_in_flight(), 0u);
  std::vector<Delivery> again = receive(q, 10);
  EXPECT_EQ(bodies(again), (Bodies{"a1", "a2"}));
  EXPECT_TRUE(again[0].redelivered());
  EXPECT_FALSE(q.ack(got[0].lease));  // the first receive's lease is gone
}

TEST_F(MessageGroupsTest, ARequeuedMessageComesBackBeforeTheRestOfItsGroup) {
  Queue& q = make_queue();
  q.enqueue(message("a1", "a"));
  q.enqueue(message("a2", "a"));
  q.enqueue(message("b1", "b"));
  std::vector<Delivery> got = receive(q, 2);
  ASSERT_EQ(bodies(got), (Bodies{"a1", "a2"}));
  ASSERT_TRUE(q.requeue(got[1].lease));
  EXPECT_TRUE(receive(q, 1).size() == 1);  // b1
  EXPECT_TRUE(receive(q, 1).empty());      // a2 waits for a1
  ASSERT_TRUE(q.requeue(got[0].lease));
  EXPECT_EQ(bodies(receive(q, 10)), (Bodies{"a1", "a2"}));
}

TEST_F(MessageGroupsTest, MessagesWithoutAGroupAreNeverBlocked) {
  Queue& q = make_queue();
  q.enqueue(message("x", std::nullopt));
  q.enqueue(message("y", std::nullopt));
  EXPECT_EQ(bodies(receive(q, 1)), (Bodies{"x"}));
  EXPECT_EQ(bodies(receive(q, 1)), (Bodies{"y"}));
}

TEST_F(MessageGroupsTest, AQueueWithoutTheSettingIgnoresGroups) {
  Queue& q = make_queue(QueueSettings{});
  q.enqueue(message("a1", "a"));
  q.enqueue(message("b1", "b"));
  q.enqueue(message("a2", "a"));
  EXPECT_EQ(bodies(receive(q, 1)), (Bodies{"a1"}));
  EXPECT_EQ(bodies(receive(q, 2)), (Bodies{"b1", "a2"}));
  EXPECT_EQ(q.groups_in_flight(), 0u);
}

TEST_F(MessageGroupsTest, ASubscriberGetsAGroupsMessagesTogetherAndTheNextWhenSettled) {
  Queue& q = make_queue();
  q.enqueue(message("a1", "a"));
  q.enqueue(message("b1", "b"));
  q.enqueue(message("a2", "a"));
  q.enqueue(message("b2", "b"));
  Taker first(3);
  ASSERT_TRUE(q.add_consumer(&first, ConsumerOptions{}).ok());
  q.dispatch();
  EXPECT_EQ(first.bodies, (Bodies{"a1", "a2", "b1"}));
  Taker second(3);
  ASSERT_TRUE(q.add_consumer(&second, ConsumerOptions{}).ok());
  q.dispatch();
  EXPECT_TRUE(second.bodies.empty());   // b2 waits for b1
  ASSERT_TRUE(q.ack(first.leases[2]));  // b1 settled: b2 goes out at once
  EXPECT_EQ(second.bodies, (Bodies{"b2"}));
  q.remove_consumer(&first);
  q.remove_consumer(&second);
}

TEST_F(MessageGroupsTest, ADuplicateWithinTheWindowIsDroppedAndTellsTheOriginal) {
  QueueSettings s = grouped();
  s.dedup_window_ms = 300000;
  Queue& q = make_queue(s);
  EXPECT_EQ(q.duplicate_of("d1"), nullptr);
  q.enqueue(message("first", "a", "d1"));
  q.enqueue(message("again", "a", "d1"));
  q.enqueue(message("other", "a", "d2"));
  EXPECT_EQ(q.message_count(), 2u);
  const Message* original = q.duplicate_of("d1");
  ASSERT_NE(original, nullptr);
  EXPECT_EQ(original->properties.message_id, "id-first");
  EXPECT_EQ(original->body.size(), 0u);  // the window keeps no body
  // Settled, the id still deduplicates until the window ends.
  std::vector<Delivery> got = receive(q, 10);
  for (const Delivery& d : got) q.ack(d.lease);
  timers_.advance(milliseconds(299999));
  q.enqueue(message("late", "a", "d1"));
  EXPECT_EQ(q.message_count(), 0u);
  timers_.advance(milliseconds(1));
  EXPECT_EQ(q.duplicate_of("d1"), nullptr);
  q.enqueue(message("after", "a", "d1"));
  EXPECT_EQ(q.message_count(), 1u);
  EXPECT_EQ(q.duplicate_of("d1")->properties.message_id, "id-after");
}

TEST_F(MessageGroupsTest, WithoutAWindowNothingIsADuplicate) {
  Queue& q = make_queue();
  q.enqueue(message("first", "a", "d1"));
  q.enqueue(message("again", "a", "d1"));
  EXPECT_EQ(q.message_count(), 2u);
  EXPECT_EQ(q.duplicate_of("d1"), nullptr);
}

TEST_F(MessageGroupsTest, GroupsAndTheWindowOfQueuedMessagesSurviveARestart) {
  TestStorage storage("groups");
  QueueOptions options;
  options.durable = true;
  QueueSettings settings = grouped();
  settings.dedup_window_ms = 300000;
  {
    Queue q("q", "/", options, 0);
    q.configure(settings, nullptr, &timers_);
    ASSERT_TRUE(q.attach_storage(&storage.stores()).ok());
    q.enqueue(message("a1", "a", "d-a1", true));
    q.enqueue(message("b1", "b", "d-b1", true));
    q.enqueue(message("a2", "a", "d-a2", true));
    Queue::ReceiveOptions o;
    std::vector<Delivery> got;
    ASSERT_EQ(q.receive(1, o, got), 1u);  // a1, in flight at the restart
    storage.run_round();
  }
  timers_.advance(milliseconds(1000));
  Queue again("q", "/", options, 0);
  again.configure(settings, nullptr, &timers_);
  ASSERT_TRUE(again.attach_storage(&storage.stores()).ok());
  ASSERT_NE(again.duplicate_of("d-b1"), nullptr);
  EXPECT_EQ(again.duplicate_of("d-b1")->properties.message_id, "id-b1");
  again.enqueue(message("b1-again", "b", "d-b1", true));
  EXPECT_EQ(again.message_count(), 3u);
  std::vector<Delivery> got = receive(again, 10);
  EXPECT_EQ(bodies(got), (Bodies{"a1", "a2", "b1"}));
  EXPECT_TRUE(got[0].redelivered());
  // The window counts from the send: the recovered ids end 300 s after it.
  timers_.advance(milliseconds(299000));
  EXPECT_EQ(again.duplicate_of("d-b1"), nullptr);
  for (const Delivery& d : got) again.ack(d.lease);
  storage.run_round();
}

TEST_F(MessageGroupsTest, TheIdOfADeletedMessageStillDeduplicatesAfterARestart) {
  TestStorage storage("groups");
  QueueOptions options;
  options.durable = true;
  QueueSettings settings = grouped();
  settings.dedup_window_ms = 300000;
  {
    Queue q("q", "/", options, 0);
    q.configure(settings, nullptr, &timers_);
    ASSERT_TRUE(q.attach_storage(&storage.stores()).ok());
    q.enqueue(message("gone", "a", "d-gone", true));
    q.enqueue(message("kept", "a", "d-kept", true));
    std::vector<Delivery> got = receive(q, 1);
    ASSERT_EQ(bodies(got), (Bodies{"gone"}));
    ASSERT_TRUE(q.ack(got[0].lease));  // deleted: only the store still has its record
    storage.run_round();
  }
  timers_.advance(milliseconds(1000));
  Queue again("q", "/", options, 0);
  again.configure(settings, nullptr, &timers_);
  ASSERT_TRUE(again.attach_storage(&storage.stores()).ok());
  ASSERT_NE(again.duplicate_of("d-gone"), nullptr);
  EXPECT_EQ(again.duplicate_of("d-gone")->properties.message_id, "id-gone");
  again.enqueue(message("gone-again", "a", "d-gone", true));
  std::vector<Delivery> got = receive(again, 10);
  EXPECT_EQ(bodies(got), (Bodies{"kept"}));
  for (const Delivery& d : got) again.ack(d.lease);
  storage.run_round();
}

}  // namespace
}  // namespace polymq::core
