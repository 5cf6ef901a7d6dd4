// Test helper: a real amqp::Session on a real net::Connection, driven over a connected loopback
// socket pair by a client that speaks raw frames built with the generated codec. Everything runs
// on the test's own io_context and thread: the client's waits run that loop until what they wait
// for has arrived (or the socket closed), so the session works exactly as in the server, one
// loop turn at a time.
//
// The broker is a real in-process core::Broker with RabbitMQ's model installed, vhost "/" and
// user guest/guest, and no storage (nothing waits for a disk, so confirms and tx.commit complete
// at once). Suites of the session and its channels share this header.
//
// Waits are bounded by kWaitLimit only to turn a hang into a failure; no test asserts on time.
// "Nothing more arrived" is shown by a round trip (sync), never by waiting: the session answers
// frames in order, so everything a frame causes is written before the answer to a later frame.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "amqp/codec/content_header.h"
#include "amqp/codec/frame.h"
#include "amqp/codec/generated/amqp_spec.h"
#include "amqp/direct_reply_to.h"
#include "amqp/session.h"
#include "core/broker.h"
#include "net/connection.h"
#include "rabbit/model.h"

namespace polymq::amqp::testing {

// How long one wait may take before the test fails: a guard against hangs, not a timing claim.
inline constexpr auto kWaitLimit = std::chrono::seconds(10);

// The broker as the server makes it (src/server/main.cpp), minus storage and timers.
struct TestBroker {
  asio::io_context io{1};
  rabbit::Model model;
  core::Broker broker;
  ReplyChannels reply_channels;

  explicit TestBroker(core::Limits limits = {}) : broker(limits) {
    model.install(broker.hooks());  // before the first vhost, as main does
    broker.add_vhost("/");
    broker.users().add("guest", "guest", /*loopback_only=*/false);
    broker.permissions().set_full("/", "guest");
  }

  SessionConfig session_config() { return with_reply_channels(SessionConfig{}); }
  SessionConfig with_reply_channels(SessionConfig config) {
    config.reply_channels = &reply_channels;
    return config;
  }
};

// A frame as it arrived.
struct RawFrame {
  uint8_t type = 0;
  uint16_t channel = 0;
  std::string payload;
};

// A method as it arrived, with its content (basic.deliver, get-ok, return) assembled.
struct Received {
  uint16_t channel = 0;
  spec::Method method;
  core::Properties properties;
  std::string body;

  template <class M>
  const M* get() const {
    return std::get_if<M>(&method);
  }
  template <class M>
  bool is() const {
    return std::holds_alternative<M>(method);
  }
  std::string describe() const {
    const spec::MethodInfo* info = spec::method_info(method);
    std::string text = (info != nullptr ? info->name : "no method");
    text += " on channel " + std::to_string(channel);
    if (const auto* c = get<spec::ConnectionClose>()) text += " (" + c->reply_text + ")";
    if (const auto* c = get<spec::ChannelClose>()) text += " (" + c->reply_text + ")";
    return text;
  }
};

// What the client offers in the handshake; zero means "take the server's value".
struct Handshake {
  std::string user = "guest";
  std::string password = "guest";
  std::string vhost = "/";
  uint16_t channel_max = 0;
  uint32_t frame_max = 0;
  uint16_t heartbeat = 0;
  // The client asks for a connection.close when login fails (RabbitMQ's capability).
  bool auth_failure_close = true;
};

class AmqpTestClient {
 public:
  explicit AmqpTestClient(TestBroker& broker) : AmqpTestClient(broker, broker.session_config()) {}
  AmqpTestClient(TestBroker& broker, const SessionConfig& config)
      : io_(broker.io), socket_(broker.io) {
    asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
    socket_.connect(acceptor.local_endpoint());
    asio::ip::tcp::socket accepted(io_);
    acceptor.accept(accepted);
    // Writes never block the loop the session runs on (see send_bytes), and small frames go
    // out at once instead of waiting for the server's delayed ack.
    socket_.non_blocking(true);
    socket_.set_option(asio::ip::tcp::no_delay(true));
    server_ = std::make_shared<net::Connection>(std::move(accepted), ++connection_ids());
    auto session = std::make_unique<Session>(broker.broker, *server_, config);
    session_ = session.get();
    server_->set_on_finished([this](net::Connection&) { server_finished_ = true; });
    server_->start(std::move(session));
  }

