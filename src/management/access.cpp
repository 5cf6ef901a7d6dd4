// Vhosts, users and permissions: /api/vhosts[/{name}], /api/users[/{name}[/permissions]],
// /api/permissions[/{vhost}/{user}].
#include "management/json_body.h"
#include "management/json_output.h"
#include "management/service.h"
#include "rabbit/definitions.h"
#include "rabbit/json_values.h"
#include "rabbit/names.h"

namespace polymq::management {
namespace {

void write_vhost(JsonWriter& w, const core::VHost& v, const std::string& node) {
  uint64_t ready = 0, unacked = 0;
  for (const core::Queue* q : v.queues()) {
    ready += q->message_count();
    unacked += q->unacked_count();
  }
  w.StartObject();
  w.Key("name");
  write(w, v.name());
  w.Key("description");
  w.String("");
  w.Key("tags");
  w.StartArray();
  w.EndArray();
  w.Key("metadata");
  w.StartObject();
  w.Key("description");
  w.String("");
  w.Key("tags");
  w.StartArray();
  w.EndArray();
  w.EndObject();
  w.Key("default_queue_type");
  w.String("classic");
  w.Key("tracing");
  w.Bool(false);
  w.Key("messages");
  w.Uint64(ready + unacked);
  write_zero_rate(w, "messages_details");
  w.Key("messages_ready");
  w.Uint64(ready);
  write_zero_rate(w, "messages_ready_details");
  w.Key("messages_unacknowledged");
  w.Uint64(unacked);
  write_zero_rate(w, "messages_unacknowledged_details");
  w.Key("cluster_state");
  w.StartObject();
  write(w, node);
  w.String("running");
  w.EndObject();
  w.EndObject();
}

void write_user(JsonWriter& w, const core::User& u) {
  w.StartObject();
  w.Key("name");
  write(w, u.name);
  w.Key("password_hash");
  write(w, rabbit::password_hash(u));
  w.Key("hashing_algorithm");
  write(w, rabbit::kPasswordHashingAlgorithm);
  w.Key("tags");
  w.StartArray();
  for (const std::string& t : u.tags) write(w, t);
  w.EndArray();
  w.Key("limits");
  w.StartObject();
  w.EndObject();
  w.EndObject();
}

// RabbitMQ takes tags as a comma-separated string (rabbitmqadmin, 3.x) or a list.
bool read_tags(const JsonBody& body, std::vector<std::string>& out, std::string& error) {
  const rapidjson::Value* v = body.find("tags");
  if (v == nullptr) return true;
  if (v->IsString()) {
    std::string_view all(v->GetString(), v->GetStringLength());
    while (!all.empty()) {
      const size_t comma = std::min(all.find(','), all.size());
      std::string_view tag = all.substr(0, comma);
      while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
      while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
      if (!tag.empty()) out.emplace_back(tag);
      all.remove_prefix(std::min(comma + 1, all.size()));
    }
    return true;
  }
  if (v->IsArray()) {
    for (const rapidjson::Value& t : v->GetArray()) {
      if (!t.IsString()) {
        error = "tags must be strings";
        return false;
      }
      out.emplace_back(t.GetString(), t.GetStringLength());
    }
    return true;
  }
  error = "tags must be a string or a list of strings";
  return false;
}

}  // namespace

void Service::vhosts(const CallPtr& call) {
  const Call& c = *call;
  const std::string& method = c.request.method;
  if (c.path.size() == 1) {
    if (method != "GET") return send(c, error(405, "method_not_allowed", method));
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    w.StartArray();
    // Monitoring users see every vhost here (not their objects), as RabbitMQ.
    for (const core::VHost* v : broker_.vhosts()) {
      if (c.access >= Access::kMonitoring || sees_vhost(c, v->name())) {
        write_vhost(w, *v, config_.node_name);
      }
    }
    w.EndArray();
    return send_list(c, text(b));
  }
  if (c.path.size() == 3 && c.path[2] == "permissions" && method == "GET") {
    if (!require(c, Access::kAdministrator)) return;
    if (broker_.find_vhost(c.path[1]) == nullptr) return send(c, not_found());
    return send_list(c, permission_list(&c.path[1], nullptr));
  }
  if (c.path.size() != 2) return send(c, not_found());
  const std::string& name = c.path[1];
  if (method == "GET") {
    core::VHost* v = vhost_at(c, 1);
    if (v == nullptr) return;
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    write_vhost(w, *v, config_.node_name);
    return send(c, json(200, text(b)));
  }
  if (method == "PUT") {
    if (!require(c, Access::kAdministrator)) return;
    JsonBody body;
    if (!parse_body(c, body)) return;
    if (name.empty()) return send(c, bad_request("vhost name must not be empty"));
    if (broker_.find_vhost(name) != nullptr) return send(c, no_content(204));
    const uint64_t before = definitions_seq();
    core::VHost& added = broker_.add_vhost(name);
    record_vhost(name);
    // As RabbitMQ's API: the user who made the vhost may use it.
    if (broker_.permissions().find(name, c.user) == nullptr) {
      broker_.permissions().set_full(name, c.user);
      record_permission(added, c.user);
    }
    return send_when_durable(c, before, no_content(201));
  }
  if (method == "DELETE") {
    if (!require(c, Access::kAdministrator)) return;
    core::VHost* v = vhost_at(c, 1);
    if (v == nullptr) return;
    // What the vhost holds goes first, each removal recorded as a delete would record it;
    // then the vhost, retired rather than destroyed (connections on it may still hold it).
    const uint64_t before = definitions_seq();
    std::vector<std::string> streams;
    for (const core::Stream* stream : v->streams()) streams.push_back(stream->name());
    for (const std::string& stream : streams) (void)v->delete_stream(stream);
    std::vector<std::string> queues;
    for (const core::Queue* q : v->queues()) queues.push_back(q->name());
    for (const std::string& q : queues) {
      size_t count = 0;
      const core::Queue* queue = v->find_queue(q);
      (void)v->delete_queue(q, false, false, queue != nullptr ? queue->owner() : 0, count);
    }
    std::vector<std::string> exchanges;
    for (const core::Exchange* x : v->exchanges()) {
      if (!rabbit::has_reserved_prefix(x->name())) exchanges.push_back(x->name());
    }
    for (const std::string& x : exchanges) (void)v->delete_exchange(x, false);
    core::DefinitionChange change{core::DefinitionChange::Kind::kVhostRemoved};
    change.vhost = v;
    record(change);
    broker_.retire_vhost(name);
    return send_when_durable(c, before, no_content(204));
  }
  send(c, error(405, "method_not_allowed", method));
}

void Service::users(const CallPtr& call) {
  const Call& c = *call;
  const std::string& method = c.request.method;
  if (!require(c, Access::kAdministrator)) return;
  if (c.path.size() == 1) {
    if (method != "GET") return send(c, error(405, "method_not_allowed", method));
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    w.StartArray();
    for (const core::User* u : broker_.users().list()) write_user(w, *u);
    w.EndArray();
    return send_list(c, text(b));
  }
  if (c.path.size() == 3 && c.path[2] == "permissions" && method == "GET") {
    if (broker_.users().find(c.path[1]) == nullptr) return send(c, not_found());
    return send_list(c, permission_list(nullptr, &c.path[1]));
  }
  if (c.path.size() != 2) return send(c, not_found());
  const std::string& name = c.path[1];
  const core::User* existing = broker_.users().find(name);
  if (method == "GET") {
    if (existing == nullptr) return send(c, not_found());
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    write_user(w, *existing);
    return send(c, json(200, text(b)));
  }
  if (method == "DELETE") {
    if (!broker_.users().remove(name)) return send(c, not_found());
    broker_.permissions().clear_user(name);  // the recorded removal clears them on replay too
    const uint64_t before = definitions_seq();
    record_user(name);
    return send_when_durable(c, before, no_content(204));
  }
  if (method != "PUT") return send(c, error(405, "method_not_allowed", method));
  JsonBody body;
  if (!parse_body(c, body)) return;
  if (name.empty()) return send(c, bad_request("user name must not be empty"));
  std::string err;
  std::vector<std::string> tags;
  if (!read_tags(body, tags, err)) return send(c, bad_request(err));
  const std::optional<std::string> password = body.string("password", err);
  const std::optional<std::string> hash = body.string("password_hash", err);
  const std::optional<std::string> algorithm = body.string("hashing_algorithm", err);
  if (!err.empty()) return send(c, bad_request(err));
  // Like RabbitMQ's default loopback_users: guest may only log in from loopback.
  const bool loopback_only = existing != nullptr ? existing->loopback_only : name == "guest";
  const bool created = existing == nullptr;
  const uint64_t before = definitions_seq();
  if (password) {
    broker_.users().add(name, *password, loopback_only, std::move(tags));
  } else if (hash || created) {
    // As an entry of a definitions file: the import checks the hash and its algorithm.
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    w.StartObject();
    w.Key("users");
    w.StartArray();
    w.StartObject();
    w.Key("name");
    write(w, name);
    w.Key("password_hash");
    write(w, hash.value_or(""));
    w.Key("hashing_algorithm");
    write(w, algorithm.value_or(std::string(rabbit::kPasswordHashingAlgorithm)));
    w.Key("tags");
    w.StartArray();
    for (const std::string& t : tags) write(w, t);
    w.EndArray();
    w.Key("polymq_loopback_only");
    w.Bool(loopback_only);
    w.EndObject();
    w.EndArray();
    w.EndObject();
    if (core::Status st = rabbit::import_definitions(text(b), broker_); !st.ok()) {
      return send(c, bad_request(st.message()));
    }
  } else {
    // Neither: the user keeps its credentials and takes the new tags.
    core::User user = *existing;
    user.tags = std::move(tags);
    broker_.users().insert(std::move(user));
  }
  record_user(name);
  send_when_durable(c, before, no_content(created ? 201 : 204));
}

std::string Service::permission_list(const std::string* vhost, const std::string* user) const {
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartArray();
  for (const auto& [key, grant] : broker_.permissions().list()) {
    if (vhost != nullptr && key.first != *vhost) continue;
    if (user != nullptr && key.second != *user) continue;
    const core::PermissionPatterns& p = grant->patterns();
    w.StartObject();
    w.Key("user");
    write(w, key.second);
    w.Key("vhost");
    write(w, key.first);
    w.Key("configure");
    write(w, p.configure);
    w.Key("write");
    write(w, p.write);
    w.Key("read");
    write(w, p.read);
    w.EndObject();
  }
  w.EndArray();
  return text(b);
}

void Service::record_permission(const core::VHost& vhost, const std::string& user) {
  core::GrantPtr grant = broker_.permissions().find(vhost.name(), user);
  core::DefinitionChange change{grant != nullptr
                                    ? core::DefinitionChange::Kind::kPermissionSet
                                    : core::DefinitionChange::Kind::kPermissionCleared};
  change.vhost = &vhost;
  change.user_name = user;
  if (grant != nullptr) change.permissions = &grant->patterns();
  record(change);
}

void Service::permissions(const CallPtr& call) {
  const Call& c = *call;
  const std::string& method = c.request.method;
  if (!require(c, Access::kAdministrator)) return;
  if (c.path.size() == 1) {
    if (method != "GET") return send(c, error(405, "method_not_allowed", method));
    return send_list(c, permission_list(nullptr, nullptr));
  }
  if (c.path.size() != 3) return send(c, not_found());
  const std::string& vhost_name = c.path[1];
  const std::string& user = c.path[2];
  core::VHost* vhost = broker_.find_vhost(vhost_name);
  const bool exists = vhost != nullptr && broker_.users().find(user) != nullptr;
  if (method == "GET") {
    if (!exists || broker_.permissions().find(vhost_name, user) == nullptr) {
      return send(c, not_found());
    }
    std::string list = permission_list(&vhost_name, &user);
    // The one object of the one-element list.
    return send(c, json(200, list.substr(1, list.size() - 2)));
  }
  if (method == "DELETE") {
    if (!exists || !broker_.permissions().clear(vhost_name, user)) return send(c, not_found());
    const uint64_t before = definitions_seq();
    record_permission(*vhost, user);
    return send_when_durable(c, before, no_content(204));
  }
  if (method != "PUT") return send(c, error(405, "method_not_allowed", method));
  JsonBody body;
  if (!parse_body(c, body)) return;
  if (!exists) return send(c, bad_request("vhost_or_user_not_found"));
  std::string err;
  core::PermissionPatterns p;
  for (auto [field, out] : {std::pair{"configure", &p.configure}, std::pair{"write", &p.write},
                            std::pair{"read", &p.read}}) {
    std::optional<std::string> v = body.string(field, err);
    if (!err.empty()) return send(c, bad_request(err));
    if (!v) return send(c, bad_request(std::string(field) + " is required"));
    *out = *v;
  }
  const bool created = broker_.permissions().find(vhost_name, user) == nullptr;
  if (core::Status st = broker_.permissions().set(vhost_name, user, p); !st.ok()) {
    return send(c, bad_request(st.message()));
  }
  const uint64_t before = definitions_seq();
  record_permission(*vhost, user);
  send_when_durable(c, before, no_content(created ? 201 : 204));
}

}  // namespace polymq::management
