#include "amqp/session.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "amqp/codec/field_table.h"
#include "amqp/codec/wire.h"

namespace polymq::amqp {
namespace {

// A frame at least this large that has not fully arrived is buffered on its own, in a block of
// its exact size, so that its payload can become a message body without a copy
// (net::Connection::expect_input). Below this the copy costs less than the extra read.
constexpr size_t kOwnBlockFrameSize = 32 * 1024;

// How long we wait for connection.close-ok after sending connection.close.
constexpr auto kCloseOkTimeout = std::chrono::seconds(3);

core::Table server_properties(const SessionConfig& config) {
  core::Table capabilities;
  for (const char* name : {"publisher_confirms", "exchange_exchange_bindings", "basic.nack",
                           "consumer_cancel_notify", "connection.blocked", "consumer_priorities",
                           "authentication_failure_close", "per_consumer_qos", "direct_reply_to"}) {
    if (std::string_view(name) == "direct_reply_to" && config.reply_channels == nullptr) continue;
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

// RabbitMQ quotes offending frames as Erlang binaries ("<<0,20,0,10,0>>"); operators and
// clients that match on those texts see the same shape. Long payloads are cut.
std::string quote_octets(const uint8_t* data, size_t size) {
  constexpr size_t kMaxQuoted = 32;
  std::string out = "<<";
  for (size_t i = 0; i < size && i < kMaxQuoted; ++i) {
    if (i > 0) out += ',';
    out += std::to_string(data[i]);
  }
  if (size > kMaxQuoted) out += ",...";
  out += ">>";
  return out;
}

std::string frame_text(const Frame& frame) {
  return "type " + std::to_string(frame.type) +
         ", all octets = " + quote_octets(frame.payload, frame.size);
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
      // Until tune-ok, frames are limited to the protocol's minimum frame size: RabbitMQ closes
      // a connection whose start-ok (or tune-ok) is larger.
      frame_max_(kFrameMinSize),
      created_(net::Clock::now()),
      last_received_(created_),
      last_heartbeat_sent_(created_) {
  connected_at_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  broker_.connections().add(this);
  registered_ = true;
  ++broker_.counters().connections_opened;
}

Session::~Session() {
  if (registered_) broker_.connections().remove(this);
}

void Session::describe(core::ConnectionView& out, bool with_channels) const {
  out.protocol = "AMQP 0-9-1";
  out.user = user_;
  out.vhost = vhost_ != nullptr ? vhost_->name() : "";
  out.peer_host = connection_.peer_host();
  out.peer_port = connection_.peer_port();
  out.host = connection_.local_host();
  out.port = connection_.local_port();
  out.connected_at_ms = connected_at_ms_;
  switch (state_) {
    case State::kRunning:
      out.state = blocked_ ? "blocked" : "running";
      break;
    case State::kClosing:
    case State::kClosed:
      out.state = "closing";
      break;
    default:
      out.state = "starting";
  }
  out.client_properties = client_properties_;
  out.recv_oct = connection_.bytes_received();
  out.send_oct = connection_.bytes_sent();
  out.recv_cnt = connection_.reads();
  out.send_cnt = connection_.writes();
  out.channel_max = channel_max_;
  out.frame_max = frame_max_;
  out.heartbeat_s = heartbeat_;
  out.channel_count = channels_.size();
  out.channels.clear();
  if (!with_channels) return;
  for (const auto& [id, channel] : channels_) channel->describe(out.channels.emplace_back());
  std::sort(
      out.channels.begin(), out.channels.end(),
      [](const core::ChannelView& a, const core::ChannelView& b) { return a.number < b.number; });
}

void Session::close_by_operator(const std::string& reason) {
  if (state_ == State::kRunning) {
    close_connection(AmqpStatus(spec::kConnectionForced, reason));
    return;
  }
  if (state_ != State::kClosing && state_ != State::kClosed) {
    // Still in the handshake: nothing to say goodbye with.
    state_ = State::kClosed;
    connection_.close();
  }
}

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

bool Session::in_handshake() const { return state_ == State::kStartOk || state_ == State::kTuneOk; }

void Session::close_silently() {
  state_ = State::kClosed;
  connection_.close_after_flush();
}

size_t Session::on_read(const uint8_t* data, size_t size) {
  if (state_ == State::kClosed) return size;
  if (blocked_) return 0;                                       // kept buffered until unblock
  if (input_holds_ > 0 && state_ == State::kRunning) return 0;  // ... or until released
  last_received_ = net::Clock::now();
  size_t pos = 0;
  if (state_ == State::kHeader) {
    const size_t n = std::min(size, kProtocolHeader.size());
    // "AMQP" 1 1 0 9 is how clients of the 0-9 draft asked for it; RabbitMQ serves them 0-9-1.
    static constexpr std::array<uint8_t, 8> kLegacyHeader = {'A', 'M', 'Q', 'P', 1, 1, 0, 9};
    const bool prefix_ok = std::equal(data, data + n, kProtocolHeader.begin()) ||
                           std::equal(data, data + n, kLegacyHeader.begin());
    if (!prefix_ok) {
      // Any other header is answered with the one we speak, then the socket is closed.
      connection_.output().append(kProtocolHeader.begin(), kProtocolHeader.end());
      close_silently();
      return size;
    }
    if (size < kProtocolHeader.size()) return 0;
    pos = kProtocolHeader.size();
    send_start();
    state_ = State::kStartOk;
  }
  while (pos < size && state_ != State::kClosed && state_ != State::kClosing && !blocked_ &&
         input_holds_ == 0) {
    Frame frame{};
    size_t consumed = 0;
    // RabbitMQ accepts payloads of up to frame_max octets (the spec says frame_max - 8).
    FrameParse result =
        parse_frame(data + pos, size - pos, frame_max_ + kFrameOverhead, frame, consumed);
    if (result == FrameParse::kNeedMore) {
      if (size - pos >= kFrameHeaderSize) {
        const uint8_t* h = data + pos;
        const size_t total =
            (size_t{h[3]} << 24 | size_t{h[4]} << 16 | size_t{h[5]} << 8 | h[6]) + kFrameOverhead;
        if (total >= kOwnBlockFrameSize) connection_.expect_input(total);
      }
      break;
    }
    if (result != FrameParse::kFrame) {
      reject_frame(result, data + pos, size - pos);
      return size;
    }
    pos += consumed;
    handle_frame(frame);
    if ((frame.type == kFrameHeader || frame.type == kFrameBody) && state_ == State::kRunning) {
      publish_received(frame.type == kFrameHeader ? frame.size + core::kMessageOverheadBytes
                                                  : frame.size);
    }
  }
  // After our connection.close, only close-ok (or a crossing close) matters.
  while (pos < size && state_ == State::kClosing) {
    Frame frame{};
    size_t consumed = 0;
    if (parse_frame(data + pos, size - pos, frame_max_ + kFrameOverhead, frame, consumed) !=
        FrameParse::kFrame) {
      break;
    }
    pos += consumed;
    handle_frame_while_closing(frame);
  }
  finish_batch();
  if (state_ == State::kClosed) return size;
  return pos;
}

void Session::reject_frame(FrameParse result, const uint8_t* data, size_t size) {
  if (in_handshake()) {
    close_silently();
    return;
  }
  const uint8_t type = data[0];
  std::string text = "type " + std::to_string(type) + ", all octets = <<>>: ";
  if (result == FrameParse::kTooLarge) {
    uint32_t declared = static_cast<uint32_t>(data[3]) << 24 |
                        static_cast<uint32_t>(data[4]) << 16 | static_cast<uint32_t>(data[5]) << 8 |
                        data[6];
    text += "{frame_too_large," + std::to_string(declared) + "," +
            std::to_string(frame_max_ - kFrameOverhead) + "}";
  } else if (result == FrameParse::kBadFrameEnd) {
    uint32_t declared = static_cast<uint32_t>(data[3]) << 24 |
                        static_cast<uint32_t>(data[4]) << 16 | static_cast<uint32_t>(data[5]) << 8 |
                        data[6];
    const size_t end_at = kFrameHeaderSize + declared;
    text += "{invalid_frame_end_marker," + std::to_string(end_at < size ? data[end_at] : 0) + "}";
  } else {
    text += "unknown_frame";
  }
  close_connection(AmqpStatus(spec::kFrameError, text));
  // The byte stream is out of step; nothing after this frame can be read.
  state_ = State::kClosed;
  connection_.close_after_flush();
}

void Session::publish_received(size_t bytes) {
  core::ResourceAlarms& alarms = broker_.alarms();
  alarms.note_published(bytes);
  if (alarms.any()) block();
}

void Session::block() {
  if (blocked_) return;
  blocked_ = true;
  connection_.set_reading(false);
  core::ResourceAlarms& alarms = broker_.alarms();
  spdlog::debug("amqp {}: blocked ({})", connection_.remote_address(), alarms.reason());
  if (blocked_capability_) {
    spec::ConnectionBlocked blocked;
    blocked.reason = alarms.reason();
    send(0, blocked);
    blocked_notified_ = true;
  }
  alarm_listener_ = alarms.add_listener([this](core::Resource, bool) {
    if (!broker_.alarms().any()) unblock();
  });
}

void Session::unblock() {
  if (!blocked_) return;
  blocked_ = false;
  broker_.alarms().remove_listener(alarm_listener_);
  alarm_listener_ = 0;
  // Closing or closed meanwhile (shutdown): the connection reads on for its lingering close.
  if (state_ != State::kRunning) return;
  spdlog::debug("amqp {}: unblocked", connection_.remote_address());
  if (blocked_notified_) {
    send(0, spec::ConnectionUnblocked{});
    blocked_notified_ = false;
    connection_.flush_soon();
  }
  last_received_ = net::Clock::now();  // the heartbeat monitor was paused
  if (input_holds_ == 0) connection_.set_reading(true);
}

void Session::hold_input() {
  if (input_holds_++ == 0) connection_.set_reading(false);
}

void Session::release_input() {
  if (input_holds_ == 0 || --input_holds_ > 0) return;
  // Closing (waiting for close-ok) reads on too; only a blocked or closed connection does not.
  if (blocked_ || state_ == State::kClosed) return;
  last_received_ = net::Clock::now();  // the heartbeat monitor was paused
  connection_.set_reading(true);
}

uint64_t Session::definitions_recorded() const {
  const core::DefinitionsLog* log = broker_.hooks().definitions;
  return log != nullptr ? log->last_recorded() : 0;
}

void Session::reply_when_durable(uint64_t before, std::string frame) {
  core::DefinitionsLog* log = broker_.hooks().definitions;
  const uint64_t seq = log != nullptr ? log->last_recorded() : 0;
  if (seq == before) {
    connection_.output().append(frame);
    return;
  }
  hold_input();
  std::weak_ptr<bool> alive = alive_;
  log->when_durable(seq, [this, alive, frame = std::move(frame)](bool ok) {
    if (alive.expired()) return;  // the connection is gone
    if (state_ == State::kRunning) {
      if (ok) {
        connection_.output().append(frame);
        connection_.flush_soon();
      } else {
        close_connection(
            AmqpStatus(spec::kInternalError, "definitions could not be written to disk"));
      }
    }
    release_input();
  });
}

void Session::finish_batch() {
  if (state_ != State::kRunning) return;
  for (auto& [id, channel] : channels_) channel->flush_confirms();
}

void Session::handle_frame_while_closing(const Frame& frame) {
  if (frame.channel != 0 || frame.type != kFrameMethod) return;
  spec::Method method;
  if (spec::decode_method(frame.payload, frame.size, method) != spec::MethodDecode::kOk) return;
  if (std::holds_alternative<spec::ConnectionClose>(method)) {
    send(0, spec::ConnectionCloseOk{});
  } else if (!std::holds_alternative<spec::ConnectionCloseOk>(method)) {
    return;
  }
  state_ = State::kClosed;
  connection_.close_after_flush();
}

void Session::handle_frame(const Frame& frame) {
  AmqpStatus status;
  if (frame.type == kFrameHeartbeat) {
    if (frame.size != 0) {
      status = AmqpStatus(spec::kFrameError, frame_text(frame) + ": unknown_frame");
    } else if (frame.channel != 0) {
      status = AmqpStatus(spec::kUnexpectedFrame, frame_text(frame));
    }
  } else if (frame.type == kFrameMethod && frame.size < 4) {
    status = AmqpStatus(spec::kFrameError, frame_text(frame) + ": unknown_frame");
  } else if (frame.channel == 0) {
    if (frame.type != kFrameMethod) {
      status = AmqpStatus(spec::kUnexpectedFrame, frame_text(frame));
    } else {
      spec::Method method;
      status = decode(frame, method);
      if (status.ok()) status = handle_connection_method(method, frame);
    }
  } else if (state_ != State::kRunning) {
    status = in_handshake() ? AmqpStatus(spec::kCommandInvalid, "")
                            : AmqpStatus(spec::kUnexpectedFrame, frame_text(frame));
  } else {
    status = handle_channel_frame(frame);
  }
  if (status.ok()) return;
  if (in_handshake()) {
    // Before tuning is done RabbitMQ closes without a word (the client may not even
    // understand a connection.close yet); authentication failures are answered earlier.
    close_silently();
    return;
  }
  close_connection(status);
}

AmqpStatus Session::decode(const Frame& frame, spec::Method& method) const {
  switch (spec::decode_method(frame.payload, frame.size, method)) {
    case spec::MethodDecode::kOk:
      return AmqpStatus::Ok();
    case spec::MethodDecode::kUnknownMethod:
      // RabbitMQ drops the socket here; a connection.close says why.
      return AmqpStatus(spec::kNotImplemented,
                        "unknown method " + std::to_string(method_class(frame)) + "." +
                            std::to_string(method_id(frame)),
                        method_class(frame), method_id(frame));
    case spec::MethodDecode::kMalformed:
      if (method_class(frame) == spec::ConnectionClose::kClassId &&
          method_id(frame) == spec::ConnectionClose::kMethodId) {
        return AmqpStatus(spec::kInternalError, "", 0, 0);
      }
      return AmqpStatus(spec::kFrameError,
                        "cannot decode " + quote_octets(frame.payload + 4, frame.size - 4),
                        method_class(frame), method_id(frame));
  }
  return AmqpStatus(spec::kInternalError, "", 0, 0);
}

AmqpStatus Session::handle_connection_method(const spec::Method& method, const Frame& frame) {
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
  if (std::holds_alternative<spec::ConnectionUpdateSecret>(method)) {
    send(0, spec::ConnectionUpdateSecretOk{});
    return AmqpStatus::Ok();
  }
  return AmqpStatus(spec::kChannelError, "unexpected method in connection state running",
                    method_class(frame), method_id(frame));
}

AmqpStatus Session::on_start_ok(const spec::ConnectionStartOk& m) {
  client_properties_ = m.client_properties;
  cancel_notify_ = capability(m.client_properties, "consumer_cancel_notify");
  blocked_capability_ = capability(m.client_properties, "connection.blocked");
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
  core::Status auth =
      parsed
          ? broker_.users().authenticate(user, password, connection_.remote_is_loopback())
          : core::Status(core::ErrorCode::kAccessRefused, "malformed " + m.mechanism + " response");
  if (!auth.ok()) {
    spdlog::warn("amqp {}: login refused: {}", connection_.remote_address(), auth.message());
    AmqpStatus refused(spec::kAccessRefused, "Login was refused using authentication mechanism " +
                                                 m.mechanism +
                                                 ". For details see the broker logfile.");
    if (auth_failure_close_) {
      close_connection(refused);
    } else {
      // Clients that did not ask for the close frame get the socket closed, as RabbitMQ does.
      close_silently();
    }
    return AmqpStatus::Ok();
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
  grant_ = broker_.permissions().find(m.virtual_host, user_);
  if (grant_ == nullptr) {
    vhost_ = nullptr;
    return AmqpStatus(spec::kNotAllowed,
                      "access to vhost '" + m.virtual_host + "' refused for user '" + user_ + "'",
                      10, 40);
  }
  send(0, spec::ConnectionOpenOk{});
  state_ = State::kRunning;
  return AmqpStatus::Ok();
}

AmqpStatus Session::handle_channel_frame(const Frame& frame) {
  auto it = channels_.find(frame.channel);
  Channel* channel = it == channels_.end() ? nullptr : it->second.get();
  using Stage = Channel::ContentStage;
  const Stage stage = channel == nullptr ? Stage::kNone : channel->content_stage();

  // The frame sequence of content (method, header, body...) is checked first, on closing
  // channels too, as RabbitMQ's command assembler does.
  if (frame.type != kFrameMethod) {
    if (stage == Stage::kNone) {
      return AmqpStatus(spec::kUnexpectedFrame,
                        "expected method frame, got non method frame instead");
    }
    if (frame.type == kFrameHeader && stage == Stage::kHeader) {
      return dispatch_to_channel(*channel, channel->on_content_header(frame));
    }
    if (frame.type == kFrameBody && stage == Stage::kBody) {
      return dispatch_to_channel(*channel, channel->on_content_body(frame));
    }
  }
  if (stage == Stage::kHeader) {
    return AmqpStatus(spec::kUnexpectedFrame,
                      "expected content header for class 60, got non content header frame "
                      "instead",
                      60, 40);
  }
  if (stage == Stage::kBody) {
    return AmqpStatus(spec::kUnexpectedFrame,
                      "expected content body, got non content body frame instead",
                      spec::BasicPublish::kClassId, spec::BasicPublish::kMethodId);
  }

  spec::Method method;
  if (AmqpStatus s = decode(frame, method); !s.ok()) return s;
  const bool is_open = std::holds_alternative<spec::ChannelOpen>(method);
  if (channel == nullptr) {
    if (!is_open) {
      return AmqpStatus(spec::kChannelError, "expected 'channel.open'", method_class(frame),
                        method_id(frame));
    }
    if (channels_.size() >= channel_max_) {
      return AmqpStatus(spec::kNotAllowed, "number of channels opened (" +
                                               std::to_string(channels_.size()) +
                                               ") has reached the negotiated channel_max (" +
                                               std::to_string(channel_max_) + ")");
    }
    channels_.emplace(frame.channel, std::make_unique<Channel>(*this, frame.channel));
    send(frame.channel, spec::ChannelOpenOk{});
    return AmqpStatus::Ok();
  }
  if (is_open) return AmqpStatus(spec::kChannelError, "second 'channel.open' seen", 20, 10);

  if (channel->state() == Channel::State::kClosing) {
    // Until the client's close-ok, a closing channel only answers the close handshake; a
    // publish is still framed so its content is not mistaken for a protocol error.
    if (std::holds_alternative<spec::ChannelClose>(method)) {
      send(frame.channel, spec::ChannelCloseOk{});
    } else if (std::holds_alternative<spec::ChannelCloseOk>(method)) {
      channels_.erase(it);
    } else if (std::holds_alternative<spec::BasicPublish>(method)) {
      channel->begin_discarded_publish();
    }
    return AmqpStatus::Ok();
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
  return dispatch_to_channel(*channel, channel->on_method(method));
}

AmqpStatus Session::dispatch_to_channel(Channel& channel, const AmqpStatus& status) {
  if (status.ok() || status.hard()) return status;
  close_channel(channel, status);
  return AmqpStatus::Ok();
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
  closing_since_ = net::Clock::now();
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
      if (now - closing_since_ > kCloseOkTimeout) connection_.close();
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
  if (!blocked_ && input_holds_ == 0 && now - last_received_ > 2 * interval) {
    spdlog::info("amqp {}: missed heartbeats from client, timeout: {}s",
                 connection_.remote_address(), heartbeat_);
    state_ = State::kClosed;
    connection_.close();
    return;
  }
  if (now - last_heartbeat_sent_ >=
      std::max<std::chrono::seconds>(interval / 2, std::chrono::seconds(1))) {
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
    close.reply_text =
        "CONNECTION_FORCED - broker forced connection closure with reason 'shutdown'";
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
  if (registered_) {
    broker_.connections().remove(this);
    registered_ = false;
    ++broker_.counters().connections_closed;
  }
  if (alarm_listener_ != 0) broker_.alarms().remove_listener(alarm_listener_);
  alarm_listener_ = 0;
  blocked_ = false;
  release_channels();
  if (vhost_ != nullptr) vhost_->release_owner(owner_id_);
}

}  // namespace polymq::amqp
