// A topic's configs in Kafka's names (retention.ms, segment.bytes, ...) over the stream's
// settings: which ones PolyMQ honours and may be changed, which ones are fixed and only
// described, and the checks of a value on CreateTopics, AlterConfigs and
// IncrementalAlterConfigs. Anything else is an unknown config, refused as Kafka refuses it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/stream.h"

namespace polymq::kafka {

// Kafka's ConfigSource and ConfigType as DescribeConfigs reports them.
namespace config_source {
constexpr int8_t kDynamicTopic = 1;
constexpr int8_t kDefault = 5;
}  // namespace config_source
namespace config_type {
constexpr int8_t kBoolean = 1;
constexpr int8_t kString = 2;
constexpr int8_t kInt = 3;
constexpr int8_t kLong = 5;
constexpr int8_t kDouble = 6;
constexpr int8_t kList = 7;
}  // namespace config_type

struct TopicConfig {
  std::string name;
  std::string value;
  bool read_only = false;
  bool is_default = false;
  int8_t type = config_type::kString;
  std::string documentation;
};

// Every config of a topic with these settings, in name order.
std::vector<TopicConfig> describe_topic_configs(const core::StreamSettings& settings);

// Sets `name` to `value` in `settings`; nullopt when accepted, else the reason (Kafka's
// INVALID_CONFIG). A fixed config accepts only its one value; a null value resets to the default.
std::optional<std::string> set_topic_config(const std::string& name,
                                            const std::optional<std::string>& value,
                                            core::StreamSettings& settings);

// IncrementalAlterConfigs' APPEND (`append`) and SUBTRACT of `value`'s items to or from a list
// config; only cleanup.policy is one. nullopt when accepted, else the reason (INVALID_CONFIG).
std::optional<std::string> change_topic_list_config(const std::string& name,
                                                    const std::optional<std::string>& value,
                                                    bool append, core::StreamSettings& settings);

}  // namespace polymq::kafka
