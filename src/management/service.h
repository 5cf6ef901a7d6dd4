// The management HTTP API: an http::Service speaking RabbitMQ's management plugin API (the
// subset listed in docs/compatibility.md) over the core's broker, so rabbitmqadmin and curl
// scripts written for RabbitMQ work unchanged.
//
// - Every request is authenticated (auth.h) and answered in RabbitMQ's JSON shapes; errors
//   are {"error": ..., "reason": ...} with RabbitMQ's status codes: 400 malformed JSON or a
//   refused operation, 401 credentials or tags, 404 {"error": "Object Not Found", "reason":
//   "Not Found"} for a missing object, 405 a method the resource does not serve.
// - Paths name vhosts, queues and exchanges percent-encoded (path.h); "amq.default" is the
//   default exchange. Lists sort, filter and page as list_query.h says.
// - Declares, deletes and bindings are answered once the definition change is durable
//   (core::DefinitionsLog), publishes once the message is (core::Publisher), as AMQP's
//   replies are.
// - Permissions and policies are the broker's (core::PermissionStore, core::PolicyStore):
//   set here, enforced and applied by the core and the front-ends, kept in the definitions.
//
// REQUIRES: every call on the broker's event loop thread; the service outlives no broker.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/broker.h"
#include "core/catalogs.h"
#include "core/permissions.h"
#include "core/publisher.h"
#include "http/form.h"
#include "http/service.h"
#include "management/auth.h"
#include "management/list_query.h"
#include "management/message_stats.h"
#include "management/prometheus_text.h"
#include "management/queue_rows.h"

namespace polymq::management {

// The largest request body served (definitions imports, publishes), RabbitMQ's default
// management.http.max_body_size; larger ones get 413.
inline constexpr size_t kMaxBodyBytes = 20 * 1024 * 1024;

struct ServiceConfig {
  std::string node_name;  // "" = "polymq@<host name>"
  std::string product_version;
  // The broker's listeners, for /api/overview: protocol name and port (0: off).
  std::vector<std::pair<std::string, uint16_t>> listeners;
  std::string bind_address;
  // Writes the metrics of what this layer does not see (storage's group commit, the AWS
  // endpoint's requests) into /metrics; empty: none.
  std::function<void(PrometheusText&)> more_metrics;
  // Where long lists are written, sorted and paged: `background` runs a task on another
  // thread and the task hands its answer to `on_loop`, which runs it on the broker's loop.
  // Both empty: everything is done on the loop, at once.
  std::function<void(std::function<void()>)> background;
  std::function<void(std::function<void()>)> on_loop;
  // The front-ends' own objects (Kafka groups, SQS queues, ...), served under /api/polymq/;
  // null: none. Outlives the service.
  const core::CatalogRegistry* catalogs = nullptr;
};

struct JsonBody;  // json_body.h

// One request being answered.
struct Call {
  http::Request request;
  http::Responder responder;
  std::vector<std::string> path;  // decoded segments after /api/
  http::Params params;            // the query string
  std::string user;
  std::vector<std::string> tags;
  Access access = Access::kNone;
};
using CallPtr = std::shared_ptr<Call>;

class Service final : public http::Service, private core::Publisher::Listener {
 public:
  Service(core::Broker& broker, ServiceConfig config);
  ~Service() override;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  void handle(http::Request request, http::Responder responder) override;

  // --- answers (service.cpp) ---
  static http::Response json(int status, std::string body);
  static http::Response error(int status, std::string_view error, std::string_view reason);
  static http::Response not_found();
  static http::Response bad_request(std::string_view reason);
  // A core error as RabbitMQ's management API reports the AMQP error behind it.
  static http::Response status_error(const core::Status& status);
  // `items` (a JSON array) sorted, filtered and paged as `query` says (list_query.h).
  static http::Response list_answer(std::string items, const ListQuery& query);

