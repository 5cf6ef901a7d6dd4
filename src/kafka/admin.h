// Kafka's administration APIs over the vhost's streams: CreateTopics, DeleteTopics,
// CreatePartitions, DescribeConfigs, AlterConfigs, IncrementalAlterConfigs and
// DescribeCluster. Each handler does its work at once and returns the answer; the session
// sends it once the definitions it changed are durable (a created topic survives kill -9 as
// a declared durable queue does).
//
// One node: replication factors other than 1 (or -1, the default) and replica assignments to
// another broker are refused as Kafka refuses a factor larger than its broker count.
//
// Permissions (kafka/topic_access.h): creating, deleting, adding partitions to and changing
// the configs of a topic need configure on its name, describing its configs any permission;
// else the topic's entry is TOPIC_AUTHORIZATION_FAILED.
#pragma once

#include <cstdint>

#include "core/broker.h"
#include "kafka/config.h"
#include "kafka/protocol/generated/alter_configs.h"
#include "kafka/protocol/generated/create_partitions.h"
#include "kafka/protocol/generated/create_topics.h"
#include "kafka/protocol/generated/delete_topics.h"
#include "kafka/protocol/generated/describe_cluster.h"
#include "kafka/protocol/generated/describe_configs.h"
#include "kafka/protocol/generated/incremental_alter_configs.h"
#include "kafka/topic_access.h"

namespace polymq::kafka {

// Kafka's ConfigResource types.
namespace resource_type {
constexpr int8_t kTopic = 2;
constexpr int8_t kBroker = 4;
}  // namespace resource_type

CreateTopicsResponse handle_create_topics(core::Broker& broker, const Config& config,
                                          const TopicAccess& access,
                                          const CreateTopicsRequest& request, int16_t version);
DeleteTopicsResponse handle_delete_topics(core::Broker& broker, const Config& config,
                                          const TopicAccess& access,
                                          const DeleteTopicsRequest& request, int16_t version);
CreatePartitionsResponse handle_create_partitions(core::Broker& broker, const Config& config,
                                                  const TopicAccess& access,
                                                  const CreatePartitionsRequest& request);
DescribeConfigsResponse handle_describe_configs(core::Broker& broker, const Config& config,
                                                const TopicAccess& access,
                                                const DescribeConfigsRequest& request,
                                                int16_t version);
AlterConfigsResponse handle_alter_configs(core::Broker& broker, const Config& config,
                                          const TopicAccess& access,
                                          const AlterConfigsRequest& request);
IncrementalAlterConfigsResponse handle_incremental_alter_configs(
    core::Broker& broker, const Config& config, const TopicAccess& access,
    const IncrementalAlterConfigsRequest& request);
DescribeClusterResponse handle_describe_cluster(const Config& config,
                                                const DescribeClusterRequest& request);

}  // namespace polymq::kafka
