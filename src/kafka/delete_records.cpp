#include "kafka/delete_records.h"

#include <spdlog/spdlog.h>

#include "kafka/error_codes.h"
#include "kafka/groups/group_records.h"
#include "kafka/topics.h"

namespace polymq::kafka {
namespace {

// DeleteRecordsRequest.HIGH_WATERMARK in Kafka.
constexpr int64_t kHighWatermark = -1;

using PartitionResult = DeleteRecordsResponse::DeleteRecordsPartitionResult;

PartitionResult failed(int32_t partition, int16_t code) {
  PartitionResult r;
  r.partition_index = partition;
  r.low_watermark = -1;
  r.error_code = code;
  return r;
}

PartitionResult delete_in_partition(core::Stream& stream, int32_t partition, int64_t offset) {
  const auto index = static_cast<uint32_t>(partition);
  const uint64_t hw = stream.durable_offset(index);
  if (offset == kHighWatermark) offset = static_cast<int64_t>(hw);
  if (offset < 0 || static_cast<uint64_t>(offset) > hw) {
    return failed(partition, error::kOffsetOutOfRange);
  }
  const uint64_t before = stream.first_offset(index);
  uint64_t start = 0;
  const core::Status st = stream.delete_records(index, static_cast<uint64_t>(offset), start);
  if (!st.ok()) {
    if (st.code() == core::ErrorCode::kNotFound) return failed(partition, error::kOffsetOutOfRange);
    spdlog::error("kafka: cannot delete records of {}-{} below {}: {}", stream.name(), partition,
                  offset, st.message());
    return failed(partition, error::kKafkaStorageError);
  }
  if (start != before) {
    spdlog::info("kafka: records of {}-{} below {} deleted", stream.name(), partition, start);
  }
  PartitionResult r;
  r.partition_index = partition;
  r.low_watermark = static_cast<int64_t>(start);
  return r;
}

}  // namespace

DeleteRecordsResponse handle_delete_records(core::Broker& broker, const Config& config,
                                            const TopicAccess& access,
                                            const DeleteRecordsRequest& request) {
  DeleteRecordsResponse response;
  for (const DeleteRecordsRequest::DeleteRecordsTopic& topic : request.topics) {
    DeleteRecordsResponse::DeleteRecordsTopicResult t;
    t.name = topic.name;
    const bool authorized = access.may_configure(topic.name);
    const bool internal = is_internal_topic(topic.name);
    core::Stream* stream =
        internal || !authorized ? nullptr : find_topic(broker, config, topic.name, false);
    for (const DeleteRecordsRequest::DeleteRecordsPartition& p : topic.partitions) {
      if (!authorized) {
        t.partitions.push_back(failed(p.partition_index, error::kTopicAuthorizationFailed));
      } else if (internal) {
        t.partitions.push_back(failed(p.partition_index, error::kInvalidTopicException));
      } else if (stream == nullptr || p.partition_index < 0 ||
                 static_cast<uint32_t>(p.partition_index) >= stream->partition_count()) {
        t.partitions.push_back(failed(p.partition_index, error::kUnknownTopicOrPartition));
      } else {
        t.partitions.push_back(delete_in_partition(*stream, p.partition_index, p.offset));
      }
    }
    response.topics.push_back(std::move(t));
  }
  return response;
}

}  // namespace polymq::kafka
