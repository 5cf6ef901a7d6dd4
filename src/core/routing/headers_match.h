// Headers exchange matching, with RabbitMQ's semantics (rabbit_exchange_type_headers, 3.10+).
//
// The binding arguments hold the pattern; "x-match" in them selects the mode:
//   "all" (also when x-match is absent)  every pattern key must match;
//   "any"                                at least one pattern key must match;
//   "all-with-x" / "any-with-x"          as all / any, but pattern keys starting with "x-" take
//                                        part too (they are compared against message headers).
// An x-match that is present but not one of those four longstr values routes as "all"; bind
// time rejects it first (valid_x_match), so only legacy bindings can carry one.
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

#include <string>

#include "core/value.h"

namespace polymq::core {

// Whether a message with `message_headers` (nullptr: the message has none) is routed through a
// headers binding with `binding_arguments`.
bool headers_match(const Table& binding_arguments, const Table* message_headers);

// Checks the x-match argument of a headers binding, as queue.bind / exchange.bind do. Absent or
// one of the four modes: true. Otherwise false, with `error` set to RabbitMQ's reply text (sent
// with 406 PRECONDITION_FAILED; the "PRECONDITION_FAILED - " prefix is not part of `error`):
//   Invalid x-match field value <<"bogus">>; expected all, any, all-with-x, or any-with-x
//   Invalid x-match field type byte (value 1); expected longstr
// The value is printed as Erlang's ~tp prints the term RabbitMQ holds, the type as RabbitMQ's
// field type name (longstr, binary, signedint, long, short, byte, unsignedbyte, unsignedshort,
// unsignedint, bool, float, double, decimal, timestamp, table, array, void).
bool valid_x_match(const Table& binding_arguments, std::string& error);

}  // namespace polymq::core
