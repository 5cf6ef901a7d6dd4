#include "rabbit/definitions.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "rabbit/json_parse.h"
#include "rabbit/json_values.h"
#include "rabbit/names.h"
#include "rabbit/policy_json.h"
#include "rabbit/stream_arguments.h"

#ifndef POLYMQ_VERSION
#define POLYMQ_VERSION "unknown"
#endif

namespace polymq::rabbit {

using namespace polymq::core;

namespace {

constexpr std::string_view kHashingAlgorithm = "rabbit_password_hashing_sha256";
constexpr size_t kSaltSize = 4;
constexpr size_t kDigestSize = 32;

using Json = rapidjson::Value;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_user(Writer& w, const User& user) {
  w.StartObject();
  w.Key("name");
  write_string(w, user.name);
  w.Key("password_hash");
  write_string(w, user.password_digest.empty() ? std::string()
                                               : base64_encode(user.salt + user.password_digest));
  w.Key("hashing_algorithm");
  write_string(w, kHashingAlgorithm);
  w.Key("tags");
  w.StartArray();
  for (const auto& tag : user.tags) write_string(w, tag);
  w.EndArray();
  w.Key("limits");
  w.StartObject();
  w.EndObject();
  w.Key("polymq_loopback_only");
  w.Bool(user.loopback_only);
  w.EndObject();
}

void write_permission(Writer& w, std::string_view vhost, std::string_view user,
                      const core::PermissionPatterns& p) {
  w.StartObject();
  w.Key("user");
  write_string(w, user);
  w.Key("vhost");
  write_string(w, vhost);
  w.Key("configure");
  write_string(w, p.configure);
  w.Key("write");
  write_string(w, p.write);
  w.Key("read");
  write_string(w, p.read);
  w.EndObject();
}

template <typename T>
std::vector<const T*> sorted_by_name(std::vector<const T*> items) {
  std::sort(items.begin(), items.end(),
            [](const T* a, const T* b) { return a->name() < b->name(); });
  return items;
}

bool exported(const Exchange& x) {
  return survives_restart(x.options()) && !has_reserved_prefix(x.name());
}

void write_exchange(Writer& w, const VHost& vhost, const Exchange& x) {
  w.StartObject();
  w.Key("name");
  write_string(w, x.name());
  w.Key("vhost");
  write_string(w, vhost.name());
  w.Key("type");
  w.String(exchange_type_name(x.type()));
  w.Key("durable");
  w.Bool(x.options().durable);
  w.Key("auto_delete");
  w.Bool(x.options().auto_delete);
  w.Key("internal");
  w.Bool(x.options().internal);
  w.Key("arguments");
  write_json_table(w, x.options().arguments);
  w.EndObject();
}

void write_queue(Writer& w, const VHost& vhost, const Queue& q) {
  w.StartObject();
  w.Key("name");
  write_string(w, q.name());
  w.Key("vhost");
  write_string(w, vhost.name());
  w.Key("durable");
  w.Bool(q.options().durable);
  w.Key("auto_delete");
  w.Bool(q.options().auto_delete);
  w.Key("arguments");
  write_json_table(w, q.options().arguments);
  w.EndObject();
}

// A stream, as RabbitMQ writes a stream queue: a durable queue with "x-queue-type": "stream".
void write_stream(Writer& w, const VHost& vhost, const Stream& stream) {
  w.StartObject();
  w.Key("name");
  write_string(w, stream.name());
  w.Key("vhost");
  write_string(w, vhost.name());
  w.Key("durable");
  w.Bool(true);
  w.Key("auto_delete");
  w.Bool(false);
  w.Key("arguments");
  write_json_table(w, stream_arguments(stream.settings()));
  w.EndObject();
}

// A binding of `source` to a queue, a stream (RabbitMQ's destination_type "queue" too) or an
// exchange.
void write_binding(Writer& w, const VHost& vhost, const Exchange& source, const Queue* queue,
                   const Stream* stream, const Exchange* exchange, std::string_view key,
                   const Table& arguments) {
  w.StartObject();
  w.Key("source");
  write_string(w, source.name());
  w.Key("vhost");
  write_string(w, vhost.name());
  w.Key("destination");
  write_string(w, queue != nullptr    ? queue->name()
                  : stream != nullptr ? stream->name()
                                      : exchange->name());
  w.Key("destination_type");
  w.String(exchange == nullptr ? "queue" : "exchange");
  w.Key("routing_key");
  write_string(w, key);
  w.Key("arguments");
  write_json_table(w, arguments);
  w.EndObject();
}

// --- import ---

Status invalid(const std::string& where, const std::string& what) {
  return {ErrorCode::kInvalidArgument, "definitions: " + where + ": " + what};
}

std::string json_string(const Json& v) { return std::string(v.GetString(), v.GetStringLength()); }

// Typed access to one definition object; every failure names the entry.
class Entry {
 public:
  Entry(const Json& object, std::string where) : object_(object), where_(std::move(where)) {}

