#include "kafka/catalogs.h"

#include <algorithm>

#include "kafka/protocol/wire.h"
#include "kafka/topic_configs.h"
#include "kafka/topics.h"

namespace polymq::kafka {
namespace {

using core::Table;
using core::Value;

void put(Table& t, std::string_view key, Value value) {
  t.emplace_back(std::string(key), std::move(value));
}

Value offset_value(uint64_t offset) { return Value::Int64(static_cast<int64_t>(offset)); }

Table topic_row(const std::string& vhost, const core::Stream& stream) {
  Table row;
  put(row, "vhost", Value::String(vhost));
  put(row, "name", Value::String(stream.name()));
  put(row, "internal", Value::Bool(is_internal_topic(stream.name())));
  put(row, "partition_count", Value::Int32(static_cast<int32_t>(stream.partition_count())));
  core::Array partitions;
  uint64_t messages = 0;
  for (uint32_t p = 0; p < stream.partition_count(); ++p) {
    const uint64_t start = stream.first_offset(p);
    const uint64_t high_watermark = stream.durable_offset(p);
    messages += high_watermark > start ? high_watermark - start : 0;
    Table partition;
    put(partition, "partition", Value::Int32(static_cast<int32_t>(p)));
    put(partition, "log_start_offset", offset_value(start));
    put(partition, "high_watermark", offset_value(high_watermark));
    put(partition, "log_end_offset", offset_value(stream.next_offset(p)));
    partitions.push_back(Value::Tab(std::move(partition)));
  }
  put(row, "messages", offset_value(messages));
  put(row, "partitions", Value::Arr(std::move(partitions)));
  // The configs set on the topic; the defaults are left out, as kafka-configs.sh --describe
  // leaves them out.
  Table configs;
  for (const TopicConfig& config : describe_topic_configs(stream.settings())) {
    if (!config.is_default) put(configs, config.name, Value::String(config.value));
  }
  put(row, "configs", Value::Tab(std::move(configs)));
  return row;
}

Value assignment_value(const std::string& bytes) {
  std::optional<TopicPartitions> decoded = decode_consumer_assignment(bytes);
  if (!decoded) return Value::Void();
  core::Array topics;
  for (const auto& [topic, partitions] : *decoded) {
    core::Array numbers;
    for (int32_t p : partitions) numbers.push_back(Value::Int32(p));
    Table t;
    put(t, "topic", Value::String(topic));
    put(t, "partitions", Value::Arr(std::move(numbers)));
    topics.push_back(Value::Tab(std::move(t)));
  }
  return Value::Arr(std::move(topics));
}

Table member_row(const DescribeGroupsResponse::DescribedGroupMember& member, bool consumer) {
  Table row;
  put(row, "member_id", Value::String(member.member_id));
  put(row, "group_instance_id",
      member.group_instance_id ? Value::String(*member.group_instance_id) : Value::Void());
  put(row, "client_id", Value::String(member.client_id));
  put(row, "client_host", Value::String(member.client_host));
  // Only the consumer protocol's assignment has a known shape (Kafka Connect's and others'
  // are opaque to the broker, as in Kafka).
  put(row, "assignment", consumer ? assignment_value(member.member_assignment) : Value::Void());
  return row;
}

}  // namespace

std::vector<core::Table> TopicCatalog::list() const {
  std::vector<Table> rows;
  const core::VHost* vhost = broker_.find_vhost(vhost_);
  if (vhost == nullptr) return rows;
  for (const core::Stream* stream : vhost->streams()) rows.push_back(topic_row(vhost_, *stream));
  return rows;
}

std::vector<core::Table> GroupCatalog::list() const {
  std::vector<Table> rows;
  for (const groups::Group* group : coordinator_.groups()) {
    const DescribeGroupsResponse::DescribedGroup described = group->describe();
    const bool consumer = group->protocol_type() == "consumer";
    Table row;
    put(row, "vhost", Value::String(vhost_));
    put(row, "name", Value::String(group->id()));
    put(row, "state", Value::String(groups::state_name(group->state())));
    put(row, "protocol_type", Value::String(group->protocol_type()));
    put(row, "protocol", Value::String(group->protocol_name().value_or("")));
    put(row, "generation", Value::Int32(group->generation()));
    put(row, "leader", Value::String(group->leader()));
    core::Array members;
    for (const auto& member : described.members) {
      members.push_back(Value::Tab(member_row(member, consumer)));
    }
    put(row, "members", Value::Arr(std::move(members)));
    core::Array offsets;
    int64_t total_lag = 0;
    for (const CommittedLag& l : lags(*group)) {
      Table o;
      put(o, "topic", Value::String(l.partition->topic));
      put(o, "partition", Value::Int32(l.partition->partition));
      put(o, "committed_offset", Value::Int64(l.committed->offset));
      put(o, "commit_timestamp", Value::Int64(l.committed->commit_timestamp_ms));
      put(o, "metadata",
          l.committed->metadata ? Value::String(*l.committed->metadata) : Value::Void());
      put(o, "high_watermark", l.high_watermark ? Value::Int64(*l.high_watermark) : Value::Void());
      put(o, "lag", l.lag ? Value::Int64(*l.lag) : Value::Void());
      total_lag += l.lag.value_or(0);
      offsets.push_back(Value::Tab(std::move(o)));
    }
    put(row, "offsets", Value::Arr(std::move(offsets)));
    put(row, "lag", Value::Int64(total_lag));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<CommittedLag> GroupCatalog::lags(const groups::Group& group) const {
  std::vector<CommittedLag> out;
  core::VHost* vhost = broker_.find_vhost(vhost_);
  for (const auto& [tp, committed] : group.offsets()) {
    CommittedLag l;
    l.group = group.id();
    l.partition = &tp;
    l.committed = &committed;
    core::Stream* stream = vhost == nullptr ? nullptr : vhost->find_stream(tp.topic);
    if (stream != nullptr && tp.partition >= 0 &&
        static_cast<uint32_t>(tp.partition) < stream->partition_count()) {
      const auto high_watermark =
          static_cast<int64_t>(stream->durable_offset(static_cast<uint32_t>(tp.partition)));
      l.high_watermark = high_watermark;
      // A group that committed no position yet (-1) lags by the whole partition.
      l.lag = committed.offset < 0 ? high_watermark
                                   : std::max<int64_t>(0, high_watermark - committed.offset);
    }
    out.push_back(std::move(l));
  }
  return out;
}

std::optional<TopicPartitions> decode_consumer_assignment(std::string_view bytes) {
  Reader in(bytes);
  const int16_t version = in.int16();
  if (!in.ok() || version < 0) return std::nullopt;
  // Each topic takes at least its 2-byte name length and 4-byte partition count; each
  // partition 4 bytes: the counts are bounded by the input before anything is reserved.
  const int64_t topic_count = in.array_length(false, false, 6);
  if (!in.ok() || topic_count < 0) return std::nullopt;
  TopicPartitions out;
  for (int64_t i = 0; i < topic_count; ++i) {
    std::string topic;
    if (!in.string(topic, false)) return std::nullopt;
    const int64_t partition_count = in.array_length(false, false, 4);
    if (!in.ok() || partition_count < 0) return std::nullopt;
    std::vector<int32_t> partitions;
    partitions.reserve(static_cast<size_t>(partition_count));
    for (int64_t p = 0; p < partition_count; ++p) partitions.push_back(in.int32());
    if (!in.ok()) return std::nullopt;
    out.emplace_back(std::move(topic), std::move(partitions));
  }
  return out;
}

}  // namespace polymq::kafka
