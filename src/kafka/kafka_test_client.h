// Test helper: a real kafka::Session on a real net::Connection over a connected loopback
// socket pair, in a real core::Broker with storage (topics are streams, which live on disk).
// Everything runs on the test's thread: the client's waits run the io_context (and the
// storage's group-commit completions, so produces get their durable answers) until what they
// wait for has arrived or the socket closed. kWaitLimit turns a hang into a failure; no test
// asserts on time.
#pragma once

#include <gtest/gtest.h>

#include <asio.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "core/broker.h"
#include "core/test_storage.h"
#include "kafka/config.h"
#include "kafka/protocol/frame.h"
#include "kafka/session.h"
#include "net/asio_timers.h"
#include "net/connection.h"

namespace polymq::kafka::testing {

inline constexpr auto kWaitLimit = std::chrono::seconds(10);

// Members in this order: the broker (and its streams) goes before the storage and timers it
// uses.
struct TestBroker {
  asio::io_context io{1};
  core::testing::TestStorage storage;
  net::AsioTimerService timers{io};
  core::Broker broker;
  Config config;

  // `options`: e.g. fault hooks for the streams' files.
  explicit TestBroker(core::QueueStoreOptions options = {}) : storage("kafka", std::move(options)) {
    broker.hooks().queue_stores = &storage.stores();
    broker.hooks().timers = &timers;
    broker.set_commits(&storage.stores().tracker());
    broker.add_vhost("/");
    // Loopback clients without a SASL login are the guest user.
    broker.users().add("guest", "guest", true);
    broker.permissions().set_full("/", "guest");
    config.advertised_host = "kafka.test";
    config.advertised_port = 19092;
    config.cluster_id = "test-cluster-id";
  }
};

class KafkaTestClient {
 public:
  explicit KafkaTestClient(TestBroker& broker, uint32_t max_request_bytes = kDefaultMaxRequestBytes)
      : io_(broker.io), storage_(broker.storage), socket_(broker.io) {
    asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
    socket_.connect(acceptor.local_endpoint());
    asio::ip::tcp::socket accepted(io_);
    acceptor.accept(accepted);
    socket_.non_blocking(true);
    socket_.set_option(asio::ip::tcp::no_delay(true));
    static uint64_t ids = 0;
    server_ = std::make_shared<net::Connection>(std::move(accepted), ++ids);
    server_->start(
        std::make_unique<Session>(broker.broker, *server_, broker.config, max_request_bytes));
  }
  ~KafkaTestClient() {
    asio::error_code ignored;
    socket_.close(ignored);
    server_->close();
    if (io_.stopped()) io_.restart();
    io_.poll();
  }
  KafkaTestClient(const KafkaTestClient&) = delete;
  KafkaTestClient& operator=(const KafkaTestClient&) = delete;

  // Writes all of `bytes`, running the loop while the socket is full.
  void send(const std::string& bytes) {
    size_t sent = 0;
    const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    while (sent < bytes.size() && std::chrono::steady_clock::now() < deadline) {
      asio::error_code ec;
      sent += socket_.write_some(asio::buffer(bytes.data() + sent, bytes.size() - sent), ec);
      if (ec && ec != asio::error::would_block) break;
      run_a_little();
    }
    run_a_little();
  }

  template <class M>
  void request(int16_t version, int32_t correlation_id, const M& body) {
    std::string out;
    append_request(out, version, correlation_id, std::string("test-client"), body);
    send(out);
  }

  // The next response frame's payload (header and body), or nullopt when the server closed
  // the connection first.
  std::optional<std::string> read_frame() {
    if (!fill(kSizePrefixBytes)) return std::nullopt;
    const auto* p = reinterpret_cast<const uint8_t*>(in_.data());
    const size_t size = size_t{p[0]} << 24 | size_t{p[1]} << 16 | size_t{p[2]} << 8 | p[3];
    if (!fill(kSizePrefixBytes + size)) return std::nullopt;
    std::string payload = in_.substr(kSizePrefixBytes, size);
    in_.erase(0, kSizePrefixBytes + size);
    return payload;
  }

  // Reads the response to `api_key`/`version`; fails the test when none comes or it does not
  // parse. Its records fields (Fetch) are views into a payload the client keeps.
  template <class M>
  M response(int16_t api_key, int16_t version, int32_t expected_correlation_id) {
    std::optional<std::string> payload = read_frame();
    EXPECT_TRUE(payload.has_value()) << "the server closed the connection";
    if (!payload) return M{};
    const std::string& kept = kept_payloads_.emplace_back(std::move(*payload));
    ResponseHeader header;
    ResponseBody body;
    EXPECT_TRUE(parse_response(kept, api_key, version, header, body));
    EXPECT_EQ(header.correlation_id, expected_correlation_id);
    const M* m = std::get_if<M>(&body);
    EXPECT_NE(m, nullptr);
    return m != nullptr ? *m : M{};
  }

  // Runs the server side for a while (a client that waits without reading).
  void run_for(std::chrono::milliseconds time) {
    const auto deadline = std::chrono::steady_clock::now() + time;
    while (std::chrono::steady_clock::now() < deadline) run_a_little();
  }

  // Whether any response bytes arrived (without waiting for them).
  bool anything_received() {
    char buf[65536];
    asio::error_code ec;
    const size_t got = socket_.read_some(asio::buffer(buf), ec);
    if (got > 0) in_.append(buf, got);
    return !in_.empty();
  }

  // True when the server closes the connection without sending anything more.
  bool closed_by_server() {
    const bool more = fill(in_.size() + 1);
    return !more && eof_;
  }

 private:
  void run_a_little() {
    storage_.loop().run_pending();
    if (io_.stopped()) io_.restart();
    io_.run_one_for(std::chrono::milliseconds(5));
  }
  // Reads until in_ holds n bytes; false at EOF or after kWaitLimit.
  bool fill(size_t n) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    while (in_.size() < n && !eof_ && std::chrono::steady_clock::now() < deadline) {
      char buf[65536];
      asio::error_code ec;
      const size_t got = socket_.read_some(asio::buffer(buf), ec);
      if (got > 0) in_.append(buf, got);
      if (ec == asio::error::eof || ec == asio::error::connection_reset) {
        eof_ = true;
      } else if (ec == asio::error::would_block || got == 0) {
        run_a_little();
      } else if (ec) {
        eof_ = true;
      }
    }
    return in_.size() >= n;
  }

  asio::io_context& io_;
  core::testing::TestStorage& storage_;
  asio::ip::tcp::socket socket_;
  net::ConnectionPtr server_;
  std::string in_;
  std::deque<std::string> kept_payloads_;
  bool eof_ = false;
};

}  // namespace polymq::kafka::testing
