// Direct reply-to on a channel (direct_reply_to.cpp): the reply consumer of the pseudo-queue
// amq.rabbitmq.reply-to, the reply_to rewrite, replies handed from one connection's channel to
// another's without a queue, and RabbitMQ's refusals. Two clients share one broker here.
#include <gtest/gtest.h>

#include <string>

#include "amqp/amqp_test_client.h"

namespace polymq::amqp {
namespace {

using testing::AmqpTestClient;
using testing::Received;
using testing::TestBroker;

constexpr const char* kReplyTo = "amq.rabbitmq.reply-to";

class AmqpDirectReplyTo : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(requester.handshake());
    ASSERT_TRUE(server.handshake());
    requester.open_channel(1);
    server.open_channel(1);
    requests = server.declare_queue(1);
  }

  void consume_replies(const std::string& tag = "replies") {
    requester.consume(1, kReplyTo, tag, /*no_ack=*/true);
  }
  // Publishes a request whose reply_to names the pseudo-queue; returns the address the server
  // sees in it.
  std::string send_request(const std::string& body) {
    core::Properties props;
    props.reply_to = kReplyTo;
    requester.publish(1, "", requests, body, props);
    spec::BasicGet get;
    get.queue = requests;
    get.no_ack = true;
    server.send(1, get);
    const Received request = server.expect_content<spec::BasicGetOk>(1);
    EXPECT_EQ(request.body, body);
    return request.properties.reply_to.value_or("");
  }
  void expect_requester_channel_error(const std::string& text, uint16_t method_id) {
    const auto close = requester.expect_channel_close(1);
    EXPECT_EQ(close.reply_code, spec::kPreconditionFailed);
    EXPECT_EQ(close.reply_text, text);
    EXPECT_EQ(close.class_id, spec::kClassBasic);
    EXPECT_EQ(close.method_id, method_id);
  }
  uint16_t passive_declare_code(AmqpTestClient& c, const std::string& name) {
    c.open_channel(9);
    spec::QueueDeclare declare;
    declare.queue = name;
    declare.passive = true;
    c.send(9, declare);
    std::optional<Received> r = c.next();
    if (!r) return 0;
    if (r->is<spec::QueueDeclareOk>()) {
      c.send(9, spec::ChannelClose{});
      c.expect<spec::ChannelCloseOk>(9);
      return spec::kReplySuccess;
    }
    const auto* close = r->get<spec::ChannelClose>();
    if (close == nullptr) return 0;
    c.send(9, spec::ChannelCloseOk{});
    return close->reply_code;
  }

  TestBroker b;
  AmqpTestClient requester{b};
  AmqpTestClient server{b};
  std::string requests;
};

TEST_F(AmqpDirectReplyTo, ReplyGoesStraightToTheRequestingChannel) {
  consume_replies();
  const std::string address = send_request("question");
  ASSERT_EQ(address.rfind(std::string(kReplyTo) + ".", 0), 0u) << address;
  EXPECT_GT(address.size(), std::string(kReplyTo).size() + 1);
  server.publish(1, "", address, "answer");
  const Received reply = requester.expect_content<spec::BasicDeliver>(1);
  const auto* deliver = reply.get<spec::BasicDeliver>();
  EXPECT_EQ(deliver->consumer_tag, "replies");
  EXPECT_EQ(deliver->exchange, "");
  EXPECT_EQ(deliver->routing_key, address);
  EXPECT_EQ(reply.body, "answer");
  // No queue held it, and it needs no ack.
  EXPECT_EQ(server.message_count(1, requests), 0u);
  requester.expect_nothing(1);
}

TEST_F(AmqpDirectReplyTo, PseudoQueueAlwaysExistsAndAnAddressWhileItsConsumerDoes) {
  EXPECT_EQ(passive_declare_code(requester, kReplyTo), spec::kReplySuccess);
  consume_replies();
  const std::string address = send_request("q");
  EXPECT_EQ(passive_declare_code(server, address), spec::kReplySuccess);
  EXPECT_EQ(passive_declare_code(server, std::string(kReplyTo) + ".no-such-key"), spec::kNotFound);
  spec::BasicCancel cancel;
  cancel.consumer_tag = "replies";
  requester.send(1, cancel);
  requester.expect<spec::BasicCancelOk>(1);
  EXPECT_EQ(passive_declare_code(server, address), spec::kNotFound);
}

