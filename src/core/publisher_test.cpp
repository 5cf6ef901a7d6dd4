// The publish operation: routing results at once, completions in order once durable.
#include "core/publisher.h"

#include <gtest/gtest.h>

#include <tuple>

#include "core/queue.h"
#include "core/queue_test_util.h"
#include "core/test_storage.h"
#include "core/vhost.h"

namespace polymq::core {
namespace {

using testing::NamedSettings;

MessagePtr message(const std::string& routing_key, bool persistent) {
  auto m = std::make_shared<Message>();
  m->routing_key = routing_key;
  m->body = "x";
  if (persistent) m->properties.delivery_mode = 2;
  return m;
}

struct Completion {
  uint64_t first, last;
  bool ok;
  bool operator==(const Completion& o) const {
    return std::tie(first, last, ok) == std::tie(o.first, o.last, o.ok);
  }
};

class PublisherTest : public ::testing::Test, public Publisher::Listener {
 protected:
  void SetUp() override {
    storage_ = std::make_unique<testing::TestStorage>("publisher");
    hooks_.queue_stores = &storage_->stores();
    QueueSettings full;
    full.max_length = 1;
    full.overflow = Overflow::kRejectPublish;
    settings_.by_name["full"] = full;
    hooks_.queue_settings = &settings_;
    vhost_ = std::make_unique<VHost>("/", &hooks_);
    tracker_ = std::make_unique<CommitTracker>(&storage_->committer());
    declare("durable", true, {});
    declare("transient", false, {});
    declare("full", false, {});
  }
  void TearDown() override {
    publisher_.reset();
    vhost_.reset();
    storage_.reset();
  }
  void declare(const std::string& name, bool durable, Table args) {
    QueueOptions o;
    o.durable = durable;
    o.arguments = std::move(args);
    QueueDeclareOutcome out;
    ASSERT_TRUE(vhost_->declare_queue(name, o, false, 1, out).ok());
  }
  Publisher& publisher() {
    if (!publisher_) publisher_ = std::make_unique<Publisher>(*tracker_, *this);
    return *publisher_;
  }
  PublishResult publish(const std::string& queue, bool persistent) {
    return publisher().publish(*vhost_, "", message(queue, persistent), nullptr, true);
  }
  std::vector<Completion> drain() {
    std::vector<Completion> out;
    publisher().drain([&](uint64_t f, uint64_t l, bool ok) { out.push_back({f, l, ok}); });
    return out;
  }
  void publishes_completed() override { ++completed_calls_; }
  void run_round() { storage_->run_round(); }

