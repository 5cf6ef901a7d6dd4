#include "perf/client_connection.h"

#include <cstdio>
#include <cstring>
#include <string_view>

#include "perf/payload.h"
#include "perf/run_control.h"

namespace polymq::perf {
namespace spec = amqp::spec;

namespace {

// The read buffer starts small (idle connections stay cheap) and doubles while reads fill it,
// up to kMaxReadBuffer; beyond that only to fit a frame.
constexpr size_t kInitialReadBuffer = 16 * 1024;
constexpr size_t kMaxReadBuffer = 256 * 1024;
constexpr auto kCloseGrace = std::chrono::seconds(3);
// Ticks (half a heartbeat interval each) without a byte from the broker before giving up.
constexpr int kSilentTicksLimit = 4;
constexpr uint32_t kDefaultFrameMax = 131072;

core::Table client_properties(const std::string& name) {
  core::Table capabilities;
  for (const char* cap : {"publisher_confirms", "basic.nack", "consumer_cancel_notify",
                          "connection.blocked", "authentication_failure_close"}) {
    capabilities.emplace_back(cap, core::Value::Bool(true));
  }
  core::Table props;
  props.emplace_back("product", core::Value::String("polymq-perf"));
  props.emplace_back("platform", core::Value::String("C++"));
  props.emplace_back("capabilities", core::Value::Tab(std::move(capabilities)));
  if (!name.empty()) props.emplace_back("connection_name", core::Value::String(name));
  return props;
}

std::string describe_close(uint16_t code, const std::string& text, uint16_t class_id,
                           uint16_t method_id) {
  std::string out = std::to_string(code);
  out += ' ';
  out += text;
  if (class_id != 0) {
    const char* name = spec::method_name(class_id, method_id);
    out += " (in reply to ";
    out += name ? name : std::to_string(class_id) + "." + std::to_string(method_id);
    out += ')';
  }
  return out;
}

}  // namespace

ClientConnection::ClientConnection(asio::io_context& io, ConnectionParams params,
                                   RunControl& control)
    : io_(io),
      params_(std::move(params)),
      control_(control),
      socket_(io),
      resolver_(io),
      heartbeat_timer_(io),
      close_timer_(io),
      channels_(1),
      in_(kInitialReadBuffer) {}

ClientConnection::~ClientConnection() = default;

void ClientConnection::open(Callback on_open) {
  on_open_ = std::move(on_open);
  state_ = State::kConnecting;
  resolver_.async_resolve(
      params_.server.host, std::to_string(params_.server.port),
      [this](const asio::error_code& ec, const asio::ip::tcp::resolver::results_type& results) {
        if (state_ != State::kConnecting) return;
        if (ec) {
          fail("cannot resolve " + params_.server.host + ": " + ec.message());
          return;
        }
        asio::async_connect(
            socket_, results, [this](const asio::error_code& cec, const asio::ip::tcp::endpoint&) {
              if (state_ != State::kConnecting) return;
              if (cec) {
                fail("cannot connect to " + params_.server.host + ":" +
                     std::to_string(params_.server.port) + ": " + cec.message());
                return;
              }
              asio::error_code ignored;
              socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
              state_ = State::kHandshake;
              out_.append(reinterpret_cast<const char*>(amqp::kProtocolHeader.data()),
                          amqp::kProtocolHeader.size());
              write();
              start_read();
            });
      });
}

void ClientConnection::open_channel(ChannelClient* client, std::function<void(uint16_t)> on_open) {
  if (channels_.size() > channel_max_) {
    fail("more channels than the broker's channel_max (" + std::to_string(channel_max_) + ")");
    return;
  }
  auto id = static_cast<uint16_t>(channels_.size());
  channels_.push_back(Channel{client, {}});
  call<spec::ChannelOpenOk>(id, spec::ChannelOpen{},
                            [id, cb = std::move(on_open)](const spec::ChannelOpenOk&) { cb(id); });
}

void ClientConnection::enqueue_call(uint16_t channel, PendingCall call) {
  if (state_ != State::kOpen || channel >= channels_.size()) return;
  auto& calls = channels_[channel].calls;
  calls.push_back(std::move(call));
  if (calls.size() == 1) {
    out_ += calls.front().frame;
    flush();
  }
}

void ClientConnection::flush() {
  if (flush_posted_ || write_in_flight_ || state_ == State::kClosed) return;
  flush_posted_ = true;
  asio::post(io_, [this] {
    flush_posted_ = false;
    write();
  });
}

void ClientConnection::write() {
  if (write_in_flight_ || out_.empty() || state_ == State::kClosed) return;
  std::swap(out_, writing_);
  write_in_flight_ = true;
  wrote_since_tick_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [this](const asio::error_code& ec, size_t) { on_write_done(ec); });
}

