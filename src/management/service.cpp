#include "management/service.h"

#include <unistd.h>

#include <chrono>
#include <cstring>

#include "management/json_body.h"
#include "management/list_query.h"
#include "management/path.h"
#include "management/ui_assets.h"
#include "rabbit/json_values.h"

namespace polymq::management {
namespace {

constexpr std::string_view kRealm = "Basic realm=\"RabbitMQ Management\"";

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

http::Response unauthorized(std::string_view reason) {
  http::Response r = Service::error(401, "not_authorized", reason);
  r.headers.add("WWW-Authenticate", std::string(kRealm));
  return r;
}

}  // namespace

Service::Service(core::Broker& broker, ServiceConfig config)
    : broker_(broker),
      config_(std::move(config)),
      started_ms_(now_ms()),
      publisher_(broker.commits(), *this) {
  if (config_.node_name.empty()) {
    char host[256] = {};
    if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
      std::strcpy(host, "localhost");
    }
    config_.node_name = std::string("polymq@") + host;
  }
}

Service::~Service() = default;

http::Response Service::json(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.add("Content-Type", "application/json");
  r.headers.add("Cache-Control", "no-cache");
  r.body = std::move(body);
  return r;
}

http::Response Service::error(int status, std::string_view error, std::string_view reason) {
  rapidjson::StringBuffer buffer;
  rabbit::JsonWriter w(buffer);
  w.StartObject();
  w.Key("error");
  w.String(error.data(), static_cast<rapidjson::SizeType>(error.size()));
  w.Key("reason");
  w.String(reason.data(), static_cast<rapidjson::SizeType>(reason.size()));
  w.EndObject();
  return json(status, std::string(buffer.GetString(), buffer.GetSize()));
}

http::Response Service::not_found() { return error(404, "Object Not Found", "Not Found"); }

http::Response Service::bad_request(std::string_view reason) {
  return error(400, "bad_request", reason);
}

http::Response Service::status_error(const core::Status& status) {
  switch (status.code()) {
    case core::ErrorCode::kNotFound:
      return not_found();
    case core::ErrorCode::kAccessRefused:
      // RabbitMQ answers a refused name (amq.*) as a refused login.
      return error(401, "not_authorised", "Access refused.");
    case core::ErrorCode::kInternal:
      return error(500, "internal_error", status.message());
    default:
      return bad_request(status.message());
  }
}

void Service::handle(http::Request request, http::Responder responder) {
  auto call = std::make_shared<Call>();
  call->responder = std::move(responder);
  call->request = std::move(request);
  const http::Request& req = call->request;

  // Prometheus scrapes without credentials, as RabbitMQ's prometheus plugin serves them.
  if (req.path() == "/metrics" || req.path() == "/metrics/per-object") {
    return metrics(*call, req.path() == "/metrics/per-object");
  }
  // The web UI's static files, without credentials: the page logs in through the API.
  if (is_ui_path(req.path())) return send(*call, ui_asset(req));

  // Who asks: basic authentication against the broker's users, loopback-only users (guest)
  // from loopback only, as for AMQP.
  const std::optional<std::string_view> header = req.headers.find("Authorization");
  std::optional<Credentials> credentials;
  if (header) credentials = parse_basic_auth(*header);
  if (!credentials) {
    // RabbitMQ answers a request without credentials with an empty 401.
    http::Response r;
    r.status = 401;
    r.headers.add("WWW-Authenticate", std::string(kRealm));
    return send(*call, std::move(r));
  }
  if (!broker_.users()
           .authenticate(credentials->user, credentials->password, req.remote_loopback)
           .ok()) {
    return send(*call, unauthorized("Login failed"));
  }
  const core::User* user = broker_.users().find(credentials->user);
  call->user = user->name;
  call->tags = user->tags;
  call->access = access_of(user->tags);
  if (call->access == Access::kNone) {
    return send(*call, error(401, "not_authorised", "Not management user"));
  }

  std::optional<std::vector<std::string>> path = split_api_path(req.path());
  std::optional<http::Params> params = http::parse_form(req.query());
  if (!path || !params) return send(*call, not_found());
  call->path = std::move(*path);
  call->params = std::move(*params);
  dispatch(call);
}

void Service::dispatch(const CallPtr& call) {
  using Handler = void (Service::*)(const CallPtr&);
  static const std::map<std::string, Handler, std::less<>> kHandlers = {
      {"overview", &Service::overview},
      {"whoami", &Service::whoami},
      {"nodes", &Service::nodes},
      {"vhosts", &Service::vhosts},
      {"users", &Service::users},
      {"permissions", &Service::permissions},
      {"exchanges", &Service::exchanges},
      {"queues", &Service::queues},
      {"bindings", &Service::bindings},
      {"definitions", &Service::definitions},
      {"aliveness-test", &Service::aliveness_test},
      {"health", &Service::alarms_check},
      {"connections", &Service::connections},
      {"channels", &Service::channels},
      {"consumers", &Service::consumers},
      {"policies", &Service::policies},
      {"operator-policies", &Service::operator_policies},
      {"polymq", &Service::polymq},
  };
  if (call->path.empty()) return send(*call, not_found());
  // A vhost's connections and channels: /api/vhosts/{vhost}/connections, .../channels.
  if (call->path[0] == "vhosts" && call->path.size() == 3) {
    if (call->path[2] == "connections") return connections(call);
    if (call->path[2] == "channels") return channels(call);
  }
  auto it = kHandlers.find(call->path[0]);
  if (it == kHandlers.end()) return send(*call, not_found());
  (this->*(it->second))(call);
}

