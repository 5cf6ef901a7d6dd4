// One AMQP 0-9-1 connection: protocol header, SASL, tuning, heartbeats, the channel table
// and connection-level errors. Channel work is delegated to Channel.
//
// Flow control, RabbitMQ's rules (rabbit_reader): a connection is blocked when it sends a
// content frame (header or body of a basic.publish) while a resource alarm is on. That frame
// is processed; nothing after it is read until every alarm has cleared. A client that
// announced the `connection.blocked` capability gets connection.blocked (once per blocking,
// whatever alarms join meanwhile) and connection.unblocked when reading resumes. A connection
// that only consumes is never blocked, so consumers can drain the queues. While blocked the
// peer's silence is not a missed heartbeat (we are not reading).
//
// Durable definitions: a declare-ok (bind-ok, delete-ok ...) of a durable object is held until
// the change is on disk (reply_when_durable); the session stops reading the connection until
// then, like a blocked one, so the replies on every channel stay in order.
//
// REQUIRES: all calls on the connection's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "amqp/amqp_error.h"
#include "amqp/channel.h"
#include "amqp/codec/frame.h"
#include "amqp/codec/generated/amqp_spec.h"
#include "core/broker.h"
#include "net/connection.h"

namespace polymq::amqp {

class ReplyChannels;

struct SessionConfig {
  uint16_t channel_max = 2047;  // RabbitMQ's default
  uint32_t frame_max = 131072;  // RabbitMQ's default
  uint16_t heartbeat = 60;      // seconds proposed to clients
  uint32_t handshake_timeout_s = 10;
  std::string product = "PolyMQ";
  std::string version = "0.1.0";
  // Channels consuming direct replies, shared by every session; null: no direct reply-to
  // (the capability is not announced and amq.rabbitmq.reply-to is an unknown queue).
  ReplyChannels* reply_channels = nullptr;
};

class Session final : public net::Handler, private core::LiveConnection {
 public:
  Session(core::Broker& broker, net::Connection& connection, const SessionConfig& config);
  ~Session() override;

  size_t on_read(const uint8_t* data, size_t size) override;
  void on_tick(net::Clock::time_point now) override;
  void on_output_drained() override;
  void on_shutdown() override;
  void on_closed() override;

  // core::LiveConnection: the connection as the management API lists and closes it.
  void describe(core::ConnectionView& out, bool with_channels) const override;
  void close_by_operator(const std::string& reason) override;

  // --- used by channels ---
  std::string& output() { return connection_.output(); }
  net::OutputChain& output_chain() { return connection_.output_chain(); }
  // Keeps received bytes (a body frame's payload) without copying them, or null: copy them.
  std::shared_ptr<const void> share_input(const uint8_t* data, size_t size) {
    return connection_.share_input(data, size);
  }
  void flush_soon() { connection_.flush_soon(); }
  bool output_congested() const { return connection_.output_congested(); }
  core::VHost& vhost() { return *vhost_; }
  core::Broker& broker() { return broker_; }
  core::OwnerId owner_id() const { return owner_id_; }
  uint32_t frame_max() const { return frame_max_; }
  uint64_t max_message_size() const { return broker_.limits().max_message_size; }
  bool client_supports_cancel_notify() const { return cancel_notify_; }
  const std::string& user() const { return user_; }
  // The user's grant in the connection's vhost, taken at connection.open (non-null from then).
  const core::Grant& grant() const { return *grant_; }
  // A channel waits for a completion (a durable tx.commit, a durable declare) before anything
  // after the method it is answering may be processed: nothing more is read from the
  // connection until every hold is released. Frames already received stay buffered, in order.
  void hold_input();
  void release_input();
  ReplyChannels* reply_channels() const { return config_.reply_channels; }

  // --- replies that wait for durable definitions (core/definitions_log.h) ---
  // The number of the last durable definition change; read before an operation.
  uint64_t definitions_recorded() const;
  // Sends `frame`, an encoded reply, once every durable definition change recorded since
  // `before` is on disk: at once when the operation recorded none. Meanwhile nothing more is
  // read from this connection, so replies keep their order and a client cannot act on a
  // definition before it is durable. If the change cannot be written the connection is closed
  // with 541 INTERNAL_ERROR.
  void reply_when_durable(uint64_t before, std::string frame);

 private:
  enum class State { kHeader, kStartOk, kTuneOk, kOpen, kRunning, kClosing, kClosed };

  void handle_frame(const Frame& frame);
  void handle_frame_while_closing(const Frame& frame);
  // A frame the parser refused (too large, bad end octet, unknown type): connection error.
  void reject_frame(FrameParse result, const uint8_t* data, size_t size);
  AmqpStatus decode(const Frame& frame, spec::Method& method) const;
  AmqpStatus handle_connection_method(const spec::Method& method, const Frame& frame);
  AmqpStatus handle_channel_frame(const Frame& frame);
  // A channel's answer: soft errors close the channel here; hard ones go up.
  AmqpStatus dispatch_to_channel(Channel& channel, const AmqpStatus& status);
  bool in_handshake() const;
  void close_silently();
  AmqpStatus on_start_ok(const spec::ConnectionStartOk& m);
  AmqpStatus on_tune_ok(const spec::ConnectionTuneOk& m);
  AmqpStatus on_open(const spec::ConnectionOpen& m);
  void send_start();
  template <class M>
  void send(uint16_t channel, const M& method);

  // A hard error: connection.close with the code, then wait for close-ok.
  void close_connection(const AmqpStatus& error);
  // A soft error: channel.close with the code, then wait for close-ok.
  void close_channel(Channel& channel, const AmqpStatus& error);
  void release_channels();
  void finish_batch();
  // A content frame of `bytes` was processed: tell the alarms, and block if one is on.
  void publish_received(size_t bytes);
  void block();
  void unblock();

  core::Broker& broker_;
  net::Connection& connection_;
  SessionConfig config_;
  State state_ = State::kHeader;
  core::VHost* vhost_ = nullptr;
  core::OwnerId owner_id_;
  std::string user_;
  core::GrantPtr grant_;
  core::Table client_properties_;  // from connection.start-ok, for the management API
  int64_t connected_at_ms_;        // wall clock
  bool registered_ = false;        // in broker_.connections()

  uint16_t channel_max_;
  uint32_t frame_max_;
  uint16_t heartbeat_ = 0;
  bool cancel_notify_ = false;
  bool auth_failure_close_ = false;
  bool blocked_capability_ = false;  // the client handles connection.blocked / unblocked

  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // expires with the session
  bool blocked_ = false;           // not reading until the alarms clear
  bool blocked_notified_ = false;  // connection.blocked sent; unblocked is owed
  uint32_t input_holds_ = 0;       // channels waiting for a completion (hold_input)
  core::ResourceAlarms::ListenerId alarm_listener_ = 0;  // registered while blocked

  net::Clock::time_point created_;
  net::Clock::time_point last_received_;
  net::Clock::time_point last_heartbeat_sent_;
  net::Clock::time_point closing_since_;  // when we sent connection.close

  std::unordered_map<uint16_t, std::unique_ptr<Channel>> channels_;
};

}  // namespace polymq::amqp
