// One AMQP channel: its exchange/queue/basic/confirm methods, the assembly of published
// content, its consumers and its unacknowledged deliveries.
//
// REQUIRES: all calls on the connection's thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "amqp/amqp_error.h"
#include "amqp/codec/frame.h"
#include "amqp/codec/generated/amqp_spec.h"
#include "amqp/direct_reply_to.h"
#include "core/connections.h"
#include "core/consumer.h"
#include "core/id_window.h"
#include "core/message_counters.h"
#include "core/permissions.h"
#include "core/publisher.h"
#include "core/queue.h"
#include "core/shard.h"

namespace polymq::amqp {

class Session;
class Channel;

// A basic.consume: the core's consumer, with its AMQP tag and prefetch accounting.
class ChannelConsumer final : public core::Consumer {
 public:
  ChannelConsumer(Channel& channel, std::string tag, core::QueueId queue, bool no_ack,
                  uint32_t prefetch)
      : channel_(channel),
        tag_(std::move(tag)),
        queue_(queue),
        no_ack_(no_ack),
        prefetch_(prefetch) {}

  bool ready() const override;
  void deliver(core::Queue& queue, core::Delivery delivery) override;
  void cancelled_by_queue(core::Queue& queue) override;

  const std::string& tag() const { return tag_; }
  core::QueueId queue() const { return queue_; }
  bool no_ack() const { return no_ack_; }
  uint32_t prefetch() const { return prefetch_; }
  uint32_t unacked = 0;
  // What the management API lists (core::ConsumerView): the basic.consume as it was asked.
  std::string queue_name;
  bool exclusive = false;
  core::Table arguments;

 private:
  Channel& channel_;
  std::string tag_;
  core::QueueId queue_;
  bool no_ack_;
  uint32_t prefetch_;  // 0 = unlimited
};

class Channel final : public core::Publisher::Listener {
 public:
  enum class State { kOpen, kClosing };
  // Where the channel is in assembling a published message: after basic.publish it expects a
  // content header, then body frames until the declared size has arrived.
  enum class ContentStage { kNone, kHeader, kBody };

  Channel(Session& session, uint16_t id);
  ~Channel() override;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  uint16_t id() const { return id_; }
  State state() const { return state_; }
  void set_closing() { state_ = State::kClosing; }
  ContentStage content_stage() const { return content_stage_; }
  // A basic.publish on a closing channel: its content is still framed, and then dropped.
  void begin_discarded_publish() { content_stage_ = ContentStage::kHeader; }

  AmqpStatus on_method(const spec::Method& method);
  AmqpStatus on_content_header(const Frame& frame);
  AmqpStatus on_content_body(const Frame& frame);

  // Cancels consumers and returns unacked deliveries to their queues. Idempotent.
  void release();
  // Sends the publisher confirms gathered during this read batch.
  void flush_confirms();
  // core::Publisher::Listener: publishes waiting for durability may have completed.
  void publishes_completed() override;
  // The socket drained: consumers may take messages again.
  void resume_deliveries();

  // --- used by ChannelConsumer ---
  bool can_deliver(const ChannelConsumer& consumer) const;
  void deliver(ChannelConsumer& consumer, core::Queue& queue, core::Delivery delivery);
  void consumer_cancelled_by_queue(ChannelConsumer& consumer);

  // --- used by another channel: a reply to this channel's reply address ---
  void deliver_reply(const core::Message& message);

  // The channel as the management API lists it.
  void describe(core::ChannelView& out) const;

 private:
  // A delivery tag names a lease in a queue.
  struct Unacked {
    core::QueueId queue = 0;
    core::LeaseId lease = 0;
    std::shared_ptr<ChannelConsumer> consumer;  // null for basic.get
  };

  // A publish or settlement held back until tx.commit.
  struct TxPublish {
    core::MessagePtr message;
    bool mandatory = false;
    std::vector<std::string> bcc;  // BCC keys, removed from the message's headers
  };
  // An ack, nack or reject in a transaction. As in RabbitMQ, its tags leave the unacked window
  // at once (recover does not return them, a second ack is an unknown tag); the queues hear of
  // it at commit, and until then the deliveries still count against prefetch. A rollback puts
  // them back in the window.
  struct TxSettle {
    bool ack = true;
    bool requeue = false;
    std::vector<std::pair<uint64_t, Unacked>> entries;  // by tag
  };

