// basic.*: publishing, consuming with prefetch (per consumer and global), no-ack, basic.get,
// settling deliveries (ack / nack / reject, multiple, unknown tags), recover, cancel and
// consumer tags. What a method causes is complete when the answer to a later round trip
// arrives (AmqpTestClient::sync), so "exactly N deliveries" is counted, not waited for.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "amqp/amqp_test_client.h"

namespace polymq::amqp {
namespace {

using testing::AmqpTestClient;
using testing::Received;
using testing::TestBroker;

class AmqpBasic : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(c.handshake());
    c.open_channel(1);
  }

  // A new queue holding `n` messages "<prefix>0", "<prefix>1" ... published in one batch.
  std::string queue_with(int n, const std::string& prefix = "m") {
    const std::string q = c.declare_queue(1);
    std::string frames;
    for (int i = 0; i < n; ++i) frames += c.publish_frames(1, "", q, prefix + std::to_string(i));
    c.send_bytes(frames);
    EXPECT_EQ(c.message_count(1, q), static_cast<uint32_t>(n));
    return q;
  }

  // The deliveries among `frames`; anything else is a failure.
  static std::vector<Received> deliveries(const std::vector<Received>& frames) {
    std::vector<Received> out;
    for (const Received& r : frames) {
      if (r.is<spec::BasicDeliver>()) {
        out.push_back(r);
      } else {
        ADD_FAILURE() << "unexpected " << r.describe();
      }
    }
    return out;
  }
  static uint64_t tag(const Received& r) { return r.get<spec::BasicDeliver>()->delivery_tag; }
  static const std::string& consumer(const Received& r) {
    return r.get<spec::BasicDeliver>()->consumer_tag;
  }

  spec::BasicGetOk get(uint16_t channel, const std::string& q, bool no_ack = false) {
    spec::BasicGet m;
    m.queue = q;
    m.no_ack = no_ack;
    c.send(channel, m);
    return c.expect<spec::BasicGetOk>(channel);
  }

  void expect_channel_error(uint16_t code, const std::string& text, uint16_t class_id,
                            uint16_t method_id) {
    const auto close = c.expect_channel_close(1);
    EXPECT_EQ(close.reply_code, code);
    EXPECT_EQ(close.reply_text, text);
    EXPECT_EQ(close.class_id, class_id);
    EXPECT_EQ(close.method_id, method_id);
    // Only the channel closed: the connection and the channel number are usable again.
    c.open_channel(1);
    c.expect_nothing(1);
  }

  TestBroker b;
  AmqpTestClient c{b};
};

TEST_F(AmqpBasic, PublishedMessageIsDeliveredWithItsProperties) {
  const std::string q = c.declare_queue(1);
  c.consume(1, q, "c1");
  core::Properties props;
  props.content_type = "text/plain";
  props.correlation_id = "abc";
  props.delivery_mode = 2;
  props.headers.emplace();
  props.headers->emplace_back("k", core::Value::Int32(7));
  c.publish(1, "", q, "hello", props);
  const Received r = c.expect_content<spec::BasicDeliver>(1);
  const auto* d = r.get<spec::BasicDeliver>();
  EXPECT_EQ(d->consumer_tag, "c1");
  EXPECT_EQ(d->delivery_tag, 1u);
  EXPECT_FALSE(d->redelivered);
  EXPECT_EQ(d->exchange, "");
  EXPECT_EQ(d->routing_key, q);
  EXPECT_EQ(r.body, "hello");
  EXPECT_EQ(r.properties.content_type, props.content_type);
  EXPECT_EQ(r.properties.correlation_id, props.correlation_id);
  EXPECT_EQ(r.properties.delivery_mode, props.delivery_mode);
  ASSERT_TRUE(r.properties.headers.has_value());
  ASSERT_EQ(r.properties.headers->size(), 1u);
  const core::Value* k = core::find(*r.properties.headers, "k");
  ASSERT_NE(k, nullptr);
  EXPECT_EQ(k->kind, core::ValueKind::kInt32);  // the width round-trips
  EXPECT_EQ(k->as_int(), std::optional<int64_t>(7));
}

TEST_F(AmqpBasic, EmptyBodyIsDelivered) {
  const std::string q = c.declare_queue(1);
  c.publish(1, "", q, "");
  spec::BasicGet m;
  m.queue = q;
  m.no_ack = true;
  c.send(1, m);
  EXPECT_EQ(c.expect_content<spec::BasicGetOk>(1).body, "");
}

