// What polymq-perf prints: a line per second while running, and the result at the end as
// text or as one JSON line.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "perf/histogram.h"
#include "perf/options.h"
#include "perf/stats.h"

namespace polymq::perf {

// `elapsed_s` since the start; `interval` holds the counts of the last `seconds` seconds and
// the latencies recorded in them.
void print_interval(std::FILE* out, double elapsed_s, double seconds, const WorkerStats& interval);

struct Result {
  double duration_s = 0;
  WorkerStats totals;    // latency holds every sample of the run
  uint64_t missing = 0;  // messages expected but never received
  std::string error;     // why the run failed; empty if it did not
};

// "<what> latency (us): p50 .. p90 .. p99 .. p99.9 .. max ..", one line.
void print_latency(std::FILE* out, const char* what, const LatencyHistogram& h);

void print_summary(std::FILE* out, const Options& options, const Result& result);
void print_json(std::FILE* out, const Options& options, const Result& result);

}  // namespace polymq::perf
