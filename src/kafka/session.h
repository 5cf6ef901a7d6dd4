// One Kafka client connection: request framing (a 4-byte size, at most 100 MiB, as Kafka's
// socket.request.max.bytes), the request header, and dispatch by API key and version to the
// handlers of the APIs this front-end serves (kafka/api_versions.h lists them).
//
// Requests are answered in the order they arrive, each completely before the next is read,
// so responses keep the order Kafka promises per connection.
//
// Bad input is treated as Kafka's broker treats it: a negative or oversized size, a malformed
// or truncated request, an API this broker does not serve, or a version outside a served
// API's range close the connection (logged), except an ApiVersions request in an unsupported
// version, which is answered (v0, UNSUPPORTED_VERSION and the supported ranges) so the client
// can retry in a version it finds there.
#pragma once

#include <string>
#include <string_view>

#include "core/broker.h"
#include "kafka/config.h"
#include "kafka/protocol/frame.h"
#include "net/connection.h"

namespace polymq::kafka {

class Session final : public net::Handler {
 public:
  // `broker` and `config` outlive the session.
  Session(core::Broker& broker, net::Connection& connection, const Config& config,
          uint32_t max_request_bytes = kDefaultMaxRequestBytes);

  size_t on_read(const uint8_t* data, size_t size) override;
  void on_tick(net::Clock::time_point now) override;
  void on_shutdown() override;
  void on_closed() override;

 private:
  // Answers one request payload; false when the connection is to be closed.
  bool handle(std::string_view payload);
  bool dispatch(const Request& request);
  void close(const std::string& reason);

  core::Broker& broker_;
  net::Connection& connection_;
  const Config& config_;
  uint32_t max_request_bytes_;
};

}  // namespace polymq::kafka
