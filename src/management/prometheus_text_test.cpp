#include "management/prometheus_text.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>

namespace polymq::management {
namespace {

TEST(PrometheusText, FamilyAndUnlabelledSamples) {
  PrometheusText t;
  t.gauge("rabbitmq_connections", "Connections currently open", 3);
  t.counter("rabbitmq_channel_messages_published_total", "Published", 18446744073709551615ull);
  EXPECT_EQ(t.text(),
            "# HELP rabbitmq_connections Connections currently open\n"
            "# TYPE rabbitmq_connections gauge\n"
            "rabbitmq_connections 3\n"
            "# HELP rabbitmq_channel_messages_published_total Published\n"
            "# TYPE rabbitmq_channel_messages_published_total counter\n"
            "rabbitmq_channel_messages_published_total 18446744073709551615\n");
}

TEST(PrometheusText, LabelValuesAreEscaped) {
  PrometheusText t;
  t.sample("m", uint64_t{1}, {{"vhost", "/"}, {"queue", "a\"b\\c\nd"}});
  EXPECT_EQ(t.text(), "m{vhost=\"/\",queue=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(PrometheusText, HelpEscapesBackslashAndNewlineOnly) {
  PrometheusText t;
  t.family("m", "gauge", "a \"quoted\" \\ and\nnewline");
  EXPECT_EQ(t.text(), "# HELP m a \"quoted\" \\\\ and\\nnewline\n# TYPE m gauge\n");
}

TEST(PrometheusText, DoublesAndSpecialValues) {
  PrometheusText t;
  t.sample("a", 0.25);
  t.sample("b", std::numeric_limits<double>::infinity());
  t.sample("c", -std::numeric_limits<double>::infinity());
  t.sample("d", std::nan(""));
  t.sample("e", 1e-7);
  EXPECT_EQ(t.text(), "a 0.25\nb +Inf\nc -Inf\nd NaN\ne 1e-07\n");
}

TEST(PrometheusText, HistogramIsCumulativeWithInfBucketSumAndCount) {
  PrometheusText t;
  const std::array<double, 2> bounds{0.001, 0.5};
  const std::array<uint64_t, 3> counts{2, 0, 1};
  t.histogram("polymq_sync_seconds", "Sync time", bounds, counts, 1.5);
  EXPECT_EQ(t.text(),
            "# HELP polymq_sync_seconds Sync time\n"
            "# TYPE polymq_sync_seconds histogram\n"
            "polymq_sync_seconds_bucket{le=\"0.001\"} 2\n"
            "polymq_sync_seconds_bucket{le=\"0.5\"} 2\n"
            "polymq_sync_seconds_bucket{le=\"+Inf\"} 3\n"
            "polymq_sync_seconds_sum 1.5\n"
            "polymq_sync_seconds_count 3\n");
}

}  // namespace
}  // namespace polymq::management