http::Response Service::list_answer(std::string items, const ListQuery& query) {
  if (query.plain()) return json(200, std::move(items));
  std::string out;
  std::string err;
  if (!apply_list_query(items, query, out, err)) {
    const bool range = err.rfind("Page out of range", 0) == 0;
    return range ? error(400, "page_out_of_range", err) : bad_request(err);
  }
  return json(200, std::move(out));
}

void Service::send_list(const Call& call, std::string items) {
  ListQuery query;
  std::string err;
  if (!parse_list_query(call.params, query, err)) return send(call, bad_request(err));
  // Short lists are answered at once; a long one is sorted and paged off the loop.
  constexpr size_t kShortList = 64 * 1024;
  if (query.plain() || items.size() <= kShortList) {
    return send(call, list_answer(std::move(items), query));
  }
  send_off_loop(call, [items = std::move(items), query]() mutable {
    return list_answer(std::move(items), query);
  });
}

void Service::send_off_loop(const Call& call, std::function<http::Response()> make) {
  if (!config_.background || !config_.on_loop) return send(call, make());
  // The task holds the responder only to move it into the answer posted back: it is copied,
  // used and dropped on the loop alone (http::ResponseQueue is the loop's).
  struct Task {
    std::function<http::Response()> make;
    http::Responder responder;
    std::function<void(std::function<void()>)> on_loop;
  };
  auto task = std::make_shared<Task>(Task{std::move(make), call.responder, config_.on_loop});
  config_.background([task]() mutable {
    auto answer = std::make_shared<http::Response>(task->make());
    task->make = nullptr;
    auto on_loop = std::move(task->on_loop);
    on_loop([task = std::move(task), answer]() { task->responder.send(*answer); });
  });
}

uint64_t Service::definitions_seq() const {
  core::DefinitionsLog* log = broker_.hooks().definitions;
  return log != nullptr ? log->last_recorded() : 0;
}

void Service::send_when_durable(const Call& call, uint64_t before, http::Response ok) {
  core::DefinitionsLog* log = broker_.hooks().definitions;
  if (log == nullptr || log->last_recorded() == before) return send(call, std::move(ok));
  // Only values are captured: the log may call back after this service is gone.
  log->when_durable(
      log->last_recorded(), [responder = call.responder, ok = std::move(ok)](bool done) {
        responder.send(
            done ? ok : error(500, "internal_error", "The change could not be written to disk."));
      });
}

void Service::record(const core::DefinitionChange& change) {
  if (core::DefinitionsLog* log = broker_.hooks().definitions) log->record(change);
}

void Service::record_vhost(const std::string& name) {
  core::DefinitionChange change{core::DefinitionChange::Kind::kVhostAdded};
  change.vhost = broker_.find_vhost(name);
  if (change.vhost != nullptr) record(change);
}

void Service::record_user(const std::string& name) {
  core::DefinitionChange change{core::DefinitionChange::Kind::kUserAdded};
  change.user = broker_.users().find(name);
  if (change.user == nullptr) {
    change.kind = core::DefinitionChange::Kind::kUserRemoved;
    change.user_name = name;
  }
  record(change);
}

bool Service::require(const Call& call, Access access) {
  if (call.access >= access) return true;
  send(call,
       error(401, "not_authorised",
             access == Access::kAdministrator ? "Not administrator user" : "Not monitor user"));
  return false;
}

core::VHost* Service::vhost_at(const Call& call, size_t index) {
  core::VHost* vhost = broker_.find_vhost(call.path.at(index));
  if (vhost == nullptr) {
    send(call, not_found());
    return nullptr;
  }
  if (!sees_vhost(call, vhost->name())) {
    send(call, error(401, "not_authorised", "User not authorised to access virtual host"));
    return nullptr;
  }
  return vhost;
}

bool Service::sees_vhost(const Call& call, std::string_view vhost) const {
  return call.access >= Access::kAdministrator ||
         broker_.permissions().find(vhost, call.user) != nullptr;
}

bool Service::permitted(const Call& call, const core::VHost& vhost, core::Permission permission,
                        std::string_view resource) {
  const core::GrantPtr grant = broker_.permissions().find(vhost.name(), call.user);
  if (grant != nullptr && grant->allows(permission, resource)) return true;
  send(call, error(401, "not_authorised", "Access refused."));
  return false;
}

bool Service::parse_body(const Call& call, JsonBody& out) {
  std::string err;
  if (out.parse(call.request.body, err)) return true;
  send(call, bad_request(err));
  return false;
}

void Service::publishes_completed() {
  publisher_.drain([this](uint64_t first, uint64_t last, bool ok) {
    for (uint64_t id = first; id <= last; ++id) {
      auto it = pending_publishes_.find(id);
      if (it == pending_publishes_.end()) continue;
      it->second.responder.send(
          ok ? json(200, it->second.routed ? "{\"routed\":true}" : "{\"routed\":false}")
             : error(500, "internal_error", "The message could not be stored."));
      pending_publishes_.erase(it);
    }
  });
}

}  // namespace polymq::management