  const std::string& where() const { return where_; }
  const Json& object() const { return object_; }
  Status error(const std::string& what) const { return invalid(where_, what); }

  Status string(const char* key, std::string& out, bool required = true) const {
    auto m = object_.FindMember(key);
    if (m == object_.MemberEnd() || m->value.IsNull()) {
      if (required) return error("missing '" + std::string(key) + "'");
      return Status::Ok();
    }
    if (!m->value.IsString()) return error("'" + std::string(key) + "' must be a string");
    out = json_string(m->value);
    return Status::Ok();
  }

  Status boolean(const char* key, bool& out, bool if_missing) const {
    auto m = object_.FindMember(key);
    if (m == object_.MemberEnd() || m->value.IsNull()) {
      out = if_missing;
      return Status::Ok();
    }
    if (!m->value.IsBool()) return error("'" + std::string(key) + "' must be true or false");
    out = m->value.GetBool();
    return Status::Ok();
  }

  // RabbitMQ writes an empty argument table as {} (and old versions as []).
  Status arguments(Table& out) const {
    auto m = object_.FindMember("arguments");
    if (m == object_.MemberEnd() || m->value.IsNull()) return Status::Ok();
    if (m->value.IsArray() && m->value.Empty()) return Status::Ok();
    if (!m->value.IsObject()) return error("'arguments' must be an object");
    return json_to_table(m->value, out, "definitions: " + where_ + ": arguments");
  }

  Status tags(std::vector<std::string>& out) const {
    auto m = object_.FindMember("tags");
    if (m == object_.MemberEnd() || m->value.IsNull()) return Status::Ok();
    if (m->value.IsString()) {
      // RabbitMQ before 3.10 writes tags as one comma-separated string.
      std::string_view all(m->value.GetString(), m->value.GetStringLength());
      while (!all.empty()) {
        const size_t comma = std::min(all.find(','), all.size());
        std::string_view tag = all.substr(0, comma);
        while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
        while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
        if (!tag.empty()) out.emplace_back(tag);
        all.remove_prefix(std::min(comma + 1, all.size()));
      }
      return Status::Ok();
    }
    if (!m->value.IsArray()) return error("'tags' must be an array of strings");
    for (const Json& tag : m->value.GetArray()) {
      if (!tag.IsString()) return error("'tags' must be an array of strings");
      out.push_back(json_string(tag));
    }
    return Status::Ok();
  }

