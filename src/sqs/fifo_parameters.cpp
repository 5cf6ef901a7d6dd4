#include "sqs/fifo_parameters.h"

#include <algorithm>

#include "sqs/digests.h"
#include "sqs/message_mapping.h"

namespace polymq::sqs {
namespace {

// AWS: 1 to 128 alphanumeric or punctuation characters (ASCII 33 to 126).
bool valid_id(const std::string& id) {
  return !id.empty() && id.size() <= 128 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c >= 33 && c <= 126; });
}

Error invalid_id(const std::string& parameter, const std::string& value) {
  return invalid_parameter_value("Value " + value + " for parameter " + parameter +
                                 " is invalid. Reason: " + parameter +
                                 " can only include alphanumeric and punctuation characters. 1 "
                                 "to 128 in length.");
}

Error not_for_this_queue_type(const std::string& parameter, const std::string& value) {
  return invalid_parameter_value("Value " + value + " for parameter " + parameter +
                                 " is invalid. Reason: The request include parameter that is not "
                                 "valid for this queue type.");
}

}  // namespace

std::optional<Error> apply_send_parameters(const QueueConfig& config, const SendParameters& in,
                                           int64_t now_ms, core::Message& message) {
  if (in.group && !valid_id(*in.group)) return invalid_id("MessageGroupId", *in.group);
  if (!config.fifo_queue) {
    if (in.dedup) return not_for_this_queue_type("MessageDeduplicationId", *in.dedup);
    if (in.group) message.group = *in.group;
    return apply_delay_seconds(in.delay, now_ms, message);
  }
  if (in.delay) return not_for_this_queue_type("DelaySeconds", *in.delay);
  if (!in.group) return missing_parameter("MessageGroupId");
  std::string id;
  if (in.dedup) {
    if (!valid_id(*in.dedup)) return invalid_id("MessageDeduplicationId", *in.dedup);
    id = *in.dedup;
  } else if (config.content_based_deduplication) {
    id = sha256_hex(message.body.view());
  } else {
    return invalid_parameter_value(
        "The queue should either have ContentBasedDeduplication enabled or "
        "MessageDeduplicationId provided explicitly");
  }
  message.group = *in.group;
  message.dedup_id = config.deduplication_scope == "messageGroup" ? *in.group + "\n" + id : id;
  return std::nullopt;
}

std::optional<std::string> dedup_id_of(const core::Message& message) {
  if (!message.dedup_id) return std::nullopt;
  const size_t cut = message.dedup_id->find('\n');
  return cut == std::string::npos ? *message.dedup_id : message.dedup_id->substr(cut + 1);
}

}  // namespace polymq::sqs
