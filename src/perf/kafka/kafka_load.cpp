#include "perf/kafka/kafka_load.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace polymq::perf::kafka {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t now_ns() {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
          .count());
}

uint64_t sent_at(const void* payload, size_t len) {
  uint64_t t = 0;
  if (len >= sizeof t) std::memcpy(&t, payload, sizeof t);
  return t;
}

struct KafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using KafkaHandle = std::unique_ptr<rd_kafka_t, KafkaDeleter>;

// A configured client; `error` says why there is none.
KafkaHandle make_client(rd_kafka_type_t type,
                        const std::vector<std::pair<std::string, std::string>>& settings,
                        void (*on_delivery)(rd_kafka_t*, const rd_kafka_message_t*, void*),
                        void* opaque, std::string& error) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      error = name + ": " + err;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  if (on_delivery != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);  // takes conf on success
  if (rk == nullptr) {
    error = err;
    rd_kafka_conf_destroy(conf);
  }
  return KafkaHandle(rk);
}

// Creates the topic with the asked-for partitions (an existing one is used as it is).
std::string create_topic(rd_kafka_t* rk, const std::string& topic, int partitions) {
  char err[512];
  rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, err, sizeof err);
  if (nt == nullptr) return err;
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, queue);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 30000);
  std::string error;
  if (ev == nullptr) {
    error = "CreateTopics timed out";
  } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    error = rd_kafka_event_error_string(ev);
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        error = rd_kafka_topic_result_error_string(results[i]);
      }
    }
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy(nt);
  return error;
}

// One producer thread's counts, written only by that thread (delivery reports run inside its
// rd_kafka_poll/flush calls).
struct ProducerState {
  uint64_t produced = 0;
  uint64_t acked = 0;
  uint64_t failed = 0;
  uint64_t last_ack_ns = 0;
  std::string first_error;
  LatencyHistogram ack_latency_us;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* state = static_cast<ProducerState*>(opaque);
  const uint64_t now = now_ns();
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (state->failed++ == 0) state->first_error = rd_kafka_err2str(m->err);
    return;
  }
  ++state->acked;
  state->last_ack_ns = now;
  state->ack_latency_us.record((now - sent_at(m->payload, m->len)) / 1000);
}

void produce(const LoadOptions& o, const std::string& topic, uint64_t count, uint64_t rate,
             uint64_t start_ns, const std::atomic<bool>& stop, ProducerState& state) {
  std::string error;
  KafkaHandle rk = make_client(RD_KAFKA_PRODUCER,
                               {{"bootstrap.servers", o.brokers},
                                {"acks", o.acks},
                                {"linger.ms", std::to_string(o.linger_ms)},
                                {"batch.num.messages", std::to_string(o.batch_records)},
                                {"compression.codec", o.compression},
                                {"queue.buffering.max.messages", "1000000"},
                                {"queue.buffering.max.kbytes", "1048576"}},
                               on_delivery, &state, error);
  if (!rk) {
    state.first_error = error;
    state.failed = count;
    return;
  }
  std::vector<char> payload(static_cast<size_t>(std::max(o.record_bytes, 8)), 'x');
  for (uint64_t i = 0; i < count && !stop.load(std::memory_order_relaxed); ++i) {
    if (rate != 0) {
      const uint64_t due = start_ns + i * 1'000'000'000ull / rate;
      const uint64_t now = now_ns();
      if (due > now) std::this_thread::sleep_for(std::chrono::nanoseconds(due - now));
    }
    const uint64_t t = now_ns();
    std::memcpy(payload.data(), &t, sizeof t);
    const auto partition = static_cast<int32_t>(i % static_cast<uint64_t>(o.partitions));
    for (;;) {
      const rd_kafka_resp_err_t e = rd_kafka_producev(
          rk.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_VALUE(payload.data(), payload.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        if (state.first_error.empty()) state.first_error = rd_kafka_err2str(e);
        ++state.failed;
        break;
      }
      rd_kafka_poll(rk.get(), 1);
    }
    ++state.produced;
    // Delivery reports run inside poll: at a set rate every record polls, so an ack's latency
    // is not stretched by waiting for the next poll; flat out, every 1024th.
    if (rate != 0 || (i & 1023) == 0) rd_kafka_poll(rk.get(), 0);
  }
  rd_kafka_flush(rk.get(), o.timeout_s * 1000);
}

}  // namespace

