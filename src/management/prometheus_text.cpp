#include "management/prometheus_text.h"

#include <charconv>
#include <cmath>

namespace polymq::management {
namespace {

void append_escaped(std::string& out, std::string_view value, bool in_help) {
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && !in_help) {
      out += "\\\"";
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace

void PrometheusText::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_escaped(out_, help, true);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void PrometheusText::start_sample(std::string_view name, Labels labels, std::string_view le) {
  out_ += name;
  if (labels.size() == 0 && le.empty()) {
    out_ += ' ';
    return;
  }
  out_ += '{';
  bool first = true;
  for (const auto& [key, value] : labels) {
    if (!first) out_ += ',';
    first = false;
    out_ += key;
    out_ += "=\"";
    append_escaped(out_, value, false);
    out_ += '"';
  }
  if (!le.empty()) {
    if (!first) out_ += ',';
    out_ += "le=\"";
    out_ += le;
    out_ += '"';
  }
  out_ += "} ";
}

void PrometheusText::append_double(double value) {
  if (std::isnan(value)) {
    out_ += "NaN";
  } else if (std::isinf(value)) {
    out_ += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    out_.append(buffer, ec == std::errc() ? end : buffer);
  }
}

void PrometheusText::sample(std::string_view name, uint64_t value, Labels labels) {
  start_sample(name, labels);
  out_ += std::to_string(value);
  out_ += '\n';
}

void PrometheusText::sample(std::string_view name, double value, Labels labels) {
  start_sample(name, labels);
  append_double(value);
  out_ += '\n';
}

void PrometheusText::histogram(std::string_view name, std::string_view help,
                               std::span<const double> bounds, std::span<const uint64_t> counts,
                               double sum) {
  family(name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    std::string le;
    if (i < bounds.size()) {
      char buffer[32];
      auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), bounds[i]);
      le.assign(buffer, ec == std::errc() ? end : buffer);
    } else {
      le = "+Inf";
    }
    start_sample(bucket, {}, le);
    out_ += std::to_string(cumulative);
    out_ += '\n';
  }
  sample(std::string(name) + "_sum", sum);
  sample(std::string(name) + "_count", cumulative);
}

void PrometheusText::gauge(std::string_view name, std::string_view help, uint64_t value) {
  family(name, "gauge", help);
  sample(name, value);
}

void PrometheusText::counter(std::string_view name, std::string_view help, uint64_t value) {
  family(name, "counter", help);
  sample(name, value);
}

}  // namespace polymq::management
