// Counters of one event loop thread, written by its producers and consumers without atomics
// (each thread owns its own) and read by the main thread through Worker::snapshot().
#pragma once

#include <algorithm>
#include <cstdint>

#include "perf/histogram.h"

namespace polymq::perf {

struct WorkerStats {
  uint64_t sent = 0;
  uint64_t confirmed = 0;
  uint64_t nacked = 0;
  uint64_t received = 0;
  // Steady-clock nanoseconds of the latest event of each kind (0 = none yet).
  uint64_t last_send_ns = 0;
  uint64_t last_confirm_ns = 0;
  uint64_t last_receive_ns = 0;
  // End-to-end latencies in microseconds since the last snapshot.
  LatencyHistogram latency;

  // Adds `other`'s counters and latencies and keeps the later of each timestamp.
  void merge(const WorkerStats& other);
};

inline void WorkerStats::merge(const WorkerStats& other) {
  sent += other.sent;
  confirmed += other.confirmed;
  nacked += other.nacked;
  received += other.received;
  last_send_ns = std::max(last_send_ns, other.last_send_ns);
  last_confirm_ns = std::max(last_confirm_ns, other.last_confirm_ns);
  last_receive_ns = std::max(last_receive_ns, other.last_receive_ns);
  latency.merge(other.latency);
}

}  // namespace polymq::perf
