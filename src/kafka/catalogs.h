// The Kafka front-end's objects as operators see them in the management API (core/catalogs.h):
// - "kafka/topics": the streams of the Kafka vhost, each partition's log start offset, high
//   watermark (what consumers may read: the durable end) and log end offset;
// - "kafka/groups": the consumer groups, their members with what each was assigned, and every
//   committed offset with its lag behind the partition's high watermark, as Kafka's
//   kafka-consumer-groups.sh --describe shows them.
//
// Both read the core and the coordinator when listed and keep nothing themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/broker.h"
#include "core/catalogs.h"
#include "kafka/groups/coordinator.h"

namespace polymq::kafka {

class TopicCatalog final : public core::Catalog {
 public:
  TopicCatalog(core::Broker& broker, std::string vhost)
      : broker_(broker), vhost_(std::move(vhost)) {}
  std::vector<core::Table> list() const override;

 private:
  core::Broker& broker_;
  std::string vhost_;
};

// A group's committed offset in one partition and how far it is behind.
struct CommittedLag {
  std::string group;
  const groups::TopicPartition* partition = nullptr;  // valid until the group changes
  const groups::CommittedOffset* committed = nullptr;
  // Absent when the topic or partition no longer exists. Lag as Kafka's tool computes it:
  // the high watermark less the committed offset (never below 0).
  std::optional<int64_t> high_watermark;
  std::optional<int64_t> lag;
};

class GroupCatalog final : public core::Catalog {
 public:
  // `coordinator` outlives the catalog; the groups' topics are the streams of `vhost`.
  GroupCatalog(const groups::GroupCoordinator& coordinator, core::Broker& broker, std::string vhost)
      : coordinator_(coordinator), broker_(broker), vhost_(std::move(vhost)) {}
  std::vector<core::Table> list() const override;
  // Every committed offset of `group` with its lag (the metrics read these too).
  std::vector<CommittedLag> lags(const groups::Group& group) const;
  const groups::GroupCoordinator& coordinator() const { return coordinator_; }
  const std::string& vhost() const { return vhost_; }

 private:
  const groups::GroupCoordinator& coordinator_;
  core::Broker& broker_;
  std::string vhost_;
};

// A member's assignment in the consumer protocol (Kafka's ConsumerProtocolAssignment, versions
// 0-3: the topics and their partitions; user data and later fields are passed over), or nullopt
// when the bytes are not one (another protocol type, or malformed).
using TopicPartitions = std::vector<std::pair<std::string, std::vector<int32_t>>>;
std::optional<TopicPartitions> decode_consumer_assignment(std::string_view bytes);

}  // namespace polymq::kafka
