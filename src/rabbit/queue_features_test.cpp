// Queue behaviour from x-arguments and policies, driven through a VHost with a fake clock:
// TTLs, dead-lettering, delivery limits, length limits, priorities, consumer selection.
#include <gtest/gtest.h>

#include "core/fake_timers.h"
#include "core/queue_test_util.h"
#include "core/vhost.h"
#include "rabbit/dead_letter.h"
#include "rabbit/model.h"
#include "rabbit/queue_arguments.h"

namespace polymq::rabbit {
namespace {

using namespace polymq::core;
using core::testing::consumer_options;
using core::testing::take;

using std::chrono::milliseconds;

class Recorder : public Consumer {
 public:
  explicit Recorder(size_t max_credit = 1000) : credit(max_credit) {}
  bool ready() const override { return received.size() < credit; }
  void deliver(Queue&, Delivery m) override { received.push_back(std::move(m)); }
  void cancelled_by_queue(Queue&) override {}
  size_t credit;
  std::vector<Delivery> received;
};

class QueueFeaturesTest : public ::testing::Test {
 protected:
  QueueFeaturesTest() {
    hooks_.timers = &timers_;
    hooks_.policies = &policies_;
    hooks_.operator_policies = &operator_policies_;
    model_.install(hooks_);
  }

  // As Broker::set_policy: checked by the model, stored, applied to the existing queues.
  Status add_policy(PolicyDefinition p, core::PolicyKind kind = core::PolicyKind::kUser) {
    if (Status s = model_.check_policy(kind, p); !s.ok()) return s;
    core::PolicyStore& store = kind == core::PolicyKind::kUser ? policies_ : operator_policies_;
    if (Status s = store.set(std::move(p)); !s.ok()) return s;
    vhost().reapply_policies();
    return Status::Ok();
  }

  VHost& vhost() {
    if (!vhost_) vhost_ = std::make_unique<VHost>("/", &hooks_);
    return *vhost_;
  }

  Queue& declare(const std::string& name, Table args) {
    QueueOptions options;
    options.arguments = std::move(args);
    QueueDeclareOutcome out;
    Status s = vhost().declare_queue(name, options, false, 0, out);
    EXPECT_TRUE(s.ok()) << s.message();
    return *out.queue;
  }

  Status try_declare(const std::string& name, Table args) {
    QueueOptions options;
    options.arguments = std::move(args);
    QueueDeclareOutcome out;
    return vhost().declare_queue(name, options, false, 0, out);
  }

  EnqueueOutcome publish(const std::string& queue, std::string body,
                         std::optional<std::string> expiration = std::nullopt,
                         std::optional<uint8_t> priority = std::nullopt) {
    auto m = std::make_shared<Message>();
    m->routing_key = queue;
    m->body = std::move(body);
    m->properties.expiration = std::move(expiration);
    m->properties.priority = priority;
    Queue* q = vhost().find_queue(queue);
    EXPECT_NE(q, nullptr);
    return q->enqueue(m);
  }

  std::vector<std::string> drain(Queue& q) {
    std::vector<std::string> bodies;
    Delivery m;
    while (take(q, m)) {
      bodies.emplace_back(m.message->body.view());
      q.ack(m.lease);
    }
    return bodies;
  }

