// The operations on queues by value: QueueIds that never name a second queue, and settling,
// receiving and subscribing through them.
#include "core/shard.h"

#include <gtest/gtest.h>

#include "core/broker.h"
#include "core/queue_test_util.h"

namespace polymq::core {
namespace {

using testing::NamedSettings;

MessagePtr make(const std::string& body) {
  auto m = std::make_shared<Message>();
  m->body = body;
  return m;
}

class Collector : public Consumer {
 public:
  bool ready() const override { return open; }
  void deliver(Queue&, Delivery d) override { received.push_back(std::move(d)); }
  void cancelled_by_queue(Queue&) override { ++cancelled; }
  bool open = true;
  std::vector<Delivery> received;
  int cancelled = 0;
};

class ShardTest : public ::testing::Test {
 protected:
  ShardTest() {
    broker_.hooks().queue_settings = &settings_;
    vhost_ = &broker_.add_vhost("/");
  }
  QueueId declare(const std::string& name, QueueOptions options = {}) {
    QueueDeclareOutcome out;
    EXPECT_TRUE(vhost_->declare_queue(name, options, false, 1, out).ok());
    return out.queue ? out.queue->id() : 0;
  }
  Shard& shard() { return broker_.shard(); }

  NamedSettings settings_;
  Broker broker_;
  VHost* vhost_ = nullptr;
};

TEST_F(ShardTest, AQueueIdNamesOneQueueOnlyAndNothingOnceItIsDeleted) {
  const QueueId first = declare("jobs");
  ASSERT_NE(first, 0u);
  EXPECT_EQ(shard().find(first), vhost_->find_queue("jobs"));
  vhost_->find_queue("jobs")->enqueue(make("a"));
  std::vector<Delivery> got;
  ASSERT_EQ(shard().receive(first, 10, {}, got), 1u);

  size_t count = 0;
  ASSERT_TRUE(vhost_->delete_queue("jobs", false, false, 1, count).ok());
  const QueueId second = declare("jobs");  // the same name again: a new queue
  EXPECT_NE(second, first);
  EXPECT_EQ(shard().find(first), nullptr);
  // The old handle settles nothing and receives nothing, even with messages in the new queue.
  vhost_->find_queue("jobs")->enqueue(make("b"));
  EXPECT_FALSE(shard().settle(first, got[0].lease, Shard::Settlement::kAck));
  std::vector<Delivery> none;
  EXPECT_EQ(shard().receive(first, 10, {}, none), 0u);
  EXPECT_EQ(shard().receive(second, 10, {}, none), 1u);
  EXPECT_EQ(shard().queue_count(), 1u);
}

TEST_F(ShardTest, SettlementsByLease) {
  QueueSettings to_dlx;
  to_dlx.dead_letter = DeadLetterTarget{"", "dead"};
  settings_.by_name["work"] = to_dlx;
  const QueueId work = declare("work");
  declare("dead");
  Queue& q = *vhost_->find_queue("work");
  for (const char* b : {"1", "2", "3"}) q.enqueue(make(b));
  std::vector<Delivery> got;
  ASSERT_EQ(shard().receive(work, 3, {}, got), 3u);

  EXPECT_TRUE(shard().settle(work, got[0].lease, Shard::Settlement::kAck));
  EXPECT_FALSE(shard().settle(work, got[0].lease, Shard::Settlement::kAck));  // settled already
  EXPECT_TRUE(shard().settle(work, got[1].lease, Shard::Settlement::kReject));
  EXPECT_EQ(vhost_->find_queue("dead")->message_count(), 1u);  // dead-lettered as rejected
  EXPECT_TRUE(shard().settle(work, got[2].lease, Shard::Settlement::kRequeue));
  EXPECT_EQ(q.message_count(), 1u);
  std::vector<Delivery> again;
  ASSERT_EQ(shard().receive(work, 1, {}, again), 1u);
  EXPECT_EQ(again[0].message->body.view(), "3");
  EXPECT_EQ(again[0].delivery_count, 1u);
  EXPECT_TRUE(shard().extend(work, again[0].lease, Clock::time_point::max()));
  EXPECT_EQ(shard().release_holder(work, 0), 1u);  // leases without a holder are holder 0's
  EXPECT_EQ(q.message_count(), 1u);
}

TEST_F(ShardTest, SubscribersThroughTheShardAndAutoDeleteWhenTheLastOneLeft) {
  QueueOptions auto_delete;
  auto_delete.auto_delete = true;
  const QueueId id = declare("events", auto_delete);
  Collector c;
  c.open = false;
  ConsumerOptions options;
  options.holder = 7;
  ASSERT_TRUE(shard().subscribe(id, &c, options).ok());
  vhost_->find_queue("events")->enqueue(make("x"));
  EXPECT_TRUE(c.received.empty());  // not ready
  c.open = true;
  shard().dispatch(id);  // credit given: the queue hands over what is ready
  ASSERT_EQ(c.received.size(), 1u);

  EXPECT_TRUE(shard().unsubscribe(id, &c));
  EXPECT_FALSE(shard().unsubscribe(id, &c));
  EXPECT_NE(vhost_->find_queue("events"), nullptr);  // deleted only when told the consumer left
  EXPECT_EQ(shard().release_holder(id, 7), 1u);
  shard().consumer_left(id);
  EXPECT_EQ(vhost_->find_queue("events"), nullptr);
  EXPECT_EQ(shard().find(id), nullptr);
  EXPECT_EQ(shard().subscribe(id, &c, options).code(), ErrorCode::kNotFound);
}

TEST_F(ShardTest, QueuesOfARemovedVHostAnswerAsDeleted) {
  VHost& other = broker_.add_vhost("other");
  QueueDeclareOutcome out;
  ASSERT_TRUE(other.declare_queue("q", {}, false, 1, out).ok());
  const QueueId id = out.queue->id();
  out.queue->enqueue(make("x"));
  out = {};
  ASSERT_TRUE(broker_.remove_vhost("other"));
  std::vector<Delivery> none;
  EXPECT_EQ(shard().receive(id, 1, {}, none), 0u);
  EXPECT_EQ(shard().find(id), nullptr);
}

}  // namespace
}  // namespace polymq::core
