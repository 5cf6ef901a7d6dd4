#include "perf/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace polymq::perf {
namespace {

constexpr int kSubBits = 7;
constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBits;  // 128 per power of two
constexpr uint64_t kLinear = 2 * kSubBuckets;              // values below have a bucket each

}  // namespace

size_t LatencyHistogram::bucket_of(uint64_t value) {
  value = std::min(value, kMaxValue);
  if (value < kLinear) return static_cast<size_t>(value);
  int msb = std::bit_width(value) - 1;  // >= kSubBits + 1
  int shift = msb - kSubBits;           // >= 1
  uint64_t top = value >> shift;        // in [kSubBuckets, 2 * kSubBuckets)
  return static_cast<size_t>(kLinear + (shift - 1) * kSubBuckets + (top - kSubBuckets));
}

uint64_t LatencyHistogram::bucket_low(size_t index) {
  if (index < kLinear) return index;
  uint64_t j = index - kLinear;
  int shift = static_cast<int>(j / kSubBuckets) + 1;
  uint64_t top = j % kSubBuckets + kSubBuckets;
  return top << shift;
}

uint64_t LatencyHistogram::bucket_width(size_t index) {
  if (index < kLinear) return 1;
  return uint64_t{1} << ((index - kLinear) / kSubBuckets + 1);
}

LatencyHistogram::LatencyHistogram() : counts_(bucket_of(kMaxValue) + 1, 0) {}

void LatencyHistogram::record(uint64_t value) {
  value = std::min(value, kMaxValue);
  ++counts_[bucket_of(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
}

uint64_t LatencyHistogram::percentile(double percent) const {
  if (count_ == 0) return 0;
  if (percent >= 100) return max_;
  percent = std::max(percent, 0.0);
  auto rank = static_cast<uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      uint64_t mid = bucket_low(i) + bucket_width(i) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

}  // namespace polymq::perf
