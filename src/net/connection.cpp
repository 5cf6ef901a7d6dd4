#include "net/connection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <span>

namespace polymq::net {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Room for the small frames that come with a large unit (AMQP: method and content header)
// in a block read for one (see on_readable).
constexpr size_t kLargeUnitSlack = 4096;
// Buffers per gather write: Asio passes at most 64 iovecs to one sendmsg.
constexpr size_t kMaxWriteBuffers = 64;

// A connection with no partial frame buffered waits for readability and then reads into this
// buffer, shared by every connection of the loop thread; only the bytes of an unfinished
// frame are copied to the connection's own buffer. An idle connection thus holds no read
// buffer at all (this was 64 KiB per connection).
std::vector<uint8_t>& scratch_buffer() {
  thread_local std::vector<uint8_t> buffer(kReadChunk);
  return buffer;
}
constexpr auto kTickInterval = std::chrono::seconds(1);
// A peer that will not read what we must send before closing gets this long.
constexpr auto kCloseGrace = std::chrono::seconds(3);

}  // namespace

Connection::Connection(asio::ip::tcp::socket socket, uint64_t id)
    : socket_(std::move(socket)), tick_timer_(socket_.get_executor()), id_(id) {
  asio::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) {
    remote_address_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    auto address = endpoint.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    remote_loopback_ = address.is_loopback();
    peer_host_ = address.to_string();
    peer_port_ = endpoint.port();
  }
  auto local = socket_.local_endpoint(ec);
  if (!ec) {
    auto address = local.address();
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
      address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
    }
    local_host_ = address.to_string();
    local_port_ = local.port();
  }
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  // read_some() after a readiness wait must not block the loop.
  socket_.non_blocking(true, ec);
}

Connection::~Connection() = default;

void Connection::start(std::unique_ptr<Handler> handler) {
  handler_ = std::move(handler);
  arm_tick();
  read_some();
}

void Connection::read_some() {
  if (read_in_flight_ || closed_ || (!reading_enabled_ && !closing_)) return;
  read_in_flight_ = true;
  if (in_size_ == 0) {
    socket_.async_wait(
        asio::socket_base::wait_read,
        [self = shared_from_this()](const asio::error_code& ec) { self->on_readable(ec); });
    return;
  }
  // An exact block is read up to the end of its unit only; any other is grown when less than
  // half a chunk is free. A shared block has no unconsumed bytes (keep_unconsumed moved them).
  if (in_capacity_ == in_size_ || (!in_exact_ && in_capacity_ - in_size_ < kReadChunk / 2)) {
    keep_unconsumed(in_.get(), in_size_);
  }
  socket_.async_read_some(asio::buffer(in_.get() + in_size_, in_capacity_ - in_size_),
                          [self = shared_from_this()](const asio::error_code& ec, size_t n) {
                            self->on_read_done(ec, n);
                          });
}

void Connection::on_readable(const asio::error_code& ec) {
  if (ec) {
    on_read_done(ec, 0);
    return;
  }
  read_in_flight_ = false;
  if (closed_) return;
  // A connection receiving large units (frames the handler keeps) reads into a block of its
  // own sized for one unit and the small frames around it, so the next unit can be kept
  // without being copied out of the shared buffer. Others read into the shared buffer.
  std::shared_ptr<uint8_t[]> block;
  size_t capacity = 0;
  uint8_t* buffer = nullptr;
  if (large_unit_hint_ > 0) {
    capacity = large_unit_hint_ + kLargeUnitSlack;
    block = std::make_shared_for_overwrite<uint8_t[]>(capacity);
    buffer = block.get();
  } else {
    std::vector<uint8_t>& scratch = scratch_buffer();
    capacity = scratch.size();
    buffer = scratch.data();
  }
  asio::error_code read_ec;
  const size_t n = socket_.read_some(asio::buffer(buffer, capacity), read_ec);
  if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) {
    read_some();
    return;
  }
  if (read_ec) {
    read_in_flight_ = true;  // on_read_done expects the read it ends to be in flight
    on_read_done(read_ec, 0);
    return;
  }
  bytes_received_ += n;
  ++reads_;
  if (closing_) {
    read_some();  // lingering close: discard, see on_read_done
    return;
  }
  if (block != nullptr) {
    in_ = std::move(block);
    in_capacity_ = capacity;
    in_size_ = n;
    in_exact_ = false;
    consume_buffered();
  } else {
    begin_round();
    const size_t consumed = handler_->on_read(buffer, n);
    if (consumed < n && !closed_) keep_unconsumed(buffer + consumed, n - consumed);
    end_round();
  }
  flush();
  read_some();
}

void Connection::begin_round() {
  expected_input_ = 0;
  large_unit_seen_ = false;
}

void Connection::end_round() {
  expected_input_ = 0;
  if (!large_unit_seen_) large_unit_hint_ = 0;
}

void Connection::expect_input(size_t total) {
  expected_input_ = total;
  large_unit_hint_ = total;
  large_unit_seen_ = true;
}

