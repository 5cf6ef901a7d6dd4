// RabbitMQ's declaration rules as a vhost with a rabbit::Model follows them: the amq.*
// exchanges, the reserved prefix, amq.gen- names and the texts of redeclare equivalence.
#include "rabbit/declarations.h"

#include <gtest/gtest.h>

#include "core/vhost.h"
#include "rabbit/model.h"

namespace polymq::rabbit {
namespace {

using namespace polymq::core;

class DeclarationsTest : public ::testing::Test {
 protected:
  DeclarationsTest() { model_.install(hooks_); }
  VHost& vhost() {
    if (!vhost_) vhost_ = std::make_unique<VHost>("/", &hooks_);
    return *vhost_;
  }
  Status declare_queue(const std::string& name, QueueOptions options,
                       QueueDeclareOutcome* out = nullptr) {
    QueueDeclareOutcome ignored;
    return vhost().declare_queue(name, options, false, 1, out != nullptr ? *out : ignored);
  }

  Model model_;
  VHostHooks hooks_;
  std::unique_ptr<VHost> vhost_;
};

QueueOptions with_argument(const char* key, Value value, bool durable = false) {
  QueueOptions options;
  options.durable = durable;
  options.arguments.emplace_back(key, std::move(value));
  return options;
}

TEST_F(DeclarationsTest, EveryVhostHasTheDurableAmqExchanges) {
  const std::pair<const char*, ExchangeType> expected[] = {
      {"amq.direct", ExchangeType::kDirect}, {"amq.fanout", ExchangeType::kFanout},
      {"amq.topic", ExchangeType::kTopic},   {"amq.headers", ExchangeType::kHeaders},
      {"amq.match", ExchangeType::kHeaders},
  };
  EXPECT_EQ(vhost().exchanges().size(), std::size(expected));
  for (const auto& [name, type] : expected) {
    const Exchange* x = vhost().find_exchange(name);
    ASSERT_NE(x, nullptr) << name;
    EXPECT_EQ(x->type(), type) << name;
    EXPECT_TRUE(x->options().durable) << name;
    EXPECT_FALSE(x->options().auto_delete || x->options().internal) << name;
  }
  // Declaring one again with its own properties is a redeclare, not a reserved name.
  ExchangeOptions durable;
  durable.durable = true;
  EXPECT_TRUE(vhost().declare_exchange("amq.topic", "topic", durable, false).ok());
}

TEST_F(DeclarationsTest, TheAmqPrefixIsReservedForTheServer) {
  Status s = vhost().declare_exchange("amq.custom", "direct", {}, false);
  EXPECT_EQ(s.code(), ErrorCode::kAccessRefused);
  EXPECT_EQ(s.message(), "exchange name 'amq.custom' contains reserved prefix 'amq.*'");
  s = vhost().delete_exchange("amq.direct", false);
  EXPECT_EQ(s.code(), ErrorCode::kAccessRefused);
  EXPECT_EQ(s.message(), "exchange name 'amq.direct' contains reserved prefix 'amq.*'");
  EXPECT_NE(vhost().find_exchange("amq.direct"), nullptr);
  EXPECT_TRUE(vhost().delete_exchange("amq.missing", false).ok());  // delete-ok, as RabbitMQ 3.x
  s = declare_queue("amq.q", {});
  EXPECT_EQ(s.code(), ErrorCode::kAccessRefused);
  EXPECT_EQ(s.message(), "queue name 'amq.q' contains reserved prefix 'amq.*'");
  EXPECT_TRUE(declare_queue("amq-like.q", {}).ok());
}

TEST_F(DeclarationsTest, ServerNamedQueuesAreAmqGenAndSurviveARestore) {
  QueueDeclareOutcome out;
  ASSERT_TRUE(declare_queue("", {}, &out).ok());
  const std::string name = out.queue->name();
  EXPECT_EQ(name.rfind("amq.gen-", 0), 0u) << name;
  EXPECT_EQ(name.size(), 8u + 22u);
  // A client may not declare it again actively, but a restore from storage may create it.
  EXPECT_EQ(declare_queue(name, {}).code(), ErrorCode::kAccessRefused);
  VHost restored("/", &hooks_);
  EXPECT_TRUE(restored.restore_queue(name, {}).ok());
  EXPECT_NE(restored.find_queue(name), nullptr);
}

TEST_F(DeclarationsTest, ExchangeRedeclareTexts) {
  ASSERT_TRUE(vhost().declare_exchange("x", "direct", {}, false).ok());
  EXPECT_EQ(vhost().declare_exchange("x", "fanout", {}, false).message(),
            "inequivalent arg 'type' for exchange 'x' in vhost '/': received 'fanout' but "
            "current is 'direct'");
  ExchangeOptions options;
  options.durable = true;
  EXPECT_EQ(vhost().declare_exchange("x", "direct", options, false).message(),
            "inequivalent arg 'durable' for exchange 'x' in vhost '/': received 'true' but "
            "current is 'false'");
  options = {};
  options.auto_delete = true;
  EXPECT_EQ(vhost().declare_exchange("x", "direct", options, false).message(),
            "inequivalent arg 'auto_delete' for exchange 'x' in vhost '/': received 'true' but "
            "current is 'false'");
  options = {};
  options.internal = true;
  Status s = vhost().declare_exchange("x", "direct", options, false);
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(s.message(),
            "inequivalent arg 'internal' for exchange 'x' in vhost '/': received 'true' but "
            "current is 'false'");
  // Arguments are not compared for exchanges.
  options = {};
  options.arguments.emplace_back("alternate-exchange", Value::String("ae"));
  EXPECT_TRUE(vhost().declare_exchange("x", "direct", options, false).ok());
}

TEST_F(DeclarationsTest, QueueRedeclareTexts) {
  ASSERT_TRUE(declare_queue("q", with_argument("x-max-length", Value::Int64(20))).ok());
  QueueOptions flags = with_argument("x-max-length", Value::Int64(20), true);
  Status s = declare_queue("q", flags);
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(s.message(),
            "inequivalent arg 'durable' for queue 'q' in vhost '/': received 'true' but current "
            "is 'false'");
  flags = with_argument("x-max-length", Value::Int64(20));
  flags.auto_delete = true;
  EXPECT_EQ(declare_queue("q", flags).message(),
            "inequivalent arg 'auto_delete' for queue 'q' in vhost '/': received 'true' but "
            "current is 'false'");
  EXPECT_EQ(declare_queue("q", with_argument("x-max-length", Value::Int64(10))).message(),
            "inequivalent arg 'x-max-length' for queue 'q' in vhost '/': received '10' but "
            "current is '20'");
  EXPECT_EQ(declare_queue("q", {}).message(),
            "inequivalent arg 'x-max-length' for queue 'q' in vhost '/': received none but "
            "current is the value '20' of type 'long'");
  QueueOptions both = with_argument("x-max-length", Value::Int64(20));
  both.arguments.emplace_back("x-queue-type", Value::String("classic"));
  EXPECT_EQ(declare_queue("q", both).message(),
            "inequivalent arg 'x-queue-type' for queue 'q' in vhost '/': received the value "
            "'classic' of type 'longstr' but current is none");
  // Numbers compare by value whatever their width; arguments RabbitMQ does not compare may
  // differ.
  QueueOptions same = with_argument("x-max-length", Value::Int32(20));
  same.arguments.emplace_back("x-custom", Value::String("anything"));
  EXPECT_TRUE(declare_queue("q", same).ok());
}

TEST_F(DeclarationsTest, QueueRedeclareComparesTheDeliveryDelay) {
  ASSERT_TRUE(declare_queue("d", with_argument("x-delivery-delay", Value::Int64(500))).ok());
  EXPECT_TRUE(declare_queue("d", with_argument("x-delivery-delay", Value::Int32(500))).ok());
  EXPECT_EQ(declare_queue("d", with_argument("x-delivery-delay", Value::Int64(0))).message(),
            "inequivalent arg 'x-delivery-delay' for queue 'd' in vhost '/': received '0' but "
            "current is '500'");
}

TEST_F(DeclarationsTest, AHeadersBindingWithABadXMatchGetsRabbitsText) {
  ASSERT_TRUE(declare_queue("q", {}).ok());
  const Table bogus{{"x-match", Value::Int32(7)}};
  Status s = vhost().bind_queue("q", "amq.headers", "", bogus, 1);
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(s.message(), "Invalid x-match field type signedint (value 7); expected longstr");
  EXPECT_EQ(vhost().bind_exchange("amq.direct", "amq.match", "", bogus).message(), s.message());
  EXPECT_FALSE(vhost().find_exchange("amq.headers")->has_bindings());
  EXPECT_TRUE(vhost().bind_queue("q", "amq.direct", "", bogus, 1).ok());
}

}  // namespace
}  // namespace polymq::rabbit
