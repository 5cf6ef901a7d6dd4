#include "net/connection.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <span>

namespace polymq::net {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
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
  if (in_.size() - in_size_ < kReadChunk / 2) in_.resize(in_size_ + kReadChunk);
  socket_.async_read_some(asio::buffer(in_.data() + in_size_, in_.size() - in_size_),
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
  std::vector<uint8_t>& scratch = scratch_buffer();
  asio::error_code read_ec;
  const size_t n = socket_.read_some(asio::buffer(scratch), read_ec);
  if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) {
    read_some();
    return;
  }
  if (read_ec) {
    read_in_flight_ = true;  // on_read_done expects the read it ends to be in flight
    on_read_done(read_ec, 0);
    return;
  }
  if (closing_) {
    read_some();  // lingering close: discard, see on_read_done
    return;
  }
  const size_t consumed = handler_->on_read(scratch.data(), n);
  if (consumed < n && !closed_) {
    in_.assign(scratch.begin() + static_cast<ptrdiff_t>(consumed),
               scratch.begin() + static_cast<ptrdiff_t>(n));
    in_size_ = n - consumed;
  }
  flush();
  read_some();
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
  in_size_ += n;
  consume_buffered();
  flush();
  read_some();
}

void Connection::consume_buffered() {
  size_t consumed = handler_->on_read(in_.data(), in_size_);
  if (closed_) return;
  if (consumed > 0) {
    std::memmove(in_.data(), in_.data() + consumed, in_size_ - consumed);
    in_size_ -= consumed;
  }
  // Once no partial frame is left, reads go through the shared buffer again.
  if (in_size_ == 0) std::vector<uint8_t>().swap(in_);
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