void ClientConnection::on_write_done(const asio::error_code& ec) {
  write_in_flight_ = false;
  writing_.clear();
  if (state_ == State::kClosed) return;
  if (ec) {
    if (state_ == State::kClosing) {
      close_socket();
    } else {
      fail("write to the broker failed: " + ec.message());
    }
    return;
  }
  if (close_after_write_) {
    // What is left is our close-ok (nothing else is appended once closing).
    if (out_.empty()) {
      close_socket();
    } else {
      write();
    }
    return;
  }
  notify_writable();
  write();
}

void ClientConnection::notify_writable() {
  if (state_ != State::kOpen || blocked_) return;
  for (auto& ch : channels_) {
    if (ch.client) ch.client->on_writable();
  }
}

void ClientConnection::start_read() {
  if (in_size_ == in_.size() || (last_read_filled_ && in_.size() < kMaxReadBuffer)) {
    in_.resize(in_.size() * 2);
  }
  read_space_ = in_.size() - in_size_;
  socket_.async_read_some(asio::buffer(in_.data() + in_size_, read_space_),
                          [this](const asio::error_code& ec, size_t n) { on_read(ec, n); });
}

void ClientConnection::on_read(const asio::error_code& ec, size_t n) {
  if (state_ == State::kClosed) return;
  if (ec) {
    if (state_ == State::kClosing) {
      close_socket();
    } else if (state_ == State::kHandshake) {
      fail("the broker closed the connection during the handshake (" + ec.message() +
           "); check the user, password and vhost");
    } else {
      fail("connection to the broker lost: " + ec.message());
    }
    return;
  }
  in_size_ += n;
  last_read_filled_ = n == read_space_;
  read_time_ns_ = now_ns();
  read_since_tick_ = true;

  size_t pos = 0;
  while (state_ != State::kClosed) {
    amqp::Frame frame;
    size_t used = 0;
    uint32_t limit = state_ == State::kHandshake ? 0 : frame_max_;
    auto result = amqp::parse_frame(in_.data() + pos, in_size_ - pos, limit, frame, used);
    if (result == amqp::FrameParse::kNeedMore) break;
    if (result != amqp::FrameParse::kFrame) {
      fail(result == amqp::FrameParse::kTooLarge ? "the broker sent a frame above frame_max"
                                                 : "the broker sent a malformed frame");
      return;
    }
    pos += used;
    dispatch(frame);
  }
  if (state_ == State::kClosed) return;
  if (pos > 0) {
    std::memmove(in_.data(), in_.data() + pos, in_size_ - pos);
    in_size_ -= pos;
  }
  for (auto& ch : channels_) {
    if (ch.client) ch.client->on_read_done();
  }
  start_read();
}

void ClientConnection::dispatch(const amqp::Frame& frame) {
  switch (frame.type) {
    case amqp::kFrameHeartbeat:
      return;
    case amqp::kFrameMethod:
      on_method(frame);
      return;
    default:
      break;
  }
  if (frame.channel == 0 || frame.channel >= channels_.size()) {
    fail("the broker sent a content frame on unknown channel " + std::to_string(frame.channel));
    return;
  }
  ChannelClient* client = channels_[frame.channel].client;
  if (!client) return;
  if (frame.type == amqp::kFrameHeader) {
    amqp::Reader r(frame.payload, frame.size);
    r.u16();  // class id
    r.u16();  // weight
    uint64_t body_size = r.u64();
    if (!r.ok()) {
      fail("the broker sent a truncated content header");
      return;
    }
    client->on_content_header(body_size);
  } else {
    client->on_content_body(frame.payload, frame.size);
  }
}

