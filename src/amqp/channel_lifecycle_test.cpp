// The channel state machine: open, close / close-ok from either side, methods on a closing
// channel, channel.flow, channel_max. Channel lifecycle errors are connection errors in
// RabbitMQ; method errors close only the channel.
#include <gtest/gtest.h>

#include <string>

#include "amqp/amqp_test_client.h"

namespace polymq::amqp {
namespace {

using testing::AmqpTestClient;
using testing::Handshake;
using testing::TestBroker;

class AmqpChannel : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(c.handshake()); }

  // The next method is connection.close with this code, text and ids; after close-ok the
  // socket closes with nothing more sent.
  void expect_connection_close(uint16_t code, const std::string& text, uint16_t class_id,
                               uint16_t method_id) {
    const auto close = c.expect_connection_close();
    EXPECT_EQ(close.reply_code, code);
    EXPECT_EQ(close.reply_text, text);
    EXPECT_EQ(close.class_id, class_id);
    EXPECT_EQ(close.method_id, method_id);
    EXPECT_TRUE(c.wait_closed());
    EXPECT_EQ(c.unread().size(), 0u);
  }

  // A soft error on channel 1 (a passive declare of a missing queue): the server closes the
  // channel and waits for close-ok, which this does not send.
  void server_closes_channel_1() {
    spec::QueueDeclare declare;
    declare.queue = "missing";
    declare.passive = true;
    c.send(1, declare);
    const auto close = c.expect_channel_close(1, /*send_close_ok=*/false);
    EXPECT_EQ(close.reply_code, spec::kNotFound);
    EXPECT_EQ(close.reply_text, "NOT_FOUND - no queue 'missing' in vhost '/'");
    EXPECT_EQ(close.class_id, spec::QueueDeclare::kClassId);
    EXPECT_EQ(close.method_id, spec::QueueDeclare::kMethodId);
  }

  static spec::ChannelClose client_close() {
    spec::ChannelClose close;
    close.reply_code = spec::kReplySuccess;
    close.reply_text = "bye";
    return close;
  }

  TestBroker b;
  AmqpTestClient c{b};
};

TEST_F(AmqpChannel, OpenIsAnsweredWithOpenOk) {
  c.open_channel(1);
  c.open_channel(2);
  c.expect_nothing(1);
  c.expect_nothing(2);
}

TEST_F(AmqpChannel, OpenTwiceIsAChannelError) {
  c.open_channel(1);
  c.send(1, spec::ChannelOpen{});
  expect_connection_close(spec::kChannelError, "CHANNEL_ERROR - second 'channel.open' seen",
                          spec::ChannelOpen::kClassId, spec::ChannelOpen::kMethodId);
}

TEST_F(AmqpChannel, MethodOnANeverOpenedChannelIsAChannelError) {
  c.open_channel(1);
  c.send(5, spec::BasicQos{});
  expect_connection_close(spec::kChannelError, "CHANNEL_ERROR - expected 'channel.open'",
                          spec::BasicQos::kClassId, spec::BasicQos::kMethodId);
}

TEST_F(AmqpChannel, CloseOkOnANeverOpenedChannelIsAChannelError) {
  c.send(5, spec::ChannelCloseOk{});
  expect_connection_close(spec::kChannelError, "CHANNEL_ERROR - expected 'channel.open'",
                          spec::ChannelCloseOk::kClassId, spec::ChannelCloseOk::kMethodId);
}

TEST_F(AmqpChannel, ClientCloseIsAnsweredAndTheChannelIsGone) {
  c.open_channel(1);
  c.send(1, client_close());
  c.expect<spec::ChannelCloseOk>(1);
  c.send(1, spec::BasicQos{});
  expect_connection_close(spec::kChannelError, "CHANNEL_ERROR - expected 'channel.open'",
                          spec::BasicQos::kClassId, spec::BasicQos::kMethodId);
}

TEST_F(AmqpChannel, ClosedChannelNumberCanBeOpenedAgain) {
  c.open_channel(1);
  c.send(1, client_close());
  c.expect<spec::ChannelCloseOk>(1);
  c.open_channel(1);
  c.expect_nothing(1);
}

TEST_F(AmqpChannel, SoftErrorClosesOnlyThatChannel) {
  c.open_channel(1);
  c.open_channel(2);
  server_closes_channel_1();
  c.expect_nothing(2);
  EXPECT_FALSE(c.closed());
}

TEST_F(AmqpChannel, MethodsOnAClosingChannelAreIgnoredUntilCloseOk) {
  c.open_channel(1);
  c.open_channel(2);
  server_closes_channel_1();
  c.send(1, spec::BasicQos{});        // dropped: no qos-ok ...
  c.send(1, spec::AccessRequest{});   // ... and no access.request-ok
  c.send(1, spec::ChannelCloseOk{});  // the close handshake completes
  c.expect_nothing(2);                // nothing came back for channel 1
  c.open_channel(1);                  // the number is free again
  c.expect_nothing(1);
}

