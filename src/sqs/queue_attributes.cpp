#include "sqs/queue_attributes.h"

#include <charconv>

namespace polymq::sqs {
namespace {

constexpr const char* kVisibility = "x-sqs-visibility-timeout";
constexpr const char* kWait = "x-sqs-receive-wait-time-seconds";
constexpr const char* kMaxSize = "x-sqs-maximum-message-size";
constexpr const char* kTtl = "x-message-ttl";
// The core's queue-level delay, in ms (rabbit/queue_arguments.h names it for every protocol).
constexpr const char* kDelay = "x-delivery-delay";

struct Range {
  const char* name;
  int64_t QueueConfig::*field;
  int64_t min;
  int64_t max;
};

constexpr Range kRanges[] = {
    {"VisibilityTimeout", &QueueConfig::visibility_timeout, 0, 43200},
    {"MessageRetentionPeriod", &QueueConfig::message_retention_period, 60, 1209600},
    {"DelaySeconds", &QueueConfig::delay_seconds, 0, 900},
    {"ReceiveMessageWaitTimeSeconds", &QueueConfig::receive_message_wait_time, 0, 20},
    {"MaximumMessageSize", &QueueConfig::maximum_message_size, 1024, 1048576},
};

// Attributes AWS knows that PolyMQ does not serve yet.
constexpr const char* kNotServed[] = {
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "Policy",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
};

std::optional<int64_t> parse_int(const std::string& text) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

const Range* find_range(const std::string& name) {
  for (const Range& r : kRanges) {
    if (name == r.name) return &r;
  }
  return nullptr;
}

}  // namespace

std::optional<Error> apply_attributes(const std::map<std::string, std::string>& attributes,
                                      QueueConfig& config) {
  for (const auto& [name, value] : attributes) {
    if (const Range* r = find_range(name)) {
      std::optional<int64_t> v = parse_int(value);
      if (!v || *v < r->min || *v > r->max) {
        return invalid_parameter_value("Invalid value for the parameter " + name + ".");
      }
      config.*(r->field) = *v;
      continue;
    }
    if (name == "FifoQueue") {
      if (value == "false") continue;
      return unsupported_operation("FIFO queues are not supported by PolyMQ yet.");
    }
    for (const char* n : kNotServed) {
      if (name == n) {
        return unsupported_operation("The attribute " + name + " is not supported by PolyMQ yet.");
      }
    }
    return invalid_attribute_name(name);
  }
  return std::nullopt;
}

bool matches(const QueueConfig& existing, const std::map<std::string, std::string>& attributes) {
  for (const auto& [name, value] : attributes) {
    if (const Range* r = find_range(name)) {
      if (parse_int(value) != existing.*(r->field)) return false;
    }
  }
  return true;
}

core::Table to_arguments(const QueueConfig& config) {
  core::Table t;
  core::set(t, kTtl, core::Value::Int64(config.message_retention_period * 1000));
  core::set(t, kDelay, core::Value::Int64(config.delay_seconds * 1000));
  core::set(t, kVisibility, core::Value::Int64(config.visibility_timeout));
  core::set(t, kWait, core::Value::Int64(config.receive_message_wait_time));
  core::set(t, kMaxSize, core::Value::Int64(config.maximum_message_size));
  return t;
}

QueueConfig from_arguments(const core::Table& arguments) {
  QueueConfig c;
  if (auto v = core::find_int(arguments, kTtl)) c.message_retention_period = *v / 1000;
  if (auto v = core::find_int(arguments, kDelay)) c.delay_seconds = *v / 1000;
  if (auto v = core::find_int(arguments, kVisibility)) c.visibility_timeout = *v;
  if (auto v = core::find_int(arguments, kWait)) c.receive_message_wait_time = *v;
  if (auto v = core::find_int(arguments, kMaxSize)) c.maximum_message_size = *v;
  return c;
}

bool is_queue_attribute_name(const std::string& name) {
  static const char* const kNames[] = {
      "All",
      "ApproximateNumberOfMessages",
      "ApproximateNumberOfMessagesNotVisible",
      "ApproximateNumberOfMessagesDelayed",
      "VisibilityTimeout",
      "MessageRetentionPeriod",
      "DelaySeconds",
      "ReceiveMessageWaitTimeSeconds",
      "MaximumMessageSize",
      "QueueArn",
      "CreatedTimestamp",
      "LastModifiedTimestamp",
      "Policy",
      "RedrivePolicy",
      "RedriveAllowPolicy",
      "FifoQueue",
      "ContentBasedDeduplication",
      "KmsMasterKeyId",
      "KmsDataKeyReusePeriodSeconds",
      "DeduplicationScope",
      "FifoThroughputLimit",
      "SqsManagedSseEnabled",
  };
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  return false;
}

}  // namespace polymq::sqs
