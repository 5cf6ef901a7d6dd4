// polymq-kafka-perf's run: librdkafka producers write fixed-size records into a fresh topic
// as fast as they can or at a set rate, while one consumer in the same process reads every
// partition from the start. Each record carries its send time (steady clock, same host), so
// the consumer measures end-to-end latency (produce call -> consumed); the producer's delivery
// reports measure the acknowledgement latency (produce call -> acked).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "perf/histogram.h"

namespace polymq::perf::kafka {

struct LoadOptions {
  std::string brokers = "127.0.0.1:9092";
  std::string topic;  // empty: a fresh name per run
  int partitions = 1;
  int record_bytes = 100;  // at least 8: the send time
  std::string acks = "1";  // librdkafka's acks: 0, 1, all
  uint64_t records = 1000000;
  uint64_t rate = 0;  // records/s over all producers; 0: unlimited
  int producers = 1;  // producer instances (threads)
  int linger_ms = 5;
  int batch_records = 10000;  // librdkafka's batch.num.messages
  std::string compression = "none";
  bool consume = true;
  int timeout_s = 300;  // the whole run gives up after this
};

struct LoadResult {
  std::string error;  // empty: the run completed
  uint64_t produced = 0;
  uint64_t acked = 0;
  uint64_t consumed = 0;
  double produce_seconds = 0;  // first produce call -> last delivery report
  double consume_seconds = 0;  // first produce call -> last record consumed
  LatencyHistogram ack_latency_us;
  LatencyHistogram end_to_end_us;
};

LoadResult run_load(const LoadOptions& options, const std::atomic<bool>& stop);

}  // namespace polymq::perf::kafka
