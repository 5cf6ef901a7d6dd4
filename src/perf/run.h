// One benchmark run, driven from the main thread:
//
//   1. declare the exchange and queues (one short-lived connection)
//   2. open the idle connections, a bounded number at a time
//   3. open the producers' and consumers' connections and channels
//   4. start: consumers subscribe, producers publish; report once a second
//   5. stop on the time limit, the message counts, a signal or the first error; close every
//      connection with connection.close
//
// Producers and consumers are spread over connections round-robin (consumers first), and
// connections over the worker threads round-robin.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "perf/options.h"
#include "perf/report.h"
#include "perf/run_control.h"
#include "perf/worker.h"

namespace polymq::perf {

class Run {
 public:
  // `stop_requested` is polled; a signal handler may set it.
  Run(const Options& options, const std::atomic<bool>& stop_requested);
  ~Run();

  // Runs to the end and returns the result; result.error is set if the run failed.
  Result execute();

 private:
  struct IdleOpener;

  std::FILE* progress() const;
  bool declare_topology_step();
  bool open_idle_connections();
  bool open_clients();
  void start_clients(uint64_t start_ns);
  // Reports every second until an end condition; returns the end time (steady ns).
  uint64_t monitor(uint64_t start_ns, uint64_t& missing);
  bool counts_reached(uint64_t& expected_received) const;
  WorkerStats collect();
  void close_everything();

  const Options& options_;
  const std::atomic<bool>& stop_requested_;
  RunControl control_;
  std::vector<std::unique_ptr<IdleOpener>> idle_openers_;
  std::vector<std::unique_ptr<Worker>> workers_;
  uint64_t connections_created_ = 0;
  WorkerStats totals_;
};

}  // namespace polymq::perf