 private:
  void dispatch(const CallPtr& call);
  void send(const Call& call, http::Response response) { call.responder.send(std::move(response)); }
  // Sends a JSON list (array text) shaped by the call's sort and page parameters.
  void send_list(const Call& call, std::string items);
  // Sends what `make` answers, made on the background thread when there is one: `make` must
  // own all it reads (values, no pointers into the broker).
  void send_off_loop(const Call& call, std::function<http::Response()> make);
  // Sends `ok` once the definition changes recorded since `before` are durable.
  void send_when_durable(const Call& call, uint64_t before, http::Response ok);
  uint64_t definitions_seq() const;
  // Records a change the core does not record itself (a vhost or user added, a user changed
  // or removed) in the definitions log, so it is on disk before the answer.
  void record(const core::DefinitionChange& change);
  void record_vhost(const std::string& name);
  void record_user(const std::string& name);
  // Records the grant of (vhost, user) as it is now: set, or cleared when there is none.
  void record_permission(const core::VHost& vhost, const std::string& user);
  bool require(const Call& call, Access access);
  // The vhost named by path segment `index`, or null after answering 404, or 401 when the
  // user may not see it (sees_vhost).
  core::VHost* vhost_at(const Call& call, size_t index);
  // As RabbitMQ: administrators see every vhost, other users those they have a grant in;
  // lists leave the others out.
  bool sees_vhost(const Call& call, std::string_view vhost) const;
  // Whether the user's grant in `vhost` allows `permission` on the resource named; false
  // after answering 401 "Access refused." (as RabbitMQ, whose API acts over AMQP as the user:
  // administrators too need the grant).
  bool permitted(const Call& call, const core::VHost& vhost, core::Permission permission,
                 std::string_view resource);
  // A binding made or removed, checked as AMQP's queue.bind: write on the destination, read
  // on the source.
  bool may_bind(const Call& call, const core::VHost& vhost, std::string_view source,
                std::string_view destination) {
    return permitted(call, vhost, core::Permission::kWrite, destination) &&
           permitted(call, vhost, core::Permission::kRead, source);
  }
  // The call's body as a JSON object, or false after answering 400.
  bool parse_body(const Call& call, JsonBody& out);

  // --- Prometheus metrics, without authentication (metrics.cpp) ---
  void metrics(const Call& call, bool per_object);
  void broker_metrics(PrometheusText& out, bool per_object) const;
  void queue_metrics(PrometheusText& out, bool per_object) const;

  // --- connections, channels, consumers (connections.cpp) ---
  void connections(const CallPtr& call);
  void channels(const CallPtr& call);
  void consumers(const CallPtr& call);
  MessageStatRates channel_rates(const core::ConnectionView& connection,
                                 const core::ChannelView& channel);

  // --- the broker (overview.cpp) ---
  void overview(const CallPtr& call);
  void whoami(const CallPtr& call);
  void nodes(const CallPtr& call);
  void alarms_check(const CallPtr& call);
  void aliveness_test(const CallPtr& call);
  void definitions(const CallPtr& call);

  // --- vhosts, users, permissions (access.cpp) ---
  void vhosts(const CallPtr& call);
  void users(const CallPtr& call);
  void permissions(const CallPtr& call);
  std::string permission_list(const std::string* vhost, const std::string* user) const;

  // --- policies and operator policies (policies.cpp) ---
  void policies(const CallPtr& call);
  void operator_policies(const CallPtr& call);
  void policy_call(const CallPtr& call, core::PolicyKind kind);

  // --- exchanges, queues, bindings (entities.cpp) ---
  void exchanges(const CallPtr& call);
  void queues(const CallPtr& call);
  void bindings(const CallPtr& call);
  void binding_between(const CallPtr& call);  // /api/bindings/{vhost}/e/{source}/{q|e}/{dest}...

  // --- the front-ends' catalogs, /api/polymq/... (catalogs.cpp) ---
  void polymq(const CallPtr& call);

  // --- messages (messages.cpp) ---
  void publish(const CallPtr& call, core::VHost& vhost, const std::string& exchange);
  void get_messages(const CallPtr& call, core::VHost& vhost, core::Queue& queue);

  // core::Publisher::Listener
  void publishes_completed() override;

  core::Broker& broker_;
  ServiceConfig config_;
  int64_t started_ms_;
  core::Publisher publisher_;
  // Publishes waiting to be durable, by publish id: who asked and whether it was routed.
  struct PendingPublish {
    http::Responder responder;
    bool routed = false;
  };
  std::map<uint64_t, PendingPublish> pending_publishes_;
  // Shared with the tasks on the background thread, which may outlive the service.
  std::shared_ptr<QueueRateSampler> queue_rates_ = std::make_shared<QueueRateSampler>();
  // Channels' message rates, by channel name, and the broker's (its message_stats, then the
  // ready and unacked totals); both read on the loop.
  RateSampler<std::string, kMessageStatCount> channel_rates_;
  std::chrono::steady_clock::time_point channel_rates_swept_{};
  using BrokerRates = RateSampler<int, kMessageStatCount + 2>;
  BrokerRates broker_rates_;
};

}  // namespace polymq::management
