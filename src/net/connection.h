// A TCP connection driven by one event loop thread, and the interface a protocol session
// implements to use it.
//
// Reads: as many bytes as the socket has (up to a buffer's worth) per syscall; the handler
// consumes whole frames and leaves partial ones for the next read.
// Writes: handlers append to output() (and reference shared bodies in output_chain()) from
// anywhere on the loop thread (their own reads, or another connection's publish delivering to
// a consumer here). One flush per loop turn sends everything appended since the last one in a
// gather write (writev); shared bodies are written from their own buffers, not copied.
//
// REQUIRES: every call on the thread running the connection's io_context.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/output_chain.h"

namespace polymq::net {

using Clock = std::chrono::steady_clock;
class Connection;

class Handler {
 public:
  virtual ~Handler() = default;
  // Consumes a prefix of the bytes received so far and returns its length; the rest is
  // presented again, with more appended, after the next read. The bytes are valid during the
  // call only, unless the handler keeps them with Connection::share_input.
  virtual size_t on_read(const uint8_t* data, size_t size) = 0;
  // Called about once a second (heartbeats, handshake timeouts).
  virtual void on_tick(Clock::time_point now) = 0;
  // Pending output fell below the low watermark after having been above the high one.
  virtual void on_output_drained() {}
  // The broker is shutting down: say goodbye in the protocol's words and close.
  virtual void on_shutdown() = 0;
  // The socket is gone. Release everything; no further calls follow.
  virtual void on_closed() = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  // Above this much unsent output a connection counts as slow (consumers stop taking
  // messages); below the low mark it is told it drained.
  static constexpr size_t kOutputHighWatermark = 4 * 1024 * 1024;
  static constexpr size_t kOutputLowWatermark = 1 * 1024 * 1024;

  Connection(asio::ip::tcp::socket socket, uint64_t id);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start(std::unique_ptr<Handler> handler);

  uint64_t id() const { return id_; }
  // The owned tail of the output chain: frames are appended here.
  std::string& output() { return out_.tail(); }
  OutputChain& output_chain() { return out_; }
  // Schedules a write of everything in output() at the end of this loop turn.
  void flush_soon();
  // Sends what is pending, shuts down our side, and closes once the peer closes its side (or
  // after a grace period). What the peer sends meanwhile is discarded.
  void close_after_flush();
  // Closes now, dropping pending output.
  void close();
  bool closing() const { return closing_ || closed_; }

  // Bytes appended and not yet written, a write in flight included.
  size_t pending_output() const { return out_.size(); }
  bool output_congested() const { return pending_output() > kOutputHighWatermark; }
  // Stops or resumes reading from the socket (flow control of publishers). A handler may
  // stop reading from inside on_read and leave the rest of the bytes unconsumed: they stay
  // buffered, and are presented again (from a fresh loop turn, never from inside this call)
  // when reading resumes, before anything new is read. While the connection is closing,
  // reads go on regardless (the lingering close discards them).
  void set_reading(bool enabled);
  bool reading() const { return reading_enabled_; }

  // Called from on_read: the unconsumed bytes start a unit (a frame) of `total` bytes. The
  // connection then buffers it in a block of exactly that size and reads no further than its
  // end, so that share_input can hand the unit out without copying or pinning more.
  void expect_input(size_t total);
  // Called from on_read for bytes it was given: keeps [data, data + size) alive beyond the
  // call and returns its owner, or null when the bytes are not in a buffer of the
  // connection's own or would pin a block more than twice their size (copy them then).
  // The block is never written again once shared.
  std::shared_ptr<const void> share_input(const uint8_t* data, size_t size);

  bool remote_is_loopback() const { return remote_loopback_; }
  const std::string& remote_address() const { return remote_address_; }
  // The two ends, addresses without brackets or port (IPv4-mapped ones as IPv4).
  const std::string& peer_host() const { return peer_host_; }
  uint16_t peer_port() const { return peer_port_; }
  const std::string& local_host() const { return local_host_; }
  uint16_t local_port() const { return local_port_; }
  // Traffic since the connection opened: bytes and the read / write syscalls that moved them.
  uint64_t bytes_received() const { return bytes_received_; }
  uint64_t bytes_sent() const { return bytes_sent_; }
  uint64_t reads() const { return reads_; }
  uint64_t writes() const { return writes_; }
  Handler* handler() { return handler_.get(); }
  // Called once, after on_closed, so the owner can forget the connection.
  void set_on_finished(std::function<void(Connection&)> fn) { on_finished_ = std::move(fn); }

 private:
  void read_some();
  void on_read_done(const asio::error_code& ec, size_t n);
  // Presents in_ to the handler and keeps what it leaves.
  void consume_buffered();
  // Keeps the n unconsumed bytes at `from` at the front of in_ (moving them, or copying them
  // to a new block when in_ is shared or the handler asked for an exact size).
  void keep_unconsumed(const uint8_t* from, size_t n);
  // Around each on_read: the handler's expect_input / share_input calls of the round decide
  // whether the next read goes into a block of the connection's own (large_unit_hint_).
  void begin_round();
  void end_round();
  // After reading resumed with bytes buffered: presents them, then reads on.
  void resume_buffered();
  // Readiness of a connection with nothing buffered: read into the loop's shared buffer.
  void on_readable(const asio::error_code& ec);
  void flush();
  void on_write_done(const asio::error_code& ec, size_t written);
  void arm_tick();
  void finish_close();

  asio::ip::tcp::socket socket_;
  asio::steady_timer tick_timer_;
  uint64_t id_;
  std::unique_ptr<Handler> handler_;
  std::function<void(Connection&)> on_finished_;
  std::string remote_address_;
  bool remote_loopback_ = false;
  std::string peer_host_;
  uint16_t peer_port_ = 0;
  std::string local_host_;
  uint16_t local_port_ = 0;
  uint64_t bytes_received_ = 0;
  uint64_t bytes_sent_ = 0;
  uint64_t reads_ = 0;
  uint64_t writes_ = 0;

  // Unconsumed input (a partial frame): in_[0, in_size_) of a block of in_capacity_ bytes,
  // shared with handlers that keep frames (share_input). A shared block is only read from.
  std::shared_ptr<uint8_t[]> in_;
  size_t in_capacity_ = 0;
  size_t in_size_ = 0;
  bool in_exact_ = false;         // in_ was sized to one expected unit: read no further
  size_t expected_input_ = 0;     // set by expect_input during on_read
  size_t large_unit_hint_ = 0;    // size of the large units the handler keeps; 0: none lately
  bool large_unit_seen_ = false;  // the current on_read expected or kept a large unit
  bool reading_enabled_ = true;
  bool read_in_flight_ = false;

  OutputChain out_;
  std::vector<asio::const_buffer> write_buffers_;  // the gather list of the write in flight
  bool write_in_flight_ = false;
  bool flush_scheduled_ = false;
  bool was_congested_ = false;

  bool closing_ = false;   // close after the pending output is written
  bool sent_fin_ = false;  // our side is shut down; waiting for the peer's EOF
  bool closed_ = false;
};

using ConnectionPtr = std::shared_ptr<Connection>;

}  // namespace polymq::net
