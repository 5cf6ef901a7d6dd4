// Moving a queue's ready messages elsewhere (the redrive of dead-letter queues): what moves,
// where to, at what rate, and how a task ends (completed, cancelled, failed) with nothing lost.
#include "core/message_mover.h"

#include <gtest/gtest.h>

#include "core/broker.h"
#include "core/dead_lettering.h"
#include "core/fake_timers.h"
#include "core/queue_test_util.h"

namespace polymq::core {
namespace {

using namespace std::chrono_literals;
using testing::NamedSettings;
using State = MessageMover::State;
using Failure = MessageMover::Failure;

// A model that records where a message died in the header "origin".
class OriginModel : public DeadLettering {
 public:
  MessagePtr dead_lettered(const Message& message, DeadLetterReason, const std::string& queue,
                           const DeadLetterTarget& target, uint64_t) const override {
    MessagePtr out = readdressed(message, target);
    auto m = std::make_shared<Message>(*out);
    m->properties.headers = Table{{"origin", Value::String(queue)}};
    return m;
  }
  bool is_cycle(const Message&, const std::string&, DeadLetterReason) const override {
    return false;
  }
  std::optional<std::string> dead_lettered_from(const Message& message) const override {
    if (!message.properties.headers) return std::nullopt;
    const std::string* origin = find_string(*message.properties.headers, "origin");
    return origin == nullptr ? std::nullopt : std::optional<std::string>(*origin);
  }
};

class MessageMoverTest : public ::testing::Test {
 protected:
  MessageMoverTest() {
    broker_.hooks().queue_settings = &settings_;
    broker_.hooks().timers = &timers_;
    vhost_ = &broker_.add_vhost("/");
  }
  Queue& declare(const std::string& name) {
    QueueDeclareOutcome out;
    EXPECT_TRUE(vhost_->declare_queue(name, {}, false, 1, out).ok());
    return *out.queue;
  }
  void fill(Queue& q, int n, const std::string& prefix = "m") {
    for (int i = 0; i < n; ++i) {
      auto m = std::make_shared<Message>();
      m->body = prefix + std::to_string(i);
      m->properties.message_id = "id-" + prefix + std::to_string(i);
      q.enqueue(m);
    }
  }
  std::unique_ptr<MessageMover> mover(const Queue& source, std::optional<std::string> to,
                                      uint32_t rate = 0) {
    MessageMover::Options o;
    o.vhost = "/";
    o.source = source.id();
    o.destination = std::move(to);
    o.per_second = rate;
    return std::make_unique<MessageMover>(broker_, timers_, o, [this] { ++stopped_; });
  }
  std::vector<std::string> bodies(Queue& q) {
    std::vector<std::string> out;
    Delivery d;
    while (testing::take(q, d)) out.push_back(std::string(d.message->body.view()));
    return out;
  }

