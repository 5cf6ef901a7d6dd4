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
#include "amqp/unacked_window.h"
#include "core/consumer.h"
#include "core/queue.h"

namespace polymq::amqp {

class Session;
class Channel;

// A basic.consume: the core's consumer, with its AMQP tag and prefetch accounting.
class ChannelConsumer final : public core::Consumer {
 public:
  ChannelConsumer(Channel& channel, std::string tag, core::QueuePtr queue, bool no_ack,
                  uint32_t prefetch)
      : channel_(channel),
        tag_(std::move(tag)),
        queue_(std::move(queue)),
        no_ack_(no_ack),
        prefetch_(prefetch) {}

  bool ready() const override;
  void deliver(core::Queue& queue, core::QueuedMessage message) override;
  void cancelled_by_queue(core::Queue& queue) override;

  const std::string& tag() const { return tag_; }
  const core::QueuePtr& queue() const { return queue_; }
  bool no_ack() const { return no_ack_; }
  uint32_t unacked = 0;

 private:
  Channel& channel_;
  std::string tag_;
  core::QueuePtr queue_;
  bool no_ack_;
  uint32_t prefetch_;  // 0 = unlimited
};

class Channel final : public core::CommitListener {
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
  // core::CommitListener: a group-commit round ended; confirms waiting for it can go.
  void round_done(uint64_t round, bool ok) override;
  // The socket drained: consumers may take messages again.
  void resume_deliveries();

  // --- used by ChannelConsumer ---
  bool can_deliver(const ChannelConsumer& consumer) const;
  void deliver(ChannelConsumer& consumer, core::Queue& queue, core::QueuedMessage message);
  void consumer_cancelled_by_queue(ChannelConsumer& consumer);

 private:
  // A publish or settlement held back until tx.commit.
  struct TxPublish {
    core::MessagePtr message;
    bool mandatory = false;
    std::vector<std::string> bcc;  // BCC keys, removed from the message's headers
  };
  struct TxSettle {
    uint64_t tag = 0;
    bool multiple = false;
    bool ack = true;
    bool requeue = false;
    uint16_t class_id = 0;
    uint16_t method_id = 0;
  };

  struct Unacked {
    core::QueuePtr queue;
    core::QueuedMessage message;
    std::shared_ptr<ChannelConsumer> consumer;  // null for basic.get
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

  template <class M>
  void send(const M& method) {
    append_method_frame(session_output(), id_, method);
  }
  std::string& session_output();
  // The queue named in a method; "" means the last queue declared on this channel.
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
  void requeue_all_unacked();
  void dispatch_consumer_queues();
  void remove_consumer(const std::string& tag);
  // `delivery_count`: add the x-delivery-count header (see delivery_count_header).
  void send_content(uint16_t class_id, const core::Message& message,
                    std::optional<uint32_t> delivery_count = std::nullopt);
  static std::optional<uint32_t> delivery_count_header(const core::Queue& queue,
                                                       const core::QueuedMessage& message);

  Session& session_;
  uint16_t id_;
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
  UnackedWindow<Unacked> unacked_;
  uint64_t next_delivery_tag_ = 1;
  uint32_t consumer_prefetch_ = 0;  // basic.qos global=false: for consumers created after
  uint32_t channel_prefetch_ = 0;   // basic.qos global=true: across the channel
  uint64_t consumer_tag_counter_ = 0;

  // A publish whose confirm is not an immediate ack: it waits for a group-commit round, or
  // it is to be nacked. Publishes between these entries are acked as soon as the entry
  // before them is settled.
  struct HeldConfirm {
    enum class State { kWaiting, kAck, kNack };
    uint64_t seq = 0;
    uint64_t round = 0;
    State state = State::kWaiting;
  };
  void hold_confirm(uint64_t seq, uint64_t round, HeldConfirm::State state);

  bool confirm_mode_ = false;
  uint64_t next_publish_seq_ = 1;
  uint64_t confirmed_up_to_ = 0;           // highest sequence number already answered to the client
  std::deque<HeldConfirm> held_confirms_;  // by seq

  bool tx_mode_ = false;
  bool committing_ = false;  // settle() applies instead of deferring
  std::vector<TxPublish> tx_publishes_;
  std::vector<TxSettle> tx_settles_;

  std::string last_queue_;  // for methods that name the queue ""
  std::vector<core::Queue*> route_scratch_;
};

}  // namespace polymq::amqp
