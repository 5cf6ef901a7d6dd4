// SQS's errors as values: the code each protocol names (the query protocol's Code, e.g.
// "AWS.SimpleQueueService.NonExistentQueue"; the JSON protocol's __type shape name, e.g.
// "QueueDoesNotExist"), the HTTP status, who is at fault, and the message. The codes and
// statuses are those of the botocore SQS service model (errors of each shape) and of AWS's
// common errors; the codecs render them (query_codec.h, json_codec.h).
#pragma once

#include <string>
#include <string_view>

#include "aws/auth_error.h"

namespace polymq::sqs {

struct Error {
  std::string query_code;  // the query protocol's <Code>, the JSON x-amzn-query-error code
  std::string json_type;   // the JSON protocol's __type, e.g. "com.amazonaws.sqs#QueueDoesNotExist"
  int status = 400;
  bool sender = true;  // <Type>Sender</Type>, else Receiver
  std::string message;
};

Error queue_does_not_exist();
Error queue_name_exists(std::string_view name);
Error invalid_parameter_value(std::string message);
Error missing_parameter(std::string_view name);
Error invalid_attribute_name(std::string_view name);
Error invalid_action(std::string_view action);
Error unsupported_operation(std::string message);
Error receipt_handle_is_invalid(std::string_view handle);
Error invalid_message_contents(std::string message);
Error access_denied(std::string message);
Error internal_error(std::string message);
// ResourceNotFoundException (404): the message move task actions' unknown queue or task.
Error resource_not_found(std::string message);
// The request-level errors of the batch actions; `entry` is the entry shape's name
// (SendMessageBatchRequestEntry ...).
Error empty_batch_request(std::string_view entry);
Error too_many_entries_in_batch_request(size_t count);
Error batch_entry_ids_not_distinct(std::string_view id);
Error invalid_batch_entry_id();
Error batch_request_too_long(size_t limit, size_t size);
// A SigV4 failure (aws/auth_error.h) with AWS's code and status.
Error auth_error(const aws::AuthFailure& failure);

}  // namespace polymq::sqs
