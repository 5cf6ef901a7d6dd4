#include "storage/log_format.h"

#include <cstdio>

namespace polymq::storage::format {

std::string segment_file_name(uint64_t base, std::string_view suffix) {
  char digits[kBaseOffsetDigits + 1];
  std::snprintf(digits, sizeof digits, "%020llu", static_cast<unsigned long long>(base));
  std::string name(digits, kBaseOffsetDigits);
  name.append(suffix);
  return name;
}

std::optional<uint64_t> parse_segment_file_name(std::string_view name, std::string_view suffix) {
  if (name.size() != kBaseOffsetDigits + suffix.size()) return std::nullopt;
  if (name.substr(kBaseOffsetDigits) != suffix) return std::nullopt;
  uint64_t base = 0;
  for (size_t i = 0; i < kBaseOffsetDigits; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (base > (UINT64_MAX - digit) / 10) return std::nullopt;
    base = base * 10 + digit;
  }
  return base;
}

}  // namespace polymq::storage::format
