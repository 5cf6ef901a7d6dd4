// queue.declare's permission checks as RabbitMQ 3.10's channel makes them: configure on the
// queue, then, for a queue about to be made with an x-dead-letter-exchange, read on the queue and
// write on that exchange; a redeclare or a passive declare checks no dead-letter exchange.
#include <gtest/gtest.h>

#include <string>

#include "amqp/amqp_test_client.h"

namespace polymq::amqp {
namespace {

using core::Table;
using core::Value;
using testing::AmqpTestClient;
using testing::Handshake;
using testing::TestBroker;

class AmqpDeclarePermissions : public ::testing::Test {
 protected:
  void SetUp() override {
    b.broker.users().add("u", "pw", /*loopback_only=*/false);
    // guest makes what u may not.
    ASSERT_TRUE(guest.handshake());
    guest.open_channel(1);
    spec::ExchangeDeclare x;
    x.exchange = "dlx";
    x.type = "fanout";
    guest.send(1, x);
    guest.expect<spec::ExchangeDeclareOk>(1);
  }

  // Connects u with these patterns, on channel 1.
  void connect_u(const std::string& configure, const std::string& write, const std::string& read) {
    ASSERT_TRUE(b.broker.permissions().set("/", "u", {configure, write, read}).ok());
    Handshake h;
    h.user = "u";
    h.password = "pw";
    ASSERT_TRUE(u.handshake(h));
    u.open_channel(1);
  }

  static spec::QueueDeclare declare(const std::string& queue, Table arguments,
                                    bool passive = false) {
    spec::QueueDeclare m;
    m.queue = queue;
    m.arguments = std::move(arguments);
    m.passive = passive;
    return m;
  }

  // u's declare closes channel 1 with this code and text (answered with close-ok).
  void expect_refused(const spec::QueueDeclare& m, uint16_t code, const std::string& text) {
    u.send(1, m);
    const spec::ChannelClose close = u.expect_channel_close(1);
    EXPECT_EQ(close.reply_code, code);
    EXPECT_EQ(close.reply_text, text);
    EXPECT_EQ(close.class_id, spec::QueueDeclare::kClassId);
    EXPECT_EQ(close.method_id, spec::QueueDeclare::kMethodId);
  }

  static std::string refused(const std::string& kind, const std::string& name) {
    return "ACCESS_REFUSED - access to " + kind + " '" + name +
           "' in vhost '/' refused for user 'u'";
  }

  static Table with_dlx(Value exchange) {
    return {{"x-dead-letter-exchange", std::move(exchange)}};
  }

  TestBroker b;
  AmqpTestClient guest{b};
  AmqpTestClient u{b};
};

TEST_F(AmqpDeclarePermissions, NewQueueNeedsWriteOnItsDeadLetterExchange) {
  connect_u(".*", "^$", ".*");
  expect_refused(declare("q", with_dlx(Value::String("dlx"))), spec::kAccessRefused,
                 refused("exchange", "dlx"));
  EXPECT_EQ(b.broker.find_vhost("/")->find_queue("q"), nullptr);
  // Whether the exchange exists or not; the default exchange under the name it shows.
  u.open_channel(1);
  expect_refused(declare("q", with_dlx(Value::String("missing"))), spec::kAccessRefused,
                 refused("exchange", "missing"));
  u.open_channel(1);
  expect_refused(declare("q", with_dlx(Value::String(""))), spec::kAccessRefused,
                 refused("exchange", "amq.default"));
  // Without a dead-letter exchange nothing more is needed.
  u.open_channel(1);
  EXPECT_EQ(u.declare_queue(1, "plain"), "plain");
}

TEST_F(AmqpDeclarePermissions, NewQueueNeedsReadOnItselfFirst) {
  connect_u(".*", "^$", "^$");
  expect_refused(declare("q", with_dlx(Value::String("dlx"))), spec::kAccessRefused,
                 refused("queue", "q"));
}

TEST_F(AmqpDeclarePermissions, ConfigureIsCheckedBeforeTheDeadLetterExchange) {
  connect_u("^$", "^$", "^$");
  expect_refused(declare("q", with_dlx(Value::String("dlx"))), spec::kAccessRefused,
                 refused("queue", "q"));
  u.open_channel(1);
  expect_refused(declare("q", with_dlx(Value::Int64(5))), spec::kAccessRefused,
                 refused("queue", "q"));
}

TEST_F(AmqpDeclarePermissions, WrongTypeIsRefusedBeforeThePermissionCheck) {
  connect_u(".*", "^$", "^$");
  expect_refused(declare("q", with_dlx(Value::Int64(5))), spec::kPreconditionFailed,
                 "PRECONDITION_FAILED - invalid type 'long' for arg 'x-dead-letter-exchange' in "
                 "queue 'q' in vhost '/'");
}

TEST_F(AmqpDeclarePermissions, GrantedUserDeclaresTheQueue) {
  connect_u(".*", "^dlx$", "^q$");
  EXPECT_EQ(u.declare_queue(1, "q", with_dlx(Value::String("dlx"))), "q");
}

TEST_F(AmqpDeclarePermissions, ServerNamedQueueIsCheckedUnderTheGeneratedPrefix) {
  connect_u(".*", ".*", "^$");
  expect_refused(declare("", with_dlx(Value::String("dlx"))), spec::kAccessRefused,
                 refused("queue", "amq.gen-"));
}

TEST_F(AmqpDeclarePermissions, RedeclareAndPassiveDeclareCheckNoDeadLetterExchange) {
  guest.declare_queue(1, "q", with_dlx(Value::String("dlx")));
  connect_u(".*", "^$", "^$");
  EXPECT_EQ(u.declare_queue(1, "q", with_dlx(Value::String("dlx"))), "q");
  u.send(1, declare("q", with_dlx(Value::String("dlx")), /*passive=*/true));
  EXPECT_EQ(u.expect<spec::QueueDeclareOk>(1).queue, "q");
}

}  // namespace
}  // namespace polymq::amqp