 private:
  const Json& object_;
  std::string where_;
};

// Calls `fn(entry)` for each object of the array `key` of `doc`; a missing key is empty.
template <typename Fn>
Status for_each_entry(const Json& doc, const char* key, Fn fn) {
  auto m = doc.FindMember(key);
  if (m == doc.MemberEnd() || m->value.IsNull()) return Status::Ok();
  if (!m->value.IsArray()) return invalid(key, "must be an array");
  rapidjson::SizeType i = 0;
  for (const Json& item : m->value.GetArray()) {
    std::string where = std::string(key) + "[" + std::to_string(i++) + "]";
    if (!item.IsObject()) return invalid(where, "must be an object");
    if (Status s = fn(Entry(item, std::move(where))); !s.ok()) return s;
  }
  return Status::Ok();
}

Status import_user(const Entry& e, UserStore& users) {
  User user;
  std::string hash;
  std::string algorithm(kHashingAlgorithm);
  if (Status s = e.string("name", user.name); !s.ok()) return s;
  if (Status s = e.string("password_hash", hash); !s.ok()) return s;
  if (Status s = e.string("hashing_algorithm", algorithm, false); !s.ok()) return s;
  if (algorithm != kHashingAlgorithm) {
    return e.error("hashing_algorithm '" + algorithm + "' is not supported (only " +
                   std::string(kHashingAlgorithm) + ")");
  }
  if (!hash.empty()) {
    auto decoded = base64_decode(hash);
    if (!decoded) return e.error("password_hash is not base64");
    if (decoded->size() != kSaltSize + kDigestSize) {
      return e.error("password_hash must hold a 4-byte salt and a 32-byte SHA-256 digest");
    }
    user.salt = decoded->substr(0, kSaltSize);
    user.password_digest = decoded->substr(kSaltSize);
  }
  if (Status s = e.tags(user.tags); !s.ok()) return s;
  if (Status s = e.boolean("polymq_loopback_only", user.loopback_only, user.name == "guest");
      !s.ok()) {
    return s;
  }
  users.insert(std::move(user));
  return Status::Ok();
}

VHost* entry_vhost(const Entry& e, Broker& broker, Status& status) {
  std::string name;
  status = e.string("vhost", name);
  if (!status.ok()) return nullptr;
  VHost* vhost = broker.find_vhost(name);
  if (vhost == nullptr) status = e.error("no vhost '" + name + "'");
  return vhost;
}

// A grant of a user that exists in a vhost that exists (RabbitMQ's import refuses others too).
Status import_permission(const Entry& e, Broker& broker) {
  std::string user;
  core::PermissionPatterns p;
  if (Status s = e.string("user", user); !s.ok()) return s;
  Status status;
  VHost* vhost = entry_vhost(e, broker, status);
  if (vhost == nullptr) return status;
  if (broker.users().find(user) == nullptr) return e.error("no user '" + user + "'");
  if (Status s = e.string("configure", p.configure); !s.ok()) return s;
  if (Status s = e.string("write", p.write); !s.ok()) return s;
  if (Status s = e.string("read", p.read); !s.ok()) return s;
  if (Status s = broker.permissions().set(vhost->name(), user, p); !s.ok()) {
    return e.error(s.message());
  }
  return Status::Ok();
}

// A replayed revocation; revoking what is not there is not an error.
Status clear_permission(const Entry& e, Broker& broker) {
  std::string user;
  std::string vhost;
  if (Status s = e.string("user", user); !s.ok()) return s;
  if (Status s = e.string("vhost", vhost); !s.ok()) return s;
  broker.permissions().clear(vhost, user);
  return Status::Ok();
}

// The definitions' section of policies of `kind`: RabbitMQ's "policies", and PolyMQ's own
// section for operator policies (RabbitMQ's definitions have none).
const char* policies_section(PolicyKind kind) {
  return kind == PolicyKind::kUser ? "policies" : "polymq_operator_policies";
}

// A policy of a vhost that exists, checked by the broker's model.
Status import_policy(const Entry& e, PolicyKind kind, Broker& broker) {
  Policy policy;
  if (Status s = read_policy_json(e.object(), "definitions: " + e.where(), policy); !s.ok()) {
    return s;
  }
  if (policy.name.empty()) return e.error("missing 'name'");
  if (Status s = broker.set_policy(kind, std::move(policy)); !s.ok()) return e.error(s.message());
  return Status::Ok();
}

// A replayed removal; removing what is not there is not an error.
Status clear_policy(const Entry& e, PolicyKind kind, Broker& broker) {
  std::string vhost;
  std::string name;
  if (Status s = e.string("vhost", vhost); !s.ok()) return s;
  if (Status s = e.string("name", name); !s.ok()) return s;
  broker.clear_policy(kind, vhost, name);
  return Status::Ok();
}

Status import_exchange(const Entry& e, Broker& broker) {
  std::string name;
  std::string type;
  ExchangeOptions options;
  if (Status s = e.string("name", name); !s.ok()) return s;
  if (Status s = e.string("type", type); !s.ok()) return s;
  if (Status s = e.boolean("durable", options.durable, true); !s.ok()) return s;
  if (Status s = e.boolean("auto_delete", options.auto_delete, false); !s.ok()) return s;
  if (Status s = e.boolean("internal", options.internal, false); !s.ok()) return s;
  if (Status s = e.arguments(options.arguments); !s.ok()) return s;
  Status status;
  VHost* vhost = entry_vhost(e, broker, status);
  if (vhost == nullptr) return status;
  // The default and amq.* exchanges always exist, as RabbitMQ's import skips them.
  if (name.empty() || has_reserved_prefix(name)) return Status::Ok();
  if (Status s = vhost->declare_exchange(name, type, options, false); !s.ok()) {
    return e.error(s.message());
  }
  return Status::Ok();
}

Status import_queue(const Entry& e, Broker& broker) {
  std::string name;
  QueueOptions options;
  if (Status s = e.string("name", name); !s.ok()) return s;
  if (Status s = e.boolean("durable", options.durable, true); !s.ok()) return s;
  if (Status s = e.boolean("auto_delete", options.auto_delete, false); !s.ok()) return s;
  if (Status s = e.arguments(options.arguments); !s.ok()) return s;
  Status status;
  VHost* vhost = entry_vhost(e, broker, status);
  if (vhost == nullptr) return status;
  if (is_stream_queue(options.arguments)) {
    StreamSettings settings;
    if (Status s = stream_settings(options.arguments, settings); !s.ok()) {
      return e.error(s.message());
    }
    // An existing stream takes the entry's settings: a replayed change of its configs.
    Stream* stream = nullptr;
    Status s = vhost->find_stream(name) != nullptr ? vhost->reconfigure_stream(name, settings)
                                                   : vhost->declare_stream(name, settings, stream);
    if (!s.ok()) return e.error(s.message());
    return Status::Ok();
  }
  if (Status s = vhost->restore_queue(name, options); !s.ok()) return e.error(s.message());
  return Status::Ok();
}

// A binding entry's fields, as both the import and the change log's removals read them.
struct BindingEntry {
  std::string source;
  std::string destination;
  std::string type;
  std::string key;
  Table arguments;
};

Status read_binding(const Entry& e, BindingEntry& b) {
  if (Status s = e.string("source", b.source); !s.ok()) return s;
  if (Status s = e.string("destination", b.destination); !s.ok()) return s;
  if (Status s = e.string("destination_type", b.type); !s.ok()) return s;
  if (Status s = e.string("routing_key", b.key, false); !s.ok()) return s;
  return e.arguments(b.arguments);
}

Status import_binding(const Entry& e, Broker& broker) {
  BindingEntry b;
  if (Status s = read_binding(e, b); !s.ok()) return s;
  const std::string& source = b.source;
  const std::string& destination = b.destination;
  const std::string& type = b.type;
  const std::string& key = b.key;
  const Table& arguments = b.arguments;
  Status status;
  VHost* vhost = entry_vhost(e, broker, status);
  if (vhost == nullptr) return status;
  Status s;
  if (type == "queue" && vhost->find_stream(destination) != nullptr) {
    s = vhost->bind_stream(destination, source, key, arguments);
  } else if (type == "queue") {
    s = vhost->bind_queue(destination, source, key, arguments, 0);
  } else if (type == "exchange") {
    s = vhost->bind_exchange(destination, source, key, arguments);
  } else {
    return e.error("destination_type must be \"queue\" or \"exchange\"");
  }
  if (!s.ok()) return e.error(s.message());
  return Status::Ok();
}

}  // namespace

std::string export_definitions(const Broker& broker) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("polymq_version");
  w.String(POLYMQ_VERSION);