LoadResult run_load(const LoadOptions& o, const std::atomic<bool>& stop) {
  LoadResult result;
  const std::string topic =
      o.topic.empty() ? "perf-" + std::to_string(now_ns() % 1'000'000'000ull) : o.topic;
  std::string error;
  KafkaHandle consumer;
  {
    KafkaHandle admin =
        make_client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", o.brokers}}, nullptr, nullptr, error);
    if (!admin || !(error = create_topic(admin.get(), topic, o.partitions)).empty()) {
      result.error = "creating topic " + topic + ": " + error;
      return result;
    }
  }
  if (o.consume) {
    consumer = make_client(RD_KAFKA_CONSUMER,
                           {{"bootstrap.servers", o.brokers},
                            {"group.id", "polymq-kafka-perf"},
                            {"enable.auto.commit", "false"},
                            {"fetch.wait.max.ms", "100"},
                            {"queued.max.messages.kbytes", "262144"}},
                           nullptr, nullptr, error);
    if (!consumer) {
      result.error = "consumer: " + error;
      return result;
    }
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(o.partitions);
    for (int p = 0; p < o.partitions; ++p) {
      rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
    rd_kafka_assign(consumer.get(), parts);
    rd_kafka_topic_partition_list_destroy(parts);
  }

  const uint64_t start_ns = now_ns();
  std::vector<ProducerState> states(static_cast<size_t>(o.producers));
  std::vector<std::thread> producers;
  for (int i = 0; i < o.producers; ++i) {
    const uint64_t share =
        o.records / o.producers + (static_cast<uint64_t>(i) < o.records % o.producers);
    producers.emplace_back(produce, std::cref(o), std::cref(topic), share,
                           o.rate / static_cast<uint64_t>(o.producers), start_ns, std::cref(stop),
                           std::ref(states[static_cast<size_t>(i)]));
  }

  uint64_t last_consumed_ns = 0;
  if (consumer) {
    const uint64_t deadline = start_ns + static_cast<uint64_t>(o.timeout_s) * 1'000'000'000ull;
    while (result.consumed < o.records && !stop.load() && now_ns() < deadline) {
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer.get(), 100);
      if (m == nullptr) continue;
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const uint64_t now = now_ns();
        result.end_to_end_us.record((now - sent_at(m->payload, m->len)) / 1000);
        ++result.consumed;
        last_consumed_ns = now;
      } else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        result.error = std::string("consumer: ") + rd_kafka_message_errstr(m);
      }
      rd_kafka_message_destroy(m);
      if (!result.error.empty()) break;
    }
  }
  for (std::thread& t : producers) t.join();

  uint64_t last_ack_ns = 0;
  for (const ProducerState& s : states) {
    result.produced += s.produced;
    result.acked += s.acked;
    result.ack_latency_us.merge(s.ack_latency_us);
    last_ack_ns = std::max(last_ack_ns, s.last_ack_ns);
    if (s.failed != 0 && result.error.empty()) result.error = "producer: " + s.first_error;
  }
  result.produce_seconds = last_ack_ns > start_ns ? (last_ack_ns - start_ns) / 1e9 : 0;
  result.consume_seconds = last_consumed_ns > start_ns ? (last_consumed_ns - start_ns) / 1e9 : 0;
  if (consumer) rd_kafka_consumer_close(consumer.get());
  return result;
}

}  // namespace polymq::perf::kafka
