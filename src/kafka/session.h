// One Kafka client connection: request framing (a 4-byte size, at most 100 MiB, as Kafka's
// socket.request.max.bytes), the request header, and dispatch by API key and version to the
// handlers of the APIs this front-end serves (kafka/api_versions.h lists them).
//
// Responses go out in the order the requests arrived, as Kafka promises per connection, even
// when a later request is answered first (kafka/reply_queue.h). At most kMaxUnanswered
// requests wait for their answers; then the session stops reading until one is answered.
//
// Bad input is treated as Kafka's broker treats it: a negative or oversized size, a malformed
// or truncated request, an API this broker does not serve, or a version outside a served
// API's range close the connection (logged), except an ApiVersions request in an unsupported
// version, which is answered (v0, UNSUPPORTED_VERSION and the supported ranges) so the client
// can retry in a version it finds there.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/broker.h"
#include "kafka/config.h"
#include "kafka/durable_answers.h"
#include "kafka/fetch.h"
#include "kafka/protocol/frame.h"
#include "kafka/reply_queue.h"
#include "net/connection.h"

namespace polymq::kafka {

class Session final : public net::Handler {
 public:
  // Enough for a producer's default max.in.flight (5) per connection, with room for a
  // long-polling fetch and heartbeats beside it.
  static constexpr size_t kMaxUnanswered = 16;

  // `broker` and `config` outlive the session.
  Session(core::Broker& broker, net::Connection& connection, const Config& config,
          uint32_t max_request_bytes = kDefaultMaxRequestBytes);

  size_t on_read(const uint8_t* data, size_t size) override;
  void on_tick(net::Clock::time_point now) override;
  void on_shutdown() override;
  void on_closed() override;
  ~Session() override;

 private:
  // Answers one request payload; false when the connection is to be closed.
  bool handle(std::string_view payload);
  bool dispatch(const Request& request);
  Reply reply_to(const RequestHeader& header, int16_t version);
  // The data path (Produce, Fetch, ListOffsets, ...; session_data.cpp) and the consumer groups
  // (session_groups.cpp): each answers the requests of its APIs through `reply` and returns
  // false for an API it does not handle.
  bool dispatch_data(const Request& request, const Reply& reply);
  bool dispatch_groups(const Request& request, const Reply& reply);
  void close(const std::string& reason);

  core::Broker& broker_;
  net::Connection& connection_;
  const Config& config_;
  uint32_t max_request_bytes_;
  std::shared_ptr<ReplyQueue> replies_;
  // The data path's waits: produces for their sync round, fetches for data (session_data.cpp).
  std::unique_ptr<DurableAnswers> durable_;
  std::unique_ptr<Fetcher> fetcher_;
};

}  // namespace polymq::kafka
