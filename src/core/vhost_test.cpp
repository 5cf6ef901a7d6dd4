#include "core/vhost.h"

#include <gtest/gtest.h>

#include <utility>

#include "core/dead_lettering.h"
#include "core/declaration_rules.h"
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

// One exchange of each type, "x.<type>": without a broker model a vhost has none built in.
void declare_exchanges(VHost& v) {
  for (const char* type : {"direct", "fanout", "topic", "headers"}) {
    ASSERT_TRUE(v.declare_exchange(std::string("x.") + type, type, {}, false).ok()) << type;
  }
}

TEST(VHostTest, WithoutAModelNoBuiltinExchangesAndNoReservedNames) {
  VHost v("/");
  EXPECT_TRUE(v.exchanges().empty());
  EXPECT_TRUE(v.declare_exchange("amq.custom", "direct", {}, false).ok());
  EXPECT_TRUE(v.delete_exchange("amq.custom", false).ok());
  EXPECT_EQ(v.find_exchange("amq.custom"), nullptr);
  QueueDeclareOutcome out;
  EXPECT_TRUE(v.declare_queue("amq.q", {}, false, 1, out).ok());
}

TEST(VHostTest, DefaultExchangeRoutesByQueueName) {
  VHost v("/");
  declare(v, "orders");
  EXPECT_EQ(routed(v, "", "orders"), std::vector<std::string>{"orders"});
  EXPECT_TRUE(routed(v, "", "missing").empty());
}