void ClientConnection::on_method(const amqp::Frame& frame) {
  const uint8_t* p = frame.payload;
  if (frame.size < 4) {
    fail("the broker sent a method frame too short for its ids");
    return;
  }
  auto class_id = static_cast<uint16_t>((p[0] << 8) | p[1]);
  auto method_id = static_cast<uint16_t>((p[2] << 8) | p[3]);
  if (frame.channel != 0 && frame.channel >= channels_.size()) {
    fail("the broker sent a method on unknown channel " + std::to_string(frame.channel));
    return;
  }

  // The per-message methods, read in place.
  if (frame.channel != 0 && class_id == spec::kClassBasic) {
    ChannelClient* client = channels_[frame.channel].client;
    amqp::Reader r(p + 4, frame.size - 4);
    if (method_id == spec::BasicDeliver::kMethodId) {
      std::string_view consumer_tag;
      r.bytes(r.u8(), consumer_tag);
      uint64_t delivery_tag = r.u64();
      if (!r.ok()) {
        fail("the broker sent a malformed basic.deliver");
        return;
      }
      if (client) client->on_deliver(delivery_tag);
      return;
    }
    if (method_id == spec::BasicAck::kMethodId || method_id == spec::BasicNack::kMethodId) {
      uint64_t delivery_tag = r.u64();
      uint8_t bits = r.u8();
      if (!r.ok()) {
        fail("the broker sent a malformed basic.ack/nack");
        return;
      }
      if (client) {
        client->on_confirm(delivery_tag, bits & 1, method_id == spec::BasicNack::kMethodId);
      }
      return;
    }
  }

  spec::Method method;
  auto decoded = spec::decode_method(p, frame.size, method);
  if (decoded != spec::MethodDecode::kOk) {
    const char* name = spec::method_name(class_id, method_id);
    fail(std::string("the broker sent a ") +
         (decoded == spec::MethodDecode::kUnknownMethod ? "unknown method " : "malformed ") +
         (name ? name : std::to_string(class_id) + "." + std::to_string(method_id)));
    return;
  }
  if (frame.channel == 0) {
    on_connection_method(method);
  } else {
    on_channel_method(frame.channel, method);
  }
}

void ClientConnection::on_connection_method(const spec::Method& method) {
  if (auto* m = std::get_if<spec::ConnectionStart>(&method)) {
    if (m->mechanisms.find("PLAIN") == std::string::npos) {
      fail("the broker does not offer SASL PLAIN (offers: " + m->mechanisms + ")");
      return;
    }
    spec::ConnectionStartOk ok;
    ok.client_properties = client_properties(params_.name);
    ok.mechanism = "PLAIN";
    ok.response.push_back('\0');
    ok.response += params_.server.user;
    ok.response.push_back('\0');
    ok.response += params_.server.password;
    amqp::append_method_frame(out_, 0, ok);
    flush();
  } else if (auto* tune = std::get_if<spec::ConnectionTune>(&method)) {
    channel_max_ = tune->channel_max ? tune->channel_max : 65535;
    frame_max_ = tune->frame_max ? tune->frame_max : kDefaultFrameMax;
    // 0 from us turns heartbeats off; otherwise the smaller non-zero proposal wins.
    auto requested = static_cast<uint16_t>(params_.heartbeat);
    heartbeat_ =
        (requested == 0 || tune->heartbeat == 0) ? requested : std::min(requested, tune->heartbeat);
    amqp::append_method_frame(out_, 0,
                              spec::ConnectionTuneOk{channel_max_, frame_max_, heartbeat_});
    spec::ConnectionOpen open;
    open.virtual_host = params_.server.vhost;
    amqp::append_method_frame(out_, 0, open);
    flush();
    if (heartbeat_ > 0) arm_heartbeat();
  } else if (std::holds_alternative<spec::ConnectionOpenOk>(method)) {
    state_ = State::kOpen;
    control_.connection_opened();
    if (auto cb = std::move(on_open_)) cb();
  } else if (auto* close = std::get_if<spec::ConnectionClose>(&method)) {
    amqp::append_method_frame(out_, 0, spec::ConnectionCloseOk{});
    bool expected = state_ == State::kClosing && close->reply_code == spec::kReplySuccess;
    state_ = State::kClosing;
    close_after_write_ = true;
    write();
    if (!expected) {
      control_.fail(
          "connection closed by the broker: " +
          describe_close(close->reply_code, close->reply_text, close->class_id, close->method_id));
    }
  } else if (std::holds_alternative<spec::ConnectionCloseOk>(method)) {
    if (state_ == State::kClosing) close_socket();
  } else if (auto* blocked = std::get_if<spec::ConnectionBlocked>(&method)) {
    if (!blocked_)
      std::fprintf(stderr, "connection blocked by the broker: %s\n", blocked->reason.c_str());
    blocked_ = true;
  } else if (std::holds_alternative<spec::ConnectionUnblocked>(method)) {
    if (blocked_) std::fprintf(stderr, "connection unblocked by the broker\n");
    blocked_ = false;
    notify_writable();
  } else if (std::holds_alternative<spec::ConnectionSecure>(method)) {
    fail("the broker asked for a SASL challenge round, which PLAIN does not have");
  } else {
    const auto* info = spec::method_info(method);
    fail(std::string("unexpected ") + (info ? info->name : "method") + " on channel 0");
  }
}