TEST_F(AmqpDirectReplyTo, ReplyAfterCancelIsDropped) {
  consume_replies();
  const std::string address = send_request("q");
  spec::BasicCancel cancel;
  cancel.consumer_tag = "replies";
  requester.send(1, cancel);
  requester.expect<spec::BasicCancelOk>(1);
  server.publish(1, "", address, "late");
  server.expect_nothing(1);
  requester.expect_nothing(1);
}

TEST_F(AmqpDirectReplyTo, ReplyToAClosedChannelIsDropped) {
  consume_replies();
  const std::string address = send_request("q");
  requester.send(1, spec::ChannelClose{});
  requester.expect<spec::ChannelCloseOk>(1);
  requester.open_channel(1);
  consume_replies();  // a new reply consumer gets a new address
  server.publish(1, "", address, "for the old channel");
  server.expect_nothing(1);
  requester.expect_nothing(1);
}

TEST_F(AmqpDirectReplyTo, ReplyConsumerMustBeNoAck) {
  spec::BasicConsume consume;
  consume.queue = kReplyTo;
  consume.no_ack = false;
  requester.send(1, consume);
  expect_requester_channel_error("PRECONDITION_FAILED - reply consumer cannot acknowledge",
                                 spec::BasicConsume::kMethodId);
}

TEST_F(AmqpDirectReplyTo, SecondReplyConsumerOnAChannelIsRefused) {
  consume_replies("first");
  spec::BasicConsume consume;
  consume.queue = kReplyTo;
  consume.consumer_tag = "second";
  consume.no_ack = true;
  requester.send(1, consume);
  expect_requester_channel_error("PRECONDITION_FAILED - reply consumer already set",
                                 spec::BasicConsume::kMethodId);
}

TEST_F(AmqpDirectReplyTo, RequestWithoutAReplyConsumerIsRefused) {
  core::Properties props;
  props.reply_to = kReplyTo;
  requester.publish(1, "", requests, "q", props);
  expect_requester_channel_error("PRECONDITION_FAILED - fast reply consumer does not exist",
                                 spec::BasicPublish::kMethodId);
}

TEST_F(AmqpDirectReplyTo, ReplyConsumerIsPerChannel) {
  consume_replies();
  requester.open_channel(2);
  core::Properties props;
  props.reply_to = kReplyTo;
  requester.publish(2, "", requests, "q", props);
  const auto close = requester.expect_channel_close(2);
  EXPECT_EQ(close.reply_text, "PRECONDITION_FAILED - fast reply consumer does not exist");
}

TEST_F(AmqpDirectReplyTo, ReplyConsumerMayNotReuseAConsumerTag) {
  requester.consume(1, requests, "taken");
  spec::BasicConsume consume;
  consume.queue = kReplyTo;
  consume.consumer_tag = "taken";
  consume.no_ack = true;
  requester.send(1, consume);
  const auto close = requester.expect_connection_close();
  EXPECT_EQ(close.reply_code, spec::kNotAllowed);
  EXPECT_EQ(close.reply_text, "NOT_ALLOWED - attempt to reuse consumer tag 'taken'");
  EXPECT_TRUE(requester.wait_closed());
}

TEST(AmqpDirectReplyToOff, WithoutRepliesThePseudoQueueIsAnUnknownQueue) {
  TestBroker b;
  SessionConfig config;  // no ReplyChannels: the feature is off
  AmqpTestClient c(b, config);
  ASSERT_TRUE(c.handshake());
  c.open_channel(1);
  spec::BasicConsume consume;
  consume.queue = kReplyTo;
  consume.no_ack = true;
  c.send(1, consume);
  const auto close = c.expect_channel_close(1);
  EXPECT_EQ(close.reply_code, spec::kNotFound);
  EXPECT_EQ(close.reply_text, "NOT_FOUND - no queue 'amq.rabbitmq.reply-to' in vhost '/'");
}

}  // namespace
}  // namespace polymq::amqp
