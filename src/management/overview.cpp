// The broker as a whole: /api/overview, /api/whoami, /api/nodes, /api/health/checks/alarms,
// /api/aliveness-test/{vhost}, /api/definitions.
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "core/connections.h"
#include "core/message.h"
#include "management/json_body.h"
#include "management/json_output.h"
#include "management/service.h"
#include "rabbit/definitions.h"
#include "rabbit/json_values.h"

namespace polymq::management {
namespace {

void write_tags(JsonWriter& w, const std::vector<std::string>& tags) {
  w.StartArray();
  for (const std::string& t : tags) write(w, t);
  w.EndArray();
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void Service::overview(const CallPtr& call) {
  const Call& c = *call;
  if (c.path.size() != 1) return send(c, not_found());
  if (c.request.method != "GET") return send(c, error(405, "method_not_allowed", c.request.method));
  uint64_t exchanges = 0, queues = 0, consumers = 0, ready = 0, unacked = 0;
  for (const core::VHost* v : broker_.vhosts()) {
    exchanges += v->exchanges().size() + 1;  // and the default exchange
    queues += v->queues().size() + v->streams().size();
    for (const core::Queue* q : v->queues()) {
      consumers += q->consumer_count();
      ready += q->message_count();
      unacked += q->unacked_count();
    }
  }
  // Every open connection and its channels, whoever asks (RabbitMQ counts them for all).
  uint64_t connections = 0, channels = 0;
  for (const core::LiveConnection* live : broker_.connections().all()) {
    core::ConnectionView view;
    live->describe(view, true);
    ++connections;
    channels += view.channels.size();
  }
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartObject();
  w.Key("management_version");
  write(w, config_.product_version);
  w.Key("rates_mode");
  w.String("basic");
  // Statistics are on (what PolyMQ keeps of them), as RabbitMQ says by default.
  w.Key("disable_stats");
  w.Bool(false);
  w.Key("enable_queue_totals");
  w.Bool(false);
  w.Key("product_name");
  w.String("PolyMQ");
  w.Key("product_version");
  write(w, config_.product_version);
  w.Key("rabbitmq_version");
  write(w, config_.product_version);
  w.Key("cluster_name");
  write(w, config_.node_name);
  w.Key("node");
  write(w, config_.node_name);
  w.Key("exchange_types");
  w.StartArray();
  for (const char* t : {"direct", "fanout", "headers", "topic"}) {
    w.StartObject();
    w.Key("name");
    w.String(t);
    w.Key("description");  // RabbitMQ's words: the web UI shows them
    write(w, "AMQP " + std::string(t) + " exchange, as per the AMQP specification");
    w.Key("enabled");
    w.Bool(true);
    w.EndObject();
  }
  w.EndArray();
  // Totals since the broker started, under RabbitMQ's names, and the queued messages, with
  // their rates since an earlier look (rate_sampler.h).
  const MessageStatValues totals = message_stat_values(broker_.counters());
  BrokerRates::Values values{};
  std::copy(totals.begin(), totals.end(), values.begin());
  values[kMessageStatCount] = ready;
  values[kMessageStatCount + 1] = unacked;
  const BrokerRates::Rates r = broker_rates_.rates(0, values, BrokerRates::Clock::now());
  MessageStatRates stat_rates{};
  std::copy_n(r.begin(), kMessageStatCount, stat_rates.begin());
  write_message_stats(w, totals, &stat_rates);
  const double ready_rate = r[kMessageStatCount];
  const double unacked_rate = r[kMessageStatCount + 1];
  w.Key("queue_totals");
  w.StartObject();
  w.Key("messages");
  w.Uint64(ready + unacked);
  write_rate(w, "messages_details", ready_rate + unacked_rate);
  w.Key("messages_ready");
  w.Uint64(ready);
  write_rate(w, "messages_ready_details", ready_rate);
  w.Key("messages_unacknowledged");
  w.Uint64(unacked);
  write_rate(w, "messages_unacknowledged_details", unacked_rate);
  w.EndObject();
  w.Key("object_totals");
  w.StartObject();
  w.Key("channels");
  w.Uint64(channels);
  w.Key("connections");
  w.Uint64(connections);
  w.Key("consumers");
  w.Uint64(consumers);
  w.Key("exchanges");
  w.Uint64(exchanges);
  w.Key("queues");
  w.Uint64(queues);
  w.EndObject();
  w.Key("listeners");
  w.StartArray();
  for (const auto& [protocol, port] : config_.listeners) {
    if (port == 0) continue;
    w.StartObject();
    w.Key("node");
    write(w, config_.node_name);
    w.Key("protocol");
    write(w, protocol);
    w.Key("ip_address");
    write(w, config_.bind_address);
    w.Key("port");
    w.Uint(port);
    w.EndObject();
  }
  w.EndArray();
  w.Key("contexts");
  w.StartArray();
  w.EndArray();
  w.EndObject();
  send(c, json(200, text(b)));
}

void Service::whoami(const CallPtr& call) {
  const Call& c = *call;
  if (c.path.size() != 1) return send(c, not_found());
  if (c.request.method != "GET") return send(c, error(405, "method_not_allowed", c.request.method));
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartObject();
  w.Key("name");
  write(w, c.user);
  w.Key("tags");
  write_tags(w, c.tags);
  w.EndObject();
  send(c, json(200, text(b)));
}

void Service::nodes(const CallPtr& call) {
  const Call& c = *call;
  if (c.path.size() > 2 || (c.path.size() == 2 && c.path[1] != config_.node_name)) {
    return send(c, not_found());
  }
  if (c.request.method != "GET") return send(c, error(405, "method_not_allowed", c.request.method));
  core::ResourceAlarms& alarms = broker_.alarms();
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  if (c.path.size() == 1) w.StartArray();
  w.StartObject();
  w.Key("name");
  write(w, config_.node_name);
  w.Key("type");
  w.String("disc");
  w.Key("running");
  w.Bool(true);
  w.Key("os_pid");
  write(w, std::to_string(::getpid()));
  w.Key("uptime");
  w.Int64(now_ms() - started_ms_);
  w.Key("processors");
  w.Uint(1);  // one event loop
  w.Key("mem_used");
  w.Uint64(broker_.message_memory());
  w.Key("mem_limit");
  w.Uint64(alarms.memory_high_watermark());
  w.Key("mem_alarm");
  w.Bool(alarms.memory_alarm());
  w.Key("disk_free");
  w.Uint64(alarms.disk_free());
  w.Key("disk_free_limit");
  w.Uint64(alarms.disk_free_limit());
  w.Key("disk_free_alarm");
  w.Bool(alarms.disk_alarm());
  w.Key("partitions");
  w.StartArray();
  w.EndArray();
  w.EndObject();
  if (c.path.size() == 1) w.EndArray();
  send(c, json(200, text(b)));
}

// /api/health/checks/alarms: 200 {"status":"ok"}, or 503 naming the alarms in effect.
void Service::alarms_check(const CallPtr& call) {
  const Call& c = *call;
  if (c.path.size() != 3 || c.path[1] != "checks" || c.path[2] != "alarms") {
    return send(c, not_found());
  }
  if (c.request.method != "GET") return send(c, error(405, "method_not_allowed", c.request.method));
  core::ResourceAlarms& alarms = broker_.alarms();
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  w.StartObject();
  w.Key("status");
  if (!alarms.any()) {
    w.String("ok");
    w.EndObject();
    return send(c, json(200, text(b)));
  }
  w.String("failed");
  w.Key("reason");
  w.String("resource alarm(s) in effect in the cluster");
  w.Key("alarms");
  w.StartArray();
  for (const auto& [on, resource] :
       {std::pair{alarms.memory_alarm(), "memory"}, std::pair{alarms.disk_alarm(), "disk"}}) {
    if (!on) continue;
    w.StartObject();
    w.Key("node");
    write(w, config_.node_name);
    w.Key("resource");
    w.String(resource);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  send(c, json(503, text(b)));
}

// As RabbitMQ's: declares the queue "aliveness-test" in the vhost, publishes a message to it
// through the default exchange and takes it back.
void Service::aliveness_test(const CallPtr& call) {
  const Call& c = *call;
  if (c.path.size() != 2) return send(c, not_found());
  core::VHost* vhost = vhost_at(c, 1);
  if (vhost == nullptr) return;
  core::QueueOptions options;
  core::QueueDeclareOutcome out;
  if (core::Status st = vhost->declare_queue("aliveness-test", options, false, 0, out); !st.ok()) {
    return send(c, status_error(st));
  }
  auto message = std::make_shared<core::Message>();
  message->routing_key = "aliveness-test";
  message->body = "test_message";
  core::PublishResult published = publisher_.publish(*vhost, "", message, nullptr, false);
  std::vector<core::Delivery> got;
  core::Queue::ReceiveOptions receive;
  receive.auto_settle = true;
  if (published.status.ok()) broker_.shard().receive(out.queue->id(), 1, receive, got);
  const bool alive =
      published.status.ok() && !got.empty() && got.front().message->body.view() == "test_message";
  if (!alive) return send(c, error(500, "failed", "aliveness test failed"));
  send(c, json(200, "{\"status\":\"ok\"}"));
}

// GET exports the durable definitions (rabbit/definitions.h); POST imports a document of
// the same layout (also RabbitMQ's export) and answers once the changes are on disk.
void Service::definitions(const CallPtr& call) {
  const Call& c = *call;
  if (c.path.size() != 1) return send(c, not_found());
  if (c.request.method == "GET") {
    if (!require(c, Access::kAdministrator)) return;
    return send(c, json(200, rabbit::export_definitions(broker_)));
  }
  if (c.request.method != "POST")
    return send(c, error(405, "method_not_allowed", c.request.method));
  if (!require(c, Access::kAdministrator)) return;
  const uint64_t before = definitions_seq();
  JsonBody body;
  if (!parse_body(c, body)) return;
  // The core records the exchanges, queues and bindings the import declares; the vhosts,
  // users and permissions of the document are recorded here, the vhosts first so that a replay of
  // the change log finds them before what they hold.
  auto names = [&](const char* section) {
    std::vector<std::string> out;
    const rapidjson::Value* list = body.find(section);
    if (list == nullptr || !list->IsArray()) return out;
    for (const rapidjson::Value& entry : list->GetArray()) {
      if (!entry.IsObject()) continue;
      auto name = entry.FindMember("name");
      if (name != entry.MemberEnd() && name->value.IsString()) {
        out.emplace_back(name->value.GetString(), name->value.GetStringLength());
      }
    }
    return out;
  };
  for (const std::string& vhost : names("vhosts")) {
    if (broker_.find_vhost(vhost) != nullptr) continue;
    broker_.add_vhost(vhost);
    record_vhost(vhost);
  }
  if (core::Status st = rabbit::import_definitions(c.request.body, broker_); !st.ok()) {
    return send(c, bad_request(st.message()));
  }
  for (const std::string& user : names("users")) record_user(user);
  // The grants after their users and vhosts, as they stand after the import.
  if (const rapidjson::Value* list = body.find("permissions"); list != nullptr && list->IsArray()) {
    for (const rapidjson::Value& entry : list->GetArray()) {
      if (!entry.IsObject()) continue;
      auto user = entry.FindMember("user");
      auto vhost = entry.FindMember("vhost");
      if (user == entry.MemberEnd() || vhost == entry.MemberEnd() || !user->value.IsString() ||
          !vhost->value.IsString()) {
        continue;
      }
      const core::VHost* v = broker_.find_vhost(
          std::string_view(vhost->value.GetString(), vhost->value.GetStringLength()));
      if (v != nullptr) {
        record_permission(*v, std::string(user->value.GetString(), user->value.GetStringLength()));
      }
    }
  }
  http::Response ok;
  ok.status = 204;
  send_when_durable(c, before, std::move(ok));
}

}  // namespace polymq::management