  ~AmqpTestClient() {
    asio::error_code ignored;
    socket_.close(ignored);
    server_->close();  // on_closed: the session releases its channels and consumers
    if (io_.stopped()) io_.restart();
    io_.poll();
    // The read handler must have run (aborted) before its buffer goes.
    for (int i = 0; i < 100 && reading_; ++i) {
      if (io_.stopped()) io_.restart();
      io_.run_one_for(std::chrono::milliseconds(10));
    }
  }

  AmqpTestClient(const AmqpTestClient&) = delete;
  AmqpTestClient& operator=(const AmqpTestClient&) = delete;

  net::Connection& server() { return *server_; }
  Session& session() { return *session_; }
  // The frame_max the client splits bodies by: the negotiated one after handshake().
  uint32_t frame_max() const { return frame_max_; }
  void set_frame_max(uint32_t frame_max) { frame_max_ = frame_max; }
  size_t heartbeats_received() const { return heartbeats_; }

  // ---------------------------------------------------------------- sending

  // Writes all of `bytes` before the session runs again, as far as the socket buffers take
  // them: frames sent in one call are read by the session in one batch (one on_read).
  void send_bytes(std::string_view bytes) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    size_t sent = 0;
    while (sent < bytes.size()) {
      asio::error_code ec;
      sent += socket_.write_some(asio::buffer(bytes.data() + sent, bytes.size() - sent), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        if (std::chrono::steady_clock::now() >= deadline) {
          ADD_FAILURE() << "the session took no input for " << kWaitLimit.count() << " s";
          return;
        }
        run_one(deadline);  // let the session read some
        continue;
      }
      if (ec) {
        ADD_FAILURE() << "write failed: " << ec.message();
        return;
      }
    }
  }

  static std::string frame(uint8_t type, uint16_t channel, std::string_view payload,
                           uint8_t end = kFrameEnd) {
    std::string out;
    Writer w(out);
    w.u8(type);
    w.u16(channel);
    w.u32(static_cast<uint32_t>(payload.size()));
    w.raw(payload);
    w.u8(end);
    return out;
  }
  template <class M>
  static std::string method_frame(uint16_t channel, const M& method) {
    std::string out;
    append_method_frame(out, channel, method);
    return out;
  }
  // Class id, method id and arguments: a method frame's payload.
  template <class M>
  static std::string method_payload(const M& method) {
    std::string out;
    Writer w(out);
    w.u16(M::kClassId);
    w.u16(M::kMethodId);
    method.encode_args(w);
    return out;
  }
  static std::string header_frame(uint16_t channel, uint64_t body_size,
                                  const core::Properties& properties = {}) {
    std::string out;
    append_content_header_frame(out, channel, spec::kClassBasic, body_size, properties);
    return out;
  }
  static std::string body_frame(uint16_t channel, std::string_view body) {
    return frame(kFrameBody, channel, body);
  }
  // basic.publish, its content header and body frames of at most frame_max().
  std::string publish_frames(uint16_t channel, std::string exchange, std::string routing_key,
                             std::string_view body, const core::Properties& properties = {},
                             bool mandatory = false) const {
    spec::BasicPublish publish;
    publish.exchange = std::move(exchange);
    publish.routing_key = std::move(routing_key);
    publish.mandatory = mandatory;
    std::string out = method_frame(channel, publish);
    append_content_header_frame(out, channel, spec::kClassBasic, body.size(), properties);
    append_body_frames(out, channel, body, frame_max_);
    return out;
  }

