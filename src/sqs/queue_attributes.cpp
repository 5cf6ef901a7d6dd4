#include "sqs/queue_attributes.h"

#include <charconv>

#include "core/queue.h"

namespace polymq::sqs {
namespace {

constexpr const char* kVisibility = "x-sqs-visibility-timeout";
constexpr const char* kWait = "x-sqs-receive-wait-time-seconds";
constexpr const char* kMaxSize = "x-sqs-maximum-message-size";
constexpr const char* kTtl = "x-message-ttl";
// The core's queue-level delay, in ms (rabbit/queue_arguments.h names it for every protocol).
constexpr const char* kDelay = "x-delivery-delay";
constexpr const char* kRedrive = "x-sqs-redrive-policy";
constexpr const char* kRedriveAllow = "x-sqs-redrive-allow-policy";
constexpr const char* kDeadLetterExchange = "x-dead-letter-exchange";
constexpr const char* kDeadLetterRoutingKey = "x-dead-letter-routing-key";
constexpr const char* kDeliveryLimit = "x-delivery-limit";
constexpr const char* kFifo = "x-sqs-fifo-queue";
constexpr const char* kContentDedup = "x-sqs-content-based-deduplication";
constexpr const char* kDedupScope = "x-sqs-deduplication-scope";
constexpr const char* kThroughputLimit = "x-sqs-fifo-throughput-limit";
// The core's message groups and deduplication window (rabbit/queue_arguments.h).
constexpr const char* kSingleActiveGroup = "x-single-active-group";
constexpr const char* kDedupWindow = "x-deduplication-window";
constexpr int64_t kDedupWindowMs = 5 * 60 * 1000;

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
    "Policy",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
};

bool is_fifo_only(const std::string& name) {
  return name == "ContentBasedDeduplication" || name == "DeduplicationScope" ||
         name == "FifoThroughputLimit";
}

std::optional<bool> parse_bool(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return std::nullopt;
}

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
  if (auto it = attributes.find("FifoQueue"); it != attributes.end()) {
    std::optional<bool> fifo = parse_bool(it->second);
    if (!fifo) return invalid_parameter_value("Invalid value for the parameter FifoQueue.");
    config.fifo_queue = *fifo;
  }
  for (const auto& [name, value] : attributes) {
    if (name == "FifoQueue") continue;
    if (is_fifo_only(name)) {
      // AWS knows these names only for FIFO queues.
      if (!config.fifo_queue) return invalid_attribute_name(name);
      bool ok = true;
      if (name == "ContentBasedDeduplication") {
        std::optional<bool> b = parse_bool(value);
        ok = b.has_value();
        if (ok) config.content_based_deduplication = *b;
      } else if (name == "DeduplicationScope") {
        ok = value == "queue" || value == "messageGroup";
        if (ok) config.deduplication_scope = value;
      } else {
        ok = value == "perQueue" || value == "perMessageGroupId";
        if (ok) config.fifo_throughput_limit = value;
      }
      if (!ok) return invalid_parameter_value("Invalid value for the parameter " + name + ".");
      continue;
    }
    if (const Range* r = find_range(name)) {
      std::optional<int64_t> v = parse_int(value);
      if (!v || *v < r->min || *v > r->max) {
        return invalid_parameter_value("Invalid value for the parameter " + name + ".");
      }
      config.*(r->field) = *v;
      continue;
    }
    if (name == "RedrivePolicy") {
      if (value.empty()) {
        config.redrive_policy.reset();
        continue;
      }
      auto parsed = parse_redrive_policy(value);
      if (auto* e = std::get_if<Error>(&parsed)) return *e;
      config.redrive_policy = std::get<RedrivePolicy>(std::move(parsed));
      continue;
    }
    if (name == "RedriveAllowPolicy") {
      if (value.empty()) {
        config.redrive_allow_policy.reset();
        continue;
      }
      auto parsed = parse_redrive_allow_policy(value);
      if (auto* e = std::get_if<Error>(&parsed)) return *e;
      config.redrive_allow_policy = std::get<RedriveAllowPolicy>(std::move(parsed));
      continue;
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
    } else if (name == "RedrivePolicy" || name == "RedriveAllowPolicy" || is_fifo_only(name)) {
      QueueConfig given = existing;
      if (apply_attributes({{name, value}}, given) || !(given == existing)) return false;
    } else if (name == "FifoQueue") {
      if (parse_bool(value) != existing.fifo_queue) return false;
    }
  }
  return true;
}

namespace {

void erase_key(core::Table& t, std::string_view key) {
  std::erase_if(t, [&](const auto& entry) { return entry.first == key; });
}

// Sets (or, for an attribute that is unset, erases) the arguments that carry `attribute`.
void set_attribute_arguments(core::Table& t, const std::string& attribute,
                             const QueueConfig& config) {
  if (attribute == "MessageRetentionPeriod") {
    core::set(t, kTtl, core::Value::Int64(config.message_retention_period * 1000));
  } else if (attribute == "VisibilityTimeout") {
    core::set(t, kVisibility, core::Value::Int64(config.visibility_timeout));
  } else if (attribute == "ReceiveMessageWaitTimeSeconds") {
    core::set(t, kWait, core::Value::Int64(config.receive_message_wait_time));
  } else if (attribute == "MaximumMessageSize") {
    core::set(t, kMaxSize, core::Value::Int64(config.maximum_message_size));
  } else if (attribute == "RedrivePolicy") {
    if (const auto& p = config.redrive_policy) {
      core::set(t, kRedrive, core::Value::String(render(*p)));
      core::set(t, kDeadLetterExchange, core::Value::String(""));
      core::set(t, kDeadLetterRoutingKey, core::Value::String(p->dead_letter_queue));
      core::set(t, kDeliveryLimit, core::Value::Int64(p->max_receive_count - 1));
    } else if (core::find(t, kRedrive) != nullptr) {
      // Only the dead-lettering a redrive policy set goes with it.
      for (const char* key :
           {kRedrive, kDeadLetterExchange, kDeadLetterRoutingKey, kDeliveryLimit}) {
        erase_key(t, key);
      }
    }
  } else if (attribute == "ContentBasedDeduplication") {
    core::set(t, kContentDedup, core::Value::Bool(config.content_based_deduplication));
  } else if (attribute == "DeduplicationScope") {
    core::set(t, kDedupScope, core::Value::String(config.deduplication_scope));
  } else if (attribute == "FifoThroughputLimit") {
    core::set(t, kThroughputLimit, core::Value::String(config.fifo_throughput_limit));
  } else if (attribute == "RedriveAllowPolicy") {
    if (const auto& p = config.redrive_allow_policy) {
      core::set(t, kRedriveAllow, core::Value::String(render(*p)));
    } else {
      erase_key(t, kRedriveAllow);
    }
  }
}

}  // namespace

