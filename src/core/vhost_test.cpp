#include "core/vhost.h"

#include <gtest/gtest.h>

#include "core/dead_lettering.h"
#include "core/queue_test_util.h"

namespace polymq::core {
namespace {

Message message(std::string exchange, std::string key, Table headers = {}) {
  Message m;
  m.exchange = std::move(exchange);
  m.routing_key = std::move(key);
  if (!headers.empty()) m.properties.headers = std::move(headers);
  return m;
}

std::vector<std::string> routed(VHost& v, const std::string& exchange, const std::string& key,
                                Table headers = {}) {
  std::vector<Queue*> out;
  Status s = v.route(exchange, message(exchange, key, std::move(headers)), out);
  EXPECT_TRUE(s.ok()) << s.message();
  std::vector<std::string> names;
  for (Queue* q : out) names.push_back(q->name());
  std::sort(names.begin(), names.end());
  return names;
}

QueuePtr declare(VHost& v, const std::string& name, QueueOptions options = {}, OwnerId owner = 1) {
  QueueDeclareOutcome out;
  Status s = v.declare_queue(name, options, false, owner, out);
  EXPECT_TRUE(s.ok()) << s.message();
  return out.queue;
}

TEST(VHostTest, BuiltinExchangesExist) {
  VHost v("/");
  for (const char* n : {"amq.direct", "amq.fanout", "amq.topic", "amq.headers", "amq.match"}) {
    EXPECT_NE(v.find_exchange(n), nullptr) << n;
  }
}

TEST(VHostTest, DefaultExchangeRoutesByQueueName) {
  VHost v("/");
  declare(v, "orders");
  EXPECT_EQ(routed(v, "", "orders"), std::vector<std::string>{"orders"});
  EXPECT_TRUE(routed(v, "", "missing").empty());
}

TEST(VHostTest, FanoutDirectTopicHeaders) {
  VHost v("/");
  declare(v, "a");
  declare(v, "b");
  ASSERT_TRUE(v.bind_queue("a", "amq.fanout", "", {}, 1).ok());
  ASSERT_TRUE(v.bind_queue("b", "amq.fanout", "", {}, 1).ok());
  EXPECT_EQ(routed(v, "amq.fanout", "anything"), (std::vector<std::string>{"a", "b"}));

  ASSERT_TRUE(v.bind_queue("a", "amq.direct", "k1", {}, 1).ok());
  EXPECT_EQ(routed(v, "amq.direct", "k1"), std::vector<std::string>{"a"});
  EXPECT_TRUE(routed(v, "amq.direct", "k2").empty());

  ASSERT_TRUE(v.bind_queue("a", "amq.topic", "stock.*.nyse", {}, 1).ok());
  ASSERT_TRUE(v.bind_queue("b", "amq.topic", "stock.#", {}, 1).ok());
  EXPECT_EQ(routed(v, "amq.topic", "stock.ibm.nyse"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(routed(v, "amq.topic", "stock.ibm"), std::vector<std::string>{"b"});

  Table args{{"x-match", Value::String("any")}, {"color", Value::String("red")}};
  ASSERT_TRUE(v.bind_queue("a", "amq.headers", "", args, 1).ok());
  EXPECT_EQ(routed(v, "amq.headers", "", Table{{"color", Value::String("red")}}),
            std::vector<std::string>{"a"});
  EXPECT_TRUE(routed(v, "amq.headers", "", Table{{"color", Value::String("blue")}}).empty());
}

TEST(VHostTest, QueueRoutedOnceThroughSeveralPaths) {
  VHost v("/");
  declare(v, "q");
  ASSERT_TRUE(v.bind_queue("q", "amq.topic", "a.*", {}, 1).ok());
  ASSERT_TRUE(v.bind_queue("q", "amq.topic", "#", {}, 1).ok());
  EXPECT_EQ(routed(v, "amq.topic", "a.b"), std::vector<std::string>{"q"});
}

TEST(VHostTest, ExchangeToExchangeWithCycle) {
  VHost v("/");
  ExchangeOptions options;
  ASSERT_TRUE(v.declare_exchange("x1", "fanout", options, false).ok());
  ASSERT_TRUE(v.declare_exchange("x2", "fanout", options, false).ok());
  declare(v, "q");
  ASSERT_TRUE(v.bind_exchange("x2", "x1", "", {}).ok());
  ASSERT_TRUE(v.bind_exchange("x1", "x2", "", {}).ok());  // a cycle must not loop
  ASSERT_TRUE(v.bind_queue("q", "x2", "", {}, 1).ok());
  EXPECT_EQ(routed(v, "x1", "k"), std::vector<std::string>{"q"});
  ASSERT_TRUE(v.unbind_exchange("x2", "x1", "", {}).ok());
  EXPECT_TRUE(routed(v, "x1", "k").empty());
}

TEST(VHostTest, AlternateExchangeCatchesUnroutable) {
  VHost v("/");
  ExchangeOptions options;
  options.arguments.emplace_back("alternate-exchange", Value::String("ae"));
  ASSERT_TRUE(v.declare_exchange("main", "direct", options, false).ok());
  ASSERT_TRUE(v.declare_exchange("ae", "fanout", {}, false).ok());
  declare(v, "lost");
  declare(v, "found");
  ASSERT_TRUE(v.bind_queue("lost", "ae", "", {}, 1).ok());
  ASSERT_TRUE(v.bind_queue("found", "main", "k", {}, 1).ok());
  EXPECT_EQ(routed(v, "main", "other"), std::vector<std::string>{"lost"});
  EXPECT_EQ(routed(v, "main", "k"), std::vector<std::string>{"found"});
}

TEST(VHostTest, DeclareErrors) {
  VHost v("/");
  EXPECT_EQ(v.declare_exchange("x", "nope", {}, false).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(v.declare_exchange("amq.custom", "direct", {}, false).code(),
            ErrorCode::kAccessRefused);
  EXPECT_EQ(v.declare_exchange("missing", "direct", {}, true).code(), ErrorCode::kNotFound);
  ASSERT_TRUE(v.declare_exchange("x", "direct", {}, false).ok());
  Status s = v.declare_exchange("x", "fanout", {}, false);
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  EXPECT_NE(s.message().find("inequivalent arg 'type'"), std::string::npos) << s.message();

  QueueDeclareOutcome out;
  EXPECT_EQ(v.declare_queue("missing", {}, true, 1, out).code(), ErrorCode::kNotFound);
  EXPECT_EQ(v.declare_queue("amq.q", {}, false, 1, out).code(), ErrorCode::kAccessRefused);
  QueueOptions durable;
  durable.durable = true;
  declare(v, "d", durable);
  EXPECT_EQ(v.declare_queue("d", {}, false, 1, out).code(), ErrorCode::kPreconditionFailed);
}

TEST(VHostTest, ServerNamedQueue) {
  VHost v("/");
  QueuePtr q = declare(v, "");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->name().rfind("amq.gen-", 0), 0u);
  EXPECT_EQ(q->name().size(), 8u + 22u);
}

TEST(VHostTest, ExclusiveQueueOwnership) {
  VHost v("/");
  QueueOptions exclusive;
  exclusive.exclusive = true;
  declare(v, "mine", exclusive, 7);
  QueueDeclareOutcome out;
  EXPECT_EQ(v.declare_queue("mine", exclusive, false, 8, out).code(), ErrorCode::kResourceLocked);
  EXPECT_EQ(v.declare_queue("mine", {}, true, 8, out).code(), ErrorCode::kResourceLocked);
  QueuePtr q;
  EXPECT_EQ(v.use_queue("mine", 8, q).code(), ErrorCode::kResourceLocked);
  EXPECT_TRUE(v.use_queue("mine", 7, q).ok());
  v.release_owner(7);
  EXPECT_EQ(v.find_queue("mine"), nullptr);
  EXPECT_TRUE(q->deleted());
}

TEST(VHostTest, DeleteQueueConditionsAndBindingCleanup) {
  VHost v("/");
  QueuePtr q = declare(v, "q");
  ASSERT_TRUE(v.bind_queue("q", "amq.fanout", "", {}, 1).ok());
  q->enqueue(std::make_shared<Message>());
  size_t count = 0;
  EXPECT_EQ(v.delete_queue("q", false, true, 1, count).code(), ErrorCode::kPreconditionFailed);
  ASSERT_TRUE(v.delete_queue("q", false, false, 1, count).ok());
  EXPECT_EQ(count, 1u);
  EXPECT_FALSE(v.find_exchange("amq.fanout")->has_bindings());
  // Deleting what is not there is not an error (RabbitMQ 3.x).
  EXPECT_TRUE(v.delete_queue("q", false, false, 1, count).ok());
}

TEST(VHostTest, AutoDeleteExchangeGoesWithLastBinding) {
  VHost v("/");
  ExchangeOptions options;
  options.auto_delete = true;
  ASSERT_TRUE(v.declare_exchange("temp", "fanout", options, false).ok());
  declare(v, "q");
  ASSERT_TRUE(v.bind_queue("q", "temp", "", {}, 1).ok());
  ASSERT_TRUE(v.unbind_queue("q", "temp", "", {}, 1).ok());
  EXPECT_EQ(v.find_exchange("temp"), nullptr);
}

TEST(VHostTest, InternalExchangeRefusesPublish) {
  VHost v("/");
  ExchangeOptions options;
  options.internal = true;
  ASSERT_TRUE(v.declare_exchange("inner", "fanout", options, false).ok());
  std::vector<Queue*> out;
  EXPECT_EQ(v.route("inner", message("inner", ""), out).code(), ErrorCode::kAccessRefused);
  EXPECT_EQ(v.route("nope", message("nope", ""), out).code(), ErrorCode::kNotFound);
}

// Dead-lettering's mechanics, which the core keeps: where a message goes, what the model makes
// of it, the targets it calls cycles, and the depth limit.
class DeadLetterMechanicsTest : public ::testing::Test {
 protected:
  DeadLetterMechanicsTest() {
    QueueSettings to_dlx;
    to_dlx.dead_letter = DeadLetterTarget{"dlx", "dead"};
    settings_.by_name["src"] = to_dlx;
    hooks_.queue_settings = &settings_;
  }
  VHost& vhost() {
    if (!vhost_) {
      vhost_ = std::make_unique<VHost>("/", &hooks_);
      EXPECT_TRUE(vhost_->declare_exchange("dlx", "fanout", {}, false).ok());
      declare(*vhost_, "src");
      for (const char* q : {"a", "b"}) {
        declare(*vhost_, q);
        EXPECT_TRUE(vhost_->bind_queue(q, "dlx", "", {}, 1).ok());
      }
    }
    return *vhost_;
  }
  // Publishes one message to "src" and rejects it.
  void reject_one(Message m) {
    Queue& src = *vhost().find_queue("src");
    src.enqueue(std::make_shared<Message>(std::move(m)));
    Delivery d;
    ASSERT_TRUE(testing::take(src, d));
    ASSERT_TRUE(src.reject(d.lease));
  }

  testing::NamedSettings settings_;
  VHostHooks hooks_;
  std::unique_ptr<VHost> vhost_;
};

TEST_F(DeadLetterMechanicsTest, WithoutAModelTheMessageIsReaddressedAsItIs) {
  Message m = message("", "src", Table{{"h", Value::String("v")}});
  m.properties.expiration = "60000";
  m.body = "payload";
  reject_one(std::move(m));
  for (const char* name : {"a", "b"}) {
    Delivery d;
    ASSERT_TRUE(testing::take(*vhost().find_queue(name), d)) << name;
    EXPECT_EQ(d.message->exchange, "dlx");
    EXPECT_EQ(d.message->routing_key, "dead");
    EXPECT_EQ(d.message->body.view(), "payload");
    EXPECT_FALSE(d.message->properties.expiration);  // would expire it again at once
    const std::string* h = find_string(*d.message->properties.headers, "h");
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(*h, "v");
    EXPECT_EQ(d.message->properties.headers->size(), 1u);  // no history added
  }
}

class RecordingModel : public DeadLettering {
 public:
  MessagePtr dead_lettered(const Message& message, DeadLetterReason reason,
                           const std::string& queue, const DeadLetterTarget& target,
                           uint64_t now_seconds) const override {
    calls.push_back(queue + ":" + std::to_string(static_cast<int>(reason)));
    EXPECT_GT(now_seconds, 1600000000u);  // wall-clock seconds
    auto out = std::make_shared<Message>(*readdressed(message, target));
    if (!routing_key.empty()) out->routing_key = routing_key;
    return out;
  }
  bool is_cycle(const Message& dead, const std::string& queue, DeadLetterReason) const override {
    if (!routing_key.empty()) {
      EXPECT_EQ(dead.routing_key, routing_key);  // the model's message
    }
    return queue == cycle_at;
  }
  std::string routing_key;  // set: the model's messages carry it
  std::string cycle_at;
  mutable std::vector<std::string> calls;
};

TEST_F(DeadLetterMechanicsTest, TheModelMakesTheMessageAndNamesTheCycles) {
  RecordingModel model;
  model.routing_key = "from-model";
  model.cycle_at = "b";
  hooks_.dead_lettering = &model;
  reject_one(message("", "src"));
  EXPECT_EQ(model.calls, std::vector<std::string>{"src:" + std::to_string(static_cast<int>(
                                                               DeadLetterReason::kRejected))});
  Delivery d;
  ASSERT_TRUE(testing::take(*vhost().find_queue("a"), d));
  EXPECT_EQ(d.message->routing_key, "from-model");
  EXPECT_EQ(vhost().find_queue("b")->message_count(), 0u);  // a cycle: not delivered
}

TEST_F(DeadLetterMechanicsTest, NestedDeadLetteringStopsAtTheDepthLimit) {
  // "loop" holds nothing (max-length 0, drop-head) and dead-letters into itself: each copy is
  // pushed out, and dead-lettered again, inside the enqueue that brought it.
  QueueSettings loop;
  loop.max_length = 0;
  loop.dead_letter = DeadLetterTarget{"", "loop"};
  settings_.by_name["loop"] = loop;
  RecordingModel model;
  hooks_.dead_lettering = &model;
  declare(vhost(), "loop");
  vhost().find_queue("loop")->enqueue(std::make_shared<Message>(message("", "loop")));
  EXPECT_EQ(model.calls.size(), 16u);  // 16 levels deep at most, the first one included
}

}  // namespace
}  // namespace polymq::core
