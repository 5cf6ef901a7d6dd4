#include "management/auth.h"

#include <algorithm>

#include "rabbit/json_values.h"

namespace polymq::management {

std::optional<Credentials> parse_basic_auth(std::string_view header) {
  constexpr std::string_view kScheme = "basic";
  if (header.size() <= kScheme.size() || header[kScheme.size()] != ' ') return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  }
  std::string_view token = header.substr(kScheme.size() + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  std::optional<std::string> decoded = rabbit::base64_decode(token);
  if (!decoded) return std::nullopt;
  const size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

Access access_of(const std::vector<std::string>& tags) {
  Access best = Access::kNone;
  for (const std::string& tag : tags) {
    Access a = Access::kNone;
    if (tag == "administrator") {
      a = Access::kAdministrator;
    } else if (tag == "monitoring") {
      a = Access::kMonitoring;
    } else if (tag == "management" || tag == "policymaker") {
      a = Access::kManagement;
    }
    best = std::max(best, a);
  }
  return best;
}

}  // namespace polymq::management
