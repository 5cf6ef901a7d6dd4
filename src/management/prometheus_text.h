// A writer of Prometheus's text exposition format (version 0.0.4), as /metrics serves it:
//
//   # HELP rabbitmq_queue_messages_ready Messages ready to be delivered to consumers
//   # TYPE rabbitmq_queue_messages_ready gauge
//   rabbitmq_queue_messages_ready{vhost="/",queue="q"} 3
//
// Each family is started once (HELP and TYPE lines), then its samples follow. Label values
// are escaped (backslash, double quote, line feed); integers are written exactly, other
// values in the shortest form that reads back the same, +Inf / -Inf / NaN as Prometheus
// spells them. The caller keeps names valid ([a-zA-Z_:][a-zA-Z0-9_:]*).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace polymq::management {

class PrometheusText {
 public:
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // "counter", "gauge", "histogram" or "untyped".
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, uint64_t value, Labels labels = {});
  void sample(std::string_view name, double value, Labels labels = {});
  // A whole histogram family: `counts` per bucket (not cumulative) with one more entry than
  // `bounds` (the +Inf bucket); written as the cumulative _bucket{le=...}, _sum and _count.
  void histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                 std::span<const uint64_t> counts, double sum);

  // One-line shorthands: a family with a single unlabelled sample.
  void gauge(std::string_view name, std::string_view help, uint64_t value);
  void counter(std::string_view name, std::string_view help, uint64_t value);

  const std::string& text() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void start_sample(std::string_view name, Labels labels, std::string_view le = {});
  void append_double(double value);

  std::string out_;
};

}  // namespace polymq::management
