// The records of the internal stream __consumer_offsets, where the group coordinator keeps
// committed offsets and group metadata so they survive a restart (and kill -9: a commit is
// answered only once the round that syncs its record has ended).
//
// One record per fact, the last one per key winning on replay, as in Kafka's own offsets
// topic (whose key/value schemas PolyMQ does not copy: the stream is internal and nothing
// outside the coordinator reads it). Every record starts with a format byte and its kind; a
// record of an unknown format or kind is skipped on replay, so an older broker reading a newer
// stream loses only what it cannot understand.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polymq::kafka::groups {

// The internal stream's name, as Kafka's: hidden from Metadata's topic listing.
inline constexpr std::string_view kOffsetsTopic = "__consumer_offsets";

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

struct CommittedOffset {
  int64_t offset = -1;
  int32_t leader_epoch = -1;
  std::optional<std::string> metadata;
  int64_t commit_timestamp_ms = 0;
  bool operator==(const CommittedOffset&) const = default;
};

// A group's membership as of its last completed generation: what a restarted broker gives
// back so that members heartbeating across the restart keep their generation.
struct StoredMember {
  std::string member_id;
  std::optional<std::string> instance_id;
  std::string client_id;
  std::string client_host;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string metadata;  // of the group's selected protocol
  std::string assignment;
  bool operator==(const StoredMember&) const = default;
};

struct StoredGroup {
  std::string protocol_type;
  int32_t generation = 0;
  std::optional<std::string> protocol_name;
  std::string leader;
  std::vector<StoredMember> members;
  bool operator==(const StoredGroup&) const = default;
};

enum class RecordKind : int8_t {
  kOffset = 1,         // group, topic, partition -> CommittedOffset
  kOffsetRemoved = 2,  // group, topic, partition (OffsetDelete)
  kGroup = 3,          // group -> StoredGroup
  kGroupRemoved = 4,   // group: the group and all its offsets (DeleteGroups)
};

struct GroupRecord {
  RecordKind kind = RecordKind::kOffset;
  std::string group;
  TopicPartition partition;  // kOffset, kOffsetRemoved
  CommittedOffset offset;    // kOffset
  StoredGroup stored;        // kGroup
};

std::string encode_record(const GroupRecord& record);
// False for a record of another format, an unknown kind or a malformed one.
bool decode_record(std::string_view payload, GroupRecord& out);

}  // namespace polymq::kafka::groups
