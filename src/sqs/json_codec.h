// The AWS JSON 1.0 protocol for SQS (X-Amz-Target: AmazonSQS.<Action>, Content-Type
// application/x-amz-json-1.0): the input is one JSON object with the model's member names,
// the answer one too. Errors carry the shape as __type ("com.amazonaws.sqs#QueueDoesNotExist")
// and, because SQS is "awsQueryCompatible", the query protocol's code in the
// x-amzn-query-error header ("AWS.SimpleQueueService.NonExistentQueue;Sender"), which the SDKs
// report as the error code.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "sqs/errors.h"
#include "sqs/request.h"

namespace polymq::sqs {

// An Error for a body that is not a JSON object or a member of the wrong type.
std::variant<ActionInput, Error> parse_json_input(std::string_view body);

std::string render_json_result(const Result& result);
std::string render_json_error(const Error& error);
// The x-amzn-query-error header's value.
std::string query_error_header(const Error& error);

}  // namespace polymq::sqs
