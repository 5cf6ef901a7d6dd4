// A latency histogram in the manner of HdrHistogram: log-bucketed, fixed memory, ~1% precision.
//
// Values below 256 have a bucket each. Above, every power-of-two range [2^k, 2^(k+1)) is split
// into 128 equal buckets, so a bucket is at most 1/128 (0.8%) of its values wide, and a
// reported value (the bucket's midpoint) is within 0.4% of every value recorded in it. Values
// above kMaxValue are recorded as kMaxValue. Recording is an index computation and an
// increment; nothing allocates after construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace polymq::perf {

class LatencyHistogram {
 public:
  static constexpr uint64_t kMaxValue = (uint64_t{1} << 40) - 1;

  LatencyHistogram();

  void record(uint64_t value);
  void merge(const LatencyHistogram& other);
  void reset();

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }
  // The value at or below which `percent` of the recorded values lie (0 when empty); 100 gives
  // the exact maximum.
  uint64_t percentile(double percent) const;

  // Bucket arithmetic, exposed for tests.
  static size_t bucket_of(uint64_t value);
  static uint64_t bucket_low(size_t index);
  static uint64_t bucket_width(size_t index);

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace polymq::perf