  std::unique_ptr<testing::TestStorage> storage_;
  NamedSettings settings_;
  VHostHooks hooks_;
  std::unique_ptr<VHost> vhost_;
  std::unique_ptr<CommitTracker> tracker_;
  std::unique_ptr<Publisher> publisher_;
  int completed_calls_ = 0;
};

TEST_F(PublisherTest, PublishesCompleteInOrderOnceDurable) {
  EXPECT_EQ(publish("transient", false).id, 1u);
  EXPECT_EQ(publish("durable", true).id, 2u);
  EXPECT_EQ(publish("transient", false).id, 3u);
  // The persistent one waits for its round, and holds back the one after it.
  EXPECT_EQ(drain(), (std::vector<Completion>{{1, 1, true}}));
  EXPECT_EQ(publisher().drained_through(), 1u);
  EXPECT_EQ(drain(), (std::vector<Completion>{}));
  run_round();
  EXPECT_GE(completed_calls_, 1);
  EXPECT_EQ(drain(), (std::vector<Completion>{{2, 3, true}}));
  EXPECT_EQ(publisher().drained_through(), 3u);
}

TEST_F(PublisherTest, RefusedPublishFailsAloneAndKeepsItsPlace) {
  EXPECT_EQ(publish("full", false).id, 1u);
  PublishResult refused = publish("full", false);  // the queue is at its limit
  EXPECT_TRUE(refused.status.ok());
  EXPECT_TRUE(refused.routed);
  EXPECT_EQ(publish("transient", false).id, 3u);
  EXPECT_EQ(drain(), (std::vector<Completion>{{1, 1, true}, {2, 2, false}, {3, 3, true}}));
}

TEST_F(PublisherTest, UnroutableCompletesAndMissingExchangeIsAnErrorWithoutAnId) {
  PublishResult r = publish("nowhere", true);
  EXPECT_TRUE(r.status.ok());
  EXPECT_FALSE(r.routed);
  EXPECT_EQ(r.id, 1u);
  PublishResult missing =
      publisher().publish(*vhost_, "no-such-exchange", message("transient", false), nullptr, true);
  EXPECT_EQ(missing.status.code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.id, 0u);
  EXPECT_EQ(drain(), (std::vector<Completion>{{1, 1, true}}));
}

TEST_F(PublisherTest, UntrackedPublishesTakeNoId) {
  PublishResult r = publisher().publish(*vhost_, "", message("durable", true), nullptr, false);
  EXPECT_TRUE(r.routed);
  EXPECT_EQ(r.id, 0u);
  EXPECT_EQ(publisher().last_id(), 0u);
  EXPECT_EQ(vhost_->find_queue("durable")->message_count(), 1u);
}

TEST_F(PublisherTest, ResetForgetsWaitingPublishes) {
  publish("durable", true);
  publisher().reset();
  run_round();
  EXPECT_EQ(completed_calls_, 0);
  EXPECT_EQ(drain(), (std::vector<Completion>{}));
}

TEST_F(PublisherTest, ExchangesRouteIntoStreamsAndTheAppendCompletesWithItsRound) {
  ExchangeOptions fanout;
  ASSERT_TRUE(vhost_->declare_exchange("events", "fanout", fanout, false).ok());
  StreamSettings settings;
  settings.partitions = 3;
  Stream* stream = nullptr;
  ASSERT_TRUE(vhost_->declare_stream("log", settings, stream).ok());
  ASSERT_TRUE(vhost_->bind_stream("log", "events", "", {}).ok());
  ASSERT_TRUE(vhost_->bind_queue("transient", "events", "", {}, 1).ok());

  auto m = message("order-17", false);
  PublishResult r = publisher().publish(*vhost_, "events", m, nullptr, true);
  ASSERT_TRUE(r.status.ok());
  EXPECT_TRUE(r.routed);
  EXPECT_EQ(vhost_->find_queue("transient")->message_count(), 1u);
  uint64_t appended = 0;
  for (uint32_t p = 0; p < 3; ++p) appended += stream->next_offset(p);
  EXPECT_EQ(appended, 1u);
  // The same routing key lands in the same partition.
  publisher().publish(*vhost_, "events", message("order-17", false), nullptr, true);
  uint32_t partition_with_two = 3;
  for (uint32_t p = 0; p < 3; ++p) {
    if (stream->next_offset(p) == 2) partition_with_two = p;
  }
  EXPECT_LT(partition_with_two, 3u);
  // A stream keeps every message, so the publish completes once its round synced it.
  EXPECT_EQ(drain(), (std::vector<Completion>{}));
  run_round();
  EXPECT_EQ(drain(), (std::vector<Completion>{{1, 2, true}}));
  EXPECT_EQ(stream->durable_offset(partition_with_two), 2u);

  // Deleting the stream removes its binding: the exchange routes to the queue only.
  ASSERT_TRUE(vhost_->delete_stream("log").ok());
  EXPECT_EQ(vhost_->find_stream("log"), nullptr);
  PublishResult after = publisher().publish(*vhost_, "events", m, nullptr, false);
  EXPECT_TRUE(after.routed);
  EXPECT_EQ(vhost_->find_queue("transient")->message_count(), 3u);
}

TEST_F(PublisherTest, ADeadLetterExchangeBoundToAStreamAppendsTheDeadLetterThere) {
  QueueSettings to_dlx;
  to_dlx.dead_letter = DeadLetterTarget{"dlx", std::nullopt};
  settings_.by_name["work"] = to_dlx;
  declare("work", false, {});
  ASSERT_TRUE(vhost_->declare_exchange("dlx", "fanout", {}, false).ok());
  Stream* stream = nullptr;
  ASSERT_TRUE(vhost_->declare_stream("dead-log", {}, stream).ok());
  ASSERT_TRUE(vhost_->bind_stream("dead-log", "dlx", "", {}).ok());

  Queue& work = *vhost_->find_queue("work");
  work.enqueue(message("job-1", false));
  Delivery d;
  ASSERT_TRUE(testing::take(work, d));
  ASSERT_TRUE(work.reject(d.lease));
  EXPECT_EQ(stream->next_offset(0), 1u);  // the stream is the dead-letter exchange's only target
}

TEST_F(PublisherTest, StreamsAndQueuesShareOneNamespace) {
  Stream* stream = nullptr;
  EXPECT_EQ(vhost_->declare_stream("durable", {}, stream).code(), ErrorCode::kResourceLocked);
  ASSERT_TRUE(vhost_->declare_stream("s", {}, stream).ok());
  QueueOptions o;
  QueueDeclareOutcome out;
  EXPECT_EQ(vhost_->declare_queue("s", o, false, 1, out).code(), ErrorCode::kResourceLocked);
  Stream* again = nullptr;
  ASSERT_TRUE(vhost_->declare_stream("s", {}, again).ok());
  EXPECT_EQ(again, stream);
  StreamSettings two;
  two.partitions = 2;
  EXPECT_EQ(vhost_->declare_stream("s", two, again).code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(vhost_->bind_stream("s", "no-such", "", {}).code(), ErrorCode::kNotFound);
  EXPECT_TRUE(vhost_->unbind_stream("s", "no-such", "", {}).ok());
  EXPECT_EQ(vhost_->delete_stream("nope").code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace polymq::core
