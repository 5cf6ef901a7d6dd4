// Messages: POST /api/exchanges/{vhost}/{name}/publish and POST /api/queues/{vhost}/{name}/get,
// RabbitMQ's way to publish and peek from HTTP (meant for tests and operators, not load).
#include <cstring>

#include "core/message.h"
#include "management/json_body.h"
#include "management/json_output.h"
#include "management/service.h"
#include "rabbit/json_values.h"

namespace polymq::management {
namespace {

// The "properties" object of a publish, as RabbitMQ reads it (AMQP's basic properties by
// their names, headers a table); false with `error` for a wrong type.
bool read_properties(const rapidjson::Value& in, core::Properties& p, std::string& error) {
  if (!in.IsObject()) {
    error = "properties must be an object";
    return false;
  }
  for (auto m = in.MemberBegin(); m != in.MemberEnd(); ++m) {
    const std::string key(m->name.GetString(), m->name.GetStringLength());
    const rapidjson::Value& v = m->value;
    if (v.IsNull()) continue;
    std::optional<std::string>* text = key == "content_type"       ? &p.content_type
                                       : key == "content_encoding" ? &p.content_encoding
                                       : key == "correlation_id"   ? &p.correlation_id
                                       : key == "reply_to"         ? &p.reply_to
                                       : key == "expiration"       ? &p.expiration
                                       : key == "message_id"       ? &p.message_id
                                       : key == "type"             ? &p.type
                                       : key == "user_id"          ? &p.user_id
                                       : key == "app_id"           ? &p.app_id
                                       : key == "cluster_id"       ? &p.cluster_id
                                                                   : nullptr;
    if (text != nullptr) {
      if (!v.IsString()) {
        error = key + " must be a string";
        return false;
      }
      *text = std::string(v.GetString(), v.GetStringLength());
    } else if (key == "delivery_mode" || key == "priority") {
      int64_t n = -1;
      if (v.IsInt64()) {
        n = v.GetInt64();
      } else if (v.IsString() && v.GetStringLength() > 0 && v.GetStringLength() < 4) {
        n = std::atoi(v.GetString());
      }
      if (n < 0 || n > 255) {
        error = key + " must be an integer from 0 to 255";
        return false;
      }
      (key == "priority" ? p.priority : p.delivery_mode) = static_cast<uint8_t>(n);
    } else if (key == "timestamp") {
      if (!v.IsUint64()) {
        error = "timestamp must be an integer";
        return false;
      }
      p.timestamp = v.GetUint64();
    } else if (key == "headers") {
      core::Table headers;
      if (v.IsArray() && v.Empty()) continue;
      if (core::Status st = rabbit::json_to_table(v, headers, "headers"); !st.ok()) {
        error = st.message();
        return false;
      }
      p.headers = std::move(headers);
    } else {
      error = "unknown property " + key;
      return false;
    }
  }
  return true;
}

void write_properties(JsonWriter& w, const core::Properties& p) {
  const bool none = !p.content_type && !p.content_encoding && !p.priority && !p.correlation_id &&
                    !p.reply_to && !p.expiration && !p.message_id && !p.timestamp && !p.type &&
                    !p.user_id && !p.app_id && !p.cluster_id && !p.delivery_mode && !p.headers;
  if (none) {
    // RabbitMQ shows no properties as an empty Erlang list: [].
    w.StartArray();
    w.EndArray();
    return;
  }
  w.StartObject();
  auto text = [&](const char* key, const std::optional<std::string>& v) {
    if (!v) return;
    w.Key(key);
    write(w, *v);
  };
  text("content_type", p.content_type);
  text("content_encoding", p.content_encoding);
  if (p.priority) {
    w.Key("priority");
    w.Uint(*p.priority);
  }
  text("correlation_id", p.correlation_id);
  text("reply_to", p.reply_to);
  text("expiration", p.expiration);
  text("message_id", p.message_id);
  if (p.timestamp) {
    w.Key("timestamp");
    w.Uint64(*p.timestamp);
  }
  text("type", p.type);
  text("user_id", p.user_id);
  text("app_id", p.app_id);
  text("cluster_id", p.cluster_id);
  if (p.delivery_mode) {
    w.Key("delivery_mode");
    w.Uint(*p.delivery_mode);
  }
  if (p.headers) {
    w.Key("headers");
    rabbit::write_json_table(w, *p.headers);
  }
  w.EndObject();
}

// Whether `s` is valid UTF-8 (the "auto" encoding shows such payloads as strings).
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;  // continuation bytes
    if (c < 0x80) {
      n = 0;
    } else if ((c >> 5) == 0x6) {
      n = 1;
    } else if ((c >> 4) == 0xe) {
      n = 2;
    } else if ((c >> 3) == 0x1e) {
      n = 3;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

void Service::publish(const CallPtr& call, core::VHost& vhost, const std::string& exchange) {
  const Call& c = *call;
  JsonBody body;
  if (!parse_body(c, body)) return;
  std::string err;
  const std::optional<std::string> key = body.string("routing_key", err);
  const std::optional<std::string> payload = body.string("payload", err);
  const std::optional<std::string> encoding = body.string("payload_encoding", err);
  if (!err.empty()) return send(c, bad_request(err));
  if (!key) return send(c, bad_request("[{routing_key,not_found}]"));
  if (!payload) return send(c, bad_request("[{payload,not_found}]"));
  auto message = std::make_shared<core::Message>();
  message->exchange = exchange;
  message->routing_key = *key;
  if (const rapidjson::Value* props = body.find("properties")) {
    if (!(props->IsArray() && props->Empty()) &&
        !read_properties(*props, message->properties, err)) {
      return send(c, bad_request(err));
    }
  }
  const std::string enc = encoding.value_or("string");
  if (enc == "base64") {
    std::optional<std::string> bytes = rabbit::base64_decode(*payload);
    if (!bytes) return send(c, bad_request("payload is not base64"));
    message->body = *bytes;
  } else if (enc == "string") {
    message->body = *payload;
  } else {
    return send(c, bad_request("payload_encoding must be \"string\" or \"base64\""));
  }
  if (message->body.size() > broker_.limits().max_message_size) {
    return send(c, bad_request("message size exceeds max_message_size"));
  }
  core::PublishResult published = publisher_.publish(vhost, exchange, message, nullptr, true);
  if (!published.status.ok()) return send(c, status_error(published.status));
  pending_publishes_[published.id] = PendingPublish{c.responder, published.routed};
  publishes_completed();
}

void Service::get_messages(const CallPtr& call, core::VHost& vhost, core::Queue& queue) {
  (void)vhost;
  const Call& c = *call;
  JsonBody body;
  if (!parse_body(c, body)) return;
  std::string err;
  const int64_t count = body.integer("count", err).value_or(1);
  const std::string ackmode = body.string("ackmode", err).value_or("ack_requeue_true");
  const std::string encoding = body.string("encoding", err).value_or("auto");
  const std::optional<int64_t> truncate = body.integer("truncate", err);
  if (!err.empty()) return send(c, bad_request(err));
  if (count < 1) return send(c, bad_request("count must be at least 1"));
  if (encoding != "auto" && encoding != "base64") {
    return send(c, bad_request("Unsupported encoding. Please use auto or base64."));
  }
  const bool requeue = ackmode == "ack_requeue_true" || ackmode == "reject_requeue_true";
  const bool reject = ackmode == "reject_requeue_true" || ackmode == "reject_requeue_false";
  if (!requeue && !reject && ackmode != "ack_requeue_false") {
    return send(c, bad_request("Invalid ackmode"));
  }
  if (queue.options().exclusive) {
    return send(c, bad_request("RESOURCE_LOCKED - cannot obtain exclusive access to locked queue"));
  }
  // Taken as leases and settled before answering: a requeue puts each back in its place
  // with its delivery count raised (redelivered), as RabbitMQ's basic.get and nack.
  std::vector<core::Delivery> got;
  broker_.shard().receive(queue.id(), static_cast<size_t>(std::min<int64_t>(count, 10000)), {},
                          got);
  const size_t remaining = queue.message_count();
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartArray();
  for (size_t i = 0; i < got.size(); ++i) {
    const core::Message& m = *got[i].message;
    std::string_view payload = m.body.view();
    if (truncate && *truncate >= 0 && payload.size() > static_cast<size_t>(*truncate)) {
      payload = payload.substr(0, static_cast<size_t>(*truncate));
    }
    w.StartObject();
    w.Key("payload_bytes");
    w.Uint64(m.body.size());
    w.Key("redelivered");
    w.Bool(got[i].redelivered());
    w.Key("exchange");
    write(w, m.exchange);
    w.Key("routing_key");
    write(w, m.routing_key);
    w.Key("message_count");
    w.Uint64(remaining + (got.size() - i - 1));
    w.Key("properties");
    write_properties(w, m.properties);
    const bool as_string = encoding == "auto" && valid_utf8(payload);
    w.Key("payload");
    write(w, as_string ? std::string(payload) : rabbit::base64_encode(payload));
    w.Key("payload_encoding");
    w.String(as_string ? "string" : "base64");
    w.EndObject();
  }
  w.EndArray();
  const core::Shard::Settlement how = requeue  ? core::Shard::Settlement::kRequeue
                                      : reject ? core::Shard::Settlement::kReject
                                               : core::Shard::Settlement::kAck;
  const core::QueueId id = queue.id();
  for (const core::Delivery& d : got) {
    if (d.lease != 0) broker_.shard().settle(id, d.lease, how, {}, false);
  }
  if (requeue && !got.empty()) broker_.shard().dispatch(id);
  send(c, json(200, std::string(b.GetString(), b.GetSize())));
}

}  // namespace polymq::management