  const auto users = broker.users().list();
  w.Key("users");
  w.StartArray();
  for (const User* user : users) write_user(w, *user);
  w.EndArray();

  const auto vhosts = broker.vhosts();
  w.Key("vhosts");
  w.StartArray();
  for (const VHost* vhost : vhosts) {
    w.StartObject();
    w.Key("name");
    write_string(w, vhost->name());
    w.EndObject();
  }
  w.EndArray();

  w.Key("permissions");
  w.StartArray();
  for (const auto& [key, grant] : broker.permissions().list()) {
    write_permission(w, key.first, key.second, grant->patterns());
  }
  w.EndArray();

  for (PolicyKind kind : {PolicyKind::kUser, PolicyKind::kOperator}) {
    w.Key(policies_section(kind));
    w.StartArray();
    for (const Policy* policy : broker.policies(kind).list()) {
      if (policy->durable) write_policy_json(w, *policy);
    }
    w.EndArray();
  }

  w.Key("exchanges");
  w.StartArray();
  for (const VHost* vhost : vhosts) {
    for (const Exchange* x : sorted_by_name(vhost->exchanges())) {
      if (exported(*x)) write_exchange(w, *vhost, *x);
    }
  }
  w.EndArray();

  w.Key("queues");
  w.StartArray();
  for (const VHost* vhost : vhosts) {
    for (const Queue* q : sorted_by_name(vhost->queues())) {
      if (survives_restart(q->options())) write_queue(w, *vhost, *q);
    }
    for (const Stream* stream : vhost->streams()) write_stream(w, *vhost, *stream);
  }
  w.EndArray();

