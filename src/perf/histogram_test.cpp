#include "perf/histogram.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>

namespace polymq::perf {
namespace {

TEST(LatencyHistogram, BucketsCoverEveryValueOnce) {
  uint64_t expected_low = 0;
  for (size_t i = 0; i <= LatencyHistogram::bucket_of(LatencyHistogram::kMaxValue); ++i) {
    ASSERT_EQ(LatencyHistogram::bucket_low(i), expected_low) << "bucket " << i;
    ASSERT_EQ(LatencyHistogram::bucket_of(expected_low), i);
    uint64_t last = expected_low + LatencyHistogram::bucket_width(i) - 1;
    ASSERT_EQ(LatencyHistogram::bucket_of(last), i);
    expected_low = last + 1;
  }
  EXPECT_EQ(expected_low, LatencyHistogram::kMaxValue + 1);
}

TEST(LatencyHistogram, BucketsAreWithinOnePercent) {
  for (size_t i = 256; i <= LatencyHistogram::bucket_of(LatencyHistogram::kMaxValue); ++i) {
    double width = static_cast<double>(LatencyHistogram::bucket_width(i));
    double low = static_cast<double>(LatencyHistogram::bucket_low(i));
    ASSERT_LE(width / low, 1.0 / 128) << "bucket " << i;
  }
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_EQ(h.max(), 100u);
  EXPECT_EQ(h.percentile(50), 50u);
  EXPECT_EQ(h.percentile(99), 99u);
  EXPECT_EQ(h.percentile(100), 100u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(LatencyHistogram, PercentilesOfUniformValuesWithinPrecision) {
  LatencyHistogram h;
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<uint64_t> dist(1, 1'000'000);
  for (int i = 0; i < 200'000; ++i) h.record(dist(rng));
  for (double p : {50.0, 75.0, 95.0, 99.0, 99.9}) {
    double expected = p / 100 * 1'000'000;
    EXPECT_NEAR(static_cast<double>(h.percentile(p)), expected, expected * 0.02) << "p" << p;
  }
}

TEST(LatencyHistogram, MergeAndReset) {
  LatencyHistogram a, b;
  a.record(10);
  b.record(1000);
  b.record(5000);
  a.merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.min(), 10u);
  EXPECT_EQ(a.max(), 5000u);
  a.reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.percentile(50), 0u);
  EXPECT_EQ(a.max(), 0u);
}

TEST(LatencyHistogram, HugeValuesAreClamped) {
  LatencyHistogram h;
  h.record(UINT64_MAX);
  EXPECT_EQ(h.max(), LatencyHistogram::kMaxValue);
  EXPECT_EQ(h.percentile(50), LatencyHistogram::kMaxValue);
}

}  // namespace
}  // namespace polymq::perf
