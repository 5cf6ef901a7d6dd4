#include "management/path.h"

#include "http/form.h"

namespace polymq::management {

std::optional<std::vector<std::string>> split_api_path(std::string_view path) {
  constexpr std::string_view kPrefix = "/api";
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  path.remove_prefix(kPrefix.size());
  if (!path.empty() && path.front() != '/') return std::nullopt;
  std::vector<std::string> segments;
  while (!path.empty()) {
    path.remove_prefix(1);  // the '/'
    const size_t end = std::min(path.find('/'), path.size());
    std::string_view raw = path.substr(0, end);
    path.remove_prefix(end);
    if (raw.empty() && path.empty()) break;  // trailing '/'
    std::optional<std::string> decoded = http::percent_decode(raw, false);
    if (!decoded) return std::nullopt;
    segments.push_back(std::move(*decoded));
  }
  return segments;
}

std::string encode_segment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : segment) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

std::string exchange_from_path(const std::string& segment) {
  return segment == "amq.default" ? std::string() : segment;
}

}  // namespace polymq::management