core::Table updated_arguments(const core::Table& existing,
                              const std::map<std::string, std::string>& attributes,
                              const QueueConfig& config) {
  core::Table t = existing;
  for (const auto& [name, value] : attributes) set_attribute_arguments(t, name, config);
  return t;
}

core::Table to_arguments(const QueueConfig& config) {
  core::Table t;
  core::set(t, kTtl, core::Value::Int64(config.message_retention_period * 1000));
  core::set(t, kDelay, core::Value::Int64(config.delay_seconds * 1000));
  core::set(t, kVisibility, core::Value::Int64(config.visibility_timeout));
  core::set(t, kWait, core::Value::Int64(config.receive_message_wait_time));
  core::set(t, kMaxSize, core::Value::Int64(config.maximum_message_size));
  set_attribute_arguments(t, "RedrivePolicy", config);
  set_attribute_arguments(t, "RedriveAllowPolicy", config);
  if (config.fifo_queue) {
    core::set(t, kFifo, core::Value::Bool(true));
    core::set(t, kSingleActiveGroup, core::Value::Bool(true));
    core::set(t, kDedupWindow, core::Value::Int64(kDedupWindowMs));
    for (const char* a :
         {"ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}) {
      set_attribute_arguments(t, a, config);
    }
  }
  return t;
}

QueueConfig from_arguments(const core::Table& arguments) {
  QueueConfig c;
  if (auto v = core::find_int(arguments, kTtl)) c.message_retention_period = *v / 1000;
  if (auto v = core::find_int(arguments, kDelay)) c.delay_seconds = *v / 1000;
  if (auto v = core::find_int(arguments, kVisibility)) c.visibility_timeout = *v;
  if (auto v = core::find_int(arguments, kWait)) c.receive_message_wait_time = *v;
  if (auto v = core::find_int(arguments, kMaxSize)) c.maximum_message_size = *v;
  // Written by set_attribute_arguments, so well-formed; anything else reads as unset.
  if (const std::string* s = core::find_string(arguments, kRedrive)) {
    auto parsed = parse_redrive_policy(*s);
    if (auto* p = std::get_if<RedrivePolicy>(&parsed)) c.redrive_policy = std::move(*p);
  }
  c.fifo_queue = core::find_bool(arguments, kFifo).value_or(false);
  c.content_based_deduplication = core::find_bool(arguments, kContentDedup).value_or(false);
  if (const std::string* s = core::find_string(arguments, kDedupScope)) c.deduplication_scope = *s;
  if (const std::string* s = core::find_string(arguments, kThroughputLimit)) {
    c.fifo_throughput_limit = *s;
  }
  if (const std::string* s = core::find_string(arguments, kRedriveAllow)) {
    auto parsed = parse_redrive_allow_policy(*s);
    if (auto* p = std::get_if<RedriveAllowPolicy>(&parsed)) c.redrive_allow_policy = std::move(*p);
  }
  return c;
}

bool is_listed_queue(const core::Queue& queue) {
  return !queue.options().exclusive && !queue.name().starts_with("amq.");
}

QueueConfig queue_config(const core::Queue& queue) {
  return from_arguments(queue.options().arguments);
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

AttributeValues queue_attribute_values(const core::Queue& queue, const QueueConfig& config) {
  AttributeValues out;
  auto add = [&](const char* name, std::string value) { out.emplace_back(name, std::move(value)); };
  add("ApproximateNumberOfMessages", std::to_string(queue.message_count()));
  add("ApproximateNumberOfMessagesNotVisible", std::to_string(queue.unacked_count()));
  add("ApproximateNumberOfMessagesDelayed", std::to_string(queue.delayed_count()));
  add("VisibilityTimeout", std::to_string(config.visibility_timeout));
  add("MessageRetentionPeriod", std::to_string(config.message_retention_period));
  add("DelaySeconds", std::to_string(config.delay_seconds));
  add("ReceiveMessageWaitTimeSeconds", std::to_string(config.receive_message_wait_time));
  add("MaximumMessageSize", std::to_string(config.maximum_message_size));
  if (config.redrive_policy) add("RedrivePolicy", render(*config.redrive_policy));
  if (config.redrive_allow_policy) add("RedriveAllowPolicy", render(*config.redrive_allow_policy));
  if (config.fifo_queue) {
    add("FifoQueue", "true");
    add("ContentBasedDeduplication", config.content_based_deduplication ? "true" : "false");
    add("DeduplicationScope", config.deduplication_scope);
    add("FifoThroughputLimit", config.fifo_throughput_limit);
  }
  return out;
}

}  // namespace polymq::sqs
