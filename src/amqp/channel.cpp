// Channel lifecycle, publishing, consuming and settling deliveries.
#include "amqp/channel.h"

#include <algorithm>
#include <type_traits>

#include "amqp/codec/content_header.h"
#include "amqp/content_output.h"
#include "amqp/session.h"
#include "core/names.h"
#include "rabbit/queue_arguments.h"

namespace polymq::amqp {
namespace {

// A body that arrives in several frames is assembled as it arrives; reserving the declared size
// up front would let a client make us allocate max_message_size with one small frame, so the
// buffer starts at most this large and doubles (up to the declared size) as frames arrive.
constexpr uint64_t kMaxBodyReserve = 1 << 20;

std::string generate_consumer_tag() { return core::random_name("amq.ctag-"); }

}  // namespace

// --- ChannelConsumer ---

bool ChannelConsumer::ready() const {
  if (!channel_.can_deliver(*this)) return false;
  return no_ack_ || prefetch_ == 0 || unacked < prefetch_;
}

void ChannelConsumer::deliver(core::Queue& queue, core::Delivery delivery) {
  channel_.deliver(*this, queue, std::move(delivery));
}

void ChannelConsumer::cancelled_by_queue(core::Queue& /*queue*/) {
  // Last statement: the channel may drop its reference to this consumer.
  channel_.consumer_cancelled_by_queue(*this);
}

// --- Channel ---

Channel::Channel(Session& session, uint16_t id)
    : session_(session),
      shard_(session.broker().shard()),
      counters_(session.broker().counters()),
      id_(id),
      holder_(session.broker().next_owner_id()),
      publisher_(session.broker().commits(), *this) {
  ++counters_.channels_opened;
}

Channel::~Channel() {
  release();
  ++counters_.channels_closed;
}

std::string& Channel::session_output() { return session_.output(); }

template <class M>
AmqpStatus Channel::on(const M& /*method*/) {
  return AmqpStatus(spec::kCommandInvalid, "unimplemented method", M::kClassId, M::kMethodId);
}

AmqpStatus Channel::on_method(const spec::Method& method) {
  return std::visit(
      [this](const auto& m) -> AmqpStatus {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, std::monostate>) {
          return AmqpStatus(spec::kCommandInvalid, "empty method");
        } else {
          return on(m);
        }
      },
      method);
}

AmqpStatus Channel::on(const spec::ChannelFlow& m) {
  // RabbitMQ 3.x refuses client-initiated flow control; clients rely on basic.qos instead.
  if (!m.active) {
    return AmqpStatus(spec::kNotImplemented, "active=false", spec::ChannelFlow::kClassId,
                      spec::ChannelFlow::kMethodId);
  }
  flow_active_ = m.active;
  spec::ChannelFlowOk ok;
  ok.active = m.active;
  send(ok);
  if (flow_active_) resume_deliveries();
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::ChannelFlowOk& /*m*/) { return AmqpStatus::Ok(); }