  FakeTimers timers_;
  Model model_;
  core::PolicyStore policies_;
  core::PolicyStore operator_policies_;
  VHostHooks hooks_;
  std::unique_ptr<VHost> vhost_;
};

const Table& headers_of(const Delivery& m) { return *m.message->properties.headers; }

const Table& newest_death(const Delivery& m) {
  const Array* deaths = find(headers_of(m), "x-death")->as_array();
  return *deaths->front().as_table();
}

TEST_F(QueueFeaturesTest, QueueTtlExpiresMessagesWithoutAnyoneLooking) {
  Queue& q = declare("q", {{"x-message-ttl", Value::Int32(100)}});
  publish("q", "a");
  timers_.advance(milliseconds(50));
  publish("q", "b");
  EXPECT_EQ(q.message_count(), 2u);
  timers_.advance(milliseconds(60));  // "a" is 110 ms old
  EXPECT_EQ(q.message_count(), 1u);
  timers_.advance(milliseconds(50));
  EXPECT_EQ(q.message_count(), 0u);
}

TEST_F(QueueFeaturesTest, SmallerOfQueueAndMessageTtlWins) {
  Queue& q = declare("q", {{"x-message-ttl", Value::Int32(1000)}});
  publish("q", "short", "100");
  publish("q", "long", "5000");
  timers_.advance(milliseconds(150));
  EXPECT_EQ(q.message_count(), 1u);
  timers_.advance(milliseconds(900));
  EXPECT_EQ(q.message_count(), 0u);
}

TEST_F(QueueFeaturesTest, TtlZeroKeepsOnlyWhatAConsumerTakesAtOnce) {
  Queue& q = declare("q", {{"x-message-ttl", Value::Int32(0)}});
  publish("q", "nobody");
  EXPECT_EQ(q.message_count(), 0u);
  Recorder c;
  ASSERT_TRUE(q.add_consumer(&c, consumer_options(false)).ok());
  publish("q", "taken");
  ASSERT_EQ(c.received.size(), 1u);
  EXPECT_EQ(c.received[0].message->body, "taken");
}

TEST_F(QueueFeaturesTest, ExpiredMessageIsDeadLetteredWithXDeath) {
  declare("dead", {});
  declare("work", {{"x-message-ttl", Value::Int32(100)},
                   {"x-dead-letter-exchange", Value::String("")},
                   {"x-dead-letter-routing-key", Value::String("dead")}});
  publish("work", "payload", "50");
  timers_.advance(milliseconds(60));
  Queue& dead = *vhost().find_queue("dead");
  Delivery m;
  ASSERT_TRUE(take(dead, m));
  EXPECT_EQ(m.message->body, "payload");
  EXPECT_EQ(m.message->routing_key, "dead");
  EXPECT_FALSE(m.message->properties.expiration.has_value());
  const Table& death = newest_death(m);
  EXPECT_EQ(find_int(death, "count"), 1);
  EXPECT_EQ(*find_string(death, "reason"), "expired");
  EXPECT_EQ(*find_string(death, "queue"), "work");
  EXPECT_EQ(*find_string(death, "exchange"), "");
  EXPECT_EQ(*find_string(death, "original-expiration"), "50");
  EXPECT_EQ(find(death, "time")->kind, ValueKind::kTimestamp);
  const Array* keys = find(death, "routing-keys")->as_array();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(*(*keys)[0].as_string(), "work");
  EXPECT_EQ(*find_string(headers_of(m), "x-first-death-reason"), "expired");
  EXPECT_EQ(*find_string(headers_of(m), "x-first-death-queue"), "work");
  EXPECT_EQ(*find_string(headers_of(m), "x-first-death-exchange"), "");
}

TEST_F(QueueFeaturesTest, RejectedTwiceInOneQueueCountsTwoInOneEntry) {
  Queue& work = declare("work", {{"x-dead-letter-exchange", Value::String("")}});
  // The default exchange routes the dead-lettered copy back by its original key ("work").
  publish("work", "m");
  for (int round = 1; round <= 2; ++round) {
    Delivery m;
    ASSERT_TRUE(take(work, m));
    work.reject(m.lease);
  }
  Delivery m;
  ASSERT_TRUE(take(work, m));
  const Array* deaths = find(headers_of(m), "x-death")->as_array();
  ASSERT_EQ(deaths->size(), 1u);
  EXPECT_EQ(find_int(newest_death(m), "count"), 2);
  EXPECT_EQ(*find_string(newest_death(m), "reason"), "rejected");
}

TEST(DeadLetterTest, ClientSuppliedXDeathOfAnyShapeIsTolerated) {
  // A publisher controls the headers: x-death may be anything. An x-death that is not an
  // array is replaced, malformed entries of an array are kept, and the fresh entry goes in
  // front; cycle detection reads past what it cannot use.
  for (Value bogus : {Value::String("not an array"),
                      Value::Arr({Value::Int32(7), Value::Tab({{"queue", Value::Int32(1)}})})}) {
    Message m;
    m.routing_key = "k";
    m.properties.headers = Table{{"x-death", bogus}};
    MessagePtr dead =
        make_dead_lettered(m, DeadLetterReason::kExpired, "q", "dlx", std::nullopt, 1);
    const Value* x_death = find(*dead->properties.headers, "x-death");
    ASSERT_NE(x_death, nullptr);
    ASSERT_NE(x_death->as_array(), nullptr);
    const Table* newest = x_death->as_array()->front().as_table();
    ASSERT_NE(newest, nullptr);
    EXPECT_EQ(*find_string(*newest, "queue"), "q");
    EXPECT_TRUE(dead_letter_cycle(*dead, "q", DeadLetterReason::kExpired));
    EXPECT_FALSE(dead_letter_cycle(*dead, "other", DeadLetterReason::kExpired));
  }
}

TEST_F(QueueFeaturesTest, ExpiryCycleWithoutRejectionIsDropped) {
  Queue& a = declare(
      "a", {{"x-message-ttl", Value::Int32(10)}, {"x-dead-letter-exchange", Value::String("")}});
  publish("a", "loop");
  timers_.advance(milliseconds(50));
  EXPECT_EQ(a.message_count(), 0u);
}

TEST_F(QueueFeaturesTest, DeliveryLimitDeadLettersThePoisonMessage) {
  declare("parking", {});
  Queue& q = declare("q", {{"x-delivery-limit", Value::Int32(1)},
                           {"x-dead-letter-exchange", Value::String("")},
                           {"x-dead-letter-routing-key", Value::String("parking")}});
  EXPECT_TRUE(q.settings().counts_deliveries());
  publish("q", "poison");
  Delivery m;
  ASSERT_TRUE(take(q, m));
  q.requeue(m.lease);  // delivered once before: within the limit
  ASSERT_TRUE(take(q, m));
  EXPECT_EQ(m.delivery_count, 1u);
  q.requeue(m.lease);  // twice: over it
  EXPECT_EQ(q.message_count(), 0u);
  Delivery parked;
  ASSERT_TRUE(take(*vhost().find_queue("parking"), parked));
  EXPECT_EQ(*find_string(newest_death(parked), "reason"), "delivery_limit");
}

TEST_F(QueueFeaturesTest, ChangedArgumentsApplyAtOnce) {
  declare("parking", {});
  Queue& q = declare("q", {{"x-max-length", Value::Int32(5)}});
  publish("q", "poison");
  Delivery m;
  ASSERT_TRUE(take(q, m));  // leased before the change: the new limit applies at its return
  ASSERT_TRUE(
      vhost()
          .change_queue_arguments("q", {{"x-delivery-limit", Value::Int32(0)},
                                        {"x-dead-letter-exchange", Value::String("")},
                                        {"x-dead-letter-routing-key", Value::String("parking")},
                                        {"x-max-length", Value::Int32(5)}})
          .ok());
  EXPECT_EQ(q.settings().delivery_limit, 0u);
  EXPECT_EQ(find_int(q.options().arguments, "x-delivery-limit"), 0);
  q.requeue(m.lease);
  EXPECT_EQ(q.message_count(), 0u);
  EXPECT_EQ(vhost().find_queue("parking")->message_count(), 1u);

  // A lowered length limit drops the surplus now; an invalid argument changes nothing.
  for (const char* b : {"1", "2", "3"}) publish("q", b);
  ASSERT_TRUE(vhost().change_queue_arguments("q", {{"x-max-length", Value::Int32(1)}}).ok());
  EXPECT_EQ(q.message_count(), 1u);
  EXPECT_FALSE(q.settings().dead_letter);
  Status bad = vhost().change_queue_arguments("q", {{"x-max-length", Value::String("x")}});
  EXPECT_EQ(bad.code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(q.settings().max_length, 1u);
  // What a queue cannot change while it exists.
  EXPECT_EQ(vhost().change_queue_arguments("q", {{"x-max-priority", Value::Int32(3)}}).code(),
            ErrorCode::kPreconditionFailed);
  EXPECT_EQ(vhost().change_queue_arguments("none", {}).code(), ErrorCode::kNotFound);
}

TEST_F(QueueFeaturesTest, DropHeadDeadLettersTheOldest) {
  declare("dead", {});
  Queue& q = declare("q", {{"x-max-length", Value::Int32(2)},
                           {"x-dead-letter-exchange", Value::String("")},
                           {"x-dead-letter-routing-key", Value::String("dead")}});
  for (const char* b : {"1", "2", "3"}) EXPECT_EQ(publish("q", b), EnqueueOutcome::kQueued);
  EXPECT_EQ(drain(q), (std::vector<std::string>{"2", "3"}));
  Delivery m;
  ASSERT_TRUE(take(*vhost().find_queue("dead"), m));
  EXPECT_EQ(m.message->body, "1");
  EXPECT_EQ(*find_string(newest_death(m), "reason"), "maxlen");
}

TEST_F(QueueFeaturesTest, MaxLengthBytesCountsBodies) {
  Queue& q = declare("q", {{"x-max-length-bytes", Value::Int32(10)}});
  publish("q", "12345");
  publish("q", "67890");
  publish("q", "abc");
  EXPECT_EQ(drain(q), (std::vector<std::string>{"67890", "abc"}));
}

TEST_F(QueueFeaturesTest, RejectPublishRefusesAndDlxVariantDeadLetters) {
  declare("dead", {});
  Queue& q = declare(
      "q", {{"x-max-length", Value::Int32(1)}, {"x-overflow", Value::String("reject-publish")}});
  EXPECT_EQ(publish("q", "1"), EnqueueOutcome::kQueued);
  EXPECT_EQ(publish("q", "2"), EnqueueOutcome::kRefused);
  EXPECT_EQ(drain(q), (std::vector<std::string>{"1"}));

  Queue& r = declare("r", {{"x-max-length", Value::Int32(1)},
                           {"x-overflow", Value::String("reject-publish-dlx")},
                           {"x-dead-letter-exchange", Value::String("")},
                           {"x-dead-letter-routing-key", Value::String("dead")}});
  EXPECT_EQ(publish("r", "1"), EnqueueOutcome::kQueued);
  EXPECT_EQ(publish("r", "2"), EnqueueOutcome::kRefused);
  EXPECT_EQ(r.message_count(), 1u);
  EXPECT_EQ(drain(*vhost().find_queue("dead")), (std::vector<std::string>{"2"}));
}

TEST_F(QueueFeaturesTest, PriorityQueueDeliversHighestFirstFifoWithin) {
  Queue& q = declare("q", {{"x-max-priority", Value::Int32(5)}});
  publish("q", "low1");
  publish("q", "high1", std::nullopt, 5);
  publish("q", "capped", std::nullopt, 200);  // above the max: treated as the max
  publish("q", "mid", std::nullopt, 3);
  publish("q", "low2", std::nullopt, 0);
  Delivery first;
  ASSERT_TRUE(take(q, first));
  EXPECT_EQ(first.message->body, "high1");
  q.requeue(first.lease);  // back at its place, ahead of "capped"
  EXPECT_EQ(drain(q), (std::vector<std::string>{"high1", "capped", "mid", "low1", "low2"}));
}

TEST_F(QueueFeaturesTest, SingleActiveConsumerHandsOverOnCancel) {
  Queue& q = declare("q", {{"x-single-active-consumer", Value::Bool(true)}});
  Recorder a, b;
  ASSERT_TRUE(q.add_consumer(&a, consumer_options(false)).ok());
  ASSERT_TRUE(q.add_consumer(&b, consumer_options(false)).ok());
  publish("q", "1");
  publish("q", "2");
  EXPECT_EQ(a.received.size(), 2u);
  EXPECT_TRUE(b.received.empty());
  q.remove_consumer(&a);
  publish("q", "3");
  ASSERT_EQ(b.received.size(), 1u);
  EXPECT_EQ(b.received[0].message->body, "3");
}

TEST_F(QueueFeaturesTest, ConsumerPriorityPrefersHigherWhileItHasCredit) {
  Queue& q = declare("q", {});
  Recorder low(10), high(2), high2(2);
  ASSERT_TRUE(q.add_consumer(&low, consumer_options(false, 0)).ok());
  ASSERT_TRUE(q.add_consumer(&high, consumer_options(false, 10)).ok());
  ASSERT_TRUE(q.add_consumer(&high2, consumer_options(false, 10)).ok());
  for (int i = 0; i < 6; ++i) publish("q", std::to_string(i));
  EXPECT_EQ(high.received.size(), 2u);
  EXPECT_EQ(high2.received.size(), 2u);
  EXPECT_EQ(low.received.size(), 2u);
  // Round-robin between the two high-priority consumers.
  EXPECT_EQ(high.received[0].message->body, "0");
  EXPECT_EQ(high2.received[0].message->body, "1");
  EXPECT_EQ(low.received[0].message->body, "4");
}

TEST_F(QueueFeaturesTest, UnusedQueueExpiresButNotWhileConsumed) {
  declare("idle", {{"x-expires", Value::Int32(100)}});
  Queue& busy = declare("busy", {{"x-expires", Value::Int32(100)}});
  Recorder c;
  ASSERT_TRUE(busy.add_consumer(&c, consumer_options(false)).ok());
  timers_.advance(milliseconds(150));
  EXPECT_EQ(vhost().find_queue("idle"), nullptr);
  EXPECT_NE(vhost().find_queue("busy"), nullptr);
  busy.remove_consumer(&c);
  timers_.advance(milliseconds(90));
  EXPECT_NE(vhost().find_queue("busy"), nullptr);
  timers_.advance(milliseconds(20));
  EXPECT_EQ(vhost().find_queue("busy"), nullptr);
}

TEST_F(QueueFeaturesTest, InvalidArgumentsGetRabbitMqTexts) {
  auto text = [&](Table args) { return try_declare("q", std::move(args)).message(); };
  EXPECT_EQ(text({{"x-message-ttl", Value::Int32(-1)}}),
            "invalid arg 'x-message-ttl' for queue 'q' in vhost '/': {value_negative,-1}");
  EXPECT_EQ(text({{"x-expires", Value::Int32(0)}}),
            "invalid arg 'x-expires' for queue 'q' in vhost '/': {value_zero,0}");
  EXPECT_EQ(text({{"x-max-length", Value::String("ten")}}),
            "invalid arg 'x-max-length' for queue 'q' in vhost '/': "
            "\"expected integer, got longstr\"");
  EXPECT_EQ(text({{"x-single-active-consumer", Value::String("yes")}}),
            "invalid arg 'x-single-active-consumer' for queue 'q' in vhost '/': "
            "{unacceptable_type,longstr}");
  EXPECT_EQ(text({{"x-dead-letter-exchange", Value::Int32(1)}}),
            "invalid type 'signedint' for arg 'x-dead-letter-exchange' in queue 'q' in vhost '/'");
  EXPECT_EQ(text({{"x-overflow", Value::String("drop-tail")}}),
            "invalid arg 'x-overflow' for queue 'q' in vhost '/': invalid_overflow");
  EXPECT_EQ(text({{"x-max-priority", Value::Int32(256)}}),
            "invalid arg 'x-max-priority' for queue 'q' in vhost '/': {max_value_exceeded,256}");
  EXPECT_EQ(text({{"x-dead-letter-routing-key", Value::String("k")}}),
            "invalid arg 'x-dead-letter-routing-key' for queue 'q' in vhost '/': "
            "routing_key_but_no_dlx_defined");
  EXPECT_EQ(try_declare("q", {{"x-max-length", Value::Int32(-2)}}).code(),
            ErrorCode::kPreconditionFailed);
}

TEST_F(QueueFeaturesTest, ExpirationPropertyIsValidated) {
  uint64_t ms = 0;
  EXPECT_TRUE(parse_expiration("1500", ms).ok());
  EXPECT_EQ(ms, 1500u);
  EXPECT_EQ(parse_expiration("abc", ms).message(), "invalid expiration 'abc': no_integer");
  EXPECT_EQ(parse_expiration("-1", ms).message(), "invalid expiration '-1': {value_negative,-1}");
  EXPECT_EQ(parse_expiration("10s", ms).message(),
            "invalid expiration '10s': {leftover_string,\"s\"}");
}

TEST_F(QueueFeaturesTest, PolicyLimitsTakeTheSmallerAndQueueArgumentsWinOtherwise) {
  PolicyDefinition p;
  p.name = "limits";
  p.pattern = "^orders\\.";
  p.definition = {{"max-length", Value::Int64(5)},
                  {"message-ttl", Value::Int64(1000)},
                  {"dead-letter-exchange", Value::String("from-policy")}};
  ASSERT_TRUE(add_policy(p).ok());
  PolicyDefinition stronger = p;
  stronger.name = "stronger";
  stronger.priority = 1;
  stronger.definition = {{"max-length", Value::Int64(3)}};
  stronger.pattern = "^orders\\.big";
  ASSERT_TRUE(add_policy(stronger).ok());

  Queue& a = declare("orders.a", {{"x-max-length", Value::Int32(2)},
                                  {"x-dead-letter-exchange", Value::String("own")}});
  EXPECT_EQ(a.settings().max_length, 2u);  // the argument is smaller
  EXPECT_EQ(a.settings().message_ttl_ms, 1000u);
  EXPECT_EQ(a.settings().dead_letter->exchange, "own");
  Queue& b = declare("orders.b", {{"x-max-length", Value::Int32(50)}});
  EXPECT_EQ(b.settings().max_length, 5u);  // the policy is smaller
  EXPECT_EQ(b.settings().dead_letter->exchange, "from-policy");
  Queue& big = declare("orders.big", {});
  EXPECT_EQ(big.settings().max_length, 3u);  // higher priority policy only
  EXPECT_FALSE(big.settings().message_ttl_ms.has_value());
  Queue& other = declare("invoices", {});
  EXPECT_FALSE(other.settings().has_length_limit());

  PolicyDefinition bad;
  bad.name = "bad";
  bad.pattern = "([";
  bad.definition = {{"max-length", Value::Int64(1)}};
  EXPECT_EQ(add_policy(bad).code(), ErrorCode::kInvalidArgument);
}

// Policy patterns are matched against every declared queue's name on the event loop: a
// pattern that makes a backtracking matcher try every split of a long name must still
// finish, and back-references (which need backtracking) are refused.
TEST_F(QueueFeaturesTest, PolicyPatternsMatchInPolynomialTime) {
  PolicyDefinition p;
  p.name = "nested";
  p.pattern = "^(a|a)*b$";
  p.definition = {{"max-length", Value::Int64(7)}};
  ASSERT_TRUE(add_policy(p).ok());
  EXPECT_FALSE(declare(std::string(250, 'a'), {}).settings().has_length_limit());
  EXPECT_EQ(declare("aab", {}).settings().max_length, 7u);

  PolicyDefinition backref;
  backref.name = "backref";
  backref.pattern = "(a)\\1";
  backref.definition = {{"max-length", Value::Int64(1)}};
  EXPECT_EQ(add_policy(backref).code(), ErrorCode::kInvalidArgument);
}

TEST_F(QueueFeaturesTest, PolicySetAtRunTimeAppliesToExistingQueuesAndGoesWhenCleared) {
  Queue& q = declare("jobs", {});
  for (const char* body : {"a", "b", "c", "d"}) publish("jobs", body);
  PolicyDefinition p;
  p.name = "cap";
  p.pattern = "^jobs$";
  p.definition = {{"max-length", Value::Int64(2)}};
  ASSERT_TRUE(add_policy(p).ok());
  EXPECT_EQ(q.settings().max_length, 2u);
  EXPECT_EQ(q.applied_policies().policy, "cap");
  EXPECT_EQ(q.message_count(), 2u);  // the oldest two were dropped at once
  EXPECT_EQ(drain(q), (std::vector<std::string>{"c", "d"}));

  ASSERT_TRUE(policies_.remove("/", "cap"));
  vhost().reapply_policies();
  EXPECT_FALSE(q.settings().has_length_limit());
  EXPECT_EQ(q.applied_policies().policy, "");
  for (const char* body : {"e", "f", "g"}) publish("jobs", body);
  EXPECT_EQ(q.message_count(), 3u);
}

TEST_F(QueueFeaturesTest, PolicyExpiresSetAtRunTimeDeletesAnUnusedQueue) {
  declare("idle", {});
  PolicyDefinition p;
  p.name = "expire";
  p.pattern = "^idle$";
  p.definition = {{"expires", Value::Int64(100)}};
  ASSERT_TRUE(add_policy(p).ok());
  timers_.advance(milliseconds(50));
  EXPECT_NE(vhost().find_queue("idle"), nullptr);
  timers_.advance(milliseconds(60));
  EXPECT_EQ(vhost().find_queue("idle"), nullptr);
}

TEST_F(QueueFeaturesTest, OperatorPolicyCapsArgumentsAndPolicies) {
  Queue& q = declare("orders", {{"x-max-length", Value::Int32(10)}});
  PolicyDefinition user;
  user.name = "user";
  user.pattern = ".*";
  user.definition = {{"max-length", Value::Int64(8)}};
  ASSERT_TRUE(add_policy(user).ok());
  EXPECT_EQ(q.settings().max_length, 8u);
  PolicyDefinition cap;
  cap.name = "cap";
  cap.pattern = ".*";
  cap.definition = {{"max-length", Value::Int64(3)}, {"message-ttl", Value::Int64(60000)}};
  ASSERT_TRUE(add_policy(cap, core::PolicyKind::kOperator).ok());
  EXPECT_EQ(q.settings().max_length, 3u);
  EXPECT_EQ(q.settings().message_ttl_ms, 60000u);
  cap.definition = {{"max-length", Value::Int64(20)}};
  ASSERT_TRUE(add_policy(cap, core::PolicyKind::kOperator).ok());
  EXPECT_EQ(q.settings().max_length, 8u);  // the smallest of the three
  EXPECT_FALSE(q.settings().message_ttl_ms.has_value());
  EXPECT_EQ(q.applied_policies().policy, "user");
  EXPECT_EQ(q.applied_policies().operator_policy, "cap");
  // A queue declared after the policies starts with their names too.
  EXPECT_EQ(declare("later", {}).applied_policies().operator_policy, "cap");
}

TEST_F(QueueFeaturesTest, PolicyDefinitionsAreCheckedWithRabbitMqTexts) {
  PolicyDefinition p;
  p.name = "p";
  p.pattern = ".*";
  p.definition = {{"message-ttl", Value::Int64(-1)}};
  EXPECT_EQ(add_policy(p).message(), "policy 'p': -1 is not a valid message TTL");
  p.definition = {{"overflow", Value::String("sideways")}};
  EXPECT_EQ(add_policy(p).message(), "policy 'p': <<\"sideways\">> is not a valid overflow value");
  p.definition = {{"expires", Value::Int64(0)}};
  EXPECT_EQ(add_policy(p).message(), "policy 'p': 0 is not a valid queue expiry");
  p.definition = {{"ha-mode", Value::String("all")}, {"foo", Value::Int64(1)}};
  EXPECT_EQ(add_policy(p).message(),
            "policy 'p': [<<\"ha-mode\">>,<<\"foo\">>] are not recognised policy settings");
  p.definition = {};
  EXPECT_EQ(add_policy(p).code(), ErrorCode::kInvalidArgument);
  // Operator policies take only the limits.
  p.definition = {{"dead-letter-exchange", Value::String("dlx")}};
  EXPECT_TRUE(model_.check_policy(core::PolicyKind::kUser, p).ok());
  EXPECT_EQ(add_policy(p, core::PolicyKind::kOperator).message(),
            "policy 'p': [<<\"dead-letter-exchange\">>] are not recognised policy settings");
  EXPECT_TRUE(policies_.empty());
  EXPECT_TRUE(operator_policies_.empty());
}

}  // namespace
}  // namespace polymq::rabbit
