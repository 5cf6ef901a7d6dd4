// The client side of an AMQP 0-9-1 connection, as a load generator needs it.
//
// Handshake: protocol header, start-ok (PLAIN), tune-ok, open. Synchronous methods go through
// call(), which queues them per channel and hands the broker's answer to a callback. The hot
// path bypasses the method variant: basic.deliver, basic.ack and basic.nack are read in place
// and passed to the channel's ChannelClient with no allocation, as are content frames.
//
// Writes: frames are appended to output(); one write per loop turn sends everything appended
// since the previous one. While a write is in flight new output accumulates in a second buffer;
// when the write completes every client is told on_writable() so producers can refill it.
// Reads: up to a buffer's worth (growing to 256 KiB while reads fill it) per syscall, every
// complete frame dispatched.
//
// connection.close or channel.close from the broker, a frame it should not send, or a lost
// socket are fatal: the reply is printed through RunControl::fail().
//
// REQUIRES: every call on the thread that runs the io_context.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "amqp/codec/frame.h"
#include "amqp/codec/generated/amqp_spec.h"
#include "perf/options.h"

namespace polymq::perf {

class RunControl;

// A producer or consumer on one channel. Calls arrive on the connection's thread.
class ChannelClient {
 public:
  virtual ~ChannelClient() = default;
  virtual void on_deliver(uint64_t /*delivery_tag*/) {}
  virtual void on_content_header(uint64_t /*body_size*/) {}
  virtual void on_content_body(const uint8_t* /*data*/, size_t /*size*/) {}
  virtual void on_confirm(uint64_t /*delivery_tag*/, bool /*multiple*/, bool /*nack*/) {}
  // Every frame of a read has been dispatched.
  virtual void on_read_done() {}
  // A write completed or the broker unblocked the connection: there is room for output.
  virtual void on_writable() {}
};

struct ConnectionParams {
  AmqpUri server;
  int heartbeat = 60;  // requested interval in seconds; 0 = off
  std::string name;    // connection_name client property
};

class ClientConnection {
 public:
  using Callback = std::function<void()>;

  ClientConnection(asio::io_context& io, ConnectionParams params, RunControl& control);
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Connects and shakes hands; `on_open` runs once the connection is usable.
  void open(Callback on_open);
  // Opens a channel delivering to `client` (nullptr for a channel that only makes calls).
  void open_channel(ChannelClient* client, std::function<void(uint16_t channel)> on_open);

  // Sends synchronous method `request` on `channel` once the calls queued before it have been
  // answered, and runs `on_reply` with the broker's Reply.
  template <class Reply, class Request>
  void call(uint16_t channel, const Request& request, std::function<void(const Reply&)> on_reply);

  // Frames appended here leave with the next write; flush() schedules it.
  std::string& output() { return out_; }
  void flush();
  // Bytes waiting to be written, including a write in flight.
  size_t pending_output() const { return out_.size() + writing_.size(); }

  asio::io_context& io() { return io_; }
  uint32_t frame_max() const { return frame_max_; }
  // The broker sent connection.blocked (resource alarm) and has not unblocked yet.
  bool blocked() const { return blocked_; }
  // Steady-clock nanoseconds when the bytes being dispatched were read.
  uint64_t read_time_ns() const { return read_time_ns_; }
  bool is_open() const { return state_ == State::kOpen; }

  // Sends connection.close and closes the socket on close-ok, on EOF or after a grace period;
  // `on_closed` runs once the socket is closed (at once if it already is).
  void close(Callback on_closed);

 private:
  enum class State { kConnecting, kHandshake, kOpen, kClosing, kClosed };

  struct PendingCall {
    std::string frame;
    uint16_t reply_class;
    uint16_t reply_method;
    std::function<void(const amqp::spec::Method&)> on_reply;
  };
  struct Channel {
    ChannelClient* client = nullptr;
    std::deque<PendingCall> calls;
  };

  void enqueue_call(uint16_t channel, PendingCall call);
  void start_read();
  void on_read(const asio::error_code& ec, size_t n);
  void dispatch(const amqp::Frame& frame);
  void on_method(const amqp::Frame& frame);
  void on_connection_method(const amqp::spec::Method& method);
  void on_channel_method(uint16_t channel, const amqp::spec::Method& method);
  void write();
  void on_write_done(const asio::error_code& ec);
  void arm_heartbeat();
  void on_heartbeat_tick();
  void notify_writable();
  // Fatal: reports `message` and closes the socket.
  void fail(std::string message);
  void close_socket();

  asio::io_context& io_;
  ConnectionParams params_;
  RunControl& control_;
  asio::ip::tcp::socket socket_;
  asio::ip::tcp::resolver resolver_;
  asio::steady_timer heartbeat_timer_;
  asio::steady_timer close_timer_;
  State state_ = State::kConnecting;
  Callback on_open_;
  Callback on_closed_;

  uint32_t frame_max_ = 131072;
  uint16_t channel_max_ = 2047;
  uint16_t heartbeat_ = 0;
  bool blocked_ = false;
  std::vector<Channel> channels_;  // index = channel number; 0 unused

  std::vector<uint8_t> in_;
  size_t in_size_ = 0;
  size_t read_space_ = 0;
  bool last_read_filled_ = false;
  uint64_t read_time_ns_ = 0;
  bool read_since_tick_ = false;
  int silent_ticks_ = 0;

  std::string out_;
  std::string writing_;
  bool write_in_flight_ = false;
  bool flush_posted_ = false;
  bool wrote_since_tick_ = false;
  bool close_after_write_ = false;
};

template <class Reply, class Request>
void ClientConnection::call(uint16_t channel, const Request& request,
                            std::function<void(const Reply&)> on_reply) {
  PendingCall pending;
  amqp::append_method_frame(pending.frame, channel, request);
  pending.reply_class = Reply::kClassId;
  pending.reply_method = Reply::kMethodId;
  pending.on_reply = [cb = std::move(on_reply)](const amqp::spec::Method& m) {
    if (cb) cb(std::get<Reply>(m));
  };
  enqueue_call(channel, std::move(pending));
}

}  // namespace polymq::perf