TEST_F(AmqpBasic, PrefetchLimitsTheDeliveriesOutstanding) {
  const std::string q = queue_with(5);
  c.qos(1, 3);
  c.consume(1, q, "c1");
  auto got = deliveries(c.sync(1));
  ASSERT_EQ(got.size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(tag(got[i]), i + 1);
    EXPECT_EQ(got[i].body, "m" + std::to_string(i));
  }
  c.ack(1, 1);  // one slot frees up: exactly one more
  got = deliveries(c.sync(1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(tag(got[0]), 4u);
  EXPECT_EQ(got[0].body, "m3");
  c.ack(1, 4, /*multiple=*/true);  // three free up, one message is left
  got = deliveries(c.sync(1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].body, "m4");
  EXPECT_EQ(c.message_count(1, q), 0u);
}

TEST_F(AmqpBasic, PrefetchZeroIsUnlimited) {
  const std::string q = queue_with(20);
  c.qos(1, 0);
  c.consume(1, q, "c1");
  EXPECT_EQ(deliveries(c.sync(1)).size(), 20u);
}

TEST_F(AmqpBasic, PrefetchIsPerConsumerByDefault) {
  const std::string q1 = queue_with(5, "a");
  const std::string q2 = queue_with(5, "b");
  c.qos(1, 2);
  c.consume(1, q1, "c1");
  auto got = deliveries(c.sync(1));
  ASSERT_EQ(got.size(), 2u);
  for (const Received& r : got) EXPECT_EQ(consumer(r), "c1");
  c.consume(1, q2, "c2");  // a limit of its own, not what c1 left of a shared one
  got = deliveries(c.sync(1));
  ASSERT_EQ(got.size(), 2u);
  for (const Received& r : got) EXPECT_EQ(consumer(r), "c2");
}

TEST_F(AmqpBasic, GlobalQosIsSharedByTheChannelsConsumers) {
  const std::string q1 = queue_with(8, "a");
  const std::string q2 = queue_with(8, "b");
  c.qos(1, 4, /*global=*/true);
  c.consume(1, q1, "c1");
  auto got = deliveries(c.sync(1));
  ASSERT_EQ(got.size(), 4u);
  for (const Received& r : got) EXPECT_EQ(consumer(r), "c1");
  c.consume(1, q2, "c2");  // the channel's limit is full: nothing for c2
  EXPECT_EQ(deliveries(c.sync(1)).size(), 0u);
  c.ack(1, 1);  // one slot frees up: exactly one more, for either consumer
  EXPECT_EQ(deliveries(c.sync(1)).size(), 1u);
  // What an ack frees is shared by the queues of the channel (RabbitMQ's limiter resumes every
  // waiting queue), not handed back to the first one.
  c.ack(1, 0, /*multiple=*/true);  // everything outstanding: four slots
  got = deliveries(c.sync(1));
  ASSERT_EQ(got.size(), 4u);
  int to_c2 = 0;
  for (const Received& r : got) to_c2 += consumer(r) == "c2" ? 1 : 0;
  EXPECT_GE(to_c2, 1);
  EXPECT_LE(to_c2, 3);
}

TEST_F(AmqpBasic, GlobalQosDoesNotCountBasicGet) {
  const std::string pulled = queue_with(3, "g");
  const std::string consumed = queue_with(5, "c");
  c.qos(1, 2, /*global=*/true);
  for (int i = 0; i < 3; ++i) get(1, pulled);  // unacked, yet none of the channel's capacity
  c.consume(1, consumed, "c1");
  EXPECT_EQ(deliveries(c.sync(1)).size(), 2u);
}

TEST_F(AmqpBasic, FullGlobalQosHoldsBackNoAckConsumers) {
  const std::string limited = queue_with(1, "l");
  const std::string free = queue_with(5, "f");
  c.qos(1, 1, /*global=*/true);
  c.consume(1, limited, "held");
  ASSERT_EQ(deliveries(c.sync(1)).size(), 1u);
  c.consume(1, free, "no-ack", /*no_ack=*/true);
  EXPECT_EQ(deliveries(c.sync(1)).size(), 0u);
  c.ack(1, 1);  // room again; the no-ack deliveries never fill it
  EXPECT_EQ(deliveries(c.sync(1)).size(), 5u);
  EXPECT_EQ(c.message_count(1, free), 0u);
}

TEST_F(AmqpBasic, NoAckConsumerIgnoresPrefetchAndLeavesNothingToAck) {
  const std::string q = queue_with(5);
  c.qos(1, 1);
  c.consume(1, q, "c1", /*no_ack=*/true);
  const auto got = deliveries(c.sync(1));
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(c.message_count(1, q), 0u);
  c.ack(1, tag(got[0]));
  expect_channel_error(spec::kPreconditionFailed, "PRECONDITION_FAILED - unknown delivery tag 1",
                       spec::BasicAck::kClassId, spec::BasicAck::kMethodId);
}

TEST_F(AmqpBasic, GetOnAnEmptyQueueIsGetEmpty) {
  const std::string q = c.declare_queue(1);
  spec::BasicGet m;
  m.queue = q;
  c.send(1, m);
  c.expect<spec::BasicGetEmpty>(1);
}

TEST_F(AmqpBasic, GetOkCountsTheMessagesLeft) {
  const std::string q = queue_with(2);
  spec::BasicGet m;
  m.queue = q;
  c.send(1, m);
  Received r = c.expect_content<spec::BasicGetOk>(1);
  EXPECT_EQ(r.get<spec::BasicGetOk>()->message_count, 1u);
  EXPECT_EQ(r.get<spec::BasicGetOk>()->delivery_tag, 1u);
  EXPECT_FALSE(r.get<spec::BasicGetOk>()->redelivered);
  EXPECT_EQ(r.get<spec::BasicGetOk>()->routing_key, q);
  EXPECT_EQ(r.body, "m0");
  c.send(1, m);
  r = c.expect_content<spec::BasicGetOk>(1);
  EXPECT_EQ(r.get<spec::BasicGetOk>()->message_count, 0u);
  EXPECT_EQ(r.get<spec::BasicGetOk>()->delivery_tag, 2u);
  EXPECT_EQ(r.body, "m1");
  c.send(1, m);
  c.expect<spec::BasicGetEmpty>(1);
}

TEST_F(AmqpBasic, GetIsNotLimitedByPrefetch) {
  const std::string q = queue_with(3);
  c.qos(1, 1);
  for (int i = 0; i < 3; ++i) get(1, q);
  EXPECT_EQ(c.message_count(1, q), 0u);
}

struct SettleCase {
  const char* name;
  uint16_t method_id;
};

class AmqpUnknownTag : public AmqpBasic, public ::testing::WithParamInterface<SettleCase> {};

TEST_P(AmqpUnknownTag, IsPreconditionFailed) {
  const uint16_t method_id = GetParam().method_id;
  if (method_id == spec::BasicAck::kMethodId) c.send_settle<spec::BasicAck>(1, 42, false);
  if (method_id == spec::BasicNack::kMethodId) c.send_settle<spec::BasicNack>(1, 42, false);
  if (method_id == spec::BasicReject::kMethodId) c.send_settle<spec::BasicReject>(1, 42, true);
  expect_channel_error(spec::kPreconditionFailed, "PRECONDITION_FAILED - unknown delivery tag 42",
                       spec::kClassBasic, method_id);
}

INSTANTIATE_TEST_SUITE_P(Methods, AmqpUnknownTag,
                         ::testing::Values(SettleCase{"Ack", spec::BasicAck::kMethodId},
                                           SettleCase{"Nack", spec::BasicNack::kMethodId},
                                           SettleCase{"Reject", spec::BasicReject::kMethodId}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST_F(AmqpBasic, SecondAckOfATagIsAnUnknownTag) {
  const std::string q = queue_with(1);
  const uint64_t t = get(1, q).delivery_tag;
  c.ack(1, t);
  c.ack(1, t);
  expect_channel_error(spec::kPreconditionFailed,
                       "PRECONDITION_FAILED - unknown delivery tag " + std::to_string(t),
                       spec::BasicAck::kClassId, spec::BasicAck::kMethodId);
}

TEST_F(AmqpBasic, AckOfTagZeroWithoutMultipleIsAnUnknownTag) {
  c.ack(1, 0);
  expect_channel_error(spec::kPreconditionFailed, "PRECONDITION_FAILED - unknown delivery tag 0",
                       spec::BasicAck::kClassId, spec::BasicAck::kMethodId);
}

TEST_F(AmqpBasic, TagsAreChannelLocal) {
  const std::string q = queue_with(1);
  const uint64_t t = get(1, q).delivery_tag;
  c.open_channel(2);
  c.ack(2, t);
  const auto close = c.expect_channel_close(2);
  EXPECT_EQ(close.reply_text, "PRECONDITION_FAILED - unknown delivery tag " + std::to_string(t));
  c.ack(1, t);  // the channel that got it still holds it
  c.expect_nothing(1);
  EXPECT_EQ(c.message_count(1, q), 0u);
}

TEST_F(AmqpBasic, MultipleAckSettlesEveryTagUpToIt) {
  const std::string q = queue_with(3);
  for (uint64_t t = 1; t <= 3; ++t) EXPECT_EQ(get(1, q).delivery_tag, t);
  c.ack(1, 2, /*multiple=*/true);
  // Only tag 3 is left unacked: recover returns it alone.
  c.send(1, spec::BasicRecover{true});
  c.expect<spec::BasicRecoverOk>(1);
  EXPECT_EQ(c.message_count(1, q), 1u);
  c.ack(1, 1);
  expect_channel_error(spec::kPreconditionFailed, "PRECONDITION_FAILED - unknown delivery tag 1",
                       spec::BasicAck::kClassId, spec::BasicAck::kMethodId);
}

TEST_F(AmqpBasic, MultipleAckOfTagZeroSettlesEverything) {
  const std::string q = queue_with(3);
  for (int i = 0; i < 3; ++i) get(1, q);
  c.ack(1, 0, /*multiple=*/true);
  c.send(1, spec::BasicRecover{true});
  c.expect<spec::BasicRecoverOk>(1);
  EXPECT_EQ(c.message_count(1, q), 0u);
}

TEST_F(AmqpBasic, NackMultipleWithRequeueReturnsMessagesRedelivered) {
  const std::string q = queue_with(3);
  for (int i = 0; i < 3; ++i) get(1, q);
  spec::BasicNack nack;
  nack.delivery_tag = 3;
  nack.multiple = true;
  nack.requeue = true;
  c.send(1, nack);
  EXPECT_EQ(c.message_count(1, q), 3u);
  const auto again = get(1, q, /*no_ack=*/true);
  EXPECT_TRUE(again.redelivered);
  EXPECT_EQ(again.delivery_tag, 4u);  // tags keep counting up on the channel
}

TEST_F(AmqpBasic, RejectWithoutRequeueDropsTheMessage) {
  const std::string q = queue_with(2);
  const uint64_t t = get(1, q).delivery_tag;
  spec::BasicReject reject;
  reject.delivery_tag = t;
  reject.requeue = false;
  c.send(1, reject);
  EXPECT_EQ(c.message_count(1, q), 1u);
  spec::BasicGet m;
  m.queue = q;
  m.no_ack = true;
  c.send(1, m);
  EXPECT_EQ(c.expect_content<spec::BasicGetOk>(1).body, "m1");
}

TEST_F(AmqpBasic, RecoverRequeuesUnackedDeliveriesAsRedelivered) {
  const std::string q = queue_with(1);
  c.consume(1, q, "c1");
  auto got = deliveries(c.sync(1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].get<spec::BasicDeliver>()->redelivered);
  c.send(1, spec::BasicRecover{true});
  c.expect<spec::BasicRecoverOk>(1);
  got = deliveries(c.sync(1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].get<spec::BasicDeliver>()->redelivered);
  EXPECT_EQ(tag(got[0]), 2u);
  EXPECT_EQ(got[0].body, "m0");
  c.ack(1, 1);  // the old tag was given up by the recover
  expect_channel_error(spec::kPreconditionFailed, "PRECONDITION_FAILED - unknown delivery tag 1",
                       spec::BasicAck::kClassId, spec::BasicAck::kMethodId);
}

TEST_F(AmqpBasic, RecoverWithoutRequeueIsNotImplemented) {
  c.send(1, spec::BasicRecover{false});
  const auto close = c.expect_connection_close();
  EXPECT_EQ(close.reply_code, spec::kNotImplemented);
  EXPECT_EQ(close.reply_text, "NOT_IMPLEMENTED - requeue=false");
  EXPECT_EQ(close.class_id, spec::BasicRecover::kClassId);
  EXPECT_EQ(close.method_id, spec::BasicRecover::kMethodId);
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(AmqpBasic, CancelStopsDeliveries) {
  const std::string q = queue_with(3);
  c.qos(1, 1);
  c.consume(1, q, "c1");
  ASSERT_EQ(deliveries(c.sync(1)).size(), 1u);
  spec::BasicCancel cancel;
  cancel.consumer_tag = "c1";
  c.send(1, cancel);
  EXPECT_EQ(c.expect<spec::BasicCancelOk>(1).consumer_tag, "c1");
  c.ack(1, 1);  // the delivery stays with the channel, and frees prefetch for no one
  EXPECT_EQ(deliveries(c.sync(1)).size(), 0u);
  spec::QueueDeclare passive;
  passive.queue = q;
  passive.passive = true;
  c.send(1, passive);
  const auto ok = c.expect<spec::QueueDeclareOk>(1);
  EXPECT_EQ(ok.message_count, 2u);
  EXPECT_EQ(ok.consumer_count, 0u);
}

TEST_F(AmqpBasic, ConsumerTagReuseOnAChannelIsNotAllowed) {
  const std::string q = c.declare_queue(1);
  c.consume(1, q, "dup");
  spec::BasicConsume again;
  again.queue = q;
  again.consumer_tag = "dup";
  c.send(1, again);
  const auto close = c.expect_connection_close();
  EXPECT_EQ(close.reply_code, spec::kNotAllowed);
  EXPECT_EQ(close.reply_text, "NOT_ALLOWED - attempt to reuse consumer tag 'dup'");
  EXPECT_EQ(close.class_id, spec::BasicConsume::kClassId);
  EXPECT_EQ(close.method_id, spec::BasicConsume::kMethodId);
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(AmqpBasic, SameConsumerTagOnAnotherChannelIsFine) {
  const std::string q = c.declare_queue(1);
  c.consume(1, q, "tag");
  c.open_channel(2);
  c.consume(2, q, "tag");
  c.expect_nothing(2);
}

TEST_F(AmqpBasic, ServerGeneratesAConsumerTagWhenNoneIsGiven) {
  const std::string q = c.declare_queue(1);
  spec::BasicConsume consume;
  consume.queue = q;
  c.send(1, consume);
  const std::string tag = c.expect<spec::BasicConsumeOk>(1).consumer_tag;
  EXPECT_EQ(tag.rfind("amq.ctag-", 0), 0u) << tag;
}

TEST_F(AmqpBasic, MandatoryUnroutablePublishIsReturned) {
  c.publish(1, "", "no-such-queue", "back", {}, /*mandatory=*/true);
  const Received r = c.expect_content<spec::BasicReturn>(1);
  const auto* ret = r.get<spec::BasicReturn>();
  EXPECT_EQ(ret->reply_code, spec::kNoRoute);
  EXPECT_EQ(ret->reply_text, "NO_ROUTE");
  EXPECT_EQ(ret->exchange, "");
  EXPECT_EQ(ret->routing_key, "no-such-queue");
  EXPECT_EQ(r.body, "back");
}

TEST_F(AmqpBasic, UnroutablePublishWithoutMandatoryIsDropped) {
  c.publish(1, "", "no-such-queue", "gone");
  c.expect_nothing(1);
}

TEST_F(AmqpBasic, PublishToAMissingExchangeClosesTheChannel) {
  c.publish(1, "no-such-exchange", "k", "x");
  const auto close = c.expect_channel_close(1);
  EXPECT_EQ(close.reply_code, spec::kNotFound);
  EXPECT_EQ(close.reply_text, "NOT_FOUND - no exchange 'no-such-exchange' in vhost '/'");
  EXPECT_EQ(close.class_id, spec::BasicPublish::kClassId);
  EXPECT_EQ(close.method_id, spec::BasicPublish::kMethodId);
}

TEST_F(AmqpBasic, DeletingTheQueueCancelsItsConsumersWithANotification) {
  // The client announced consumer_cancel_notify: it is told with a basic.cancel of its own.
  const std::string q = c.declare_queue(1);
  c.consume(1, q, "c1");
  spec::QueueDelete del;
  del.queue = q;
  c.send(1, del);
  const auto cancel = c.expect<spec::BasicCancel>(1);
  EXPECT_EQ(cancel.consumer_tag, "c1");
  EXPECT_TRUE(cancel.nowait);
  c.expect<spec::QueueDeleteOk>(1);
  // The tag is free again once the queue dropped the consumer.
  const std::string other = c.declare_queue(1);
  c.consume(1, other, "c1");
}

TEST_F(AmqpBasic, ExclusiveQueueIsLockedToItsConnectionAndGoesWithIt) {
  spec::QueueDeclare declare;
  declare.queue = "mine";
  declare.exclusive = true;
  c.send(1, declare);
  c.expect<spec::QueueDeclareOk>(1);
  {
    AmqpTestClient other(b);
    ASSERT_TRUE(other.handshake());
    other.open_channel(1);
    spec::BasicGet get;
    get.queue = "mine";
    other.send(1, get);
    const auto close = other.expect_channel_close(1);
    EXPECT_EQ(close.reply_code, spec::kResourceLocked);
    EXPECT_EQ(close.reply_text,
              "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'mine' in vhost "
              "'/'. It could be originally declared on another connection or the exclusive "
              "property value does not match that of the original declaration.");
    EXPECT_EQ(close.class_id, spec::BasicGet::kClassId);
    EXPECT_EQ(close.method_id, spec::BasicGet::kMethodId);
  }
  EXPECT_EQ(c.message_count(1, "mine"), 0u);  // its own connection uses it freely
  c.send(0, spec::ConnectionClose{});
  c.expect<spec::ConnectionCloseOk>(0);
  ASSERT_TRUE(c.wait_closed());
  ASSERT_TRUE(c.disconnect());
  AmqpTestClient after(b);
  ASSERT_TRUE(after.handshake());
  after.open_channel(1);
  spec::QueueDeclare passive;
  passive.queue = "mine";
  passive.passive = true;
  after.send(1, passive);
  EXPECT_EQ(after.expect_channel_close(1).reply_code, spec::kNotFound);
}

TEST_F(AmqpBasic, PrefetchSizeIsNotImplemented) {
  spec::BasicQos qos;
  qos.prefetch_size = 1000;
  qos.prefetch_count = 1;
  c.send(1, qos);
  const auto close = c.expect_connection_close();
  EXPECT_EQ(close.reply_code, spec::kNotImplemented);
  EXPECT_EQ(close.reply_text, "NOT_IMPLEMENTED - prefetch_size!=0 (1000)");
  EXPECT_EQ(close.class_id, spec::BasicQos::kClassId);
  EXPECT_EQ(close.method_id, spec::BasicQos::kMethodId);
  EXPECT_TRUE(c.wait_closed());
}

TEST_F(AmqpBasic, ImmediatePublishIsNotImplemented) {
  spec::BasicPublish publish;
  publish.routing_key = "q";
  publish.immediate = true;
  c.send(1, publish);
  const auto close = c.expect_connection_close();
  EXPECT_EQ(close.reply_code, spec::kNotImplemented);
  EXPECT_EQ(close.reply_text, "NOT_IMPLEMENTED - immediate=true");
  EXPECT_EQ(close.class_id, spec::BasicPublish::kClassId);
  EXPECT_EQ(close.method_id, spec::BasicPublish::kMethodId);
}

TEST_F(AmqpBasic, ClosingTheConnectionRequeuesUnackedDeliveries) {
  const std::string q = queue_with(2);
  c.consume(1, q, "c1");
  ASSERT_EQ(deliveries(c.sync(1)).size(), 2u);
  c.send(0, spec::ConnectionClose{});
  c.expect<spec::ConnectionCloseOk>(0);
  ASSERT_TRUE(c.wait_closed());
  AmqpTestClient other(b);
  ASSERT_TRUE(other.handshake());
  other.open_channel(1);
  EXPECT_EQ(other.message_count(1, q), 2u);
  spec::BasicGet get;
  get.queue = q;
  get.no_ack = true;
  other.send(1, get);
  const Received r = other.expect_content<spec::BasicGetOk>(1);
  EXPECT_TRUE(r.get<spec::BasicGetOk>()->redelivered);
  EXPECT_EQ(r.body, "m0");
}

TEST(AmqpMessageSize, MessageOverTheLimitIsRefusedAtItsHeaderAndItsBodyDropped) {
  core::Limits limits;
  limits.max_message_size = 1000;
  TestBroker b(limits);
  AmqpTestClient c(b);
  ASSERT_TRUE(c.handshake());
  c.open_channel(1);
  const std::string q = c.declare_queue(1);
  c.publish(1, "", q, std::string(1000, 'a'));  // at the limit: taken
  c.publish(1, "", q, std::string(1001, 'b'));
  const auto close = c.expect_channel_close(1);
  EXPECT_EQ(close.reply_code, spec::kPreconditionFailed);
  EXPECT_EQ(close.reply_text,
            "PRECONDITION_FAILED - message size 1001 is larger than configured max size 1000");
  EXPECT_EQ(close.class_id, spec::BasicPublish::kClassId);
  EXPECT_EQ(close.method_id, spec::BasicPublish::kMethodId);
  c.open_channel(1);
  EXPECT_EQ(c.message_count(1, q), 1u);
}

}  // namespace
}  // namespace polymq::amqp
