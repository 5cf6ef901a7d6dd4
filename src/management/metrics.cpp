// /metrics and /metrics/per-object: the broker's state and counters in Prometheus's text
// format, under the names of RabbitMQ's rabbitmq_prometheus plugin where one has an
// equivalent (so dashboards built for RabbitMQ read them) and polymq_* names for the rest.
// /metrics aggregates (queue figures summed, no labels), as the plugin does by default;
// /metrics/per-object gives the queue and stream figures per object, labelled vhost and
// queue (stream), as the plugin's endpoint of that name.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "management/service.h"

namespace polymq::management {
namespace {

uint64_t resident_memory_bytes() {
  // /proc/self/statm: size resident shared ... in pages.
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  if (n != 2) return 0;
  return resident * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
}

uint64_t open_fds() {
  std::error_code ec;
  uint64_t n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return n;
}

uint64_t max_fds() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  return limit.rlim_cur;
}

}  // namespace

void Service::metrics(const Call& call, bool per_object) {
  if (call.request.method != "GET" && call.request.method != "HEAD") {
    return send(call, error(405, "method_not_allowed", call.request.method));
  }
  PrometheusText out;
  broker_metrics(out, per_object);
  queue_metrics(out, per_object);
  if (config_.more_metrics) config_.more_metrics(out);
  http::Response r;
  r.status = 200;
  r.headers.add("Content-Type", std::string(PrometheusText::kContentType));
  r.body = out.take();
  send(call, std::move(r));
}

void Service::broker_metrics(PrometheusText& out, bool /*per_object*/) const {
  out.family("rabbitmq_build_info", "gauge", "Broker version");
  out.sample("rabbitmq_build_info", uint64_t{1},
             {{"product_name", "PolyMQ"},
              {"product_version", config_.product_version},
              {"rabbitmq_version", config_.product_version}});
  out.family("rabbitmq_identity_info", "gauge", "The node and cluster this broker is");
  out.sample("rabbitmq_identity_info", uint64_t{1},
             {{"rabbitmq_node", config_.node_name}, {"rabbitmq_cluster", config_.node_name}});
  out.gauge("polymq_uptime_seconds", "Seconds since the broker started",
            static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count() -
                                  started_ms_ / 1000));

  // Connections and channels: the live ones (core::ConnectionRegistry) and the churn.
  uint64_t channels = 0;
  core::ConnectionView view;
  for (const core::LiveConnection* c : broker_.connections().all()) {
    c->describe(view, false);
    channels += view.channel_count;
  }
  const core::MessageCounters& n = broker_.counters();
  out.gauge("rabbitmq_connections", "Connections currently open", broker_.connections().size());
  out.gauge("rabbitmq_channels", "Channels currently open", channels);
  out.counter("rabbitmq_connections_opened_total", "Total number of connections opened",
              n.connections_opened);
  out.counter("rabbitmq_connections_closed_total",
              "Total number of connections closed or terminated", n.connections_closed);
  out.counter("rabbitmq_channels_opened_total", "Total number of channels opened",
              n.channels_opened);
  out.counter("rabbitmq_channels_closed_total", "Total number of channels closed",
              n.channels_closed);

  // What happened to messages, summed over every channel that ever was.
  out.counter("rabbitmq_channel_messages_published_total",
              "Total number of messages published into an exchange on a channel", n.published);
  out.counter("rabbitmq_channel_messages_confirmed_total",
              "Total number of messages published into an exchange and confirmed on the channel",
              n.confirmed);
  out.counter("rabbitmq_channel_messages_unroutable_returned_total",
              "Total number of messages published as mandatory into an exchange and returned to "
              "the publisher as unroutable",
              n.unroutable_returned);
  out.counter("rabbitmq_channel_messages_unroutable_dropped_total",
              "Total number of messages published as non-mandatory into an exchange and dropped "
              "as unroutable",
              n.unroutable_dropped);
  out.counter("rabbitmq_channel_messages_delivered_total",
              "Total number of messages delivered to consumers in automatic acknowledgement mode",
              n.delivered_auto_ack);
  out.counter("rabbitmq_channel_messages_delivered_ack_total",
              "Total number of messages delivered to consumers in manual acknowledgement mode",
              n.delivered_ack);
  out.counter("rabbitmq_channel_messages_redelivered_total",
              "Total number of messages redelivered to consumers", n.redelivered);
  out.counter("rabbitmq_channel_messages_acked_total",
              "Total number of messages acknowledged by consumers", n.acked);
  out.counter("polymq_channel_messages_rejected_total",
              "Total number of deliveries rejected or nacked by consumers (requeued or not)",
              n.rejected);
  out.counter("rabbitmq_channel_get_ack_total",
              "Total number of messages fetched with basic.get in manual acknowledgement mode",
              n.get_ack);
  out.counter("rabbitmq_channel_get_total",
              "Total number of messages fetched with basic.get in automatic acknowledgement mode",
              n.get_auto_ack);
  out.counter("rabbitmq_channel_get_empty_total",
              "Total number of times basic.get operations fetched no message", n.get_empty);

  // The process and its resources.
  const core::ResourceAlarms& alarms = broker_.alarms();
  out.gauge("rabbitmq_process_resident_memory_bytes", "Memory used in bytes",
            resident_memory_bytes());
  out.gauge("rabbitmq_resident_memory_limit_bytes",
            "Memory high watermark in bytes (of message memory in PolyMQ)",
            alarms.memory_high_watermark());
  out.gauge("polymq_message_memory_bytes",
            "Bytes of messages held in memory by the queues (what the memory watermark counts)",
            broker_.message_memory());
  out.gauge("rabbitmq_disk_space_available_bytes", "Disk space available in bytes",
            alarms.disk_free());
  out.gauge("rabbitmq_disk_space_available_limit_bytes", "Free disk space low watermark in bytes",
            alarms.disk_free_limit());
  out.gauge("rabbitmq_alarms_memory_used_watermark",
            "is 1 if VM memory watermark alarm is in effect", alarms.memory_alarm() ? 1u : 0u);
  out.gauge("rabbitmq_alarms_free_disk_space_watermark",
            "is 1 if free disk space watermark alarm is in effect", alarms.disk_alarm() ? 1u : 0u);
  out.gauge("rabbitmq_alarms_file_descriptor_limit",
            "is 1 if file descriptor limit alarm is in effect (never in PolyMQ)", 0);
  out.gauge("rabbitmq_process_open_fds", "Open file descriptors", open_fds());
  out.gauge("rabbitmq_process_max_fds", "Open file descriptors limit", max_fds());
}

