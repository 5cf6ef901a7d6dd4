// Direct reply-to: the registry, and the Channel methods that implement RabbitMQ's rules
// (rabbit_channel: the reply consumer, the reply_to rewrite, deliveries of replies, and
// queue.declare of the pseudo-queue).
#include "amqp/direct_reply_to.h"

#include <algorithm>
#include <vector>

#include "amqp/channel.h"
#include "amqp/session.h"
#include "core/vhost.h"

namespace polymq::amqp {

// --- ReplyChannels ---

ReplyChannels::ReplyChannels() : rng_(std::random_device{}()) {}

std::string ReplyChannels::add(Channel& channel) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string key;
  do {
    key.clear();
    // 22 characters of 6 bits: 132 random bits.
    for (int i = 0; i < 2; ++i) {
      uint64_t bits = rng_();
      for (int j = 0; j < 11; ++j, bits >>= 6) key.push_back(kAlphabet[bits & 63]);
    }
  } while (by_key_.count(key) != 0);
  by_key_.emplace(key, &channel);
  return key;
}

void ReplyChannels::remove(const std::string& key) { by_key_.erase(key); }

Channel* ReplyChannels::find(std::string_view key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : it->second;
}

// --- Channel ---

AmqpStatus Channel::consume_replies(const spec::BasicConsume& m, std::string tag) {
  using M = spec::BasicConsume;
  if (consumers_.count(m.consumer_tag) != 0) {
    return AmqpStatus(spec::kNotAllowed, "attempt to reuse consumer tag '" + m.consumer_tag + "'",
                      M::kClassId, M::kMethodId);
  }
  // Replies are delivered once, straight from the publisher: nothing could be requeued.
  if (!m.no_ack) {
    return AmqpStatus(spec::kPreconditionFailed, "reply consumer cannot acknowledge", M::kClassId,
                      M::kMethodId);
  }
  if (reply_consumer_.active()) {
    return AmqpStatus(spec::kPreconditionFailed, "reply consumer already set", M::kClassId,
                      M::kMethodId);
  }
  reply_consumer_.tag = std::move(tag);
  reply_consumer_.key = session_.reply_channels()->add(*this);
  if (!m.nowait) {
    spec::BasicConsumeOk ok;
    ok.consumer_tag = reply_consumer_.tag;
    send(ok);
  }
  return AmqpStatus::Ok();
}

bool Channel::cancel_replies(const spec::BasicCancel& m) {
  if (!reply_consumer_.active() || m.consumer_tag != reply_consumer_.tag) return false;
  stop_replies();
  if (!m.nowait) {
    spec::BasicCancelOk ok;
    ok.consumer_tag = m.consumer_tag;
    send(ok);
  }
  return true;
}

void Channel::stop_replies() {
  if (!reply_consumer_.active()) return;
  session_.reply_channels()->remove(reply_consumer_.key);
  reply_consumer_ = ReplyConsumer{};
}

AmqpStatus Channel::set_reply_address(core::Message& message) const {
  auto& reply_to = message.properties.reply_to;
  if (!reply_to || *reply_to != kReplyToQueue || session_.reply_channels() == nullptr) {
    return AmqpStatus::Ok();
  }
  if (!reply_consumer_.active()) {
    return AmqpStatus(spec::kPreconditionFailed, "fast reply consumer does not exist",
                      spec::BasicPublish::kClassId, spec::BasicPublish::kMethodId);
  }
  *reply_to = std::string(kReplyToPrefix) + reply_consumer_.key;
  return AmqpStatus::Ok();
}

void Channel::route_replies(const core::Message& message, const std::vector<std::string>& bcc) {
  ReplyChannels* channels = session_.reply_channels();
  if (channels == nullptr || !message.exchange.empty()) return;
  auto is_address = [](std::string_view key) {
    return key.size() > kReplyToPrefix.size() &&
           key.substr(0, kReplyToPrefix.size()) == kReplyToPrefix;
  };
  const core::Table* headers = message.properties.headers ? &*message.properties.headers : nullptr;
  const core::Value* cc = headers != nullptr ? core::find(*headers, "CC") : nullptr;
  if (!is_address(message.routing_key) && cc == nullptr && bcc.empty()) return;
  // A CC or BCC header that is not an array makes routing refuse the message; a BCC array was
  // taken out of the headers before.
  if ((cc != nullptr && cc->as_array() == nullptr) ||
      (headers != nullptr && core::find(*headers, "BCC") != nullptr)) {
    return;
  }
  // Every key the message routes by, each address once (RabbitMQ sorts them uniquely).
  std::vector<std::string_view> addresses;
  auto consider = [&](std::string_view key) {
    if (is_address(key)) addresses.push_back(key.substr(kReplyToPrefix.size()));
  };
  consider(message.routing_key);
  if (cc != nullptr) {
    for (const core::Value& v : *cc->as_array()) {
      if (v.kind == core::ValueKind::kString) consider(*v.as_string());
    }
  }
  for (const std::string& key : bcc) consider(key);
  std::sort(addresses.begin(), addresses.end());
  addresses.erase(std::unique(addresses.begin(), addresses.end()), addresses.end());
  for (std::string_view key : addresses) {
    if (Channel* requester = channels->find(key)) requester->deliver_reply(message);
  }
}

void Channel::deliver_reply(const core::Message& message) {
  if (state_ != State::kOpen || !reply_consumer_.active()) return;
  spec::BasicDeliver deliver;
  deliver.consumer_tag = reply_consumer_.tag;
  // As in RabbitMQ, a reply carries the channel's next delivery tag without using it up: it
  // needs no ack, so no tag of its own.
  deliver.delivery_tag = next_delivery_tag_;
  deliver.redelivered = false;
  deliver.exchange = message.exchange;
  deliver.routing_key = message.routing_key;
  send(deliver);
  send_content(spec::kClassBasic, message);
  session_.flush_soon();
}

AmqpStatus Channel::declare_reply_queue(const spec::QueueDeclare& m) {
  using M = spec::QueueDeclare;
  // Every declare of the pseudo-queue is passive: it exists while it has its one consumer.
  const std::string name = core::strip_cr_lf(m.queue);
  bool exists = name == kReplyToQueue;
  if (!exists && name.size() > kReplyToPrefix.size() &&
      std::string_view(name).substr(0, kReplyToPrefix.size()) == kReplyToPrefix) {
    exists = session_.reply_channels()->find(
                 std::string_view(name).substr(kReplyToPrefix.size())) != nullptr;
  }
  if (!exists) {
    return AmqpStatus(spec::kNotFound,
                      "no queue '" + name + "' in vhost '" + session_.vhost().name() + "'",
                      M::kClassId, M::kMethodId);
  }
  last_queue_ = name;
  if (!m.nowait) {
    spec::QueueDeclareOk ok;
    ok.queue = name;
    ok.message_count = 0;
    ok.consumer_count = 1;
    send(ok);
  }
  return AmqpStatus::Ok();
}

}  // namespace polymq::amqp
