#include "kafka/metadata.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "kafka/error_codes.h"
#include "kafka/groups/group_records.h"
#include "kafka/topics.h"

namespace polymq::kafka {
namespace {

constexpr size_t kMaxTopicNameLength = 249;

MetadataResponse::MetadataResponseTopic describe(const core::Stream& stream, const Config& config) {
  MetadataResponse::MetadataResponseTopic topic;
  topic.name = stream.name();
  topic.is_internal = is_internal_topic(stream.name());
  for (uint32_t p = 0; p < stream.partition_count(); ++p) {
    MetadataResponse::MetadataResponsePartition partition;
    partition.partition_index = static_cast<int32_t>(p);
    partition.leader_id = config.node_id;
    // One replica that never changes: its leadership never moves, so its epoch stays 0.
    partition.leader_epoch = 0;
    partition.replica_nodes = {config.node_id};
    partition.isr_nodes = {config.node_id};
    topic.partitions.push_back(std::move(partition));
  }
  return topic;
}

MetadataResponse::MetadataResponseTopic topic_error(const std::optional<std::string>& name,
                                                    int16_t code) {
  MetadataResponse::MetadataResponseTopic topic;
  topic.name = name;
  topic.error_code = code;
  return topic;
}

}  // namespace

bool valid_topic_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxTopicNameLength || name == "." || name == "..") {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

MetadataResponse handle_metadata(core::Broker& broker, const Config& config,
                                 const TopicAccess& access, const MetadataRequest& request,
                                 int16_t version) {
  MetadataResponse response;
  MetadataResponse::MetadataResponseBroker self;
  self.node_id = config.node_id;
  self.host = config.advertised_host;
  self.port = config.advertised_port;
  response.brokers.push_back(std::move(self));
  response.cluster_id = config.cluster_id;
  response.controller_id = config.node_id;

  core::VHost* vhost = broker.find_vhost(config.vhost);
  // v0 has no null array: an empty list means every topic there. From v1 on null means every
  // topic and an empty list none.
  const bool all_topics = !request.topics || (version == 0 && request.topics->empty());
  if (all_topics) {
    if (vhost != nullptr) {
      std::vector<const core::Stream*> streams = vhost->streams();
      std::sort(streams.begin(), streams.end(),
                [](const core::Stream* a, const core::Stream* b) { return a->name() < b->name(); });
      for (const core::Stream* stream : streams) {
        // As Kafka's listing for clients that exclude internal topics: the coordinator's
        // offsets stream is described only when asked for by name.
        if (is_internal_topic(stream->name())) continue;
        if (!access.may_describe(stream->name())) continue;
        response.topics.push_back(describe(*stream, config));
      }
    }
    return response;
  }

  // Before v4 there is no allow_auto_topic_creation and Kafka creates whenever it may.
  const bool may_create =
      config.auto_create_topics && (version < 4 || request.allow_auto_topic_creation);
  for (const MetadataRequest::MetadataRequestTopic& requested : *request.topics) {
    if (!requested.name) {
      // Named by topic id only (v10+): PolyMQ's topics have no ids yet (all zero in answers).
      MetadataResponse::MetadataResponseTopic topic =
          topic_error(std::nullopt, error::kUnknownTopicId);
      topic.topic_id = requested.topic_id;
      response.topics.push_back(std::move(topic));
      continue;
    }
    const std::string& name = *requested.name;
    if (!valid_topic_name(name)) {
      response.topics.push_back(topic_error(name, error::kInvalidTopicException));
      continue;
    }
    if (!access.may_describe(name)) {
      response.topics.push_back(topic_error(name, error::kTopicAuthorizationFailed));
      continue;
    }
    core::Stream* stream = find_topic(broker, config, name, false);
    if (stream == nullptr && may_create) {
      // As Kafka: a topic the user could not create is refused rather than reported missing.
      if (!access.may_configure(name)) {
        response.topics.push_back(topic_error(name, error::kTopicAuthorizationFailed));
        continue;
      }
      stream = find_topic(broker, config, name, true);
    }
    if (stream == nullptr) {
      response.topics.push_back(topic_error(name, error::kUnknownTopicOrPartition));
      continue;
    }
    response.topics.push_back(describe(*stream, config));
  }
  return response;
}

}  // namespace polymq::kafka