AmqpStatus Channel::on(const spec::AccessRequest& /*m*/) {
  spec::AccessRequestOk ok;
  ok.ticket = 1;
  send(ok);
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::BasicQos& m) {
  using M = spec::BasicQos;
  if (m.prefetch_size != 0) {
    return AmqpStatus(spec::kNotImplemented,
                      "prefetch_size!=0 (" + std::to_string(m.prefetch_size) + ")", M::kClassId,
                      M::kMethodId);
  }
  if (m.global) {
    channel_prefetch_ = m.prefetch_count;
  } else {
    consumer_prefetch_ = m.prefetch_count;
  }
  send(spec::BasicQosOk{});
  resume_deliveries();
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::BasicConsume& m) {
  using M = spec::BasicConsume;
  std::string queue_name;
  if (AmqpStatus s = resolve_queue_name(m.queue, queue_name, M::kClassId, M::kMethodId); !s.ok()) {
    return s;
  }
  if (queue_name == kReplyToQueue && session_.reply_channels() != nullptr) {
    return consume_replies(m, m.consumer_tag.empty() ? generate_consumer_tag() : m.consumer_tag);
  }
  if (AmqpStatus a =
          check_access(core::Permission::kRead, "queue", queue_name, M::kClassId, M::kMethodId);
      !a.ok()) {
    return a;
  }
  core::QueuePtr queue;
  if (AmqpStatus s = use_queue(queue_name, M::kClassId, M::kMethodId, queue); !s.ok()) return s;
  std::string tag = m.consumer_tag.empty() ? generate_consumer_tag() : m.consumer_tag;
  if (consumers_.count(tag) != 0) {
    return AmqpStatus(spec::kNotAllowed, "attempt to reuse consumer tag '" + tag + "'", M::kClassId,
                      M::kMethodId);
  }
  int32_t priority = 0;
  if (const core::Value* v = core::find(m.arguments, "x-priority")) {
    if (!v->is_integer()) {
      return AmqpStatus(spec::kPreconditionFailed,
                        "invalid arg 'x-priority' for queue '" + queue->name() + "' in vhost '" +
                            queue->vhost() + "': \"expected integer, got " +
                            core::rabbit_type_name(v->kind) + "\"",
                        M::kClassId, M::kMethodId);
    }
    priority =
        static_cast<int32_t>(std::clamp<int64_t>(v->as_int().value_or(0), INT32_MIN, INT32_MAX));
  }
  auto consumer =
      std::make_shared<ChannelConsumer>(*this, tag, queue->id(), m.no_ack, consumer_prefetch_);
  consumer->queue_name = queue->name();
  consumer->exclusive = m.exclusive;
  consumer->arguments = m.arguments;
  core::ConsumerOptions options;
  options.holder = holder_;
  options.auto_settle = m.no_ack;
  options.exclusive = m.exclusive;
  options.priority = priority;
  if (core::Status s = shard_.subscribe(queue->id(), consumer.get(), options); !s.ok()) {
    return AmqpStatus::From(s, M::kClassId, M::kMethodId);
  }
  consumers_.emplace(tag, consumer);
  if (!m.nowait) {
    spec::BasicConsumeOk ok;
    ok.consumer_tag = tag;
    send(ok);
  }
  shard_.dispatch(consumer->queue());
  return AmqpStatus::Ok();
}

void Channel::remove_consumer(const std::string& tag) {
  auto it = consumers_.find(tag);
  if (it == consumers_.end()) return;
  std::shared_ptr<ChannelConsumer> consumer = it->second;
  consumers_.erase(it);
  shard_.unsubscribe(consumer->queue(), consumer.get());
  shard_.consumer_left(consumer->queue());
}

AmqpStatus Channel::on(const spec::BasicCancel& m) {
  if (cancel_replies(m)) return AmqpStatus::Ok();
  remove_consumer(m.consumer_tag);
  if (!m.nowait) {
    spec::BasicCancelOk ok;
    ok.consumer_tag = m.consumer_tag;
    send(ok);
  }
  return AmqpStatus::Ok();
}

void Channel::consumer_cancelled_by_queue(ChannelConsumer& consumer) {
  if (session_.client_supports_cancel_notify() && state_ == State::kOpen) {
    spec::BasicCancel cancel;
    cancel.consumer_tag = consumer.tag();
    cancel.nowait = true;
    send(cancel);
    session_.flush_soon();
  }
  // The queue already forgot the consumer; only our own reference remains to drop.
  consumers_.erase(consumer.tag());
}

