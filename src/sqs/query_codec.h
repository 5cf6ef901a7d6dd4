// The AWS query protocol for SQS (the parts every query service shares are aws/query_protocol.h)
// (API version 2012-11-05): parameters as form fields (a GET query string or an
// application/x-www-form-urlencoded body), answers as XML in the
// https://queue.amazonaws.com/doc/2012-11-05/ namespace. Lists and maps are "flattened" as
// the service model says: AttributeName.1, Attribute.1.Name / Attribute.1.Value,
// MessageAttribute.1.Name / .Value.DataType / .Value.StringValue / .Value.BinaryValue (base64).
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "aws/query_protocol.h"
#include "http/form.h"
#include "sqs/errors.h"
#include "sqs/request.h"

namespace polymq::sqs {

// The action's input from its parameters (Action, Version and the SigV4 X-Amz-* parameters
// are left out); an Error for a malformed member (a Binary value that is not base64).
std::variant<ActionInput, Error> parse_query_input(const http::Params& params);

// <{action}Response xmlns=...><{action}Result>...</{action}Result><ResponseMetadata>...
std::string render_query_result(std::string_view action, const Result& result,
                                std::string_view request_id);
// <ErrorResponse><Error><Type/><Code/><Message/><Detail/></Error><RequestId/></ErrorResponse>
std::string render_query_error(const Error& error, std::string_view request_id);

// XML escaping is the query protocol's (aws/query_protocol.h), also named here for SQS's users.
using aws::xml_escape;

}  // namespace polymq::sqs
