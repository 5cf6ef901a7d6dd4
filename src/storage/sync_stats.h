// What the group committer's rounds did since start, for the metrics endpoint: how many
// rounds and fdatasync calls, how long a round's syncs took, how many logs a round synced.
// Recorded on the owner thread as rounds end (the syncing thread measures, the owner adds),
// so nothing here is shared between threads.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace polymq::storage {

// Counts of observations per upper bound (Prometheus buckets, not cumulative here), their sum
// and count. The last bucket is +Inf.
template <size_t N>
struct Histogram {
  std::array<double, N> bounds{};  // increasing upper bounds
  std::array<uint64_t, N + 1> counts{};
  double sum = 0;
  uint64_t count = 0;

  void observe(double value) {
    size_t i = 0;
    while (i < N && value > bounds[i]) ++i;
    ++counts[i];
    sum += value;
    ++count;
  }
};

struct SyncStats {
  uint64_t rounds = 0;         // rounds run (some only write index files)
  uint64_t syncs = 0;          // fdatasync calls (one per log with new records per round)
  uint64_t failed_rounds = 0;  // rounds in which a write or sync failed
  // Of the rounds that called fdatasync: their wall time in seconds, and
  Histogram<12> round_seconds{
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0}};
  // how many logs they synced together (the group commit's batch).
  Histogram<9> round_logs{{1, 2, 4, 8, 16, 32, 64, 128, 256}};
};

}  // namespace polymq::storage