  template <class M>
  void send(uint16_t channel, const M& method) {
    send_bytes(method_frame(channel, method));
  }
  void publish(uint16_t channel, std::string exchange, std::string routing_key,
               std::string_view body, const core::Properties& properties = {},
               bool mandatory = false) {
    send_bytes(publish_frames(channel, std::move(exchange), std::move(routing_key), body,
                              properties, mandatory));
  }

  // ---------------------------------------------------------------- receiving

  // The next frame (heartbeats are counted and skipped unless asked for); nullopt when the
  // socket closed first (or the wait limit passed: a failure is recorded then).
  std::optional<RawFrame> next_frame(bool skip_heartbeats = true) {
    while (true) {
      std::optional<RawFrame> f;
      if (!run_until([&] { return (f = parse_one()).has_value() || eof_; })) {
        ADD_FAILURE() << "no frame within " << kWaitLimit.count() << " s";
        return std::nullopt;
      }
      if (!f) return std::nullopt;  // closed
      if (skip_heartbeats && f->type == kFrameHeartbeat && f->channel == 0) {
        ++heartbeats_;
        continue;
      }
      return f;
    }
  }

  // The next method, with its content when it carries some; nullopt when the socket closed.
  std::optional<Received> next() {
    std::optional<RawFrame> f = next_frame();
    if (!f) return std::nullopt;
    Received r;
    r.channel = f->channel;
    if (f->type != kFrameMethod) {
      ADD_FAILURE() << "expected a method frame, got a frame of type " << int{f->type};
      return std::nullopt;
    }
    const auto* data = reinterpret_cast<const uint8_t*>(f->payload.data());
    if (spec::decode_method(data, f->payload.size(), r.method) != spec::MethodDecode::kOk) {
      ADD_FAILURE() << "the server sent an undecodable method frame";
      return std::nullopt;
    }
    const spec::MethodInfo* info = spec::method_info(r.method);
    if (info == nullptr || !info->has_content) return r;
    std::optional<RawFrame> header = next_frame();
    if (!header || header->type != kFrameHeader || header->channel != r.channel) {
      ADD_FAILURE() << "expected a content header after " << r.describe();
      return std::nullopt;
    }
    uint16_t class_id = 0;
    uint64_t body_size = 0;
    if (!decode_content_header(reinterpret_cast<const uint8_t*>(header->payload.data()),
                               header->payload.size(), class_id, body_size, r.properties)) {
      ADD_FAILURE() << "undecodable content header after " << r.describe();
      return std::nullopt;
    }
    while (r.body.size() < body_size) {
      std::optional<RawFrame> body = next_frame();
      if (!body || body->type != kFrameBody || body->channel != r.channel) {
        ADD_FAILURE() << "expected a body frame after " << r.describe();
        return std::nullopt;
      }
      r.body += body->payload;
    }
    return r;
  }

  // The next method must be M on `channel`; returns it (a default M after a failure).
  template <class M>
  M expect(uint16_t channel) {
    std::optional<Received> r = next();
    if (!r) {
      ADD_FAILURE() << "expected " << M::kName << " on channel " << channel
                    << ", the connection closed";
      return M{};
    }
    const M* m = r->get<M>();
    if (m == nullptr || r->channel != channel) {
      ADD_FAILURE() << "expected " << M::kName << " on channel " << channel << ", got "
                    << r->describe();
      return M{};
    }
    return *m;
  }
  // As expect, keeping the content.
  template <class M>
  Received expect_content(uint16_t channel) {
    std::optional<Received> r = next();
    if (!r || r->get<M>() == nullptr || r->channel != channel) {
      ADD_FAILURE() << "expected " << M::kName << " on channel " << channel << ", got "
                    << (r ? r->describe() : std::string("a closed connection"));
      Received empty;
      empty.method = M{};
      return empty;
    }
    return *r;
  }

  // Waits until the server has closed the socket; true if it did within the limit. What
  // arrived before the close and was not read stays in unread().
  bool wait_closed() {
    if (!run_until([&] { return eof_; })) return false;
    return true;
  }
  bool closed() const { return eof_; }
  // Closes the client's socket and runs the loop until the server's side is closed too, so
  // Session::on_closed has run (channels released, exclusive queues deleted).
  bool disconnect() {
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    eof_ = true;
    return run_until([&] { return server_finished_; });
  }
  // Bytes received and not yet taken as frames.
  const std::string& unread() const { return in_; }