TEST(VHostTest, FanoutDirectTopicHeaders) {
  VHost v("/");
  declare_exchanges(v);
  declare(v, "a");
  declare(v, "b");
  ASSERT_TRUE(v.bind_queue("a", "x.fanout", "", {}, 1).ok());
  ASSERT_TRUE(v.bind_queue("b", "x.fanout", "", {}, 1).ok());
  EXPECT_EQ(routed(v, "x.fanout", "anything"), (std::vector<std::string>{"a", "b"}));

  ASSERT_TRUE(v.bind_queue("a", "x.direct", "k1", {}, 1).ok());
  EXPECT_EQ(routed(v, "x.direct", "k1"), std::vector<std::string>{"a"});
  EXPECT_TRUE(routed(v, "x.direct", "k2").empty());

  ASSERT_TRUE(v.bind_queue("a", "x.topic", "stock.*.nyse", {}, 1).ok());
  ASSERT_TRUE(v.bind_queue("b", "x.topic", "stock.#", {}, 1).ok());
  EXPECT_EQ(routed(v, "x.topic", "stock.ibm.nyse"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(routed(v, "x.topic", "stock.ibm"), std::vector<std::string>{"b"});

  Table args{{"x-match", Value::String("any")}, {"color", Value::String("red")}};
  ASSERT_TRUE(v.bind_queue("a", "x.headers", "", args, 1).ok());
  EXPECT_EQ(routed(v, "x.headers", "", Table{{"color", Value::String("red")}}),
            std::vector<std::string>{"a"});
  EXPECT_TRUE(routed(v, "x.headers", "", Table{{"color", Value::String("blue")}}).empty());
}

TEST(VHostTest, QueueRoutedOnceThroughSeveralPaths) {
  VHost v("/");
  declare_exchanges(v);
  declare(v, "q");
  ASSERT_TRUE(v.bind_queue("q", "x.topic", "a.*", {}, 1).ok());
  ASSERT_TRUE(v.bind_queue("q", "x.topic", "#", {}, 1).ok());
  EXPECT_EQ(routed(v, "x.topic", "a.b"), std::vector<std::string>{"q"});
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
  EXPECT_EQ(v.declare_exchange("missing", "direct", {}, true).code(), ErrorCode::kNotFound);
  ASSERT_TRUE(v.declare_exchange("x", "direct", {}, false).ok());
  Status s = v.declare_exchange("x", "fanout", {}, false);
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(s.message(), "exchange 'x' in vhost '/' exists with a different type");
  ExchangeOptions durable_x;
  durable_x.durable = true;
  EXPECT_EQ(v.declare_exchange("x", "direct", durable_x, false).message(),
            "exchange 'x' in vhost '/' exists with a different durable");
  EXPECT_TRUE(v.declare_exchange("x", "direct", {}, false).ok());

  QueueDeclareOutcome out;
  EXPECT_EQ(v.declare_queue("missing", {}, true, 1, out).code(), ErrorCode::kNotFound);
  QueueOptions durable;
  durable.durable = true;
  declare(v, "d", durable);
  s = v.declare_queue("d", {}, false, 1, out);
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(s.message(), "queue 'd' in vhost '/' exists with a different durable");
  // Without a model the arguments are not read, so they are not compared either.
  durable.arguments.emplace_back("x-max-length", Value::Int64(1));
  EXPECT_TRUE(v.declare_queue("d", durable, false, 1, out).ok());
}

TEST(VHostTest, ServerNamedQueue) {
  VHost v("/");
  QueuePtr q = declare(v, "");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->name().rfind("gen-", 0), 0u);
  EXPECT_EQ(q->name().size(), 4u + 22u);
  EXPECT_NE(declare(v, "")->name(), q->name());
}

// A model's declaration rules, answering what a test sets and recording what it was asked.
class ScriptedRules final : public DeclarationRules {
 public:
  std::vector<BuiltinExchange> builtin_exchanges() const override {
    ExchangeOptions durable;
    durable.durable = true;
    return {{"sys.events", ExchangeType::kTopic, durable}};
  }
  Status check_client_name(NameKind kind, const std::string& vhost,
                           const std::string& name) const override {
    asked.push_back((kind == NameKind::kExchange ? "x:" : "q:") + vhost + ":" + name);
    if (name.starts_with("sys.")) return {ErrorCode::kAccessRefused, "reserved " + name};
    return Status::Ok();
  }
  std::string generated_queue_name() const override {
    return names.empty() ? "fallback" : names[next_name++ % names.size()];
  }
  Status exchange_redeclare(const std::string& vhost, const Exchange& existing, ExchangeType type,
                            const ExchangeOptions& requested) const override {
    asked.push_back("redeclare x:" + vhost + ":" + existing.name() + ":" +
                    exchange_type_name(type) + (requested.durable ? ":durable" : ""));
    return redeclare_answer;
  }
  Status queue_redeclare(const std::string& vhost, const Queue& existing,
                         const QueueOptions& requested) const override {
    asked.push_back("redeclare q:" + vhost + ":" + existing.name() +
                    (requested.durable ? ":durable" : ""));
    return redeclare_answer;
  }
  Status check_binding(const std::string& vhost, const Exchange& source,
                       const Table& arguments) const override {
    asked.push_back("bind " + vhost + ":" + source.name());
    if (find(arguments, "refuse") != nullptr) return {ErrorCode::kPreconditionFailed, "no"};
    return Status::Ok();
  }

  std::vector<std::string> names;
  Status redeclare_answer = Status::Ok();
  mutable size_t next_name = 0;
  mutable std::vector<std::string> asked;
};

class DeclarationRulesTest : public ::testing::Test {
 protected:
  DeclarationRulesTest() { hooks_.declarations = &rules_; }
  VHost& vhost() {
    if (!vhost_) vhost_ = std::make_unique<VHost>("v", &hooks_);
    return *vhost_;
  }
  std::vector<std::string> asked() { return std::exchange(rules_.asked, {}); }

  ScriptedRules rules_;
  VHostHooks hooks_;
  std::unique_ptr<VHost> vhost_;
};

TEST_F(DeclarationRulesTest, AVhostStartsWithTheModelsBuiltinExchanges) {
  ASSERT_EQ(vhost().exchanges().size(), 1u);
  const Exchange* x = vhost().find_exchange("sys.events");
  ASSERT_NE(x, nullptr);
  EXPECT_EQ(x->type(), ExchangeType::kTopic);
  EXPECT_TRUE(x->options().durable);
  declare(vhost(), "q");
  ASSERT_TRUE(vhost().bind_queue("q", "sys.events", "a.#", {}, 1).ok());
  EXPECT_EQ(routed(vhost(), "sys.events", "a.b"), std::vector<std::string>{"q"});
}

TEST_F(DeclarationRulesTest, NewNamesAreCheckedAndRefusedWithTheModelsStatus) {
  Status s = vhost().declare_exchange("sys.mine", "direct", {}, false);
  EXPECT_EQ(s.code(), ErrorCode::kAccessRefused);
  EXPECT_EQ(s.message(), "reserved sys.mine");
  EXPECT_EQ(vhost().find_exchange("sys.mine"), nullptr);
  EXPECT_TRUE(vhost().declare_exchange("mine", "direct", {}, false).ok());
  EXPECT_EQ(asked(), (std::vector<std::string>{"x:v:sys.mine", "x:v:mine"}));

  QueueDeclareOutcome out;
  EXPECT_EQ(vhost().declare_queue("sys.q", {}, false, 1, out).message(), "reserved sys.q");
  EXPECT_EQ(vhost().find_queue("sys.q"), nullptr);
  EXPECT_EQ(asked(), std::vector<std::string>{"q:v:sys.q"});
  // A passive declare names an existing queue; a restored one was named before.
  EXPECT_EQ(vhost().declare_queue("sys.q", {}, true, 1, out).code(), ErrorCode::kNotFound);
  ASSERT_TRUE(vhost().restore_queue("sys.q", {}).ok());
  EXPECT_NE(vhost().find_queue("sys.q"), nullptr);
  EXPECT_TRUE(asked().empty());
}

TEST_F(DeclarationRulesTest, DeletingAnExchangeTheModelReservesIsRefusedOnlyWhenItExists) {
  EXPECT_EQ(vhost().delete_exchange("sys.events", false).message(), "reserved sys.events");
  EXPECT_NE(vhost().find_exchange("sys.events"), nullptr);
  EXPECT_TRUE(vhost().delete_exchange("sys.none", false).ok());
  EXPECT_EQ(asked(), std::vector<std::string>{"x:v:sys.events"});
}

TEST_F(DeclarationRulesTest, ServerNamesComeFromTheModelSkippingTakenOnes) {
  rules_.names = {"taken", "free-1", "free-2"};
  declare(vhost(), "taken");
  EXPECT_EQ(declare(vhost(), "")->name(), "free-1");
  EXPECT_EQ(declare(vhost(), "")->name(), "free-2");
}

TEST_F(DeclarationRulesTest, BindingArgumentsAreTheModelsToRefuse) {
  ASSERT_TRUE(vhost().declare_exchange("x", "direct", {}, false).ok());
  declare(vhost(), "q");
  asked();
  const Table refuse{{"refuse", Value::Bool(true)}};
  EXPECT_EQ(vhost().bind_queue("q", "x", "k", refuse, 1).message(), "no");
  EXPECT_EQ(vhost().bind_exchange("x", "sys.events", "k", refuse).message(), "no");
  EXPECT_FALSE(vhost().find_exchange("x")->has_bindings());
  EXPECT_FALSE(vhost().find_exchange("sys.events")->has_bindings());
  EXPECT_TRUE(vhost().bind_queue("q", "x", "k", {}, 1).ok());
  EXPECT_EQ(asked(), (std::vector<std::string>{"bind v:x", "bind v:sys.events", "bind v:x"}));
  EXPECT_EQ(routed(vhost(), "x", "k"), std::vector<std::string>{"q"});
}

TEST(VHostTest, WithoutAModelAHeadersBindingNeedsAKnownXMatch) {
  VHost v("/");
  declare_exchanges(v);
  declare(v, "q");
  const Table bogus{{"x-match", Value::String("bogus")}};
  Status s = v.bind_queue("q", "x.headers", "", bogus, 1);
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(s.message(), "x-match of a headers binding must be all, any, all-with-x or any-with-x");
  EXPECT_EQ(v.bind_exchange("x.direct", "x.headers", "", bogus).code(),
            ErrorCode::kPreconditionFailed);
  EXPECT_FALSE(v.find_exchange("x.headers")->has_bindings());
  // Other types do not read binding arguments.
  EXPECT_TRUE(v.bind_queue("q", "x.direct", "", bogus, 1).ok());
}

TEST_F(DeclarationRulesTest, ARedeclareGetsTheModelsAnswer) {
  ASSERT_TRUE(vhost().declare_exchange("x", "direct", {}, false).ok());
  declare(vhost(), "q");
  EXPECT_EQ(asked(), (std::vector<std::string>{"x:v:x", "q:v:q"}));  // new: names only
  ExchangeOptions durable_x;
  durable_x.durable = true;
  QueueOptions durable_q;
  durable_q.durable = true;
  QueueDeclareOutcome out;
  EXPECT_TRUE(vhost().declare_exchange("x", "fanout", durable_x, false).ok());
  EXPECT_TRUE(vhost().declare_queue("q", durable_q, false, 1, out).ok());
  EXPECT_FALSE(out.created);
  rules_.redeclare_answer = {ErrorCode::kPreconditionFailed, "not the same"};
  EXPECT_EQ(vhost().declare_exchange("x", "direct", {}, false).message(), "not the same");
  EXPECT_EQ(vhost().declare_queue("q", {}, false, 1, out).message(), "not the same");
  EXPECT_EQ(asked(), (std::vector<std::string>{"redeclare x:v:x:fanout:durable", "q:v:q",
                                               "redeclare q:v:q:durable", "redeclare x:v:x:direct",
                                               "q:v:q", "redeclare q:v:q"}));
  // The existing exchange and queue are left as they were.
  EXPECT_EQ(vhost().find_exchange("x")->type(), ExchangeType::kDirect);
  EXPECT_FALSE(vhost().find_queue("q")->options().durable);
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
  declare_exchanges(v);
  QueuePtr q = declare(v, "q");
  ASSERT_TRUE(v.bind_queue("q", "x.fanout", "", {}, 1).ok());
  q->enqueue(std::make_shared<Message>());
  size_t count = 0;
  EXPECT_EQ(v.delete_queue("q", false, true, 1, count).code(), ErrorCode::kPreconditionFailed);
  ASSERT_TRUE(v.delete_queue("q", false, false, 1, count).ok());
  EXPECT_EQ(count, 1u);
  EXPECT_FALSE(v.find_exchange("x.fanout")->has_bindings());
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