  // Method handlers, one per method a client may send on a channel.
  AmqpStatus on(const spec::ChannelFlow& m);
  AmqpStatus on(const spec::ChannelFlowOk& m);
  AmqpStatus on(const spec::AccessRequest& m);
  AmqpStatus on(const spec::ExchangeDeclare& m);
  AmqpStatus on(const spec::ExchangeDelete& m);
  AmqpStatus on(const spec::ExchangeBind& m);
  AmqpStatus on(const spec::ExchangeUnbind& m);
  AmqpStatus on(const spec::QueueDeclare& m);
  AmqpStatus on(const spec::QueueBind& m);
  AmqpStatus on(const spec::QueueUnbind& m);
  AmqpStatus on(const spec::QueuePurge& m);
  AmqpStatus on(const spec::QueueDelete& m);
  AmqpStatus on(const spec::BasicQos& m);
  AmqpStatus on(const spec::BasicConsume& m);
  AmqpStatus on(const spec::BasicCancel& m);
  AmqpStatus on(const spec::BasicPublish& m);
  AmqpStatus on(const spec::BasicGet& m);
  AmqpStatus on(const spec::BasicAck& m);
  AmqpStatus on(const spec::BasicReject& m);
  AmqpStatus on(const spec::BasicNack& m);
  AmqpStatus on(const spec::BasicRecoverAsync& m);
  AmqpStatus on(const spec::BasicRecover& m);
  AmqpStatus on(const spec::ConfirmSelect& m);
  AmqpStatus on(const spec::TxSelect& m);
  AmqpStatus on(const spec::TxCommit& m);
  AmqpStatus on(const spec::TxRollback& m);
  template <class M>
  AmqpStatus on(const M& m);  // any other method: not valid on a channel

  // Direct reply-to (direct_reply_to.cpp). The reply consumer is not in consumers_: it takes
  // no messages from a queue.
  AmqpStatus consume_replies(const spec::BasicConsume& m, std::string tag);
  bool cancel_replies(const spec::BasicCancel& m);  // true when `m` named the reply consumer
  void stop_replies();
  // reply_to "amq.rabbitmq.reply-to" becomes this channel's reply address.
  AmqpStatus set_reply_address(core::Message& message) const;
  // Delivers a message published to the default exchange to the requesters it names.
  void route_replies(const core::Message& message, const std::vector<std::string>& bcc);
  AmqpStatus declare_reply_queue(const spec::QueueDeclare& m);
  // A RabbitMQ stream queue ("x-queue-type": "stream"): a core stream, which Kafka clients see
  // as a topic of the same name.
  AmqpStatus declare_stream_queue(const spec::QueueDeclare& m);

