#include "perf/report.h"

#include <fmt/format.h>

namespace polymq::perf {
namespace {

double rate(uint64_t count, double seconds) { return seconds > 0 ? count / seconds : 0; }

std::string json_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace

void print_interval(std::FILE* out, double elapsed_s, double seconds, const WorkerStats& s) {
  std::string line = fmt::format(
      "time {:6.1f}s  sent {:>9.0f} msg/s  confirmed {:>9.0f} msg/s  received {:>9.0f} msg/s",
      elapsed_s, rate(s.sent, seconds), rate(s.confirmed, seconds), rate(s.received, seconds));
  if (s.latency.count() > 0) {
    line += fmt::format("  latency p50 {} us  p99 {} us", s.latency.percentile(50),
                        s.latency.percentile(99));
  }
  line += '\n';
  std::fputs(line.c_str(), out);
  std::fflush(out);
}

void print_summary(std::FILE* out, const Options& o, const Result& r) {
  const WorkerStats& t = r.totals;
  const LatencyHistogram& h = t.latency;
  if (r.duration_s == 0 && !r.error.empty()) {
    std::fprintf(out, "polymq-perf: %s\n", r.error.c_str());
    return;
  }
  std::string text = fmt::format(
      "\nresult: {:.2f} s, {} producer(s), {} consumer(s), {}-byte bodies{}{}\n", r.duration_s,
      o.producers, o.consumers, o.body_size, o.persistent ? ", persistent" : "",
      o.confirm_window ? fmt::format(", confirm window {}", o.confirm_window) : "");
  text += fmt::format("  sent      {:>12} messages  {:>10.0f} msg/s\n", t.sent,
                      rate(t.sent, r.duration_s));
  if (o.confirm_window) {
    text += fmt::format("  confirmed {:>12} messages  {:>10.0f} msg/s  ({} nacked)\n", t.confirmed,
                        rate(t.confirmed, r.duration_s), t.nacked);
  }
  text += fmt::format("  received  {:>12} messages  {:>10.0f} msg/s\n", t.received,
                      rate(t.received, r.duration_s));
  if (h.count() > 0) {
    text += fmt::format(
        "  latency   min {} us, p50 {} us, p75 {} us, p95 {} us, p99 {} us, p99.9 {} us, "
        "max {} us ({} samples)\n",
        h.min(), h.percentile(50), h.percentile(75), h.percentile(95), h.percentile(99),
        h.percentile(99.9), h.max(), h.count());
  }
  if (o.idle_connections) text += fmt::format("  idle connections: {}\n", o.idle_connections);
  if (r.missing) text += fmt::format("  WARNING: {} messages never arrived\n", r.missing);
  if (!r.error.empty()) text += fmt::format("  ERROR: {}\n", r.error);
  std::fputs(text.c_str(), out);
  std::fflush(out);
}

void print_json(std::FILE* out, const Options& o, const Result& r) {
  const WorkerStats& t = r.totals;
  const LatencyHistogram& h = t.latency;
  std::string line = fmt::format(
      "{{\"producers\":{},\"consumers\":{},\"size\":{},\"persistent\":{},\"confirm\":{},"
      "\"idle_connections\":{},\"duration_s\":{:.3f},\"sent\":{},\"confirmed\":{},\"nacked\":{},"
      "\"received\":{},\"missing\":{},\"send_rate\":{:.1f},\"confirm_rate\":{:.1f},"
      "\"receive_rate\":{:.1f},",
      o.producers, o.consumers, o.body_size, o.persistent, o.confirm_window, o.idle_connections,
      r.duration_s, t.sent, t.confirmed, t.nacked, t.received, r.missing,
      rate(t.sent, r.duration_s), rate(t.confirmed, r.duration_s), rate(t.received, r.duration_s));
  line += fmt::format(
      "\"latency_us\":{{\"count\":{},\"min\":{},\"mean\":{:.1f},\"p50\":{},\"p75\":{},\"p95\":{},"
      "\"p99\":{},\"p999\":{},\"max\":{}}}",
      h.count(), h.min(), h.mean(), h.percentile(50), h.percentile(75), h.percentile(95),
      h.percentile(99), h.percentile(99.9), h.max());
  line += fmt::format(",\"error\":\"{}\"}}\n", json_escape(r.error));
  std::fputs(line.c_str(), out);
  std::fflush(out);
}

void print_latency(std::FILE* out, const char* what, const LatencyHistogram& h) {
  std::fprintf(out, "%s latency (us): p50 %llu  p90 %llu  p99 %llu  p99.9 %llu  max %llu\n", what,
               static_cast<unsigned long long>(h.percentile(50)),
               static_cast<unsigned long long>(h.percentile(90)),
               static_cast<unsigned long long>(h.percentile(99)),
               static_cast<unsigned long long>(h.percentile(99.9)),
               static_cast<unsigned long long>(h.max()));
}

}  // namespace polymq::perf
