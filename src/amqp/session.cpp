#include "amqp/session.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "amqp/codec/field_table.h"
#include "amqp/codec/wire.h"

namespace polymq::amqp {
namespace {

// How long we wait for connection.close-ok after sending connection.close.
constexpr auto kCloseOkTimeout = std::chrono::seconds(3);

core::Table server_properties(const SessionConfig& config) {
  core::Table capabilities;
  for (const char* name :
       {"publisher_confirms", "exchange_exchange_bindings", "basic.nack",
        "consumer_cancel_notify", "connection.blocked", "consumer_priorities",
        "authentication_failure_close", "per_consumer_qos", "direct_reply_to"}) {
    capabilities.emplace_back(name, core::Value::Bool(true));
  }
  core::Table props;
  props.emplace_back("capabilities", core::Value::Tab(std::move(capabilities)));
  props.emplace_back("cluster_name", core::Value::String("polymq@localhost"));
  props.emplace_back("copyright", core::Value::String("PolyMQ contributors"));
  props.emplace_back("information", core::Value::String("Licensed under the MPL 2.0"));
  props.emplace_back("platform", core::Value::String("C++20"));
  props.emplace_back("product", core::Value::String(config.product));
  props.emplace_back("version", core::Value::String(config.version));
  return props;
}

bool capability(const core::Table& client_properties, std::string_view name) {
  const core::Table* caps = nullptr;
  if (const core::Value* v = core::find(client_properties, "capabilities")) caps = v->as_table();
  if (caps == nullptr) return false;
  return core::find_bool(*caps, name).value_or(false);
}

// PLAIN: [authzid] NUL authcid NUL passwd (RFC 4616).
bool parse_plain(const std::string& response, std::string& user, std::string& password) {
  size_t first = response.find('\0');
  if (first == std::string::npos) return false;
  size_t second = response.find('\0', first + 1);
  if (second == std::string::npos) return false;
  user = response.substr(first + 1, second - first - 1);
  password = response.substr(second + 1);
  return true;
}

// AMQPLAIN: a field table without its length prefix, holding LOGIN and PASSWORD.
bool parse_amqplain(const std::string& response, std::string& user, std::string& password) {
  std::string framed;
  Writer w(framed);
  w.longstr(response);
  Reader r(reinterpret_cast<const uint8_t*>(framed.data()), framed.size());
  core::Table table;
  if (!decode_table(r, table)) return false;
  const std::string* login = core::find_string(table, "LOGIN");
  const std::string* pass = core::find_string(table, "PASSWORD");
  if (login == nullptr || pass == nullptr) return false;
  user = *login;
  password = *pass;
  return true;
}

uint16_t method_class(const Frame& frame) {
  return frame.size >= 2 ? static_cast<uint16_t>(frame.payload[0] << 8 | frame.payload[1]) : 0;
}
uint16_t method_id(const Frame& frame) {
  return frame.size >= 4 ? static_cast<uint16_t>(frame.payload[2] << 8 | frame.payload[3]) : 0;
}

}  // namespace

Session::Session(core::Broker& broker, net::Connection& connection, const SessionConfig& config)
    : broker_(broker),
      connection_(connection),
      config_(config),
      owner_id_(broker.next_owner_id()),
      channel_max_(config.channel_max),
      frame_max_(config.frame_max),
      created_(net::Clock::now()),
      last_received_(created_),
      last_heartbeat_sent_(created_) {}

Session::~Session() = default;

template <class M>
void Session::send(uint16_t channel, const M& method) {
  append_method_frame(connection_.output(), channel, method);
}

void Session::send_start() {
  spec::ConnectionStart start;
  start.version_major = 0;
  start.version_minor = 9;
  start.server_properties = server_properties(config_);
  start.mechanisms = "PLAIN AMQPLAIN";
  start.locales = "en_US";
  send(0, start);
}

size_t Session::on_read(const uint8_t* data, size_t size) {
  if (state_ == State::kClosed) return size;
  last_received_ = net::Clock::now();
  size_t pos = 0;
  if (state_ == State::kHeader) {
    if (size < kProtocolHeader.size()) {
      // Anything that cannot be the start of the header is answered at once.
      if (!std::equal(data, data + size, kProtocolHeader.begin())) {
        connection_.output().append(kProtocolHeader.begin(), kProtocolHeader.end());
        state_ = State::kClosed;
        connection_.close_after_flush();
        return size;
      }
      return 0;
    }
    if (!std::equal(kProtocolHeader.begin(), kProtocolHeader.end(), data)) {
      connection_.output().append(kProtocolHeader.begin(), kProtocolHeader.end());
      state_ = State::kClosed;
      connection_.close_after_flush();
      return size;
    }
    pos = kProtocolHeader.size();
    send_start();
    state_ = State::kStartOk;
  }
  while (pos < size && state_ != State::kClosed) {
    Frame frame{};
    size_t consumed = 0;
    // Until tuning is done the client may not know our frame_max; accept our own maximum.
    FrameParse result = parse_frame(data + pos, size - pos, frame_max_, frame, consumed);
    if (result == FrameParse::kNeedMore) break;
    if (result != FrameParse::kFrame) {
      const char* what = result == FrameParse::kTooLarge     ? "frame size exceeds frame_max"
                         : result == FrameParse::kBadFrameEnd ? "invalid frame end octet"
                                                              : "unknown frame type";
      close_connection(AmqpStatus(spec::kFrameError, what));
      connection_.close_after_flush();
      state_ = State::kClosed;
      return size;
    }
    pos += consumed;
    if (!handle_frame(frame)) break;
  }
  finish_batch();
  if (state_ == State::kClosed) return size;
  return pos;
}

void Session::finish_batch() {
  if (state_ != State::kRunning) return;
  for (auto& [id, channel] : channels_) channel->flush_confirms();
}

bool Session::handle_frame(const Frame& frame) {
  if (state_ == State::kClosing) {
    // After our connection.close only close-ok (or a crossing close) matters.
    if (frame.channel == 0 && frame.type == kFrameMethod) {
      spec::Method method;
      if (spec::decode_method(frame.payload, frame.size, method) == spec::MethodDecode::kOk) {
        if (std::holds_alternative<spec::ConnectionClose>(method)) {
          send(0, spec::ConnectionCloseOk{});
        }
        if (std::holds_alternative<spec::ConnectionClose>(method) ||
            std::holds_alternative<spec::ConnectionCloseOk>(method)) {
          state_ = State::kClosed;
          connection_.close_after_flush();
          return false;
        }
      }
    }
    return true;
  }
  AmqpStatus status;
  if (frame.type == kFrameHeartbeat) {
    if (frame.channel != 0) {
      status = AmqpStatus(spec::kFrameError, "heartbeat frame on a non-zero channel");
    }
  } else if (frame.channel == 0) {
    if (frame.type != kFrameMethod) {
      status = AmqpStatus(spec::kUnexpectedFrame, "content frame on channel 0");
    } else {
      spec::Method method;
      spec::MethodDecode decoded = spec::decode_method(frame.payload, frame.size, method);
      if (decoded == spec::MethodDecode::kUnknownMethod) {
        status = AmqpStatus(spec::kNotImplemented, "unknown method", method_class(frame),
                            method_id(frame));
      } else if (decoded == spec::MethodDecode::kMalformed) {
        status = AmqpStatus(spec::kSyntaxError, "malformed method arguments",
                            method_class(frame), method_id(frame));
      } else {
        status = handle_connection_method(method);
      }
    }
  } else if (state_ != State::kRunning) {
    status = AmqpStatus(spec::kCommandInvalid, "channel frame before connection.open-ok");
  } else {
    status = handle_channel_frame(frame);
  }
  if (!status.ok()) {
    close_connection(status);
    return false;
  }
  return state_ != State::kClosed;
}

AmqpStatus Session::handle_connection_method(const spec::Method& method) {
  switch (state_) {
    case State::kStartOk:
      if (auto* m = std::get_if<spec::ConnectionStartOk>(&method)) return on_start_ok(*m);
      return AmqpStatus(spec::kCommandInvalid, "expected 'connection.start-ok'");
    case State::kTuneOk:
      if (auto* m = std::get_if<spec::ConnectionTuneOk>(&method)) return on_tune_ok(*m);
      return AmqpStatus(spec::kCommandInvalid, "expected 'connection.tune-ok'");
    case State::kOpen:
      if (auto* m = std::get_if<spec::ConnectionOpen>(&method)) return on_open(*m);
      return AmqpStatus(spec::kCommandInvalid, "expected 'connection.open'");
    default:
      break;
  }
  if (std::holds_alternative<spec::ConnectionClose>(method)) {
    send(0, spec::ConnectionCloseOk{});
    state_ = State::kClosed;
    release_channels();
    connection_.close_after_flush();
    return AmqpStatus::Ok();
  }
  if (std::holds_alternative<spec::ConnectionCloseOk>(method)) {
    state_ = State::kClosed;
    connection_.close_after_flush();
    return AmqpStatus::Ok();
  }
  if (std::holds_alternative<spec::ConnectionBlocked>(method) ||
      std::holds_alternative<spec::ConnectionUnblocked>(method)) {
    return AmqpStatus::Ok();  // clients may echo these; nothing to do
  }
  if (auto* m = std::get_if<spec::ConnectionUpdateSecret>(&method)) {
    (void)m;
    send(0, spec::ConnectionUpdateSecretOk{});
    return AmqpStatus::Ok();
  }
  return AmqpStatus(spec::kCommandInvalid, "unexpected connection method");
}

AmqpStatus Session::on_start_ok(const spec::ConnectionStartOk& m) {
  cancel_notify_ = capability(m.client_properties, "consumer_cancel_notify");
  auth_failure_close_ = capability(m.client_properties, "authentication_failure_close");
  std::string user;
  std::string password;
  bool parsed = false;
  if (m.mechanism == "PLAIN") {
    parsed = parse_plain(m.response, user, password);
  } else if (m.mechanism == "AMQPLAIN") {
    parsed = parse_amqplain(m.response, user, password);
  } else {
    return AmqpStatus(spec::kAccessRefused,
                      "unsupported authentication mechanism '" + m.mechanism + "'", 10, 11);
  }
  core::Status auth = parsed ? broker_.users().authenticate(user, password,
                                                            connection_.remote_is_loopback())
                             : core::Status(core::ErrorCode::kAccessRefused,
                                            "malformed " + m.mechanism + " response");
  if (!auth.ok()) {
    spdlog::warn("amqp {}: login refused: {}", connection_.remote_address(), auth.message());
    AmqpStatus refused(spec::kAccessRefused,
                       "Login was refused using authentication mechanism " + m.mechanism +
                           ". For details see the broker logfile.",
                       10, 11);
    if (!auth_failure_close_) {
      // Clients that did not ask for the close frame get the socket closed, as RabbitMQ does.
      state_ = State::kClosed;
      connection_.close_after_flush();
      return AmqpStatus::Ok();
    }
    return refused;
  }
  user_ = user;
  spec::ConnectionTune tune;
  tune.channel_max = config_.channel_max;
  tune.frame_max = config_.frame_max;
  tune.heartbeat = config_.heartbeat;
  send(0, tune);
  state_ = State::kTuneOk;
  return AmqpStatus::Ok();
}

AmqpStatus Session::on_tune_ok(const spec::ConnectionTuneOk& m) {
  uint32_t frame_max = m.frame_max == 0 ? config_.frame_max : m.frame_max;
  if (frame_max < kFrameMinSize) {
    return AmqpStatus(spec::kSyntaxError,
                      "frame_max=" + std::to_string(frame_max) + " < " +
                          std::to_string(kFrameMinSize) + " min size",
                      10, 31);
  }
  if (frame_max > config_.frame_max) {
    return AmqpStatus(spec::kNotAllowed,
                      "frame_max=" + std::to_string(frame_max) + " > " +
                          std::to_string(config_.frame_max) + " max size",
                      10, 31);
  }
  uint16_t channel_max = m.channel_max == 0 ? config_.channel_max : m.channel_max;
  if (channel_max > config_.channel_max) {
    return AmqpStatus(spec::kNotAllowed,
                      "negotiated channel_max = " + std::to_string(channel_max) +
                          " is higher than the maximum allowed value (" +
                          std::to_string(config_.channel_max) + ")",
                      10, 31);
  }
  frame_max_ = frame_max;
  channel_max_ = channel_max;
  heartbeat_ = m.heartbeat;
  state_ = State::kOpen;
  return AmqpStatus::Ok();
}

AmqpStatus Session::on_open(const spec::ConnectionOpen& m) {
  vhost_ = broker_.find_vhost(m.virtual_host);
  if (vhost_ == nullptr) {
    return AmqpStatus(spec::kNotAllowed, "vhost " + m.virtual_host + " not found", 10, 40);
  }
  send(0, spec::ConnectionOpenOk{});
  state_ = State::kRunning;
  return AmqpStatus::Ok();
}

AmqpStatus Session::handle_channel_frame(const Frame& frame) {
  if (frame.channel > channel_max_) {
    return AmqpStatus(spec::kChannelError,
                      "channel " + std::to_string(frame.channel) + " above channel_max");
  }
  auto it = channels_.find(frame.channel);
  Channel* channel = it == channels_.end() ? nullptr : it->second.get();
  if (frame.type != kFrameMethod) {
    if (channel == nullptr) {
      return AmqpStatus(spec::kChannelError,
                        "content frame on unopened channel " + std::to_string(frame.channel));
    }
    if (channel->state() == Channel::State::kClosing) return AmqpStatus::Ok();
    AmqpStatus s = frame.type == kFrameHeader ? channel->on_content_header(frame)
                                              : channel->on_content_body(frame);
    if (!s.ok() && !s.hard()) {
      close_channel(*channel, s);
      return AmqpStatus::Ok();
    }
    return s;
  }

  spec::Method method;
  spec::MethodDecode decoded = spec::decode_method(frame.payload, frame.size, method);
  if (channel != nullptr && channel->state() == Channel::State::kClosing) {
    // Everything but the close handshake is dropped on a closing channel.
    if (decoded == spec::MethodDecode::kOk) {
      if (std::holds_alternative<spec::ChannelClose>(method)) {
        send(frame.channel, spec::ChannelCloseOk{});
      }
      if (std::holds_alternative<spec::ChannelClose>(method) ||
          std::holds_alternative<spec::ChannelCloseOk>(method)) {
        channels_.erase(it);
      }
    }
    return AmqpStatus::Ok();
  }
  if (decoded == spec::MethodDecode::kUnknownMethod) {
    return AmqpStatus(spec::kNotImplemented, "unknown method", method_class(frame),
                      method_id(frame));
  }
  if (decoded == spec::MethodDecode::kMalformed) {
    return AmqpStatus(spec::kSyntaxError, "malformed method arguments", method_class(frame),
                      method_id(frame));
  }
  if (channel != nullptr && channel->expecting_content()) {
    return AmqpStatus(spec::kUnexpectedFrame,
                      "expected content header for class 60, got non content header frame "
                      "instead",
                      method_class(frame), method_id(frame));
  }
  if (std::holds_alternative<spec::ChannelOpen>(method)) {
    if (channel != nullptr) {
      return AmqpStatus(spec::kChannelError, "second 'channel.open' seen", 20, 10);
    }
    channels_.emplace(frame.channel, std::make_unique<Channel>(*this, frame.channel));
    send(frame.channel, spec::ChannelOpenOk{});
    return AmqpStatus::Ok();
  }
  if (channel == nullptr) {
    return AmqpStatus(spec::kChannelError, "expected 'channel.open'", method_class(frame),
                      method_id(frame));
  }
  if (std::holds_alternative<spec::ChannelClose>(method)) {
    channel->release();
    send(frame.channel, spec::ChannelCloseOk{});
    channels_.erase(it);
    return AmqpStatus::Ok();
  }
  if (std::holds_alternative<spec::ChannelCloseOk>(method)) {
    return AmqpStatus::Ok();  // nothing was pending
  }
  AmqpStatus s = channel->on_method(method);
  if (!s.ok() && !s.hard()) {
    close_channel(*channel, s);
    return AmqpStatus::Ok();
  }
  return s;
}

void Session::close_channel(Channel& channel, const AmqpStatus& error) {
  spdlog::debug("amqp {}: channel {} error: {}", connection_.remote_address(), channel.id(),
                error.text());
  channel.release();
  spec::ChannelClose close;
  close.reply_code = error.code();
  close.reply_text = error.text();
  close.class_id = error.class_id();
  close.method_id = error.method_id();
  send(channel.id(), close);
  channel.set_closing();
}

void Session::close_connection(const AmqpStatus& error) {
  if (state_ == State::kClosing || state_ == State::kClosed) return;
  spdlog::info("amqp {}: closing connection: {}", connection_.remote_address(), error.text());
  spec::ConnectionClose close;
  close.reply_code = error.code();
  close.reply_text = error.text();
  close.class_id = error.class_id();
  close.method_id = error.method_id();
  send(0, close);
  release_channels();
  state_ = State::kClosing;
  last_heartbeat_sent_ = net::Clock::now();  // reused as the close-ok deadline's start
  connection_.flush_soon();
}

void Session::release_channels() {
  for (auto& [id, channel] : channels_) channel->release();
  channels_.clear();
}

void Session::on_tick(net::Clock::time_point now) {
  switch (state_) {
    case State::kClosed:
      return;
    case State::kClosing:
      if (now - last_heartbeat_sent_ > kCloseOkTimeout) connection_.close();
      return;
    case State::kRunning:
      break;
    default:
      if (now - created_ > std::chrono::seconds(config_.handshake_timeout_s)) {
        spdlog::info("amqp {}: handshake timed out", connection_.remote_address());
        state_ = State::kClosed;
        connection_.close();
      }
      return;
  }
  if (heartbeat_ == 0) return;
  const auto interval = std::chrono::seconds(heartbeat_);
  if (now - last_received_ > 2 * interval) {
    spdlog::info("amqp {}: missed heartbeats from client, timeout: {}s",
                 connection_.remote_address(), heartbeat_);
    state_ = State::kClosed;
    connection_.close();
    return;
  }
  if (now - last_heartbeat_sent_ >= std::max<std::chrono::seconds>(interval / 2,
                                                                    std::chrono::seconds(1))) {
    append_heartbeat_frame(connection_.output());
    last_heartbeat_sent_ = now;
  }
}

void Session::on_output_drained() {
  for (auto& [id, channel] : channels_) channel->resume_deliveries();
}

void Session::on_shutdown() {
  if (state_ == State::kRunning) {
    spec::ConnectionClose close;
    close.reply_code = spec::kConnectionForced;
    close.reply_text = "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'";
    send(0, close);
    release_channels();
    state_ = State::kClosed;
    connection_.close_after_flush();
  } else if (state_ != State::kClosed) {
    state_ = State::kClosed;
    connection_.close_after_flush();
  }
}

void Session::on_closed() {
  state_ = State::kClosed;
  release_channels();
  if (vhost_ != nullptr) vhost_->release_owner(owner_id_);
}

}  // namespace polymq::amqp