TEST_F(AmqpChannel, ClosingChannelStaysReservedUntilCloseOk) {
  c.open_channel(1);
  server_closes_channel_1();
  c.send(1, spec::ChannelOpen{});
  expect_connection_close(spec::kChannelError, "CHANNEL_ERROR - second 'channel.open' seen",
                          spec::ChannelOpen::kClassId, spec::ChannelOpen::kMethodId);
}

TEST_F(AmqpChannel, CrossingCloseIsAnsweredAndCloseOkStillEndsIt) {
  c.open_channel(1);
  server_closes_channel_1();
  c.send(1, client_close());
  c.expect<spec::ChannelCloseOk>(1);
  c.send(1, spec::ChannelCloseOk{});
  c.open_channel(1);
  c.expect_nothing(1);
}

TEST_F(AmqpChannel, PublishOnAClosingChannelIsFramedAndDropped) {
  c.open_channel(1);
  c.open_channel(2);
  const std::string q = c.declare_queue(2);
  server_closes_channel_1();
  c.publish(1, "", q, "dropped");
  c.send(1, spec::ChannelCloseOk{});
  c.open_channel(1);
  EXPECT_EQ(c.message_count(2, q), 0u);
}

TEST_F(AmqpChannel, PublishOnAClosingChannelStillExpectsItsContent) {
  c.open_channel(1);
  server_closes_channel_1();
  spec::BasicPublish publish;
  publish.routing_key = "nowhere";
  c.send_bytes(AmqpTestClient::method_frame(1, publish) +
               AmqpTestClient::method_frame(1, spec::ChannelCloseOk{}));
  expect_connection_close(spec::kUnexpectedFrame,
                          "UNEXPECTED_FRAME - expected content header for class 60, got non "
                          "content header frame instead",
                          60, 40);
}

TEST_F(AmqpChannel, ServerCloseRequeuesTheChannelsUnackedDeliveries) {
  c.open_channel(1);
  c.open_channel(2);
  const std::string q = c.declare_queue(2);
  c.publish(2, "", q, "m");
  spec::BasicGet get;
  get.queue = q;
  c.send(1, get);
  EXPECT_FALSE(c.expect<spec::BasicGetOk>(1).redelivered);
  EXPECT_EQ(c.message_count(2, q), 0u);
  server_closes_channel_1();
  EXPECT_EQ(c.message_count(2, q), 1u);
  get.no_ack = true;
  c.send(2, get);
  const auto again = c.expect_content<spec::BasicGetOk>(2);
  EXPECT_TRUE(again.get<spec::BasicGetOk>()->redelivered);
  EXPECT_EQ(again.body, "m");
}

TEST_F(AmqpChannel, FlowActiveTrueIsAcknowledged) {
  c.open_channel(1);
  spec::ChannelFlow flow;
  flow.active = true;
  c.send(1, flow);
  EXPECT_TRUE(c.expect<spec::ChannelFlowOk>(1).active);
}

TEST_F(AmqpChannel, FlowActiveFalseIsNotImplemented) {
  c.open_channel(1);
  spec::ChannelFlow flow;
  flow.active = false;
  c.send(1, flow);
  expect_connection_close(spec::kNotImplemented, "NOT_IMPLEMENTED - active=false",
                          spec::ChannelFlow::kClassId, spec::ChannelFlow::kMethodId);
}

TEST(AmqpChannelMax, OpenChannelsAreLimitedToTheNegotiatedChannelMax) {
  TestBroker b;
  AmqpTestClient c(b);
  Handshake h;
  h.channel_max = 3;
  ASSERT_TRUE(c.handshake(h));
  for (uint16_t ch : {1, 2, 3}) c.open_channel(ch);
  c.send(7, spec::ChannelOpen{});
  const auto close = c.expect_connection_close();
  EXPECT_EQ(close.reply_code, spec::kNotAllowed);
  EXPECT_EQ(close.reply_text,
            "NOT_ALLOWED - number of channels opened (3) has reached the negotiated "
            "channel_max (3)");
  EXPECT_EQ(close.class_id, 0);
  EXPECT_EQ(close.method_id, 0);
  EXPECT_TRUE(c.wait_closed());
}

TEST(AmqpChannelMax, ClosedChannelsMakeRoomForNewOnes) {
  TestBroker b;
  AmqpTestClient c(b);
  Handshake h;
  h.channel_max = 2;
  ASSERT_TRUE(c.handshake(h));
  c.open_channel(1);
  c.open_channel(2);
  c.send(2, spec::ChannelClose{});
  c.expect<spec::ChannelCloseOk>(2);
  c.open_channel(3);
  c.expect_nothing(3);
}

TEST(AmqpChannelMax, ChannelNumberAboveChannelMaxIsAccepted) {
  // As RabbitMQ: only the number of open channels is checked, not the channel number.
  TestBroker b;
  AmqpTestClient c(b);
  Handshake h;
  h.channel_max = 10;
  ASSERT_TRUE(c.handshake(h));
  for (uint16_t ch : {11, 65535}) {
    c.open_channel(ch);
    c.expect_nothing(ch);
  }
}

}  // namespace
}  // namespace polymq::amqp
