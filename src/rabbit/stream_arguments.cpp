#include "rabbit/stream_arguments.h"

#include <charconv>
#include <cstdint>
#include <utility>
#include <string>
#include <string_view>

namespace polymq::rabbit {
namespace {

using core::ErrorCode;
using core::Status;
using core::Table;
using core::Value;

constexpr const char* kQueueType = "x-queue-type";
constexpr const char* kPartitions = "x-polymq-partitions";
constexpr const char* kMaxLengthBytes = "x-max-length-bytes";
constexpr const char* kMaxAge = "x-max-age";
constexpr const char* kMaxAgeMs = "x-polymq-max-age-ms";
constexpr const char* kSegmentBytes = "x-stream-max-segment-size-bytes";
// Kafka's compaction settings (core/stream.h), kept under PolyMQ's names.
constexpr const char* kCleanupPolicy = "x-polymq-cleanup-policy";
constexpr const char* kDeleteRetentionMs = "x-polymq-delete-retention-ms";
constexpr const char* kMinCompactionLagMs = "x-polymq-min-compaction-lag-ms";
constexpr const char* kMinCleanableDirtyRatio = "x-polymq-min-cleanable-dirty-ratio";

constexpr int64_t kSecondMs = 1000;
constexpr int64_t kDayMs = 24 * 3600 * kSecondMs;
// A partition count past this is refused: each partition is a directory of open files.
constexpr int64_t kMaxPartitions = 10000;

Status bad(const char* argument, const std::string& why) {
  return {ErrorCode::kInvalidArgument, std::string(argument) + " " + why};
}

// RabbitMQ's x-max-age: a positive whole number and a unit, Y, M, D, h, m or s ("7D").
bool parse_max_age(const std::string& text, int64_t& ms) {
  int64_t n = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || n <= 0 || ptr + 1 != end) return false;
  int64_t unit = 0;
  switch (*ptr) {
    case 'Y':
      unit = 365 * kDayMs;
      break;
    case 'M':
      unit = 30 * kDayMs;
      break;
    case 'D':
      unit = kDayMs;
      break;
    case 'h':
      unit = 3600 * kSecondMs;
      break;
    case 'm':
      unit = 60 * kSecondMs;
      break;
    case 's':
      unit = kSecondMs;
      break;
    default:
      return false;
  }
  if (n > INT64_MAX / unit) return false;
  ms = n * unit;
  return true;
}

Status compaction_settings(const Table& arguments, core::StreamSettings& out) {
  if (core::find(arguments, kCleanupPolicy) != nullptr) {
    const std::string* policy = core::find_string(arguments, kCleanupPolicy);
    if (policy == nullptr || !core::parse_cleanup_policy(*policy, out)) {
      return bad(kCleanupPolicy, "must be delete, compact or compact,delete");
    }
  }
  for (auto [name, field] : {std::pair{kDeleteRetentionMs, &core::StreamSettings::delete_retention_ms},
                             std::pair{kMinCompactionLagMs,
                                       &core::StreamSettings::min_compaction_lag_ms}}) {
    if (core::find(arguments, name) == nullptr) continue;
    const auto n = core::find_int(arguments, name);
    if (!n || *n < 0) return bad(name, "must be a non-negative integer");
    out.*field = *n;
  }
  if (const Value* ratio = core::find(arguments, kMinCleanableDirtyRatio)) {
    const std::optional<double> r = ratio->as_double();
    if (!r || !(*r >= 0 && *r <= 1)) return bad(kMinCleanableDirtyRatio, "must be from 0 to 1");
    out.min_cleanable_dirty_ratio = *r;
  }
  return Status::Ok();
}

}  // namespace

bool is_stream_queue(const Table& arguments) {
  const std::string* type = core::find_string(arguments, kQueueType);
  return type != nullptr && *type == kStreamQueueType;
}

