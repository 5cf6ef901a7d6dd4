// Headers exchange matching, with RabbitMQ's semantics (rabbit_exchange_type_headers, 3.10+).
//
// The binding arguments hold the pattern; "x-match" in them selects the mode:
//   "all" (also when x-match is absent)  every pattern key must match;
//   "any"                                at least one pattern key must match;
//   "all-with-x" / "any-with-x"          as all / any, but pattern keys starting with "x-" take
//                                        part too (they are compared against message headers).
// An x-match that is present but not one of those four longstr values routes as "all"; bind
// time refuses it first (known_x_match), so only legacy bindings can carry one.
//
// Pattern keys:
//   - "x-match" itself never takes part, in any mode;
//   - other keys starting with "x-" are ignored in all / any mode;
//   - a key matches when the message has a header with that key and either the pattern value
//     is Void (it then only asks for the header to be present, with any value, Void included)
//     or the two values are equal by Value::equals (numbers of different widths compare by
//     value; a string and a byte array with the same bytes are equal).
// Outcomes with nothing to compare:
//   - all mode with no pattern key left matches every message, even one without headers;
//   - any mode with no pattern key left matches nothing;
//   - a message without a headers table is treated as one with an empty table.
// Duplicate keys are resolved as RabbitMQ's sorted merge does: both tables are stably sorted by
// key (bytewise), and the n-th pattern entry of a key is compared with the n-th header of that
// key; a pattern entry with no such header counts as missing.
#pragma once

#include <string_view>

#include "core/value.h"

namespace polymq::core {

// Whether a message with `message_headers` (nullptr: the message has none) is routed through a
// headers binding with `binding_arguments`.
bool headers_match(const Table& binding_arguments, const Table* message_headers);

// Whether `name` is one of the four x-match modes.
bool is_x_match_mode(std::string_view name);

// Whether a headers binding's x-match is absent or one of the four modes as a string: what a
// bind accepts. (An x-match that is not routes as "all" in headers_match.) Refusing it, and
// with which text, is the broker model's (core::DeclarationRules::check_binding; RabbitMQ's
// Erlang-term texts in rabbit/headers_binding.h).
bool known_x_match(const Table& binding_arguments);

}  // namespace polymq::core
