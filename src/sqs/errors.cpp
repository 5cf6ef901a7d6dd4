#include "sqs/errors.h"

namespace polymq::sqs {
namespace {

Error make(std::string query_code, std::string_view shape, int status, std::string message,
           bool sender = true) {
  Error e;
  e.query_code = std::move(query_code);
  e.json_type = "com.amazonaws.sqs#" + std::string(shape);
  e.status = status;
  e.sender = sender;
  e.message = std::move(message);
  return e;
}

}  // namespace

Error queue_does_not_exist() {
  return make("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist", 400,
              "The specified queue does not exist.");
}

Error queue_name_exists(std::string_view name) {
  return make("QueueAlreadyExists", "QueueNameExists", 400,
              "A queue already exists with the same name and a different value for attribute(s) "
              "of " +
                  std::string(name) + ".");
}

Error invalid_parameter_value(std::string message) {
  return make("InvalidParameterValue", "InvalidParameterValue", 400, std::move(message));
}

Error missing_parameter(std::string_view name) {
  return make("MissingParameter", "MissingParameter", 400,
              "The request must contain the parameter " + std::string(name) + ".");
}

Error invalid_attribute_name(std::string_view name) {
  return make("InvalidAttributeName", "InvalidAttributeName", 400,
              "Unknown Attribute " + std::string(name) + ".");
}

Error invalid_action(std::string_view action) {
  return make("InvalidAction", "InvalidAction", 400,
              "The action " + std::string(action) + " is not valid for this endpoint.");
}

Error unsupported_operation(std::string message) {
  return make("AWS.SimpleQueueService.UnsupportedOperation", "UnsupportedOperation", 400,
              std::move(message));
}

Error receipt_handle_is_invalid(std::string_view handle) {
  return make("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", 400,
              "The input receipt handle \"" + std::string(handle) +
                  "\" is not a valid receipt "
                  "handle.");
}

Error invalid_message_contents(std::string message) {
  return make("InvalidMessageContents", "InvalidMessageContents", 400, std::move(message));
}

Error access_denied(std::string message) {
  Error e = make("AccessDenied", "AccessDenied", 403, std::move(message));
  e.json_type = "com.amazon.coral.service#AccessDeniedException";
  return e;
}

Error internal_error(std::string message) {
  return make("InternalError", "InternalError", 500, std::move(message), false);
}

Error resource_not_found(std::string message) {
  return make("ResourceNotFoundException", "ResourceNotFoundException", 404, std::move(message));
}

Error empty_batch_request(std::string_view entry) {
  return make("AWS.SimpleQueueService.EmptyBatchRequest", "EmptyBatchRequest", 400,
              "There should be at least one " + std::string(entry) + " in the request.");
}

Error too_many_entries_in_batch_request(size_t count) {
  return make(
      "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", "TooManyEntriesInBatchRequest", 400,
      "Maximum number of entries per request are 10. You have sent " + std::to_string(count) + ".");
}

Error batch_entry_ids_not_distinct(std::string_view id) {
  return make("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "BatchEntryIdsNotDistinct", 400,
              "Id " + std::string(id) + " repeated.");
}

Error invalid_batch_entry_id() {
  return make("AWS.SimpleQueueService.InvalidBatchEntryId", "InvalidBatchEntryId", 400,
              "A batch entry id can only contain alphanumeric characters, hyphens and "
              "underscores. It can be at most 80 letters long.");
}

Error batch_request_too_long(size_t limit, size_t size) {
  return make("AWS.SimpleQueueService.BatchRequestTooLong", "BatchRequestTooLong", 400,
              "Batch requests cannot be longer than " + std::to_string(limit) +
                  " bytes. You have sent " + std::to_string(size) + " bytes.");
}

Error auth_error(const aws::AuthFailure& failure) {
  Error e;
  e.query_code = std::string(aws::error_code(failure.error));
  e.json_type = "com.amazon.coral.service#" + e.query_code;
  e.status = aws::http_status(failure.error);
  e.message = failure.message;
  return e;
}

}  // namespace polymq::sqs
