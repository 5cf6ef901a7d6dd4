#include "core/name_pattern.h"

namespace polymq::core {

std::optional<std::regex> compile_name_pattern(std::string_view pattern, std::string& error) {
  if (pattern.size() > kMaxNamePatternBytes) {
    error = "longer than " + std::to_string(kMaxNamePatternBytes) + " bytes";
    return std::nullopt;
  }
  try {
    return std::regex(
        pattern.begin(), pattern.end(),
        std::regex::ECMAScript | std::regex::optimize | std::regex_constants::__polynomial);
  } catch (const std::regex_error& e) {
    error = e.what();
    return std::nullopt;
  }
}

}  // namespace polymq::core
