// Exchanges, queues and bindings: /api/exchanges[/{vhost}[/{name}]], /api/queues[/{vhost}
// [/{name}]], /api/queues/{vhost}/{name}/contents, /api/bindings[/{vhost}], and the bindings
// between two objects, /api/bindings/{vhost}/e/{source}/{q|e}/{destination}[/{props}].
#include <chrono>
#include <functional>

#include "management/json_body.h"
#include "management/json_output.h"
#include "management/list_query.h"
#include "management/path.h"
#include "management/service.h"
#include "rabbit/json_values.h"
#include "rabbit/queue_arguments.h"
#include "rabbit/stream_arguments.h"

namespace polymq::management {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string arguments_json(const core::Table& arguments) {
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  rabbit::write_json_table(w, arguments);
  return text(b);
}

void write_exchange(JsonWriter& w, const std::string& vhost, const core::Exchange* x) {
  w.StartObject();
  w.Key("name");
  write(w, x != nullptr ? x->name() : "");
  w.Key("vhost");
  write(w, vhost);
  w.Key("type");
  w.String(x != nullptr ? core::exchange_type_name(x->type()) : "direct");
  w.Key("durable");
  w.Bool(x == nullptr || x->options().durable);
  w.Key("auto_delete");
  w.Bool(x != nullptr && x->options().auto_delete);
  w.Key("internal");
  w.Bool(x != nullptr && x->options().internal);
  w.Key("arguments");
  rabbit::write_json_table(w, x != nullptr ? x->options().arguments : core::Table{});
  w.Key("user_who_performed_action");
  w.String("rmq-internal");
  w.EndObject();
}

// The routing key as RabbitMQ writes it in a properties key (rabbit_mgmt_format's
// quote_binding): form-encoded, a space as '+', every byte but letters, digits and "-._" as
// %XX, '~' included, since a bare '~' separates the key from the arguments' digest.
std::string quote_binding_key(const std::string& key) {
  std::string out;
  for (const char c : key) {
    if (c == ' ') {
      out.push_back('+');
    } else if (c == '~') {
      out += "%7E";
    } else {
      out += encode_segment(std::string_view(&c, 1));
    }
  }
  return out;
}

// A properties key with its escapes undone ('+' a space, %XX a byte), so that a key matches
// whether the client sent it as listed or decoded once more (RabbitMQ accepts both).
std::string unquote_properties_key(const std::string& key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    const int hi = i + 2 < key.size() && key[i] == '%' ? hex_digit(key[i + 1]) : -1;
    const int lo = hi >= 0 ? hex_digit(key[i + 2]) : -1;
    if (lo >= 0) {
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(key[i] == '+' ? ' ' : key[i]);
    }
  }
  return out;
}

// RabbitMQ's "properties_key" naming a binding in URLs: the quoted routing key, "~" for an
// empty one, and "~" and a digest of the arguments when there are some.
std::string properties_key(const std::string& key, const core::Table& arguments) {
  if (arguments.empty()) return key.empty() ? "~" : quote_binding_key(key);
  const size_t h = std::hash<std::string>{}(arguments_json(arguments));
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string digest;
  for (int i = 0; i < 11; ++i) digest.push_back(kAlphabet[(h >> (i * 6)) & 63]);
  return quote_binding_key(key) + "~" + digest;
}

struct BindingRow {
  std::string source;
  std::string destination;
  const char* destination_type;
  std::string key;
  const core::Table* arguments;
};

void write_binding(JsonWriter& w, const std::string& vhost, const BindingRow& b) {
  w.StartObject();
  w.Key("source");
  write(w, b.source);
  w.Key("vhost");
  write(w, vhost);
  w.Key("destination");
  write(w, b.destination);
  w.Key("destination_type");
  w.String(b.destination_type);
  w.Key("routing_key");
  write(w, b.key);
  w.Key("arguments");
  rabbit::write_json_table(w, *b.arguments);
  w.Key("properties_key");
  write(w, properties_key(b.key, *b.arguments));
  w.EndObject();
}