Table stream_arguments(const core::StreamSettings& settings) {
  Table out;
  out.emplace_back(kQueueType, Value::String(kStreamQueueType));
  out.emplace_back(kPartitions, Value::Int64(settings.partitions));
  out.emplace_back(kSegmentBytes, Value::Int64(static_cast<int64_t>(settings.segment_bytes)));
  if (settings.retention_bytes >= 0) {
    out.emplace_back(kMaxLengthBytes, Value::Int64(settings.retention_bytes));
  }
  if (settings.retention_ms > 0 && settings.retention_ms % kSecondMs == 0) {
    out.emplace_back(kMaxAge,
                     Value::String(std::to_string(settings.retention_ms / kSecondMs) + "s"));
  } else if (settings.retention_ms >= 0) {
    out.emplace_back(kMaxAgeMs, Value::Int64(settings.retention_ms));
  }
  if (settings.cleanup_compact) {
    out.emplace_back(kCleanupPolicy, Value::String(core::cleanup_policy_name(settings)));
  }
  const core::StreamSettings defaults;
  if (settings.delete_retention_ms != defaults.delete_retention_ms) {
    out.emplace_back(kDeleteRetentionMs, Value::Int64(settings.delete_retention_ms));
  }
  if (settings.min_compaction_lag_ms != defaults.min_compaction_lag_ms) {
    out.emplace_back(kMinCompactionLagMs, Value::Int64(settings.min_compaction_lag_ms));
  }
  if (settings.min_cleanable_dirty_ratio != defaults.min_cleanable_dirty_ratio) {
    out.emplace_back(kMinCleanableDirtyRatio, Value::Double(settings.min_cleanable_dirty_ratio));
  }
  return out;
}

const char* unsupported_stream_argument(const Table& arguments) {
  // As RabbitMQ 3.10 refuses them (checked against it, one declare per argument).
  static constexpr std::string_view kUnsupported[] = {"x-dead-letter-exchange",
                                                      "x-dead-letter-routing-key",
                                                      "x-dead-letter-strategy",
                                                      "x-delivery-limit",
                                                      "x-expires",
                                                      "x-max-in-memory-length",
                                                      "x-max-length",
                                                      "x-max-priority",
                                                      "x-message-ttl",
                                                      "x-overflow",
                                                      "x-queue-master-locator",
                                                      "x-queue-mode",
                                                      "x-quorum-initial-group-size",
                                                      "x-single-active-consumer"};
  for (const auto& [name, value] : arguments) {
    for (std::string_view unsupported : kUnsupported) {
      if (name == unsupported) return unsupported.data();
    }
  }
  return nullptr;
}

Status stream_settings(const Table& arguments, core::StreamSettings& out) {
  if (core::find(arguments, kPartitions) != nullptr) {
    const auto n = core::find_int(arguments, kPartitions);
    if (!n || *n < 1 || *n > kMaxPartitions) {
      return bad(kPartitions, "must be an integer from 1 to " + std::to_string(kMaxPartitions));
    }
    out.partitions = static_cast<uint32_t>(*n);
  }
  if (core::find(arguments, kSegmentBytes) != nullptr) {
    const auto n = core::find_int(arguments, kSegmentBytes);
    if (!n || *n < 1) return bad(kSegmentBytes, "must be a positive integer");
    out.segment_bytes = static_cast<uint64_t>(*n);
  }
  if (core::find(arguments, kMaxLengthBytes) != nullptr) {
    const auto n = core::find_int(arguments, kMaxLengthBytes);
    if (!n || *n < 0) return bad(kMaxLengthBytes, "must be a non-negative integer");
    out.retention_bytes = *n;
  }
  if (core::find(arguments, kMaxAge) != nullptr) {
    const std::string* text = core::find_string(arguments, kMaxAge);
    int64_t ms = 0;
    if (text == nullptr || !parse_max_age(*text, ms)) {
      return bad(kMaxAge, "must be a positive number with a unit Y, M, D, h, m or s (\"7D\")");
    }
    out.retention_ms = ms;
  } else if (core::find(arguments, kMaxAgeMs) != nullptr) {
    const auto n = core::find_int(arguments, kMaxAgeMs);
    if (!n || *n < 0) return bad(kMaxAgeMs, "must be a non-negative integer");
    out.retention_ms = *n;
  }
  return compaction_settings(arguments, out);
}

}  // namespace polymq::rabbit
