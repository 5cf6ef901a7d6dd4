// Regular expressions matched against object names: policy patterns, permissions and the
// management API's name filters. RabbitMQ uses PCRE for them; PolyMQ uses ECMAScript syntax.
//
// Patterns come from operators and API clients and run on the event loop, so they are
// compiled for libstdc++'s polynomial (Thompson NFA) matcher rather than its default
// backtracking one, which takes exponential time on patterns like "(a|a)*b" and cannot be
// interrupted. That matcher has no back-references: a pattern using them is refused. The
// length limit bounds the compiler's recursion, which goes one level per nesting, and counts
// ("{m,n}", "\\N") of more than 4 digits are refused before the compiler reads them.
#pragma once

#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <string_view>

namespace polymq::core {

inline constexpr size_t kMaxNamePatternBytes = 512;

// The compiled pattern, or nullopt with the reason in `error`.
std::optional<std::regex> compile_name_pattern(std::string_view pattern, std::string& error);

}  // namespace polymq::core