  w.Key("bindings");
  w.StartArray();
  for (const VHost* vhost : vhosts) {
    for (const Exchange* x : sorted_by_name(vhost->exchanges())) {
      for (const Binding* b : x->bindings()) {
        if (!survives_restart(*x, *b)) continue;
        write_binding(w, *vhost, *x, b->queue(), b->stream(), b->exchange(), b->key, b->arguments);
      }
    }
  }
  w.EndArray();

  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Status import_definitions(std::string_view json, Broker& broker) {
  rapidjson::Document doc;
  if (std::string error; !parse_json(json, doc, error)) {
    return {ErrorCode::kInvalidArgument, "definitions: " + error};
  }
  if (!doc.IsObject()) return invalid("document", "must be a JSON object");

  if (Status s = for_each_entry(doc, "users",
                                [&](const Entry& e) { return import_user(e, broker.users()); });
      !s.ok()) {
    return s;
  }
  if (Status s = for_each_entry(doc, "vhosts",
                                [&](const Entry& e) {
                                  std::string name;
                                  if (Status st = e.string("name", name); !st.ok()) return st;
                                  broker.add_vhost(name);
                                  return Status::Ok();
                                });
      !s.ok()) {
    return s;
  }
  if (Status s = for_each_entry(doc, "permissions",
                                [&](const Entry& e) { return import_permission(e, broker); });
      !s.ok()) {
    return s;
  }
  for (PolicyKind kind : {PolicyKind::kUser, PolicyKind::kOperator}) {
    if (Status s = for_each_entry(doc, policies_section(kind),
                                  [&](const Entry& e) { return import_policy(e, kind, broker); });
        !s.ok()) {
      return s;
    }
  }
  if (Status s = for_each_entry(doc, "exchanges",
                                [&](const Entry& e) { return import_exchange(e, broker); });
      !s.ok()) {
    return s;
  }
  if (Status s =
          for_each_entry(doc, "queues", [&](const Entry& e) { return import_queue(e, broker); });
      !s.ok()) {
    return s;
  }
  return for_each_entry(doc, "bindings", [&](const Entry& e) { return import_binding(e, broker); });
}

std::string export_change(const DefinitionChange& change) {
  using Kind = DefinitionChange::Kind;
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  const bool added = change.kind == Kind::kExchangeAdded || change.kind == Kind::kQueueAdded ||
                     change.kind == Kind::kStreamAdded || change.kind == Kind::kStreamChanged ||
                     change.kind == Kind::kBindingAdded || change.kind == Kind::kVhostAdded ||
                     change.kind == Kind::kUserAdded || change.kind == Kind::kPermissionSet ||
                     change.kind == Kind::kPolicySet;
  w.StartObject();
  w.Key("op");
  // New arguments replace the old ones on replay (VHost::change_queue_arguments,
  // VHost::change_exchange_arguments).
  const bool changed = change.kind == Kind::kQueueChanged || change.kind == Kind::kExchangeChanged;
  w.String(changed ? "change" : added ? "add" : "remove");
  if (change.kind == Kind::kPolicySet || change.kind == Kind::kPolicyCleared) {
    w.Key(policies_section(change.policy_kind));
    w.StartArray();
    if (change.kind == Kind::kPolicySet) {
      write_policy_json(w, *change.policy);
    } else {
      w.StartObject();
      w.Key("vhost");
      write_string(w, change.vhost->name());
      w.Key("name");
      write_string(w, change.policy_name);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
  }
  if (change.kind == Kind::kPermissionSet || change.kind == Kind::kPermissionCleared) {
    w.Key("permissions");
    w.StartArray();
    if (change.kind == Kind::kPermissionSet) {
      write_permission(w, change.vhost->name(), change.user_name, *change.permissions);
    } else {
      w.StartObject();
      w.Key("user");
      write_string(w, change.user_name);
      w.Key("vhost");
      write_string(w, change.vhost->name());
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
  }
  const bool vhost_change = change.kind == Kind::kVhostAdded || change.kind == Kind::kVhostRemoved;
  if (vhost_change || change.kind == Kind::kUserAdded || change.kind == Kind::kUserRemoved) {
    w.Key(vhost_change ? "vhosts" : "users");
    w.StartArray();
    if (change.kind == Kind::kUserAdded) {
      write_user(w, *change.user);
    } else {
      w.StartObject();
      w.Key("name");
      write_string(w, vhost_change ? std::string_view(change.vhost->name()) : change.user_name);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
  }
  const VHost& vhost = *change.vhost;
  switch (change.kind) {
    case Kind::kQueueChanged:
      w.Key("queues");
      w.StartArray();
      write_queue(w, vhost, *change.queue);
      w.EndArray();
      break;
    case Kind::kExchangeChanged:
      w.Key("exchanges");
      w.StartArray();
      write_exchange(w, vhost, *change.exchange);
      w.EndArray();
      break;
    case Kind::kExchangeAdded:
    case Kind::kExchangeRemoved:
    case Kind::kQueueAdded:
    case Kind::kQueueRemoved:
    case Kind::kStreamAdded:
    case Kind::kStreamChanged:
    case Kind::kStreamRemoved: {
      const bool exchange = change.exchange != nullptr;
      w.Key(exchange ? "exchanges" : "queues");
      w.StartArray();
      if (!added) {
        // A removal names the entity; its bindings go with it on replay too.
        w.StartObject();
        w.Key("name");
        write_string(w, exchange                  ? change.exchange->name()
                        : change.queue != nullptr ? change.queue->name()
                                                  : change.stream->name());
        w.Key("vhost");
        write_string(w, vhost.name());
        w.EndObject();
      } else if (exchange) {
        write_exchange(w, vhost, *change.exchange);
      } else if (change.queue != nullptr) {
        write_queue(w, vhost, *change.queue);
      } else {
        write_stream(w, vhost, *change.stream);
      }
      w.EndArray();
      break;
    }
    case Kind::kVhostAdded:
    case Kind::kVhostRemoved:
    case Kind::kUserAdded:
    case Kind::kUserRemoved:
    case Kind::kPermissionSet:
    case Kind::kPermissionCleared:
    case Kind::kPolicySet:
    case Kind::kPolicyCleared:
      break;  // written above
    case Kind::kBindingAdded:
    case Kind::kBindingRemoved:
      w.Key("bindings");
      w.StartArray();
      write_binding(w, vhost, *change.exchange, change.queue, change.stream,
                    change.destination_exchange, change.key,
                    change.arguments != nullptr ? *change.arguments : Table{});
      w.EndArray();
      break;
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

namespace {

Status remove_entity(const Entry& e, Broker& broker, bool exchange) {
  std::string name;
  if (Status s = e.string("name", name); !s.ok()) return s;
  Status status;
  VHost* vhost = entry_vhost(e, broker, status);
  if (vhost == nullptr) return status;
  size_t count = 0;
  Status s = exchange ? vhost->delete_exchange(name, false)
             : vhost->find_stream(name) != nullptr
                 ? vhost->delete_stream(name)
                 : vhost->delete_queue(name, false, false, 0, count);
  if (!s.ok()) return e.error(s.message());
  return Status::Ok();
}

// A replayed change of a queue's or an exchange's arguments.
Status change_arguments(const Entry& e, Broker& broker, bool exchange) {
  std::string name;
  Table arguments;
  if (Status s = e.string("name", name); !s.ok()) return s;
  if (Status s = e.arguments(arguments); !s.ok()) return s;
  Status status;
  VHost* vhost = entry_vhost(e, broker, status);
  if (vhost == nullptr) return status;
  Status s = exchange ? vhost->change_exchange_arguments(name, arguments)
                      : vhost->change_queue_arguments(name, arguments);
  if (!s.ok()) return e.error(s.message());
  return Status::Ok();
}

Status remove_binding(const Entry& e, Broker& broker) {
  BindingEntry b;
  if (Status s = read_binding(e, b); !s.ok()) return s;
  Status status;
  VHost* vhost = entry_vhost(e, broker, status);
  if (vhost == nullptr) return status;
  Status s;
  if (b.type == "queue" && vhost->find_stream(b.destination) != nullptr) {
    s = vhost->unbind_stream(b.destination, b.source, b.key, b.arguments);
  } else if (b.type == "queue") {
    s = vhost->unbind_queue(b.destination, b.source, b.key, b.arguments, 0);
  } else {
    s = vhost->unbind_exchange(b.destination, b.source, b.key, b.arguments);
  }
  if (!s.ok()) return e.error(s.message());
  return Status::Ok();
}

}  // namespace

Status apply_change(std::string_view json, Broker& broker) {
  rapidjson::Document doc;
  if (std::string error; !parse_json(json, doc, error) || !doc.IsObject()) {
    return invalid("change", "not a JSON object");
  }
  const rapidjson::Value& root = doc;
  auto op = root.FindMember("op");
  if (op == root.MemberEnd() || !op->value.IsString()) return invalid("change", "no \"op\"");
  const std::string kind = json_string(op->value);
  if (kind == "add") return import_definitions(json, broker);
  if (kind == "change") {
    if (Status s = for_each_entry(
            doc, "exchanges", [&](const Entry& e) { return change_arguments(e, broker, true); });
        !s.ok()) {
      return s;
    }
    return for_each_entry(doc, "queues",
                          [&](const Entry& e) { return change_arguments(e, broker, false); });
  }
  if (kind != "remove") return invalid("change", "unknown op '" + kind + "'");
  if (Status s = for_each_entry(doc, "users",
                                [&](const Entry& e) {
                                  std::string name;
                                  if (Status st = e.string("name", name); !st.ok()) return st;
                                  broker.users().remove(name);
                                  broker.permissions().clear_user(name);
                                  return Status::Ok();
                                });
      !s.ok()) {
    return s;
  }
  if (Status s = for_each_entry(doc, "permissions",
                                [&](const Entry& e) { return clear_permission(e, broker); });
      !s.ok()) {
    return s;
  }
  for (PolicyKind policy_kind : {PolicyKind::kUser, PolicyKind::kOperator}) {
    if (Status s =
            for_each_entry(doc, policies_section(policy_kind),
                           [&](const Entry& e) { return clear_policy(e, policy_kind, broker); });
        !s.ok()) {
      return s;
    }
  }
  if (Status s = for_each_entry(doc, "bindings",
                                [&](const Entry& e) { return remove_binding(e, broker); });
      !s.ok()) {
    return s;
  }
  if (Status s = for_each_entry(doc, "queues",
                                [&](const Entry& e) { return remove_entity(e, broker, false); });
      !s.ok()) {
    return s;
  }
  if (Status s = for_each_entry(doc, "exchanges",
                                [&](const Entry& e) { return remove_entity(e, broker, true); });
      !s.ok()) {
    return s;
  }
  return for_each_entry(doc, "vhosts", [&](const Entry& e) {
    std::string name;
    if (Status st = e.string("name", name); !st.ok()) return st;
    broker.remove_vhost(name);
    return Status::Ok();
  });
}

}  // namespace polymq::rabbit