  NamedSettings settings_;
  FakeTimers timers_;
  Broker broker_;
  VHost* vhost_ = nullptr;
  int stopped_ = 0;
};

TEST_F(MessageMoverTest, MovesTheMessagesReadyAtTheStartToTheDestination) {
  Queue& dlq = declare("dlq");
  Queue& dest = declare("dest");
  fill(dlq, 3);
  auto task = mover(dlq, "dest");
  task->start();
  EXPECT_EQ(task->to_move(), 3u);
  fill(dlq, 1, "late");  // arrived after the start: stays
  timers_.advance(0ms);
  EXPECT_EQ(task->state(), State::kCompleted);
  EXPECT_EQ(task->moved(), 3u);
  EXPECT_EQ(stopped_, 1);
  EXPECT_EQ(bodies(dest), (std::vector<std::string>{"m0", "m1", "m2"}));
  EXPECT_EQ(bodies(dlq), (std::vector<std::string>{"late0"}));
}

TEST_F(MessageMoverTest, KeepsTheMessageIdentityAndAddressesOnlyTheDestination) {
  Queue& dlq = declare("dlq");
  Queue& dest = declare("dest");
  Queue& other = declare("other");
  auto m = std::make_shared<Message>();
  m->body = "x";
  m->properties.message_id = "keep-me";
  m->properties.headers =
      Table{{"CC", Value::Arr({Value::String("other")})}, {"app", Value::String("v")}};
  dlq.enqueue(m);
  auto task = mover(dlq, "dest");
  task->start();
  timers_.advance(0ms);
  Delivery d;
  ASSERT_TRUE(testing::take(dest, d));
  EXPECT_EQ(d.message->properties.message_id, "keep-me");
  EXPECT_EQ(d.message->body.view(), "x");
  EXPECT_EQ(*find_string(*d.message->properties.headers, "app"), "v");
  EXPECT_EQ(other.message_count(), 0u);  // the CC header did not copy it
}

TEST_F(MessageMoverTest, RateLimitSpreadsTheMovesOverTime) {
  Queue& dlq = declare("dlq");
  Queue& dest = declare("dest");
  fill(dlq, 10);
  auto task = mover(dlq, "dest", 5);  // one message every 200 ms
  task->start();
  timers_.advance(0ms);
  EXPECT_EQ(task->moved(), 1u);
  timers_.advance(1000ms);
  EXPECT_EQ(task->moved(), 6u);
  EXPECT_EQ(task->state(), State::kRunning);
  timers_.advance(1000ms);
  EXPECT_EQ(task->moved(), 10u);
  EXPECT_EQ(task->state(), State::kCompleted);
  EXPECT_EQ(dest.message_count(), 10u);
}

TEST_F(MessageMoverTest, WithoutADestinationEachMessageGoesBackToWhereItDied) {
  OriginModel model;
  broker_.hooks().dead_lettering = &model;
  Queue& dlq = declare("dlq");
  Queue& a = declare("a");
  Queue& b = declare("b");
  for (const char* origin : {"a", "b", "a"}) {
    auto m = std::make_shared<Message>();
    m->body = origin;
    m->properties.headers = Table{{"origin", Value::String(origin)}};
    dlq.enqueue(m);
  }
  auto task = mover(dlq, std::nullopt);
  task->start();
  timers_.advance(0ms);
  EXPECT_EQ(task->state(), State::kCompleted);
  EXPECT_EQ(bodies(a), (std::vector<std::string>{"a", "a"}));
  EXPECT_EQ(bodies(b), (std::vector<std::string>{"b"}));
}

TEST_F(MessageMoverTest, AnUnknownOriginFailsTheTaskAndKeepsTheMessage) {
  Queue& dlq = declare("dlq");  // no model: nothing records an origin
  fill(dlq, 2);
  auto task = mover(dlq, std::nullopt);
  task->start();
  timers_.advance(0ms);
  EXPECT_EQ(task->state(), State::kFailed);
  EXPECT_EQ(task->failure(), Failure::kOriginUnknown);
  EXPECT_EQ(task->moved(), 0u);
  EXPECT_EQ(dlq.message_count(), 2u);
  EXPECT_EQ(dlq.unacked_count(), 0u);
  EXPECT_EQ(stopped_, 1);
}

TEST_F(MessageMoverTest, CancelStopsTakingAndKeepsWhatMoved) {
  Queue& dlq = declare("dlq");
  Queue& dest = declare("dest");
  fill(dlq, 10);
  auto task = mover(dlq, "dest", 1);
  task->start();
  timers_.advance(1500ms);  // at 0 s and 1 s
  task->cancel();
  EXPECT_EQ(task->state(), State::kCancelled);
  timers_.advance(5000ms);
  EXPECT_EQ(task->moved(), 2u);
  EXPECT_EQ(dest.message_count(), 2u);
  EXPECT_EQ(dlq.message_count(), 8u);
  EXPECT_EQ(stopped_, 1);
}

TEST_F(MessageMoverTest, ADestinationDeletedMidwayFailsTheTaskWithTheRestInTheSource) {
  Queue& dlq = declare("dlq");
  declare("dest");
  fill(dlq, 5);
  auto task = mover(dlq, "dest", 1);
  task->start();
  timers_.advance(0ms);
  size_t count = 0;
  ASSERT_TRUE(vhost_->delete_queue("dest", false, false, 1, count).ok());
  timers_.advance(1000ms);
  EXPECT_EQ(task->state(), State::kFailed);
  EXPECT_EQ(task->failure(), Failure::kDestinationGone);
  EXPECT_EQ(task->moved(), 1u);
  EXPECT_EQ(dlq.message_count(), 4u);
  EXPECT_EQ(dlq.unacked_count(), 0u);
}

TEST_F(MessageMoverTest, ASourceDeletedMidwayFailsTheTask) {
  Queue& dlq = declare("dlq");
  declare("dest");
  fill(dlq, 5);
  auto task = mover(dlq, "dest", 1);
  task->start();
  timers_.advance(0ms);
  size_t count = 0;
  ASSERT_TRUE(vhost_->delete_queue("dlq", false, false, 1, count).ok());
  timers_.advance(1000ms);
  EXPECT_EQ(task->state(), State::kFailed);
  EXPECT_EQ(task->failure(), Failure::kSourceGone);
}

}  // namespace
}  // namespace polymq::core
