#include "kafka/offsets.h"

#include <algorithm>

#include "kafka/error_codes.h"
#include "kafka/protocol/record_batch.h"
#include "kafka/topics.h"
#include "kafka/txn/txn_index.h"

namespace polymq::kafka {
namespace {

constexpr int64_t kLatest = -1;
constexpr int64_t kEarliest = -2;
// ListOffsetsRequest.isolation_level: 1 is read_committed.
constexpr int8_t kReadCommitted = 1;

using OffsetAnswer = ListOffsetsResponse::ListOffsetsPartitionResponse;

// The first record at or after `timestamp` within the entry that holds `entry_offset`, when it
// is an uncompressed Kafka batch; otherwise the entry itself. Records of the entry below
// `entry_offset` do not count: the entry may straddle the log start offset (DeleteRecords).
void refine_in_entry(const core::Stream& stream, uint32_t partition, uint64_t entry_offset,
                     int64_t timestamp, OffsetAnswer& answer) {
  uint64_t next = 0;
  (void)stream.read(
      partition, entry_offset, 1,
      [&](const storage::RecordView& v) {
        answer.offset = static_cast<int64_t>(std::max(v.offset, entry_offset));
        answer.timestamp = v.timestamp;
        RecordBatchHeader h;
        if (v.batch_count == 0 || parse_batch_header(v.payload, h) != BatchParse::kOk ||
            h.compression() != Compression::kNone ||
            h.timestamp_type() == TimestampType::kLogAppendTime) {
          return false;
        }
        RecordReader reader(v.payload.substr(0, h.size()), h);
        Record r;
        while (reader.next(r)) {
          const int64_t ts = h.base_timestamp + r.timestamp_delta;
          if (h.base_offset + r.offset_delta < static_cast<int64_t>(entry_offset)) continue;
          if (ts >= timestamp) {
            answer.offset = h.base_offset + r.offset_delta;
            answer.timestamp = ts;
            break;
          }
        }
        return false;
      },
      next);
}

// `stable_end`: where a reader of the request's isolation level stops (the high watermark, or
// for read_committed the last stable offset).
OffsetAnswer list_offset(const core::Stream& stream,
                         const ListOffsetsRequest::ListOffsetsPartition& p, uint64_t stable_end) {
  OffsetAnswer answer;
  answer.partition_index = p.partition_index;
  const auto index = static_cast<uint32_t>(p.partition_index);
  if (p.current_leader_epoch > 0) {
    answer.error_code = error::kUnknownLeaderEpoch;
    return answer;
  }
  const uint64_t hw = stream.durable_offset(index);
  answer.leader_epoch = 0;
  if (p.timestamp == kLatest) {
    answer.offset = static_cast<int64_t>(stable_end);
  } else if (p.timestamp == kEarliest) {
    answer.offset = static_cast<int64_t>(stream.first_offset(index));
  } else if (p.timestamp < 0) {
    answer.error_code = error::kInvalidRequest;  // -3 (max timestamp) and later specials
    answer.leader_epoch = -1;
  } else {
    uint64_t offset = 0;
    if (!stream.offset_for_time(index, p.timestamp, offset).ok()) {
      answer.error_code = error::kKafkaStorageError;
      answer.leader_epoch = -1;
    } else if (offset < hw) {
      refine_in_entry(stream, index, offset, p.timestamp, answer);
    } else {
      answer.leader_epoch = -1;  // none: offset and timestamp -1
    }
  }
  return answer;
}

}  // namespace

ListOffsetsResponse handle_list_offsets(core::Broker& broker, const Config& config,
                                        const TopicAccess& access,
                                        const ListOffsetsRequest& request) {
  ListOffsetsResponse response;
  for (const ListOffsetsRequest::ListOffsetsTopic& topic : request.topics) {
    ListOffsetsResponse::ListOffsetsTopicResponse t;
    t.name = topic.name;
    const bool authorized = access.may_read(topic.name);
    const core::Stream* stream =
        authorized ? find_topic(broker, config, topic.name, false) : nullptr;
    for (const ListOffsetsRequest::ListOffsetsPartition& p : topic.partitions) {
      if (!authorized) {
        OffsetAnswer answer;
        answer.partition_index = p.partition_index;
        answer.error_code = error::kTopicAuthorizationFailed;
        t.partitions.push_back(answer);
        continue;
      }
      if (stream == nullptr || p.partition_index < 0 ||
          static_cast<uint32_t>(p.partition_index) >= stream->partition_count()) {
        OffsetAnswer answer;
        answer.partition_index = p.partition_index;
        answer.error_code = error::kUnknownTopicOrPartition;
        t.partitions.push_back(answer);
        continue;
      }
      const auto index = static_cast<uint32_t>(p.partition_index);
      const auto hw = static_cast<int64_t>(stream->durable_offset(index));
      const txn::PartitionTxns* txns =
          config.txn_index != nullptr ? config.txn_index->find(*stream, index) : nullptr;
      const int64_t stable_end = request.isolation_level == kReadCommitted && txns != nullptr
                                     ? txns->last_stable_offset(hw)
                                     : hw;
      t.partitions.push_back(list_offset(*stream, p, static_cast<uint64_t>(stable_end)));
    }
    response.topics.push_back(std::move(t));
  }
  return response;
}

OffsetForLeaderEpochResponse handle_offset_for_leader_epoch(
    core::Broker& broker, const Config& config, const TopicAccess& access,
    const OffsetForLeaderEpochRequest& request) {
  OffsetForLeaderEpochResponse response;
  for (const OffsetForLeaderEpochRequest::OffsetForLeaderTopic& topic : request.topics) {
    OffsetForLeaderEpochResponse::OffsetForLeaderTopicResult t;
    t.topic = topic.topic;
    const bool authorized = access.may_read(topic.topic);
    const core::Stream* stream =
        authorized ? find_topic(broker, config, topic.topic, false) : nullptr;
    for (const OffsetForLeaderEpochRequest::OffsetForLeaderPartition& p : topic.partitions) {
      OffsetForLeaderEpochResponse::EpochEndOffset e;
      e.partition = p.partition;
      if (!authorized) {
        e.error_code = error::kTopicAuthorizationFailed;
      } else if (stream == nullptr || p.partition < 0 ||
                 static_cast<uint32_t>(p.partition) >= stream->partition_count()) {
        e.error_code = error::kUnknownTopicOrPartition;
      } else if (p.current_leader_epoch > 0) {
        e.error_code = error::kUnknownLeaderEpoch;
      } else if (p.leader_epoch <= 0) {
        // Epoch 0 is the only one, so it (or any before it) ends where the log ends now.
        e.leader_epoch = 0;
        e.end_offset =
            static_cast<int64_t>(stream->durable_offset(static_cast<uint32_t>(p.partition)));
      }
      // A later epoch than 0 was never seen: leader_epoch and end_offset stay -1 (undefined).
      t.partitions.push_back(e);
    }
    response.topics.push_back(std::move(t));
  }
  return response;
}

}  // namespace polymq::kafka
