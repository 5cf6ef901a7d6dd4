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
#include "core/connections.h"
#include "kafka/config.h"
#include "kafka/durable_answers.h"
#include "kafka/fetch.h"
#include "kafka/protocol/frame.h"
#include "kafka/reply_queue.h"
#include "kafka/sasl.h"
#include "kafka/topic_access.h"
#include "net/connection.h"

namespace polymq::kafka {

class Session final : public net::Handler, private core::LiveConnection {
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
  // core::LiveConnection: the connection as the management API lists and closes it.
  void describe(core::ConnectionView& out, bool with_channels) const override;
  void close_by_operator(const std::string& reason) override;

  // Answers one request payload; false when the connection is to be closed.
  bool handle(std::string_view payload);
  bool dispatch(const Request& request);
  Reply reply_to(const RequestHeader& header, int16_t version);
  // The data path (Produce, Fetch, ListOffsets, ...; session_data.cpp) and the consumer groups
  // (session_groups.cpp): each answers the requests of its APIs through `reply`, as far as
  // `access` allows, and returns false for an API it does not handle.
  bool dispatch_data(const Request& request, const TopicAccess& access, const Reply& reply);
  bool dispatch_groups(const Request& request, const TopicAccess& access, const Reply& reply);
  // Topic administration (session_admin.cpp).
  bool dispatch_admin(const Request& request, const TopicAccess& access, const Reply& reply);
  // A transactional producer's requests to its coordinator (session_txn.cpp).
  bool dispatch_txn(const Request& request, const TopicAccess& access, const Reply& reply);
  // What the user may do with topics now: its current grant in the Kafka vhost, looked up for
  // each request so that a changed or revoked grant applies from the next one.
  TopicAccess current_access() const;

  // Authentication (session_auth.cpp). SaslHandshake and SaslAuthenticate; false for other
  // APIs.
  bool dispatch_auth(const Request& request, const Reply& reply);
  // Whether a request of another API may be served now. A connection that did not start a
  // SASL login is the guest user when it comes from loopback (as the AMQP guest); otherwise,
  // or while a login is under way, it is closed. The guest is let in without a grant in the
  // Kafka vhost (its topic requests are then refused one by one), where a SASL login without
  // one fails (refused_vhost).
  bool may_serve(const RequestHeader& header);
  // A SASL token sent without a Kafka header after a v0 SaslHandshake; false: closed.
  bool handle_raw_sasl_token(std::string_view token);
  // Why a SASL login of `user` that passed its credentials still fails: no grant in the Kafka
  // vhost (RabbitMQ refuses such a user at connection.open); empty: it does not.
  std::string refused_vhost(const std::string& user) const;

  // The number of the last durable-definitions change (0 without a definitions log).
  uint64_t definitions_seq() const;
  // Sends `body` once every definitions change recorded after `before` is on disk (at once
  // when there is none), as AMQP's declare-ok waits: a topic created, changed or deleted
  // stays so after kill -9. When the changes cannot be written the connection is closed
  // without the answer.
  void send_when_durable(uint64_t before, const Reply& reply, ResponseBody body);
  void close(const std::string& reason);

  core::Broker& broker_;
  net::Connection& connection_;
  const Config& config_;
  uint32_t max_request_bytes_;
  std::shared_ptr<ReplyQueue> replies_;
  // The logged-in user; empty until a SASL login (or the implicit guest) succeeded.
  std::string user_;
  std::unique_ptr<SaslServer> sasl_;
  // After a v0 handshake the SASL tokens come as bare size-prefixed frames.
  bool sasl_raw_ = false;
  // The data path's waits: produces for their sync round, fetches for data (session_data.cpp).
  std::unique_ptr<DurableAnswers> durable_;
  std::unique_ptr<Fetcher> fetcher_;
  // What the management API shows: when it connected, the client id of its last request and
  // the client software it named in ApiVersions (v3+).
  int64_t connected_at_ms_ = 0;
  std::string client_id_;
  std::string client_software_name_;
  std::string client_software_version_;
};

}  // namespace polymq::kafka