  template <class M>
  void send(const M& method) {
    append_method_frame(session_output(), id_, method);
  }
  std::string& session_output();
  // The queue named in a method; "" means the last queue declared on this channel.
  // RabbitMQ's access check: 403 ACCESS_REFUSED unless the user's grant allows `permission`
  // on the exchange or queue `name` ("exchange" or "queue" in `kind`).
  AmqpStatus check_access(core::Permission permission, const char* kind, const std::string& name,
                          uint16_t class_id, uint16_t method_id) const;
  // A binding writes into its destination and reads from its source exchange.
  AmqpStatus check_binding_access(const char* destination_kind, const std::string& destination,
                                  const std::string& source, uint16_t class_id,
                                  uint16_t method_id) const;
  // RabbitMQ's check before it declares a new queue with a dead-letter exchange: 406 when
  // x-dead-letter-exchange is not a string, else 403 unless the user may read the queue `queue`
  // and write to that exchange. Redeclares and passive declares are not checked.
  AmqpStatus check_dead_letter_access(const core::Table& arguments, const std::string& queue,
                                      uint16_t class_id, uint16_t method_id) const;
  AmqpStatus resolve_queue_name(const std::string& given, std::string& out, uint16_t class_id,
                                uint16_t method_id) const;
  // resolve_queue_name, then the queue itself for this connection (404 / 405 otherwise).
  AmqpStatus use_queue(const std::string& given, uint16_t class_id, uint16_t method_id,
                       core::QueuePtr& out) const;
  AmqpStatus publish_assembled();
  // Routes and enqueues a complete message; sends basic.return when mandatory and unroutable.
  AmqpStatus route_and_enqueue(const core::MessagePtr& message, bool mandatory,
                               const std::vector<std::string>& bcc);
  AmqpStatus settle(uint64_t tag, bool multiple, bool ack, bool requeue, uint16_t class_id,
                    uint16_t method_id);
  void settle_one(Unacked entry, bool ack, bool requeue);
  // Returns the deliveries a transaction has settled but not committed to the window.
  void put_back_tx_settles();
  void requeue_all_unacked();
  void dispatch_consumer_queues();
  void remove_consumer(const std::string& tag);
  // `delivery_count`: add the x-delivery-count header (see delivery_count_header).
  void send_content(uint16_t class_id, const core::Message& message,
                    std::optional<uint32_t> delivery_count = std::nullopt);
  static std::optional<uint32_t> delivery_count_header(const core::Queue& queue,
                                                       const core::Delivery& delivery);
  // Counts an event in the broker's counters and the channel's own.
  void count(uint64_t core::MessageCounters::*counter, uint64_t n = 1) {
    counters_.*counter += n;
    stats_.*counter += n;
  }

  Session& session_;
  core::Shard& shard_;               // the operations on queues
  core::MessageCounters& counters_;  // the broker's, for the metrics
  core::MessageCounters stats_;      // this channel's, for the management API
  uint16_t id_;
  core::HolderId holder_;  // the leases of this channel's deliveries
  State state_ = State::kOpen;
  bool released_ = false;
  bool flow_active_ = true;

  // Content being published: the method, then the header, then body frames.
  ContentStage content_stage_ = ContentStage::kNone;
  spec::BasicPublish pending_publish_;
  std::shared_ptr<core::Message> pending_message_;
  core::BodyBuilder pending_body_;  // a body arriving in more than one frame
  uint64_t pending_body_size_ = 0;
  uint64_t pending_body_received_ = 0;  // counted even when the content is being discarded

  std::map<std::string, std::shared_ptr<ChannelConsumer>> consumers_;
  core::IdWindow<Unacked> unacked_;
  uint64_t next_delivery_tag_ = 1;
  uint32_t consumer_prefetch_ = 0;  // basic.qos global=false: for consumers created after
  uint32_t channel_prefetch_ = 0;   // basic.qos global=true: across the channel
  // What the global limit counts, as RabbitMQ's limiter does: deliveries to consumers that
  // need an ack and are not settled yet (not basic.get, not no-ack consumers).
  uint32_t consumer_unacked_ = 0;
  // While dispatch_consumer_queues shares freed channel capacity out, each queue hands this
  // channel at most `round_credit_` messages per round, so queues take turns.
  bool fair_dispatch_ = false;
  uint32_t round_credit_ = 0;
  uint64_t consumer_tag_counter_ = 0;

  bool confirm_mode_ = false;
  // Routes, enqueues and completes this channel's publishes; in confirm mode its ids are the
  // confirm sequence numbers (both start at 1 with the first publish after confirm.select).
  core::Publisher publisher_;

  bool tx_mode_ = false;
  // tx.commit-ok waits until the publisher has completed this id (0: no commit waiting);
  // meanwhile the session reads nothing more from the connection, so replies keep their order.
  uint64_t commit_waits_for_ = 0;
  void finish_commit_if_durable();
  std::vector<TxPublish> tx_publishes_;
  std::vector<TxSettle> tx_settles_;

  ReplyConsumer reply_consumer_;
  std::string last_queue_;                   // for methods that name the queue ""
  std::vector<core::Queue*> route_scratch_;  // tx publishes: the exchange must exist
};

}  // namespace polymq::amqp
