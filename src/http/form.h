// Query strings and application/x-www-form-urlencoded bodies (the AWS query protocol sends
// its parameters as either): name=value pairs separated by '&', percent-encoded, '+' a space.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polymq::http {

// Pairs in the order they appear; a name may repeat. A pair without '=' has an empty value;
// empty pairs ("a=1&&b=2") are skipped.
using Params = std::vector<std::pair<std::string, std::string>>;

// Decodes %XX escapes, and '+' as a space when `plus_is_space`. nullopt for a '%' that is not
// followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space);

// Parses a query string or a form body ('+' is a space in both, as browsers and the AWS SDKs
// encode them); nullopt when an escape is malformed.
std::optional<Params> parse_form(std::string_view in);

// The first value of `name`, if present.
std::optional<std::string_view> find_param(const Params& params, std::string_view name);

}  // namespace polymq::http
