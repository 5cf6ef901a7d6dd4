// Direct reply-to, as RabbitMQ implements it: a requester consumes (no-ack) from the
// pseudo-queue `amq.rabbitmq.reply-to`, publishes requests with that name as reply_to (the
// broker rewrites it into an address, `amq.rabbitmq.reply-to.<key>`), and a reply published to
// the default exchange with the address as routing key goes straight to the requesting
// channel's reply consumer, without a queue. The Channel side is in direct_reply_to.cpp.
//
// REQUIRES: all calls on the event loop thread that owns the channels.
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

namespace polymq::amqp {

class Channel;

inline constexpr std::string_view kReplyToQueue = "amq.rabbitmq.reply-to";
inline constexpr std::string_view kReplyToPrefix = "amq.rabbitmq.reply-to.";

// Every channel with a reply consumer, by the key of its reply address. Owned by the server
// (one for the broker, so a reply may come from any connection) and outliving every session.
// A key is 128 random bits: an address cannot be guessed, and a key is never reused, so a
// reply to a channel that has gone is dropped rather than delivered to another one.
class ReplyChannels {
 public:
  ReplyChannels();
  ReplyChannels(const ReplyChannels&) = delete;
  ReplyChannels& operator=(const ReplyChannels&) = delete;

  // Registers `channel` under a fresh key and returns the key.
  std::string add(Channel& channel);
  void remove(const std::string& key);
  // The channel whose reply address ends in `key`, or nullptr.
  Channel* find(std::string_view key) const;
  size_t size() const { return by_key_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Channel*, Hash, std::equal_to<>> by_key_;
  std::mt19937_64 rng_;
};

// A channel's consumer of amq.rabbitmq.reply-to; a channel has at most one.
struct ReplyConsumer {
  std::string tag;
  std::string key;  // its key in ReplyChannels; empty while the channel has none
  bool active() const { return !key.empty(); }
};

// Whether queue.declare of `name` is about the pseudo-queue (RabbitMQ: any name that starts
// with amq.rabbitmq.reply-to).
inline bool names_reply_queue(std::string_view name) {
  return name.substr(0, kReplyToQueue.size()) == kReplyToQueue;
}

}  // namespace polymq::amqp
