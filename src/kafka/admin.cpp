#include "kafka/admin.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "kafka/error_codes.h"
#include "kafka/groups/group_records.h"
#include "kafka/metadata.h"
#include "kafka/topic_configs.h"
#include "kafka/topics.h"

namespace polymq::kafka {
namespace {

// Beyond this a topic is refused: each partition is a directory of open files.
constexpr int32_t kMaxPartitions = 10000;

struct Failure {
  int16_t code = error::kNone;
  std::string message;
  bool ok() const { return code == error::kNone; }
};

Failure fail(int16_t code, std::string message) { return {code, std::move(message)}; }

// The committed offsets' stream belongs to the group coordinator, which holds it open:
// deleting, growing or changing its retention from outside would lose offsets.
Failure internal_topic(const std::string& name) {
  return fail(error::kInvalidRequest, "topic '" + name + "' is internal to the broker");
}
bool is_internal(const std::string& name) { return is_internal_topic(name); }

// Kafka's answer to an operation on a topic its ACLs do not allow (kafka/topic_access.h).
Failure unauthorized() { return fail(error::kTopicAuthorizationFailed, "Authorization failed."); }

// The settings a CreateTopics entry asks for, or why it cannot have them.
Failure creatable_settings(const Config& config, const CreateTopicsRequest::CreatableTopic& t,
                           core::StreamSettings& settings) {
  if (!valid_topic_name(t.name)) {
    return fail(error::kInvalidTopicException, "Topic name \"" + t.name + "\" is illegal");
  }
  if (!t.assignments.empty()) {
    if (t.num_partitions != -1 || t.replication_factor != -1) {
      return fail(error::kInvalidRequest,
                  "Both numPartitions or replicationFactor and replicasAssignments were set. "
                  "Both cannot be used at the same time.");
    }
    for (size_t i = 0; i < t.assignments.size(); ++i) {
      const auto& a = t.assignments[i];
      if (a.partition_index != static_cast<int32_t>(i) || a.broker_ids.size() != 1 ||
          a.broker_ids[0] != config.node_id) {
        return fail(error::kInvalidReplicaAssignment,
                    "partitions must be numbered from 0, each with the one broker " +
                        std::to_string(config.node_id) + " as its replica");
      }
    }
    settings.partitions = static_cast<uint32_t>(t.assignments.size());
  } else {
    if (t.replication_factor != -1 && t.replication_factor != 1) {
      return fail(error::kInvalidReplicationFactor,
                  "Replication factor: " + std::to_string(t.replication_factor) +
                      " larger than available brokers: 1.");
    }
    if (t.num_partitions == -1) {
      settings.partitions = config.default_partitions;
    } else if (t.num_partitions < 1 || t.num_partitions > kMaxPartitions) {
      return fail(error::kInvalidPartitions,
                  "Number of partitions must be from 1 to " + std::to_string(kMaxPartitions) + ".");
    } else {
      settings.partitions = static_cast<uint32_t>(t.num_partitions);
    }
  }
  for (const auto& c : t.configs) {
    if (auto why = set_topic_config(c.name, c.value, settings)) {
      return fail(error::kInvalidConfig, *why);
    }
  }
  return {};
}

std::vector<CreateTopicsResponse::CreatableTopicConfigs> created_configs(
    const core::StreamSettings& settings) {
  std::vector<CreateTopicsResponse::CreatableTopicConfigs> out;
  for (const TopicConfig& c : describe_topic_configs(settings)) {
    CreateTopicsResponse::CreatableTopicConfigs entry;
    entry.name = c.name;
    entry.value = c.value;
    entry.read_only = c.read_only;
    entry.config_source = c.is_default ? config_source::kDefault : config_source::kDynamicTopic;
    out.push_back(std::move(entry));
  }
  return out;
}

// Counts names requested more than once: Kafka answers each of them INVALID_REQUEST.
template <class T, class NameOf>
std::set<std::string> duplicated(const std::vector<T>& items, NameOf name_of) {
  std::set<std::string> seen, twice;
  for (const T& item : items) {
    if (!seen.insert(name_of(item)).second) twice.insert(name_of(item));
  }
  return twice;
}

// Applies `configs` (name, value; null value: default) over `base`; the first refusal wins.
template <class Configs>
Failure altered_settings(const Configs& configs, core::StreamSettings& settings) {
  for (const auto& c : configs) {
    if (auto why = set_topic_config(c.name, c.value, settings)) {
      return fail(error::kInvalidConfig, *why);
    }
  }
  return {};
}

Failure reconfigure(core::VHost& vhost, const std::string& name,
                    const core::StreamSettings& settings) {
  core::Status st = vhost.reconfigure_stream(name, settings);
  if (st.ok()) return {};
  spdlog::warn("kafka: cannot change topic '{}': {}", name, st.message());
  return fail(error::kUnknownServerError, st.message());
}

// The topic a config resource names, or why there is none.
// `authorized`: whether the user may do what is asked with the topic (checked for topics only).
Failure find_topic(core::Broker& broker, const Config& config, int8_t type, const std::string& name,
                   bool authorized, core::Stream*& out) {
  out = nullptr;
  if (type == resource_type::kBroker) {
    return fail(error::kInvalidRequest,
                "broker configs are PolyMQ's configuration (polymq.toml), not changed at runtime");
  }
  if (type != resource_type::kTopic) {
    return fail(error::kInvalidRequest,
                "unsupported resource type " + std::to_string(type) + " for configs");
  }
  if (!authorized) return unauthorized();
  core::VHost* vhost = broker.find_vhost(config.vhost);
  out = vhost != nullptr ? vhost->find_stream(name) : nullptr;
  if (out == nullptr) return fail(error::kUnknownTopicOrPartition, "Topic " + name + " not found");
  return {};
}

// find_topic, for a change: the internal topic is refused.
Failure find_changeable_topic(core::Broker& broker, const Config& config, const TopicAccess& access,
                              int8_t type, const std::string& name, core::Stream*& out) {
  Failure f = find_topic(broker, config, type, name, access.may_configure(name), out);
  if (f.ok() && is_internal(name)) return internal_topic(name);
  return f;
}

template <class Entry>
void set_error(Entry& entry, const Failure& f) {
  entry.error_code = f.code;
  entry.error_message = f.ok() ? std::optional<std::string>() : f.message;
}

// The answer entry of a config resource: its type and name, and the outcome.
template <class Result, class Resource>
Result resource_result(const Resource& r) {
  Result out;
  out.resource_type = r.resource_type;
  out.resource_name = r.resource_name;
  return out;
}
template <class Result>
void set_outcome(Result& result, const Failure& f) {
  set_error(result, f);
  if (f.ok()) result.error_message.reset();
}

}  // namespace

CreateTopicsResponse handle_create_topics(core::Broker& broker, const Config& config,
                                          const TopicAccess& access,
                                          const CreateTopicsRequest& request, int16_t version) {
  CreateTopicsResponse response;
  core::VHost* vhost = broker.find_vhost(config.vhost);
  const auto twice = duplicated(request.topics, [](const auto& t) { return t.name; });
  for (const auto& t : request.topics) {
    CreateTopicsResponse::CreatableTopicResult result;
    result.name = t.name;
    core::StreamSettings settings;
    Failure f = twice.count(t.name) != 0        ? fail(error::kInvalidRequest,
                                                       "Create topics request from client contains "
                                                              "multiple entries for the topic " +
                                                           t.name)
                : !access.may_configure(t.name) ? unauthorized()
                                                : creatable_settings(config, t, settings);
    if (f.ok() && vhost == nullptr) {
      f = fail(error::kUnknownServerError, "the Kafka vhost '" + config.vhost + "' does not exist");
    }
    if (f.ok() && vhost->find_stream(t.name) != nullptr) {
      f = fail(error::kTopicAlreadyExists, "Topic '" + t.name + "' already exists.");
    }
    if (f.ok() && vhost->find_queue(t.name) != nullptr) {
      f = fail(error::kInvalidTopicException,
               "'" + t.name + "' is a queue of vhost '" + config.vhost + "'");
    }
    if (f.ok() && !request.validate_only) {
      core::Stream* stream = nullptr;
      if (core::Status st = vhost->declare_stream(t.name, settings, stream); !st.ok()) {
        f = fail(error::kUnknownServerError, st.message());
      } else {
        spdlog::info("kafka: created topic '{}' with {} partition(s)", t.name, settings.partitions);
      }
    }
    set_error(result, f);
    if (version < 1) result.error_message.reset();
    if (f.ok()) {
      result.num_partitions = static_cast<int32_t>(settings.partitions);
      result.replication_factor = 1;
      result.configs = created_configs(settings);
    }
    response.topics.push_back(std::move(result));
  }
  return response;
}

DeleteTopicsResponse handle_delete_topics(core::Broker& broker, const Config& config,
                                          const TopicAccess& access,
                                          const DeleteTopicsRequest& request, int16_t version) {
  DeleteTopicsResponse response;
  core::VHost* vhost = broker.find_vhost(config.vhost);
  auto delete_one = [&](const std::string& name) {
    DeleteTopicsResponse::DeletableTopicResult result;
    result.name = name;
    Failure f;
    if (!access.may_configure(name)) {
      f = unauthorized();
    } else if (vhost == nullptr || vhost->find_stream(name) == nullptr) {
      f = fail(error::kUnknownTopicOrPartition, "This server does not host this topic-partition.");
    } else if (is_internal(name)) {
      f = internal_topic(name);
    } else if (core::Status st = vhost->delete_stream(name); !st.ok()) {
      f = fail(error::kUnknownServerError, st.message());
    } else {
      spdlog::info("kafka: deleted topic '{}'", name);
    }
    result.error_code = f.code;
    if (version >= 5 && !f.ok()) result.error_message = f.message;
    response.responses.push_back(std::move(result));
  };
  if (version < 6) {
    for (const std::string& name : request.topic_names) delete_one(name);
    return response;
  }
  for (const auto& t : request.topics) {
    if (t.name) {
      delete_one(*t.name);
      continue;
    }
    // Topic ids are not kept yet (Metadata reports the zero id): none can be found by id.
    DeleteTopicsResponse::DeletableTopicResult result;
    result.name.reset();
    result.topic_id = t.topic_id;
    result.error_code = error::kUnknownTopicId;
    result.error_message = "topics are not addressed by id on this broker";
    response.responses.push_back(std::move(result));
  }
  return response;
}

CreatePartitionsResponse handle_create_partitions(core::Broker& broker, const Config& config,
                                                  const TopicAccess& access,
                                                  const CreatePartitionsRequest& request) {
  CreatePartitionsResponse response;
  core::VHost* vhost = broker.find_vhost(config.vhost);
  const auto twice = duplicated(request.topics, [](const auto& t) { return t.name; });
  for (const auto& t : request.topics) {
    CreatePartitionsResponse::CreatePartitionsTopicResult result;
    result.name = t.name;
    core::Stream* stream = vhost != nullptr ? vhost->find_stream(t.name) : nullptr;
    Failure f;
    if (twice.count(t.name) != 0) {
      f = fail(error::kInvalidRequest, "Duplicate topic in request.");
    } else if (!access.may_configure(t.name)) {
      f = unauthorized();
    } else if (stream == nullptr) {
      f = fail(error::kUnknownTopicOrPartition, "The topic '" + t.name + "' does not exist.");
    } else if (is_internal(t.name)) {
      f = internal_topic(t.name);
    } else if (t.count <= static_cast<int32_t>(stream->partition_count())) {
      f = fail(error::kInvalidPartitions, "Topic currently has " +
                                              std::to_string(stream->partition_count()) +
                                              " partitions, which is higher than the requested " +
                                              std::to_string(t.count) + ".");
    } else if (t.count > kMaxPartitions) {
      f = fail(error::kInvalidPartitions,
               "Number of partitions must be at most " + std::to_string(kMaxPartitions) + ".");
    } else if (t.assignments) {
      for (const auto& a : *t.assignments) {
        if (a.broker_ids.size() != 1 || a.broker_ids[0] != config.node_id) {
          f = fail(error::kInvalidReplicaAssignment, "each new partition has the one broker " +
                                                         std::to_string(config.node_id) +
                                                         " as its replica");
          break;
        }
      }
    }
    if (f.ok() && !request.validate_only) {
      core::StreamSettings settings = stream->settings();
      settings.partitions = static_cast<uint32_t>(t.count);
      f = reconfigure(*vhost, t.name, settings);
    }
    set_error(result, f);
    response.results.push_back(std::move(result));
  }
  return response;
}

DescribeConfigsResponse handle_describe_configs(core::Broker& broker, const Config& config,
                                                const TopicAccess& access,
                                                const DescribeConfigsRequest& request,
                                                int16_t version) {
  DescribeConfigsResponse response;
  for (const auto& r : request.resources) {
    auto result = resource_result<DescribeConfigsResponse::DescribeConfigsResult>(r);
    std::vector<TopicConfig> configs;
    Failure f;
    if (r.resource_type == resource_type::kBroker) {
      if (r.resource_name != std::to_string(config.node_id) && !r.resource_name.empty()) {
        f = fail(error::kInvalidRequest, "no broker " + r.resource_name + " in this cluster");
      } else {
        configs = {
            {"auto.create.topics.enable", config.auto_create_topics ? "true" : "false", true, false,
             config_type::kBoolean, "Topics are created on produce and metadata"},
            {"broker.id", std::to_string(config.node_id), true, false, config_type::kInt, ""},
            {"num.partitions", std::to_string(config.default_partitions), true, false,
             config_type::kInt, "Partitions of an auto-created topic"},
        };
      }
    } else {
      core::Stream* stream = nullptr;
      f = find_topic(broker, config, r.resource_type, r.resource_name,
                     access.may_describe(r.resource_name), stream);
      if (f.ok()) configs = describe_topic_configs(stream->settings());
    }
    set_outcome(result, f);
    for (const TopicConfig& c : configs) {
      if (r.configuration_keys && !r.configuration_keys->empty() &&
          std::find(r.configuration_keys->begin(), r.configuration_keys->end(), c.name) ==
              r.configuration_keys->end()) {
        continue;
      }
      DescribeConfigsResponse::DescribeConfigsResourceResult entry;
      entry.name = c.name;
      entry.value = c.value;
      entry.read_only = c.read_only;
      entry.is_default = c.is_default;
      entry.config_source = c.is_default ? config_source::kDefault : config_source::kDynamicTopic;
      entry.config_type = c.type;
      if (version >= 3 && request.include_documentation)
        entry.documentation = c.documentation;
      else
        entry.documentation.reset();
      result.configs.push_back(std::move(entry));
    }
    response.results.push_back(std::move(result));
  }
  return response;
}

AlterConfigsResponse handle_alter_configs(core::Broker& broker, const Config& config,
                                          const TopicAccess& access,
                                          const AlterConfigsRequest& request) {
  AlterConfigsResponse response;
  for (const auto& r : request.resources) {
    auto result = resource_result<AlterConfigsResponse::AlterConfigsResourceResponse>(r);
    core::Stream* stream = nullptr;
    Failure f =
        find_changeable_topic(broker, config, access, r.resource_type, r.resource_name, stream);
    if (f.ok()) {
      // AlterConfigs replaces the topic's configs: what it leaves out returns to its default.
      core::StreamSettings settings;
      settings.partitions = stream->partition_count();
      f = altered_settings(r.configs, settings);
      if (f.ok() && !request.validate_only) {
        f = reconfigure(*broker.find_vhost(config.vhost), r.resource_name, settings);
      }
    }
    set_outcome(result, f);
    response.responses.push_back(std::move(result));
  }
  return response;
}

IncrementalAlterConfigsResponse handle_incremental_alter_configs(
    core::Broker& broker, const Config& config, const TopicAccess& access,
    const IncrementalAlterConfigsRequest& request) {
  // Kafka's AlterConfigOp types.
  constexpr int8_t kSet = 0, kDelete = 1, kAppend = 2, kSubtract = 3;
  IncrementalAlterConfigsResponse response;
  for (const auto& r : request.resources) {
    auto result = resource_result<IncrementalAlterConfigsResponse::AlterConfigsResourceResponse>(r);
    core::Stream* stream = nullptr;
    Failure f =
        find_changeable_topic(broker, config, access, r.resource_type, r.resource_name, stream);
    core::StreamSettings settings = stream != nullptr ? stream->settings() : core::StreamSettings{};
    for (const auto& c : r.configs) {
      if (!f.ok()) break;
      std::optional<std::string> value;
      switch (c.config_operation) {
        case kSet:
          value = c.value.value_or("");
          break;
        case kDelete:
          break;
        case kAppend:
        case kSubtract:
          if (auto why = change_topic_list_config(c.name, c.value, c.config_operation == kAppend,
                                                  settings)) {
            f = fail(error::kInvalidConfig, *why);
          }
          continue;
        default:
          f = fail(error::kInvalidRequest,
                   "unknown config operation " + std::to_string(c.config_operation));
          continue;
      }
      if (auto why = set_topic_config(c.name, value, settings))
        f = fail(error::kInvalidConfig, *why);
    }
    if (f.ok() && !request.validate_only) {
      f = reconfigure(*broker.find_vhost(config.vhost), r.resource_name, settings);
    }
    set_outcome(result, f);
    response.responses.push_back(std::move(result));
  }
  return response;
}

DescribeClusterResponse handle_describe_cluster(const Config& config,
                                                const DescribeClusterRequest& request) {
  DescribeClusterResponse response;
  if (request.endpoint_type != 1) {
    response.error_code = error::kUnsupportedEndpointType;
    response.error_message = "only broker endpoints are served";
    return response;
  }
  response.cluster_id = config.cluster_id;
  response.controller_id = config.node_id;
  DescribeClusterResponse::DescribeClusterBroker self;
  self.broker_id = config.node_id;
  self.host = config.advertised_host;
  self.port = config.advertised_port;
  response.brokers.push_back(std::move(self));
  return response;
}

}  // namespace polymq::kafka