void ClientConnection::on_channel_method(uint16_t channel, const spec::Method& method) {
  Channel& ch = channels_[channel];
  if (auto* close = std::get_if<spec::ChannelClose>(&method)) {
    amqp::append_method_frame(out_, channel, spec::ChannelCloseOk{});
    flush();
    control_.fail(
        "channel " + std::to_string(channel) + " closed by the broker: " +
        describe_close(close->reply_code, close->reply_text, close->class_id, close->method_id));
    return;
  }
  if (auto* flow = std::get_if<spec::ChannelFlow>(&method)) {
    amqp::append_method_frame(out_, channel, spec::ChannelFlowOk{flow->active});
    flush();
    return;
  }
  if (std::holds_alternative<spec::BasicCancel>(method)) {
    fail("the broker cancelled the consumer on channel " + std::to_string(channel) +
         " (was its queue deleted?)");
    return;
  }
  if (std::holds_alternative<spec::BasicReturn>(method)) return;  // never mandatory

  const auto* info = spec::method_info(method);
  if (!ch.calls.empty() && info && info->class_id == ch.calls.front().reply_class &&
      info->method_id == ch.calls.front().reply_method) {
    auto on_reply = std::move(ch.calls.front().on_reply);
    ch.calls.pop_front();
    if (!ch.calls.empty()) {
      out_ += ch.calls.front().frame;
      flush();
    }
    on_reply(method);
    return;
  }
  fail(std::string("unexpected ") + (info ? info->name : "method") + " on channel " +
       std::to_string(channel));
}

void ClientConnection::arm_heartbeat() {
  heartbeat_timer_.expires_after(std::chrono::milliseconds(std::max(500, heartbeat_ * 500)));
  heartbeat_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) on_heartbeat_tick();
  });
}

void ClientConnection::on_heartbeat_tick() {
  if (state_ == State::kClosed) return;
  if (!wrote_since_tick_ && !write_in_flight_) {
    amqp::append_heartbeat_frame(out_);
    write();
  }
  wrote_since_tick_ = false;
  if (read_since_tick_) {
    silent_ticks_ = 0;
  } else if (++silent_ticks_ >= kSilentTicksLimit && state_ == State::kOpen) {
    fail("no heartbeat from the broker for two intervals");
    return;
  }
  read_since_tick_ = false;
  arm_heartbeat();
}

void ClientConnection::close(Callback on_closed) {
  on_closed_ = std::move(on_closed);
  switch (state_) {
    case State::kClosed:
      if (auto cb = std::move(on_closed_)) asio::post(io_, std::move(cb));
      return;
    case State::kConnecting:
    case State::kHandshake:
      close_socket();
      return;
    case State::kClosing:
      return;
    case State::kOpen:
      break;
  }
  state_ = State::kClosing;
  amqp::append_method_frame(out_, 0, spec::ConnectionClose{spec::kReplySuccess, "Goodbye", 0, 0});
  write();
  close_timer_.expires_after(kCloseGrace);
  close_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) close_socket();
  });
}

void ClientConnection::fail(std::string message) {
  control_.fail(std::move(message));
  close_socket();
}

void ClientConnection::close_socket() {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  asio::error_code ignored;
  resolver_.cancel();
  heartbeat_timer_.cancel();
  close_timer_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  control_.connection_closed();
  if (auto cb = std::move(on_closed_)) asio::post(io_, std::move(cb));
}

}  // namespace polymq::perf
