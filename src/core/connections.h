// The live client connections of every front-end, as the management API lists them
// (/api/connections, /api/channels, /api/consumers) and closes them, in neutral terms: a
// front-end's session registers itself as a LiveConnection while it is open and describes
// itself when asked; the registry knows no protocol.
//
// REQUIRES: every call on the owner (event loop) thread; a session removes itself before it
// is destroyed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/message_counters.h"
#include "core/value.h"

namespace polymq::core {

struct ConsumerView {
  std::string queue;  // in the connection's vhost
  std::string tag;
  bool ack_required = true;
  bool exclusive = false;
  uint32_t prefetch_count = 0;  // 0: unlimited
  Table arguments;
};

struct ChannelView {
  uint16_t number = 0;
  std::string state = "running";
  uint32_t prefetch_count = 0;         // per consumer (basic.qos global=false)
  uint32_t global_prefetch_count = 0;  // per channel
  uint64_t unacked = 0;                // deliveries not settled yet
  uint64_t uncommitted = 0;            // publishes and settles held by a transaction
  bool confirm = false;
  bool transactional = false;
  // What the channel did since it opened (the channels' connection/churn fields stay 0).
  MessageCounters stats;
  std::vector<ConsumerView> consumers;
};

struct ConnectionView {
  std::string protocol;  // "AMQP 0-9-1", "Kafka"
  std::string user;
  std::string vhost;
  std::string peer_host;
  uint16_t peer_port = 0;
  std::string host;  // our side
  uint16_t port = 0;
  int64_t connected_at_ms = 0;  // wall clock
  std::string state = "running";
  Table client_properties;
  uint64_t recv_oct = 0, send_oct = 0, recv_cnt = 0, send_cnt = 0;
  uint16_t channel_max = 0;
  uint32_t frame_max = 0;
  uint16_t heartbeat_s = 0;
  size_t channel_count = 0;
  std::vector<ChannelView> channels;  // filled when asked for
};

class LiveConnection {
 public:
  virtual ~LiveConnection() = default;
  // Fills `out`; the channels (and their consumers) only when `with_channels`.
  virtual void describe(ConnectionView& out, bool with_channels) const = 0;
  // An operator closes the connection (RabbitMQ: CONNECTION_FORCED with `reason`). The
  // session says goodbye in its protocol and goes away later, removing itself then.
  virtual void close_by_operator(const std::string& reason) = 0;
};

class ConnectionRegistry {
 public:
  void add(LiveConnection* connection) {
    live_.emplace(++next_id_, connection);
    ids_[connection] = next_id_;
  }
  void remove(LiveConnection* connection) {
    auto it = ids_.find(connection);
    if (it == ids_.end()) return;
    live_.erase(it->second);
    ids_.erase(it);
  }
  size_t size() const { return live_.size(); }
  // Every live connection, oldest first.
  std::vector<LiveConnection*> all() const {
    std::vector<LiveConnection*> out;
    out.reserve(live_.size());
    for (const auto& [id, c] : live_) out.push_back(c);
    return out;
  }

 private:
  uint64_t next_id_ = 0;
  std::map<uint64_t, LiveConnection*> live_;  // by registration order
  std::map<LiveConnection*, uint64_t> ids_;
};

}  // namespace polymq::core