  // A round trip on an open channel: access.request, answered by access.request-ok with no
  // other effect. Returns every method that arrived before the answer; since the session
  // handles frames in order, that is everything caused by what was sent before.
  std::vector<Received> sync(uint16_t channel) {
    send(channel, spec::AccessRequest{});
    std::vector<Received> before;
    while (true) {
      std::optional<Received> r = next();
      if (!r) {
        ADD_FAILURE() << "the connection closed before access.request-ok on channel " << channel;
        return before;
      }
      if (r->is<spec::AccessRequestOk>() && r->channel == channel) return before;
      before.push_back(std::move(*r));
    }
  }
  // A round trip after which nothing else may have arrived.
  void expect_nothing(uint16_t channel) {
    for (const Received& r : sync(channel)) ADD_FAILURE() << "unexpected " << r.describe();
  }

  // ---------------------------------------------------------------- conversations

  void send_header(std::string_view header = {reinterpret_cast<const char*>(kProtocolHeader.data()),
                                              kProtocolHeader.size()}) {
    send_bytes(header);
  }
  static spec::ConnectionStartOk start_ok(const Handshake& h) {
    spec::ConnectionStartOk ok;
    core::Table capabilities;
    capabilities.emplace_back("authentication_failure_close",
                              core::Value::Bool(h.auth_failure_close));
    capabilities.emplace_back("consumer_cancel_notify", core::Value::Bool(true));
    ok.client_properties.emplace_back("product", core::Value::String("amqp_test_client"));
    ok.client_properties.emplace_back("capabilities", core::Value::Tab(std::move(capabilities)));
    ok.mechanism = "PLAIN";
    ok.response = std::string(1, '\0') + h.user + std::string(1, '\0') + h.password;
    return ok;
  }
  // Header, start, start-ok, tune, tune-ok, open: true once connection.open-ok arrived.
  bool handshake(const Handshake& h = {}) {
    send_header();
    expect<spec::ConnectionStart>(0);
    send(0, start_ok(h));
    const spec::ConnectionTune tune = expect<spec::ConnectionTune>(0);
    spec::ConnectionTuneOk tune_ok;
    tune_ok.channel_max = h.channel_max != 0 ? h.channel_max : tune.channel_max;
    tune_ok.frame_max = h.frame_max != 0 ? h.frame_max : tune.frame_max;
    tune_ok.heartbeat = h.heartbeat;
    send(0, tune_ok);
    if (tune_ok.frame_max != 0) frame_max_ = tune_ok.frame_max;
    spec::ConnectionOpen open;
    open.virtual_host = h.vhost;
    send(0, open);
    std::optional<Received> r = next();
    if (!r || !r->is<spec::ConnectionOpenOk>()) {
      ADD_FAILURE() << "handshake: expected connection.open-ok, got "
                    << (r ? r->describe() : std::string("a closed connection"));
      return false;
    }
    return !::testing::Test::HasFailure();
  }

  void open_channel(uint16_t channel) {
    send(channel, spec::ChannelOpen{});
    expect<spec::ChannelOpenOk>(channel);
  }

  // The next method must be connection.close; answers it with close-ok.
  spec::ConnectionClose expect_connection_close() {
    auto close = expect<spec::ConnectionClose>(0);
    send(0, spec::ConnectionCloseOk{});
    return close;
  }
  // The next method must be channel.close on `channel`; answers it with close-ok if asked.
  spec::ChannelClose expect_channel_close(uint16_t channel, bool send_close_ok = true) {
    auto close = expect<spec::ChannelClose>(channel);
    if (send_close_ok) send(channel, spec::ChannelCloseOk{});
    return close;
  }

