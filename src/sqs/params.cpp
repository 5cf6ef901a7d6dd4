#include "sqs/params.h"

#include <charconv>

namespace polymq::sqs {

std::optional<Error> int_param(const std::map<std::string, std::string>& scalars,
                               const std::string& name, int64_t min, int64_t max, int64_t& out) {
  auto it = scalars.find(name);
  if (it == scalars.end()) return std::nullopt;
  const std::string& text = it->second;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty() || v < min || v > max) {
    return invalid_parameter_value("Value " + text + " for parameter " + name +
                                   " is invalid. Reason: Must be between " + std::to_string(min) +
                                   " and " + std::to_string(max) + ", if provided.");
  }
  out = v;
  return std::nullopt;
}

}  // namespace polymq::sqs
