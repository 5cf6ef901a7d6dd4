#include "kafka/topic_configs.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <functional>

namespace polymq::kafka {
namespace {

// What a topic may be changed to: a parsed value checked against its range, written into the
// settings; `read` says what the settings hold now.
struct Tunable {
  const char* name;
  int8_t type;
  int64_t min;
  int64_t max;
  int64_t core::StreamSettings::*signed_field;
  uint64_t core::StreamSettings::*unsigned_field;
  const char* documentation;
};

constexpr int64_t kInt32Max = INT32_MAX;

const Tunable kTunables[] = {
    {"delete.retention.ms", config_type::kLong, 0, INT64_MAX,
     &core::StreamSettings::delete_retention_ms, nullptr,
     "How long a tombstone is kept on a compacted topic, counted from its timestamp"},
    {"min.compaction.lag.ms", config_type::kLong, 0, INT64_MAX,
     &core::StreamSettings::min_compaction_lag_ms, nullptr,
     "A segment holding a record younger than this is not compacted yet"},
    {"retention.bytes", config_type::kLong, -1, INT64_MAX, &core::StreamSettings::retention_bytes,
     nullptr, "Bytes a partition keeps before its oldest whole segments are deleted; -1: no limit"},
    {"retention.ms", config_type::kLong, -1, INT64_MAX, &core::StreamSettings::retention_ms,
     nullptr, "Age after which whole segments are deleted; -1: kept forever"},
    {"segment.bytes", config_type::kInt, 14, kInt32Max, nullptr,
     &core::StreamSettings::segment_bytes, "Size at which a partition rolls to a new segment"},
};

// Configs a client may read and set only to the value PolyMQ has: one replica, messages stored
// as the producer compressed them, timestamps as the producer set them.
struct Fixed {
  const char* name;
  const char* value;
  int8_t type;
  const char* documentation;
};

const Fixed kFixed[] = {
    {"compression.type", "producer", config_type::kString,
     "Batches are stored as the producer compressed them"},
    {"max.message.bytes", "1048588", config_type::kInt, "Largest record batch a produce may carry"},
    {"message.timestamp.type", "CreateTime", config_type::kString,
     "Timestamps are the producer's unless its batch asks for LogAppendTime"},
    {"min.insync.replicas", "1", config_type::kInt, "One broker, one replica"},
    {"unclean.leader.election.enable", "false", config_type::kBoolean, "One broker, one replica"},
};

const Tunable* find_tunable(const std::string& name) {
  for (const Tunable& t : kTunables) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

const Fixed* find_fixed(const std::string& name) {
  for (const Fixed& f : kFixed) {
    if (name == f.name) return &f;
  }
  return nullptr;
}

int64_t current(const Tunable& t, const core::StreamSettings& s) {
  return t.signed_field != nullptr ? s.*t.signed_field : static_cast<int64_t>(s.*t.unsigned_field);
}

void assign(const Tunable& t, int64_t value, core::StreamSettings& s) {
  if (t.signed_field != nullptr) {
    s.*t.signed_field = value;
  } else {
    s.*t.unsigned_field = static_cast<uint64_t>(value);
  }
}

// Configs whose values are not integers, each with its own parse.
constexpr const char* kCleanupPolicy = "cleanup.policy";
constexpr const char* kCleanupPolicyDoc =
    "delete: whole segments past retention go; compact: a record goes once a later one has its "
    "key; or both";
constexpr const char* kDirtyRatio = "min.cleanable.dirty.ratio";
constexpr const char* kDirtyRatioDoc =
    "Share of a partition's settled bytes written since the last compaction that starts the next";

std::string ratio_text(double ratio) {
  std::string text = std::to_string(ratio);
  text.erase(text.find_last_not_of('0') + 1);
  if (text.back() == '.') text.pop_back();
  return text;
}

std::optional<std::string> set_dirty_ratio(const std::optional<std::string>& value,
                                           core::StreamSettings& settings) {
  if (!value) {
    settings.min_cleanable_dirty_ratio = core::StreamSettings{}.min_cleanable_dirty_ratio;
    return std::nullopt;
  }
  double ratio = 0;
  const char* end = value->data() + value->size();
  auto [ptr, ec] = std::from_chars(value->data(), end, ratio);
  if (ec != std::errc() || ptr != end || value->empty()) {
    return "Invalid value " + *value + " for configuration " + kDirtyRatio + ": Not a number";
  }
  if (!(ratio >= 0 && ratio <= 1)) {  // NaN too: from_chars reads "nan"
    return "Invalid value " + *value + " for configuration " + kDirtyRatio +
           ": Value must be in [0.0, 1.0]";
  }
  settings.min_cleanable_dirty_ratio = ratio;
  return std::nullopt;
}

std::optional<std::string> set_cleanup_policy(const std::optional<std::string>& value,
                                              core::StreamSettings& settings) {
  if (!value) {
    const core::StreamSettings defaults;
    settings.cleanup_delete = defaults.cleanup_delete;
    settings.cleanup_compact = defaults.cleanup_compact;
    return std::nullopt;
  }
  if (core::parse_cleanup_policy(*value, settings)) return std::nullopt;
  return "Invalid value " + *value + " for configuration " + kCleanupPolicy +
         ": String must be one of: compact, delete";
}

}  // namespace

std::vector<TopicConfig> describe_topic_configs(const core::StreamSettings& settings) {
  const core::StreamSettings defaults;
  std::vector<TopicConfig> out;
  for (const Tunable& t : kTunables) {
    const int64_t value = current(t, settings);
    out.push_back({t.name, std::to_string(value), false, value == current(t, defaults), t.type,
                   t.documentation});
  }
  for (const Fixed& f : kFixed) {
    out.push_back({f.name, f.value, true, true, f.type, f.documentation});
  }
  const std::string policy = core::cleanup_policy_name(settings);
  out.push_back({kCleanupPolicy, policy, false, policy == core::cleanup_policy_name(defaults),
                 config_type::kList, kCleanupPolicyDoc});
  out.push_back({kDirtyRatio, ratio_text(settings.min_cleanable_dirty_ratio), false,
                 settings.min_cleanable_dirty_ratio == defaults.min_cleanable_dirty_ratio,
                 config_type::kDouble, kDirtyRatioDoc});
  std::sort(out.begin(), out.end(),
            [](const TopicConfig& a, const TopicConfig& b) { return a.name < b.name; });
  return out;
}

std::optional<std::string> set_topic_config(const std::string& name,
                                            const std::optional<std::string>& value,
                                            core::StreamSettings& settings) {
  if (name == kCleanupPolicy) return set_cleanup_policy(value, settings);
  if (name == kDirtyRatio) return set_dirty_ratio(value, settings);
  if (const Tunable* t = find_tunable(name)) {
    if (!value) {
      assign(*t, current(*t, core::StreamSettings{}), settings);
      return std::nullopt;
    }
    int64_t n = 0;
    const char* end = value->data() + value->size();
    auto [ptr, ec] = std::from_chars(value->data(), end, n);
    if (ec != std::errc() || ptr != end || value->empty()) {
      return "Invalid value " + *value + " for configuration " + name + ": Not a number";
    }
    if (n < t->min || n > t->max) {
      return "Invalid value " + *value + " for configuration " + name + ": Value must be in [" +
             std::to_string(t->min) + ", " + std::to_string(t->max) + "]";
    }
    assign(*t, n, settings);
    return std::nullopt;
  }
  if (const Fixed* f = find_fixed(name)) {
    if (!value || *value == f->value) return std::nullopt;
    return "Invalid value " + *value + " for configuration " + name + ": PolyMQ supports only " +
           f->value;
  }
  return "Unknown topic config name: " + name;
}

std::optional<std::string> change_topic_list_config(const std::string& name,
                                                    const std::optional<std::string>& value,
                                                    bool append, core::StreamSettings& settings) {
  if (name != kCleanupPolicy) {
    return "Config value append/subtract is not supported for " + name;
  }
  core::StreamSettings change;
  if (!value || !core::parse_cleanup_policy(*value, change)) {
    return "Invalid value " + value.value_or("null") + " for configuration " + kCleanupPolicy +
           ": String must be one of: compact, delete";
  }
  core::StreamSettings next = settings;
  if (append) {
    next.cleanup_compact = next.cleanup_compact || change.cleanup_compact;
    next.cleanup_delete = next.cleanup_delete || change.cleanup_delete;
  } else {
    next.cleanup_compact = next.cleanup_compact && !change.cleanup_compact;
    next.cleanup_delete = next.cleanup_delete && !change.cleanup_delete;
  }
  if (!next.cleanup_compact && !next.cleanup_delete) {
    return std::string("Invalid value for configuration ") + kCleanupPolicy +
           ": a topic needs compact, delete or both";
  }
  settings = next;
  return std::nullopt;
}

}  // namespace polymq::kafka