// Every binding of a vhost, as RabbitMQ lists them: the default exchange's implicit binding
// of each queue first, then each exchange's, exchanges by name.
std::vector<BindingRow> binding_rows(const core::VHost& vhost) {
  static const core::Table kNone;
  std::vector<BindingRow> rows;
  std::vector<const core::Queue*> queues = vhost.queues();
  std::sort(queues.begin(), queues.end(),
            [](const core::Queue* a, const core::Queue* b) { return a->name() < b->name(); });
  for (const core::Queue* q : queues) rows.push_back({"", q->name(), "queue", q->name(), &kNone});
  std::vector<const core::Exchange*> exchanges = vhost.exchanges();
  std::sort(exchanges.begin(), exchanges.end(),
            [](const core::Exchange* a, const core::Exchange* b) { return a->name() < b->name(); });
  for (const core::Exchange* x : exchanges) {
    for (const core::Binding* b : x->bindings()) {
      const bool to_exchange = b->exchange() != nullptr;
      std::string destination = b->queue() != nullptr    ? b->queue()->name()
                                : b->stream() != nullptr ? b->stream()->name()
                                                         : b->exchange()->name();
      rows.push_back({x->name(), std::move(destination), to_exchange ? "exchange" : "queue", b->key,
                      &b->arguments});
    }
  }
  return rows;
}

}  // namespace

void Service::exchanges(const CallPtr& call) {
  const Call& c = *call;
  const std::string& method = c.request.method;
  if (c.path.size() <= 2) {
    if (method != "GET") return send(c, error(405, "method_not_allowed", method));
    if (c.path.size() == 2 && vhost_at(c, 1) == nullptr) return;
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    w.StartArray();
    for (const core::VHost* v : broker_.vhosts()) {
      if (c.path.size() == 2 && v->name() != c.path[1]) continue;
      if (!sees_vhost(c, v->name())) continue;
      std::vector<const core::Exchange*> xs = v->exchanges();
      xs.push_back(nullptr);  // the default exchange, named ""
      std::sort(xs.begin(), xs.end(), [](const core::Exchange* l, const core::Exchange* r) {
        return (l != nullptr ? l->name() : "") < (r != nullptr ? r->name() : "");
      });
      for (const core::Exchange* x : xs) write_exchange(w, v->name(), x);
    }
    w.EndArray();
    return send_list(c, text(b));
  }
  core::VHost* vhost = vhost_at(c, 1);
  if (vhost == nullptr) return;
  const std::string name = exchange_from_path(c.path[2]);
  core::Exchange* x = name.empty() ? nullptr : vhost->find_exchange(name);
  const bool exists = name.empty() || x != nullptr;
  if (c.path.size() == 4 && c.path[3] == "publish") {
    if (method != "POST") return send(c, error(405, "method_not_allowed", method));
    if (!exists) {
      // As RabbitMQ: the publish is refused as AMQP would refuse it.
      return send(c, bad_request("404 NOT_FOUND - no exchange '" + name + "' in vhost '" +
                                 vhost->name() + "'"));
    }
    if (!permitted(c, *vhost, core::Permission::kWrite, name)) return;
    return publish(call, *vhost, name);
  }
  if (c.path.size() == 5 && c.path[3] == "bindings" &&
      (c.path[4] == "source" || c.path[4] == "destination")) {
    if (method != "GET") return send(c, error(405, "method_not_allowed", method));
    if (!exists) return send(c, not_found());
    const bool as_source = c.path[4] == "source";
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    w.StartArray();
    for (const BindingRow& row : binding_rows(*vhost)) {
      const bool match = as_source ? row.source == name
                                   : std::string_view(row.destination_type) == "exchange" &&
                                         row.destination == name;
      if (match) write_binding(w, vhost->name(), row);
    }
    w.EndArray();
    return send_list(c, text(b));
  }
  if (c.path.size() != 3) return send(c, not_found());
  if (method == "GET") {
    if (!exists) return send(c, not_found());
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    write_exchange(w, vhost->name(), x);
    return send(c, json(200, text(b)));
  }
  if (method == "DELETE") {
    if (!exists) return send(c, not_found());
    if (!permitted(c, *vhost, core::Permission::kConfigure, name)) return;
    const uint64_t before = definitions_seq();
    const bool if_unused = http::find_param(c.params, "if-unused").value_or("") == "true";
    if (core::Status st = vhost->delete_exchange(name, if_unused); !st.ok()) {
      return send(c, status_error(st));
    }
    return send_when_durable(c, before, no_content(204));
  }
  if (method != "PUT") return send(c, error(405, "method_not_allowed", method));
  JsonBody body;
  if (!parse_body(c, body)) return;
  std::string err;
  core::ExchangeOptions options;
  const std::optional<std::string> type = body.string("type", err);
  options.durable = body.boolean("durable", err).value_or(false);
  options.auto_delete = body.boolean("auto_delete", err).value_or(false);
  options.internal = body.boolean("internal", err).value_or(false);
  if (!err.empty()) return send(c, bad_request(err));
  if (!type) return send(c, bad_request("[{type,not_specified}]"));
  if (core::Status st = body.table("arguments", options.arguments); !st.ok()) {
    return send(c, bad_request(st.message()));
  }
  if (name.empty()) return send(c, error(401, "not_authorised", "Access refused."));
  if (!permitted(c, *vhost, core::Permission::kConfigure, name)) return;
  const uint64_t before = definitions_seq();
  if (core::Status st = vhost->declare_exchange(name, *type, options, false); !st.ok()) {
    return send(c, status_error(st));
  }
  send_when_durable(c, before, no_content(exists ? 204 : 201));
}