  // queue.declare of a plain queue (the name the server gave it when `name` is empty).
  std::string declare_queue(uint16_t channel, std::string name = "", core::Table arguments = {}) {
    spec::QueueDeclare declare;
    declare.queue = std::move(name);
    declare.arguments = std::move(arguments);
    send(channel, declare);
    return expect<spec::QueueDeclareOk>(channel).queue;
  }
  // Messages ready in `queue` (a passive queue.declare).
  uint32_t message_count(uint16_t channel, const std::string& queue) {
    spec::QueueDeclare declare;
    declare.queue = queue;
    declare.passive = true;
    send(channel, declare);
    return expect<spec::QueueDeclareOk>(channel).message_count;
  }
  void qos(uint16_t channel, uint16_t prefetch_count, bool global = false) {
    spec::BasicQos qos;
    qos.prefetch_count = prefetch_count;
    qos.global = global;
    send(channel, qos);
    expect<spec::BasicQosOk>(channel);
  }
  // basic.consume, answered by consume-ok; the deliveries it causes follow that. Read the
  // deliveries of an earlier consume (sync) before the next one.
  void consume(uint16_t channel, const std::string& queue, const std::string& tag,
               bool no_ack = false) {
    spec::BasicConsume consume;
    consume.queue = queue;
    consume.consumer_tag = tag;
    consume.no_ack = no_ack;
    send(channel, consume);
    EXPECT_EQ(expect<spec::BasicConsumeOk>(channel).consumer_tag, tag);
  }
  template <class M>
  void send_settle(uint16_t channel, uint64_t tag, bool multiple_or_requeue) {
    M m;
    m.delivery_tag = tag;
    if constexpr (std::is_same_v<M, spec::BasicReject>) {
      m.requeue = multiple_or_requeue;
    } else {
      m.multiple = multiple_or_requeue;
    }
    send(channel, m);
  }
  void ack(uint16_t channel, uint64_t tag, bool multiple = false) {
    send_settle<spec::BasicAck>(channel, tag, multiple);
  }

 private:
  static uint64_t& connection_ids() {
    static uint64_t ids = 0;
    return ids;
  }

  void run_one(std::chrono::steady_clock::time_point deadline) {
    start_read();
    if (io_.stopped()) io_.restart();
    io_.run_one_until(deadline);
  }

  template <class Pred>
  bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      run_one(deadline);
    }
    return true;
  }

  void start_read() {
    if (reading_ || eof_) return;
    reading_ = true;
    socket_.async_read_some(asio::buffer(chunk_), [this](const asio::error_code& ec, size_t n) {
      reading_ = false;
      if (ec) {
        eof_ = true;  // the server closed (EOF or reset), or the test is ending
        return;
      }
      in_.append(chunk_.data(), n);
    });
  }

  // One whole frame off the front of the input, if there is one.
  std::optional<RawFrame> parse_one() {
    if (in_.empty()) return std::nullopt;
    Frame f{};
    size_t consumed = 0;
    const FrameParse result = parse_frame(reinterpret_cast<const uint8_t*>(in_.data()), in_.size(),
                                          /*frame_max=*/0, f, consumed);
    if (result == FrameParse::kNeedMore) return std::nullopt;
    if (result != FrameParse::kFrame) {
      ADD_FAILURE() << "the server sent a malformed frame";
      in_.clear();
      eof_ = true;
      return std::nullopt;
    }
    RawFrame out{f.type, f.channel, std::string(reinterpret_cast<const char*>(f.payload), f.size)};
    in_.erase(0, consumed);
    return out;
  }

  asio::io_context& io_;
  asio::ip::tcp::socket socket_;
  net::ConnectionPtr server_;
  Session* session_ = nullptr;  // owned by server_

  std::array<char, 64 * 1024> chunk_{};
  std::string in_;
  bool reading_ = false;
  bool eof_ = false;
  bool server_finished_ = false;  // the server's Connection finished closing
  size_t heartbeats_ = 0;
  uint32_t frame_max_ = kFrameMinSize;
};

}  // namespace polymq::amqp::testing
