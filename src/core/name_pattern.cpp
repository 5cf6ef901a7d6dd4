#include "core/name_pattern.h"

namespace polymq::core {
namespace {

constexpr size_t kMaxCountDigits = 4;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Whether every number the regex compiler reads as a count (a back-reference "\N", the bounds
// of a "{m,n}" repetition) has at most kMaxCountDigits digits. libstdc++ accumulates those in
// a long without an overflow check (undefined behaviour past its range), and a repetition count
// in the thousands already makes an automaton it refuses, so longer ones are refused here.
bool counts_are_small(std::string_view pattern) {
  auto digit_run = [&](size_t from) {
    size_t end = from;
    while (end < pattern.size() && is_digit(pattern[end])) ++end;
    return end - from;
  };
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      if (i + 1 < pattern.size() && is_digit(pattern[i + 1])) {
        if (digit_run(i + 1) > kMaxCountDigits) return false;
      }
      ++i;  // the escaped character
    } else if (pattern[i] == '{') {
      size_t at = i + 1;
      for (int bound = 0; bound < 2; ++bound) {
        const size_t run = digit_run(at);
        if (run > kMaxCountDigits) return false;
        at += run;
        if (at >= pattern.size() || pattern[at] != ',') break;
        ++at;
      }
    }
  }
  return true;
}

}  // namespace

std::optional<std::regex> compile_name_pattern(std::string_view pattern, std::string& error) {
  if (pattern.size() > kMaxNamePatternBytes) {
    error = "longer than " + std::to_string(kMaxNamePatternBytes) + " bytes";
    return std::nullopt;
  }
  if (!counts_are_small(pattern)) {
    error = "a repetition count or back-reference of more than " + std::to_string(kMaxCountDigits) +
            " digits";
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