void Service::queue_metrics(PrometheusText& out, bool per_object) const {
  std::vector<const core::Queue*> queues;
  std::vector<const core::Stream*> streams;
  std::vector<std::string> stream_vhosts;
  for (const core::VHost* v : broker_.vhosts()) {
    for (const core::Queue* q : v->queues()) queues.push_back(q);
    for (const core::Stream* s : v->streams()) {
      streams.push_back(s);
      stream_vhosts.push_back(v->name());
    }
  }
  out.gauge("rabbitmq_queues", "Queues available (streams included)",
            queues.size() + streams.size());

  // One family per figure; per object a sample per queue, else their sum.
  auto queue_family = [&](std::string_view name, std::string_view help, auto value) {
    out.family(name, "gauge", help);
    if (!per_object) {
      uint64_t sum = 0;
      for (const core::Queue* q : queues) sum += value(*q);
      out.sample(name, sum);
      return;
    }
    for (const core::Queue* q : queues) {
      out.sample(name, static_cast<uint64_t>(value(*q)),
                 {{"vhost", q->vhost()}, {"queue", q->name()}});
    }
  };
  queue_family("rabbitmq_queue_messages_ready", "Messages ready to be delivered to consumers",
               [](const core::Queue& q) { return uint64_t{q.message_count()}; });
  queue_family("rabbitmq_queue_messages_unacked",
               "Messages delivered to consumers but not yet acknowledged",
               [](const core::Queue& q) { return uint64_t{q.unacked_count()}; });
  queue_family(
      "rabbitmq_queue_messages", "Sum of ready and unacknowledged messages - total queue depth",
      [](const core::Queue& q) { return uint64_t{q.message_count() + q.unacked_count()}; });
  queue_family("rabbitmq_queue_consumers", "Consumers on a queue",
               [](const core::Queue& q) { return uint64_t{q.consumer_count()}; });
  queue_family("rabbitmq_queue_process_memory_bytes",
               "Memory in bytes the queue's messages account for",
               [](const core::Queue& q) { return q.memory_bytes(); });
  queue_family("polymq_queue_messages_delayed", "Messages held until their not-before time",
               [](const core::Queue& q) { return uint64_t{q.delayed_count()}; });
  queue_family("rabbitmq_queue_messages_paged_out", "Messages paged out to disk",
               [](const core::Queue& q) { return uint64_t{q.paged_count()}; });
  queue_family("rabbitmq_queue_messages_paged_out_bytes",
               "Size in bytes of messages paged out to disk (those this process paged)",
               [](const core::Queue& q) { return q.paged_bytes(); });
  uint64_t consumers = 0;
  for (const core::Queue* q : queues) consumers += q->consumer_count();
  out.gauge("rabbitmq_consumers", "Consumers currently connected", consumers);

  // Streams: Kafka topics and RabbitMQ stream queues.
  struct StreamRow {
    const std::string* vhost;
    const core::Stream* stream;
    uint64_t retained = 0;
  };
  std::vector<StreamRow> rows;
  for (size_t i = 0; i < streams.size(); ++i) {
    StreamRow row{&stream_vhosts[i], streams[i]};
    for (uint32_t p = 0; p < streams[i]->partition_count(); ++p) {
      row.retained += streams[i]->next_offset(p) - streams[i]->first_offset(p);
    }
    rows.push_back(row);
  }
  out.gauge("polymq_streams", "Streams (Kafka topics, stream queues)", streams.size());
  auto stream_family = [&](std::string_view name, std::string_view help, auto value) {
    out.family(name, "gauge", help);
    if (!per_object) {
      uint64_t sum = 0;
      for (const StreamRow& r : rows) sum += value(r);
      out.sample(name, sum);
      return;
    }
    for (const StreamRow& r : rows) {
      out.sample(name, uint64_t{value(r)}, {{"vhost", *r.vhost}, {"stream", r.stream->name()}});
    }
  };
  stream_family("polymq_stream_partitions", "Partitions of the streams",
                [](const StreamRow& r) { return uint64_t{r.stream->partition_count()}; });
  stream_family("polymq_stream_records",
                "Records (Kafka: offsets) retained in the streams' partitions",
                [](const StreamRow& r) { return r.retained; });
}

}  // namespace polymq::management