void Service::queues(const CallPtr& call) {
  const Call& c = *call;
  const std::string& method = c.request.method;
  if (c.path.size() <= 2) {
    if (method != "GET") return send(c, error(405, "method_not_allowed", method));
    if (c.path.size() == 2 && vhost_at(c, 1) == nullptr) return;
    // Only the values are read here, on the loop; the JSON is written off it.
    std::vector<QueueRow> rows;
    for (const core::VHost* v : broker_.vhosts()) {
      if (c.path.size() == 2 && v->name() != c.path[1]) continue;
      if (!sees_vhost(c, v->name())) continue;
      for (const core::Queue* q : v->queues()) rows.push_back(queue_row(*q));
      for (const core::Stream* s : v->streams()) rows.push_back(stream_row(v->name(), *s));
    }
    ListQuery query;
    std::string err;
    if (!parse_list_query(c.params, query, err)) return send(c, bad_request(err));
    send_off_loop(c, [rows = std::move(rows), node = config_.node_name, sampler = queue_rates_,
                      query]() mutable {
      const auto now = QueueRateSampler::Clock::now();
      std::string items = queue_rows_json(std::move(rows), node, sampler.get(), now);
      // Queues gone for long (deleted) leave the sampler.
      sampler->forget_unread_since(now - std::chrono::minutes(10));
      return list_answer(std::move(items), query);
    });
    return;
  }
  core::VHost* vhost = vhost_at(c, 1);
  if (vhost == nullptr) return;
  const std::string& name = c.path[2];
  core::Queue* queue = vhost->find_queue(name);
  core::Stream* stream = queue == nullptr ? vhost->find_stream(name) : nullptr;
  if (c.path.size() == 4) {
    if (queue == nullptr && stream == nullptr) return send(c, not_found());
    const std::string& what = c.path[3];
    if (what == "contents") {
      if (method != "DELETE") return send(c, error(405, "method_not_allowed", method));
      if (queue == nullptr) return send(c, bad_request("streams cannot be purged"));
      if (!permitted(c, *vhost, core::Permission::kRead, name)) return;
      size_t count = 0;
      if (core::Status st = vhost->purge_queue(name, 0, count); !st.ok()) {
        return send(c, status_error(st));
      }
      return send(c, no_content(204));
    }
    if (what == "get") {
      if (method != "POST") return send(c, error(405, "method_not_allowed", method));
      if (queue == nullptr) return send(c, bad_request("messages of streams are read by offset"));
      if (!permitted(c, *vhost, core::Permission::kRead, name)) return;
      return get_messages(call, *vhost, *queue);
    }
    if (what == "bindings") {
      if (method != "GET") return send(c, error(405, "method_not_allowed", method));
      rapidjson::StringBuffer b;
      JsonWriter w(b);
      w.StartArray();
      for (const BindingRow& row : binding_rows(*vhost)) {
        if (std::string_view(row.destination_type) == "queue" && row.destination == name) {
          write_binding(w, vhost->name(), row);
        }
      }
      w.EndArray();
      return send_list(c, text(b));
    }
    return send(c, not_found());
  }
  if (c.path.size() != 3) return send(c, not_found());
  if (method == "GET") {
    if (queue == nullptr && stream == nullptr) return send(c, not_found());
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    if (queue != nullptr) {
      const QueueRow row = queue_row(*queue);
      const QueueRates rates = queue_rates(*queue_rates_, row, QueueRateSampler::Clock::now());
      write_queue_row(w, config_.node_name, row, &rates);
    } else {
      write_queue_row(w, config_.node_name, stream_row(vhost->name(), *stream), nullptr);
    }
    return send(c, json(200, text(b)));
  }
  if (method == "DELETE") {
    if (queue == nullptr && stream == nullptr) return send(c, not_found());
    if (!permitted(c, *vhost, core::Permission::kConfigure, name)) return;
    const uint64_t before = definitions_seq();
    const bool if_unused = http::find_param(c.params, "if-unused").value_or("") == "true";
    const bool if_empty = http::find_param(c.params, "if-empty").value_or("") == "true";
    size_t count = 0;
    core::Status st = stream != nullptr ? vhost->delete_stream(name)
                                        : vhost->delete_queue(name, if_unused, if_empty, 0, count);
    if (!st.ok()) return send(c, status_error(st));
    return send_when_durable(c, before, no_content(204));
  }
  if (method != "PUT") return send(c, error(405, "method_not_allowed", method));
  JsonBody body;
  if (!parse_body(c, body)) return;
  std::string err;
  core::QueueOptions options;
  options.durable = body.boolean("durable", err).value_or(false);
  options.auto_delete = body.boolean("auto_delete", err).value_or(false);
  if (!err.empty()) return send(c, bad_request(err));
  if (core::Status st = body.table("arguments", options.arguments); !st.ok()) {
    return send(c, bad_request(st.message()));
  }
  if (name.empty()) return send(c, bad_request("queue name must not be empty"));
  if (!permitted(c, *vhost, core::Permission::kConfigure, name)) return;
  const bool existed = queue != nullptr || stream != nullptr;
  if (!existed) {
    // RabbitMQ's API declares over AMQP as the user, whose channel checks a new queue's
    // dead-letter exchange: 400 for a wrong type, else read on the queue and write on the
    // exchange (the default exchange under the name it shows for it).
    const std::string* dlx = nullptr;
    if (core::Status st =
            rabbit::dead_letter_exchange_argument(options.arguments, name, vhost->name(), dlx);
        !st.ok()) {
      return send(c, status_error(st));
    }
    if (dlx != nullptr &&
        (!permitted(c, *vhost, core::Permission::kRead, name) ||
         !permitted(c, *vhost, core::Permission::kWrite, dlx->empty() ? "amq.default" : *dlx))) {
      return;
    }
  }
  const uint64_t before = definitions_seq();
  if (rabbit::is_stream_queue(options.arguments)) {
    if (const char* refused = rabbit::unsupported_stream_argument(options.arguments)) {
      return send(c, bad_request(std::string("invalid arg '") + refused + "' for queue '" + name +
                                 "' in vhost '" + vhost->name() + "' of queue type " +
                                 rabbit::kStreamQueueTypeName));
    }
    core::StreamSettings settings;
    if (core::Status st = rabbit::stream_settings(options.arguments, settings); !st.ok()) {
      return send(c, status_error(st));
    }
    core::Stream* out = nullptr;
    if (core::Status st = vhost->declare_stream(name, settings, out); !st.ok()) {
      return send(c, status_error(st));
    }
  } else {
    core::QueueDeclareOutcome out;
    if (core::Status st = vhost->declare_queue(name, options, false, 0, out); !st.ok()) {
      return send(c, status_error(st));
    }
  }
  send_when_durable(c, before, no_content(existed ? 204 : 201));
}

