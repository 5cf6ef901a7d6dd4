#include "core/vhost.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace polymq::core