AmqpStatus Channel::on(const spec::BasicPublish& m) {
  using M = spec::BasicPublish;
  if (m.immediate) {
    return AmqpStatus(spec::kNotImplemented, "immediate=true", M::kClassId, M::kMethodId);
  }
  pending_publish_ = m;
  content_stage_ = ContentStage::kHeader;
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on_content_header(const Frame& frame) {
  // REQUIRES: content_stage() == kHeader (the session checks the frame sequence).
  uint16_t class_id =
      frame.size >= 2 ? static_cast<uint16_t>(frame.payload[0] << 8 | frame.payload[1]) : 0;
  if (frame.size >= 2 && class_id != spec::kClassBasic) {
    return AmqpStatus(spec::kUnexpectedFrame,
                      "expected content header for class 60, got one for class " +
                          std::to_string(class_id) + " instead",
                      60, 40);
  }
  uint64_t body_size = 0;
  auto message = std::make_shared<core::Message>();
  if (!decode_content_header(frame.payload, frame.size, class_id, body_size, message->properties)) {
    // RabbitMQ's answer to undecodable properties.
    return AmqpStatus(spec::kInternalError, "", 0, 0);
  }
  pending_body_size_ = body_size;
  pending_body_received_ = 0;
  content_stage_ = body_size == 0 ? ContentStage::kNone : ContentStage::kBody;
  if (state_ != State::kOpen) return AmqpStatus::Ok();  // framed, then dropped
  if (body_size > session_.max_message_size()) {
    // Refused before the body arrives, so memory stays bounded; the body frames that follow
    // are counted and dropped on the now closing channel.
    return AmqpStatus(spec::kPreconditionFailed,
                      "message size " + std::to_string(body_size) +
                          " is larger than configured max size " +
                          std::to_string(session_.max_message_size()),
                      60, 40);
  }
  message->exchange = std::move(pending_publish_.exchange);
  message->routing_key = std::move(pending_publish_.routing_key);
  pending_message_ = std::move(message);
  if (body_size == 0) return publish_assembled();
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on_content_body(const Frame& frame) {
  // REQUIRES: content_stage() == kBody.
  if (pending_body_received_ + frame.size > pending_body_size_) {
    return AmqpStatus(spec::kFrameError, "content body larger than the declared body size",
                      spec::BasicPublish::kClassId, spec::BasicPublish::kMethodId);
  }
  const bool first = pending_body_received_ == 0;
  pending_body_received_ += frame.size;
  const bool complete = pending_body_received_ == pending_body_size_;
  if (pending_message_) {
    const char* bytes = reinterpret_cast<const char*>(frame.payload);
    if (first && complete) {
      // The whole body in one frame: a large one keeps the connection's buffer of that frame
      // (no copy); otherwise it is copied out of the read buffer once, at its exact size.
      if (auto owner = session_.share_input(frame.payload, frame.size)) {
        pending_message_->body = core::Body(std::move(owner), bytes, frame.size);
      } else {
        pending_message_->body = core::Body(std::string_view(bytes, frame.size));
      }
    } else {
      if (first) {
        pending_body_ =
            core::BodyBuilder(std::min(pending_body_size_, kMaxBodyReserve), pending_body_size_);
      }
      pending_body_.append(frame.payload, frame.size);
      if (complete) pending_message_->body = pending_body_.finish();
    }
  }
  if (!complete) return AmqpStatus::Ok();
  content_stage_ = ContentStage::kNone;
  if (!pending_message_ || state_ != State::kOpen) {
    pending_message_.reset();
    return AmqpStatus::Ok();
  }
  return publish_assembled();
}

AmqpStatus Channel::publish_assembled() {
  if (AmqpStatus a = check_access(core::Permission::kWrite, "exchange", pending_message_->exchange,
                                  spec::BasicPublish::kClassId, spec::BasicPublish::kMethodId);
      !a.ok()) {
    pending_message_.reset();
    return a;
  }
  // BCC routes like CC but, as in RabbitMQ, never reaches a consumer. One that is not an array
  // stays, for routing to refuse the message.
  std::vector<std::string> bcc;
  if (auto& headers = pending_message_->properties.headers;
      headers && core::find(*headers, "BCC") != nullptr &&
      core::find(*headers, "BCC")->as_array() != nullptr) {
    bcc = core::header_routing_keys(*pending_message_, "BCC");
    std::erase_if(*headers, [](const auto& entry) { return entry.first == "BCC"; });
  }
  if (AmqpStatus s = set_reply_address(*pending_message_); !s.ok()) return s;
  core::MessagePtr message = std::move(pending_message_);
  const auto& user_id = message->properties.user_id;
  if (user_id && *user_id != session_.user()) {
    return AmqpStatus(spec::kPreconditionFailed,
                      "user_id property set to '" + *user_id + "' but authenticated user was '" +
                          session_.user() + "'",
                      60, 40);
  }
  if (const auto& expiration = message->properties.expiration) {
    uint64_t ms = 0;
    if (core::Status s = rabbit::parse_expiration(*expiration, ms); !s.ok()) {
      return AmqpStatus::From(s, spec::BasicPublish::kClassId, spec::BasicPublish::kMethodId);
    }
  }
  // Replies are handed over at once, in a transaction too (RabbitMQ delivers them while it
  // routes, at publish).
  route_replies(*message, bcc);
  if (tx_mode_) {
    // The exchange must exist now (RabbitMQ checks at publish); routing happens at commit.
    route_scratch_.clear();
    core::Status s = session_.vhost().route(message->exchange, *message, route_scratch_);
    if (!s.ok())
      return AmqpStatus::From(s, spec::BasicPublish::kClassId, spec::BasicPublish::kMethodId);
    tx_publishes_.push_back({std::move(message), pending_publish_.mandatory, std::move(bcc)});
    return AmqpStatus::Ok();
  }
  return route_and_enqueue(message, pending_publish_.mandatory, bcc);
}

AmqpStatus Channel::route_and_enqueue(const core::MessagePtr& message, bool mandatory,
                                      const std::vector<std::string>& bcc) {
  const bool track = confirm_mode_ || tx_mode_;
  core::PublishResult r = publisher_.publish(session_.vhost(), message->exchange, message,
                                             bcc.empty() ? nullptr : &bcc, track);
  if (!r.status.ok())
    return AmqpStatus::From(r.status, spec::BasicPublish::kClassId, spec::BasicPublish::kMethodId);
  count(&core::MessageCounters::published);
  if (!r.routed) {
    count(mandatory ? &core::MessageCounters::unroutable_returned
                    : &core::MessageCounters::unroutable_dropped);
  }
  if (!r.routed && mandatory) {
    spec::BasicReturn ret;
    ret.reply_code = spec::kNoRoute;
    ret.reply_text = "NO_ROUTE";
    ret.exchange = message->exchange;
    ret.routing_key = message->routing_key;
    send(ret);
    send_content(spec::kClassBasic, *message);
    session_.flush_soon();
  }
  return AmqpStatus::Ok();
}

void Channel::publishes_completed() {
  flush_confirms();
  finish_commit_if_durable();
  session_.flush_soon();
}

void Channel::flush_confirms() {
  if (!confirm_mode_ || state_ != State::kOpen) return;
  publisher_.drain([&](uint64_t first, uint64_t last, bool ok) {
    count(&core::MessageCounters::confirmed, last - first + 1);
    if (ok) {
      spec::BasicAck ack;
      ack.delivery_tag = last;
      ack.multiple = last > first;
      send(ack);
    } else {
      spec::BasicNack nack;
      nack.delivery_tag = last;
      nack.multiple = false;
      nack.requeue = false;
      send(nack);
    }
  });
}

void Channel::finish_commit_if_durable() {
  if (commit_waits_for_ == 0) return;
  // A transaction's publishes are not confirmed one by one; only their durability matters.
  publisher_.drain([](uint64_t, uint64_t, bool) {});
  if (publisher_.drained_through() < commit_waits_for_) return;
  commit_waits_for_ = 0;
  if (state_ == State::kOpen) send(spec::TxCommitOk{});
  session_.release_input();
}

AmqpStatus Channel::on(const spec::ConfirmSelect& m) {
  if (tx_mode_) {
    return AmqpStatus(spec::kPreconditionFailed, "cannot switch from tx to confirm mode",
                      spec::ConfirmSelect::kClassId, spec::ConfirmSelect::kMethodId);
  }
  confirm_mode_ = true;
  if (!m.nowait) send(spec::ConfirmSelectOk{});
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::TxSelect& /*m*/) {
  if (confirm_mode_) {
    return AmqpStatus(spec::kPreconditionFailed, "cannot switch from confirm to tx mode",
                      spec::TxSelect::kClassId, spec::TxSelect::kMethodId);
  }
  tx_mode_ = true;
  send(spec::TxSelectOk{});
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::TxCommit& /*m*/) {
  if (!tx_mode_) {
    return AmqpStatus(spec::kPreconditionFailed, "channel is not transactional",
                      spec::TxCommit::kClassId, spec::TxCommit::kMethodId);
  }
  auto publishes = std::move(tx_publishes_);
  auto settles = std::move(tx_settles_);
  tx_publishes_.clear();
  tx_settles_.clear();
  for (const TxPublish& p : publishes) {
    if (AmqpStatus s = route_and_enqueue(p.message, p.mandatory, p.bcc); !s.ok()) return s;
  }
  for (TxSettle& t : settles) {
    for (auto& [tag, entry] : t.entries) settle_one(std::move(entry), t.ack, t.requeue);
  }
  if (!settles.empty()) dispatch_consumer_queues();
  // As RabbitMQ: commit-ok only once the transaction's persistent messages are on disk.
  commit_waits_for_ = publisher_.last_id();
  if (commit_waits_for_ == 0) {
    send(spec::TxCommitOk{});
    return AmqpStatus::Ok();
  }
  session_.hold_input();
  finish_commit_if_durable();
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::TxRollback& /*m*/) {
  if (!tx_mode_) {
    return AmqpStatus(spec::kPreconditionFailed, "channel is not transactional",
                      spec::TxRollback::kClassId, spec::TxRollback::kMethodId);
  }
  tx_publishes_.clear();
  put_back_tx_settles();
  send(spec::TxRollbackOk{});
  return AmqpStatus::Ok();
}

void Channel::send_content(uint16_t class_id, const core::Message& message,
                           std::optional<uint32_t> delivery_count) {
  if (!delivery_count) {
    append_content_header_frame(session_.output(), id_, class_id, message.body.size(),
                                message.properties);
  } else {
    // Quorum-queue semantics: a redelivery says how often the message was delivered before.
    core::Properties properties = message.properties;
    if (!properties.headers) properties.headers.emplace();
    core::set(*properties.headers, "x-delivery-count", core::Value::Int64(*delivery_count));
    append_content_header_frame(session_.output(), id_, class_id, message.body.size(), properties);
  }
  append_body_frames(session_.output_chain(), id_, message.body, session_.frame_max());
}

std::optional<uint32_t> Channel::delivery_count_header(const core::Queue& queue,
                                                       const core::Delivery& delivery) {
  if (delivery.delivery_count == 0 || !queue.settings().counts_deliveries()) return std::nullopt;
  return delivery.delivery_count;
}

bool Channel::can_deliver(const ChannelConsumer& /*consumer*/) const {
  if (state_ != State::kOpen || !flow_active_ || session_.output_congested()) return false;
  if (fair_dispatch_ && round_credit_ == 0) return false;
  // A full global limit holds back no-ack consumers too (RabbitMQ's limiter answers every
  // queue of the channel), though their deliveries do not count against it.
  return channel_prefetch_ == 0 || consumer_unacked_ < channel_prefetch_;
}

void Channel::deliver(ChannelConsumer& consumer, core::Queue& queue, core::Delivery delivery) {
  const uint64_t tag = next_delivery_tag_++;
  const core::Message& m = *delivery.message;
  spec::BasicDeliver deliver;
  deliver.consumer_tag = consumer.tag();
  deliver.delivery_tag = tag;
  deliver.redelivered = delivery.redelivered();
  deliver.exchange = m.exchange;
  deliver.routing_key = m.routing_key;
  send(deliver);
  send_content(spec::kClassBasic, m, delivery_count_header(queue, delivery));
  session_.flush_soon();
  if (fair_dispatch_ && round_credit_ > 0) --round_credit_;
  if (delivery.redelivered()) count(&core::MessageCounters::redelivered);
  if (delivery.lease == 0) {  // no-ack: settled as it was handed out
    count(&core::MessageCounters::delivered_auto_ack);
    return;
  }
  count(&core::MessageCounters::delivered_ack);
  ++consumer.unacked;
  ++consumer_unacked_;
  auto it = consumers_.find(consumer.tag());
  unacked_.add(tag, Unacked{consumer.queue(), delivery.lease,
                            it == consumers_.end() ? nullptr : it->second});
}

AmqpStatus Channel::on(const spec::BasicGet& m) {
  using M = spec::BasicGet;
  std::string queue_name;
  if (AmqpStatus s = resolve_queue_name(m.queue, queue_name, M::kClassId, M::kMethodId); !s.ok()) {
    return s;
  }
  if (AmqpStatus a =
          check_access(core::Permission::kRead, "queue", queue_name, M::kClassId, M::kMethodId);
      !a.ok()) {
    return a;
  }
  core::QueuePtr queue;
  if (AmqpStatus s = use_queue(queue_name, M::kClassId, M::kMethodId, queue); !s.ok()) return s;
  core::Delivery delivery;
  core::Queue::ReceiveOptions receive;
  receive.holder = holder_;
  receive.auto_settle = m.no_ack;
  if (!queue->receive(delivery, receive)) {
    count(&core::MessageCounters::get_empty);
    send(spec::BasicGetEmpty{});
    return AmqpStatus::Ok();
  }
  count(m.no_ack ? &core::MessageCounters::get_auto_ack : &core::MessageCounters::get_ack);
  if (delivery.redelivered()) count(&core::MessageCounters::redelivered);
  const uint64_t tag = next_delivery_tag_++;
  spec::BasicGetOk ok;
  ok.delivery_tag = tag;
  ok.redelivered = delivery.redelivered();
  ok.exchange = delivery.message->exchange;
  ok.routing_key = delivery.message->routing_key;
  ok.message_count = static_cast<uint32_t>(queue->message_count());
  send(ok);
  // A get from a quorum-type queue always says how often the message was delivered before.
  std::optional<uint32_t> delivery_count;
  if (queue->settings().counts_deliveries()) delivery_count = delivery.delivery_count;
  send_content(spec::kClassBasic, *delivery.message, delivery_count);
  if (delivery.lease != 0) unacked_.add(tag, Unacked{queue->id(), delivery.lease, nullptr});
  return AmqpStatus::Ok();
}

void Channel::settle_one(Unacked entry, bool ack, bool requeue) {
  count(ack ? &core::MessageCounters::acked : &core::MessageCounters::rejected);
  if (entry.consumer && entry.consumer->unacked > 0) --entry.consumer->unacked;
  if (entry.consumer && consumer_unacked_ > 0) --consumer_unacked_;
  // A lease the queue no longer holds (the queue was deleted) settles as a no-op.
  using Settlement = core::Shard::Settlement;
  shard_.settle(entry.queue, entry.lease,
                ack ? Settlement::kAck : (requeue ? Settlement::kRequeue : Settlement::kReject));
}

AmqpStatus Channel::settle(uint64_t tag, bool multiple, bool ack, bool requeue, uint16_t class_id,
                           uint16_t method_id) {
  if (tx_mode_) {
    if (!(multiple && tag == 0) && !unacked_.contains(tag)) {
      return AmqpStatus(spec::kPreconditionFailed, "unknown delivery tag " + std::to_string(tag),
                        class_id, method_id);
    }
    TxSettle held{ack, requeue, {}};
    auto hold = [&](uint64_t t, Unacked e) { held.entries.emplace_back(t, std::move(e)); };
    if (multiple && tag == 0) {
      unacked_.take_all(hold);
    } else if (multiple) {
      unacked_.take_up_to(tag, hold);
    } else {
      unacked_.take(tag, hold);
    }
    tx_settles_.push_back(std::move(held));
    return AmqpStatus::Ok();
  }
  auto fn = [&](Unacked e) { settle_one(std::move(e), ack, requeue); };
  if (multiple && tag == 0) {
    unacked_.take_all(fn);
  } else if (!unacked_.contains(tag)) {
    return AmqpStatus(spec::kPreconditionFailed, "unknown delivery tag " + std::to_string(tag),
                      class_id, method_id);
  } else if (multiple) {
    unacked_.take_up_to(tag, fn);
  } else {
    unacked_.take(tag, fn);
  }
  dispatch_consumer_queues();
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::BasicAck& m) {
  return settle(m.delivery_tag, m.multiple, true, false, spec::BasicAck::kClassId,
                spec::BasicAck::kMethodId);
}

AmqpStatus Channel::on(const spec::BasicReject& m) {
  return settle(m.delivery_tag, false, false, m.requeue, spec::BasicReject::kClassId,
                spec::BasicReject::kMethodId);
}

AmqpStatus Channel::on(const spec::BasicNack& m) {
  return settle(m.delivery_tag, m.multiple, false, m.requeue, spec::BasicNack::kClassId,
                spec::BasicNack::kMethodId);
}

void Channel::put_back_tx_settles() {
  for (TxSettle& t : tx_settles_) {
    for (auto& [tag, entry] : t.entries) unacked_.put_back(tag, std::move(entry));
  }
  tx_settles_.clear();
}

void Channel::requeue_all_unacked() {
  std::vector<core::QueueId> touched;
  unacked_.take_all([&](Unacked e) {
    if (e.consumer && e.consumer->unacked > 0) --e.consumer->unacked;
    if (e.consumer && consumer_unacked_ > 0) --consumer_unacked_;
    if (touched.empty() || touched.back() != e.queue) touched.push_back(e.queue);
    shard_.settle(e.queue, e.lease, core::Shard::Settlement::kRequeue, {}, /*dispatch=*/false);
  });
  for (core::QueueId q : touched) shard_.dispatch(q);
}

AmqpStatus Channel::on(const spec::BasicRecoverAsync& /*m*/) {
  requeue_all_unacked();
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::BasicRecover& m) {
  if (!m.requeue) {
    return AmqpStatus(spec::kNotImplemented, "requeue=false", spec::BasicRecover::kClassId,
                      spec::BasicRecover::kMethodId);
  }
  send(spec::BasicRecoverOk{});
  requeue_all_unacked();
  return AmqpStatus::Ok();
}

void Channel::dispatch_consumer_queues() {
  // Copy: a dispatch can cancel consumers (queue deleted) and so change the map.
  std::vector<core::QueueId> queues;
  queues.reserve(consumers_.size());
  for (auto& [tag, c] : consumers_) {
    if (std::find(queues.begin(), queues.end(), c->queue()) == queues.end()) {
      queues.push_back(c->queue());
    }
  }
  if (channel_prefetch_ == 0 || queues.size() < 2 || fair_dispatch_) {
    for (core::QueueId q : queues) shard_.dispatch(q);
    return;
  }
  // Capacity under the global limit is shared: the queues take turns, one message each per
  // round, until a round hands out nothing (RabbitMQ's limiter wakes every waiting queue
  // rather than the first one, which would otherwise take all of it).
  fair_dispatch_ = true;
  for (bool delivered = true; delivered;) {
    delivered = false;
    for (core::QueueId q : queues) {
      round_credit_ = 1;
      shard_.dispatch(q);
      delivered = delivered || round_credit_ == 0;
    }
  }
  fair_dispatch_ = false;
  round_credit_ = 0;
}

void Channel::resume_deliveries() { dispatch_consumer_queues(); }

void Channel::release() {
  if (released_) return;
  released_ = true;
  publisher_.reset();
  if (commit_waits_for_ != 0) {
    commit_waits_for_ = 0;
    session_.release_input();
  }
  stop_replies();
  state_ = State::kClosing;
  auto consumers = std::move(consumers_);
  consumers_.clear();
  for (auto& [tag, c] : consumers) shard_.unsubscribe(c->queue(), c.get());
  // Requeue after the consumers are gone so nothing goes back to this channel; deliveries
  // settled by an uncommitted transaction go back too.
  put_back_tx_settles();
  requeue_all_unacked();
  for (auto& [tag, c] : consumers) shard_.consumer_left(c->queue());
  // The content stage is left as it is: frames of a publish in flight keep arriving.
  pending_message_.reset();
  pending_body_ = core::BodyBuilder();
}

void Channel::describe(core::ChannelView& out) const {
  out.number = id_;
  out.state = state_ == State::kOpen ? "running" : "closing";
  out.prefetch_count = consumer_prefetch_;
  out.global_prefetch_count = channel_prefetch_;
  out.unacked = unacked_.size();
  out.uncommitted = tx_publishes_.size() + tx_settles_.size();
  out.confirm = confirm_mode_;
  out.transactional = tx_mode_;
  out.stats = stats_;
  out.consumers.clear();
  for (const auto& [tag, consumer] : consumers_) {
    core::ConsumerView& c = out.consumers.emplace_back();
    c.queue = consumer->queue_name;
    c.tag = tag;
    c.ack_required = !consumer->no_ack();
    c.exclusive = consumer->exclusive;
    c.prefetch_count = consumer->prefetch();
    c.arguments = consumer->arguments;
  }
}

}  // namespace polymq::amqp