void Connection::on_read_done(const asio::error_code& ec, size_t n) {
  read_in_flight_ = false;
  if (closed_) return;
  if (ec) {
    spdlog::debug("connection {}: read ended: {}", remote_address_, ec.message());
    finish_close();
    return;
  }
  if (closing_) {
    // Lingering close: discard what the peer still sends until it closes its side. Closing
    // with unread bytes would make the kernel answer with RST, and the peer could lose the
    // last frames we sent (a connection.close-ok, say).
    in_size_ = 0;
    read_some();
    return;
  }
  bytes_received_ += n;
  ++reads_;
  in_size_ += n;
  consume_buffered();
  flush();
  read_some();
}

void Connection::consume_buffered() {
  begin_round();
  const size_t consumed = handler_->on_read(in_.get(), in_size_);
  if (closed_) return;
  if (consumed > 0) keep_unconsumed(in_.get() + consumed, in_size_ - consumed);
  end_round();
}

void Connection::keep_unconsumed(const uint8_t* from, size_t n) {
  if (n == 0) {
    // Once no partial frame is left, reads go through the shared buffer again.
    in_.reset();
    in_capacity_ = in_size_ = 0;
    in_exact_ = false;
    return;
  }
  const bool exact = expected_input_ > n;
  const size_t capacity = exact ? expected_input_ : n + kReadChunk;
  const bool in_block = in_ != nullptr && from >= in_.get() && from < in_.get() + in_capacity_;
  if (in_block && in_.use_count() == 1 && !exact && !in_exact_ && in_capacity_ >= capacity) {
    std::memmove(in_.get(), from, n);
  } else {
    // make_shared_for_overwrite: no zero-filling of a buffer about to be overwritten.
    std::shared_ptr<uint8_t[]> block = std::make_shared_for_overwrite<uint8_t[]>(capacity);
    std::memcpy(block.get(), from, n);
    in_ = std::move(block);
    in_capacity_ = capacity;
    in_exact_ = exact;
  }
  in_size_ = n;
}

std::shared_ptr<const void> Connection::share_input(const uint8_t* data, size_t size) {
  if (in_ == nullptr || data < in_.get() || data + size > in_.get() + in_size_) return nullptr;
  if (size * 2 < in_capacity_) return nullptr;
  large_unit_seen_ = true;
  large_unit_hint_ = std::max(large_unit_hint_, size);
  return in_;
}

void Connection::resume_buffered() {
  // Stopped again, closed, or a read already started meanwhile (it will present the buffer
  // with whatever it adds).
  if (closed_ || closing_ || !reading_enabled_ || read_in_flight_) return;
  if (in_size_ > 0) {
    consume_buffered();
    flush();
  }
  read_some();
}

void Connection::flush_soon() {
  if (flush_scheduled_ || write_in_flight_ || closed_) return;
  flush_scheduled_ = true;
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    self->flush_scheduled_ = false;
    self->flush();
  });
}

void Connection::flush() {
  if (closed_ || write_in_flight_) return;
  if (out_.empty()) {
    if (closing_ && !sent_fin_) {
      sent_fin_ = true;
      asio::error_code ignored;
      socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
      read_some();
    }
    return;
  }
  out_.gather(write_buffers_, kMaxWriteBuffers);
  write_in_flight_ = true;
  if (output_congested()) was_congested_ = true;
  // One writev of what the gather list holds; on_write_done drops what was written and
  // writes the rest (plus anything appended meanwhile) next.
  socket_.async_write_some(std::span<const asio::const_buffer>(write_buffers_),
                           [self = shared_from_this()](const asio::error_code& ec, size_t n) {
                             self->on_write_done(ec, n);
                           });
}

void Connection::on_write_done(const asio::error_code& ec, size_t written) {
  write_in_flight_ = false;
  if (closed_) return;
  if (ec) {
    spdlog::debug("connection {}: write failed: {}", remote_address_, ec.message());
    finish_close();
    return;
  }
  bytes_sent_ += written;
  ++writes_;
  out_.consume(written);
  if (was_congested_ && pending_output() < kOutputLowWatermark) {
    was_congested_ = false;
    if (!closing_) handler_->on_output_drained();
  }
  flush();
}

void Connection::close_after_flush() {
  if (closing_ || closed_) return;
  closing_ = true;
  tick_timer_.expires_after(kCloseGrace);
  tick_timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec) self->finish_close();
  });
  flush_soon();
}

void Connection::close() { finish_close(); }

void Connection::set_reading(bool enabled) {
  if (enabled == reading_enabled_) return;
  reading_enabled_ = enabled;
  if (!enabled || closed_) return;
  if (in_size_ == 0) {
    read_some();
    return;
  }
  // Complete frames may be buffered: a read would wait for new bytes before presenting
  // them, so present them first, from a fresh turn (the caller may be inside a handler).
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->resume_buffered(); });
}

void Connection::arm_tick() {
  tick_timer_.expires_after(kTickInterval);
  tick_timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (ec || self->closing_ || self->closed_) return;
    self->handler_->on_tick(Clock::now());
    self->flush();
    if (!self->closing_ && !self->closed_) self->arm_tick();
  });
}

void Connection::finish_close() {
  if (closed_) return;
  spdlog::debug("connection {}: closed (closing={}, pending output {} bytes)", remote_address_,
                closing_, pending_output());
  closed_ = true;
  asio::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  tick_timer_.cancel();
  out_.clear();
  if (handler_) handler_->on_closed();
  if (on_finished_) {
    auto fn = std::move(on_finished_);
    fn(*this);
  }
}

}  // namespace polymq::net
