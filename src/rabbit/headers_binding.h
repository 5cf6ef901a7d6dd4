// RabbitMQ's check of a headers binding's x-match argument (rabbit_exchange_type_headers), with
// its texts: the value printed as Erlang's ~tp prints the term RabbitMQ holds, the type as
// RabbitMQ's field type name. The matching itself is the core's (core/routing/headers_match.h).
#pragma once

#include <string>

#include "core/exchange.h"
#include "core/status.h"
#include "core/value.h"

namespace polymq::rabbit {

// Absent or one of the four modes: true. Otherwise false, with `error` set to RabbitMQ's reply
// text (sent with 406 PRECONDITION_FAILED; the "PRECONDITION_FAILED - " prefix is not part of
// `error`):
//   Invalid x-match field value <<"bogus">>; expected all, any, all-with-x, or any-with-x
//   Invalid x-match field type byte (value 1); expected longstr
// Type names: longstr, binary, signedint, long, short, byte, unsignedbyte, unsignedshort,
// unsignedint, bool, float, double, decimal, timestamp, table, array, void.
bool valid_x_match(const core::Table& binding_arguments, std::string& error);

// A binding from `source` with `arguments`, as queue.bind and exchange.bind check it: a headers
// exchange's x-match must be valid (kPreconditionFailed with the text above); other exchange
// types take any arguments.
core::Status check_binding(const core::Exchange& source, const core::Table& arguments);

}  // namespace polymq::rabbit