void Service::bindings(const CallPtr& call) {
  const Call& c = *call;
  if (c.path.size() >= 5) return binding_between(call);
  if (c.path.size() > 2) return send(c, not_found());
  if (c.request.method != "GET") return send(c, error(405, "method_not_allowed", c.request.method));
  if (c.path.size() == 2 && vhost_at(c, 1) == nullptr) return;
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartArray();
  for (const core::VHost* v : broker_.vhosts()) {
    if (c.path.size() == 2 && v->name() != c.path[1]) continue;
    if (!sees_vhost(c, v->name())) continue;
    for (const BindingRow& row : binding_rows(*v)) write_binding(w, v->name(), row);
  }
  w.EndArray();
  send_list(c, text(b));
}

// /api/bindings/{vhost}/e/{source}/{q|e}/{destination}: GET lists, POST {"routing_key",
// "arguments"} binds (201, Location: the new binding's properties key);
// .../{props}: GET shows one, DELETE unbinds.
void Service::binding_between(const CallPtr& call) {
  const Call& c = *call;
  const std::string& method = c.request.method;
  if (c.path.size() > 7 || c.path[2] != "e" || (c.path[4] != "q" && c.path[4] != "e")) {
    return send(c, not_found());
  }
  core::VHost* vhost = vhost_at(c, 1);
  if (vhost == nullptr) return;
  const std::string source = exchange_from_path(c.path[3]);
  const bool to_queue = c.path[4] == "q";
  const std::string destination = c.path.size() > 5 ? c.path[5] : std::string();
  if (c.path.size() == 5) return send(c, not_found());
  const bool source_exists = source.empty() || vhost->find_exchange(source) != nullptr;
  const bool destination_exists = to_queue ? vhost->find_queue(destination) != nullptr ||
                                                 vhost->find_stream(destination) != nullptr
                                           : vhost->find_exchange(destination) != nullptr;
  if (!source_exists || !destination_exists) return send(c, not_found());

  std::vector<BindingRow> rows;
  for (BindingRow& row : binding_rows(*vhost)) {
    if (row.source == source && row.destination == destination &&
        std::string_view(row.destination_type) == (to_queue ? "queue" : "exchange")) {
      rows.push_back(std::move(row));
    }
  }
  if (c.path.size() == 6) {
    if (method == "GET") {
      rapidjson::StringBuffer b;
      JsonWriter w(b);
      w.StartArray();
      for (const BindingRow& row : rows) write_binding(w, vhost->name(), row);
      w.EndArray();
      return send_list(c, text(b));
    }
    if (method != "POST") return send(c, error(405, "method_not_allowed", method));
    JsonBody body;
    if (!parse_body(c, body)) return;
    std::string err;
    const std::string key = body.string("routing_key", err).value_or("");
    if (!err.empty()) return send(c, bad_request(err));
    core::Table arguments;
    if (core::Status st = body.table("arguments", arguments); !st.ok()) {
      return send(c, bad_request(st.message()));
    }
    if (source.empty()) return send(c, error(401, "not_authorised", "Access refused."));
    if (!may_bind(c, *vhost, source, destination)) return;
    const uint64_t before = definitions_seq();
    core::Status st = !to_queue ? vhost->bind_exchange(destination, source, key, arguments)
                      : vhost->find_stream(destination) != nullptr
                          ? vhost->bind_stream(destination, source, key, arguments)
                          : vhost->bind_queue(destination, source, key, arguments, 0);
    if (!st.ok()) return send(c, status_error(st));
    http::Response created;
    created.status = 201;
    // Relative to the request, as RabbitMQ: "<destination>/<properties key>".
    created.headers.add("Location", encode_segment(destination) + "/" +
                                        encode_segment(properties_key(key, arguments)));
    return send_when_durable(c, before, std::move(created));
  }
  // One binding, by its properties key (the path's last segment, decoded).
  const std::string& props = c.path[6];
  const BindingRow* found = nullptr;
  const std::string wanted = unquote_properties_key(props);
  for (const BindingRow& row : rows) {
    if (unquote_properties_key(properties_key(row.key, *row.arguments)) == wanted) found = &row;
  }
  if (found == nullptr) return send(c, not_found());
  if (method == "GET") {
    rapidjson::StringBuffer b;
    JsonWriter w(b);
    write_binding(w, vhost->name(), *found);
    return send(c, json(200, text(b)));
  }
  if (method != "DELETE") return send(c, error(405, "method_not_allowed", method));
  if (source.empty()) return send(c, error(401, "not_authorised", "Access refused."));
  if (!may_bind(c, *vhost, source, destination)) return;
  const core::Table arguments = *found->arguments;
  const std::string key = found->key;
  const uint64_t before = definitions_seq();
  core::Status st = !to_queue ? vhost->unbind_exchange(destination, source, key, arguments)
                    : vhost->find_stream(destination) != nullptr
                        ? vhost->unbind_stream(destination, source, key, arguments)
                        : vhost->unbind_queue(destination, source, key, arguments, 0);
  if (!st.ok()) return send(c, status_error(st));
  send_when_durable(c, before, no_content(204));
}

}  // namespace polymq::management
