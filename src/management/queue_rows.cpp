#include "management/queue_rows.h"

#include <algorithm>
#include <tuple>

#include "rabbit/json_values.h"
#include "rabbit/stream_arguments.h"

namespace polymq::management {
namespace {

std::string table_json(const core::Table& table) {
  if (table.empty()) return "{}";
  rapidjson::StringBuffer b;
  JsonWriter w(b);
  rabbit::write_json_table(w, table);
  return text(b);
}

void write_policy_name(JsonWriter& w, const std::string& name) {
  if (name.empty()) {
    w.Null();
  } else {
    write(w, name);
  }
}

}  // namespace

QueueRow queue_row(const core::Queue& queue) {
  const core::QueueOptions& o = queue.options();
  QueueRow row;
  row.id = queue.id();
  row.name = queue.name();
  row.vhost = queue.vhost();
  row.durable = o.durable;
  row.auto_delete = o.auto_delete;
  row.exclusive = o.exclusive;
  row.arguments_json = table_json(o.arguments);
  row.policy = queue.applied_policies().policy;
  row.operator_policy = queue.applied_policies().operator_policy;
  row.consumers = queue.consumer_count();
  row.ready = queue.message_count();
  row.unacked = queue.unacked_count();
  row.ready_bytes = queue.ready_bytes();
  row.paged = queue.paged_count();
  row.paged_bytes = queue.paged_bytes();
  row.memory = queue.memory_bytes();
  row.stats = queue.stats();
  return row;
}

QueueRow stream_row(const std::string& vhost, const core::Stream& stream) {
  QueueRow row;
  row.name = stream.name();
  row.vhost = vhost;
  row.stream = true;
  row.arguments_json = table_json(rabbit::stream_arguments(stream.settings()));
  return row;
}

QueueRates queue_rates(QueueRateSampler& sampler, const QueueRow& row,
                       QueueRateSampler::Clock::time_point now) {
  const core::QueueStats& s = row.stats;
  const auto r = sampler.rates(
      row.id, {row.ready, row.unacked, s.published, s.delivered, s.redelivered, s.acked}, now);
  return {.messages = r[0] + r[1],
          .ready = r[0],
          .unacked = r[1],
          .publish = r[2],
          .deliver_get = r[3],
          .redeliver = r[4],
          .ack = r[5]};
}

void write_queue_row(JsonWriter& w, const std::string& node, const QueueRow& row,
                     const QueueRates* rates) {
  static const QueueRates kNone;
  const QueueRates& r = rates != nullptr ? *rates : kNone;
  w.StartObject();
  w.Key("name");
  write(w, row.name);
  w.Key("vhost");
  write(w, row.vhost);
  w.Key("type");
  w.String(row.stream ? "stream" : "classic");
  w.Key("node");
  write(w, node);
  w.Key("state");
  w.String("running");
  w.Key("durable");
  w.Bool(row.durable);
  w.Key("auto_delete");
  w.Bool(row.auto_delete);
  w.Key("exclusive");
  w.Bool(row.exclusive);
  w.Key("arguments");
  w.RawValue(row.arguments_json.data(), row.arguments_json.size(), rapidjson::kObjectType);
  if (row.stream) {
    // A stream's messages are a log read by offset, not counted as a queue's.
    w.EndObject();
    return;
  }
  w.Key("policy");
  write_policy_name(w, row.policy);
  w.Key("operator_policy");
  write_policy_name(w, row.operator_policy);
  w.Key("exclusive_consumer_tag");
  w.Null();
  w.Key("consumers");
  w.Uint64(row.consumers);
  w.Key("messages");
  w.Uint64(row.ready + row.unacked);
  write_rate(w, "messages_details", r.messages);
  w.Key("messages_ready");
  w.Uint64(row.ready);
  write_rate(w, "messages_ready_details", r.ready);
  w.Key("messages_unacknowledged");
  w.Uint64(row.unacked);
  write_rate(w, "messages_unacknowledged_details", r.unacked);
  w.Key("message_bytes_ready");
  w.Uint64(row.ready_bytes);
  w.Key("messages_paged_out");
  w.Uint64(row.paged);
  w.Key("message_bytes_paged_out");
  w.Uint64(row.paged_bytes);
  w.Key("memory");
  w.Uint64(row.memory);
  // As RabbitMQ: only once messages went through the queue.
  const core::QueueStats& s = row.stats;
  if (s.published != 0 || s.delivered != 0 || s.acked != 0) {
    w.Key("message_stats");
    w.StartObject();
    write_counter(w, "publish", s.published, &r.publish);
    write_counter(w, "deliver_get", s.delivered, &r.deliver_get);
    write_counter(w, "redeliver", s.redelivered, &r.redeliver);
    write_counter(w, "ack", s.acked, &r.ack);
    w.EndObject();
  }
  w.EndObject();
}

std::string queue_rows_json(std::vector<QueueRow> rows, const std::string& node,
                            QueueRateSampler* sampler, QueueRateSampler::Clock::time_point now) {
  std::sort(rows.begin(), rows.end(), [](const QueueRow& a, const QueueRow& b) {
    return std::tie(a.vhost, a.name) < std::tie(b.vhost, b.name);
  });
  rapidjson::StringBuffer b;
  // About what a row takes, so the buffer grows rarely.
  b.Reserve(rows.size() * 640 + 2);
  JsonWriter w(b);
  w.StartArray();
  for (const QueueRow& row : rows) {
    if (sampler != nullptr && !row.stream) {
      const QueueRates rates = queue_rates(*sampler, row, now);
      write_queue_row(w, node, row, &rates);
    } else {
      write_queue_row(w, node, row, nullptr);
    }
  }
  w.EndArray();
  return text(b);
}

}  // namespace polymq::management
