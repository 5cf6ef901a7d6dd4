#include "kafka/fetch_read.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "kafka/error_codes.h"
#include "kafka/message_records.h"
#include "kafka/topics.h"
#include "kafka/txn/txn_index.h"

namespace polymq::kafka {
namespace {

using PartitionData = FetchResponse::PartitionData;

// FetchRequest.isolation_level: 0 read_uncommitted, 1 read_committed.
constexpr int8_t kReadCommitted = 1;

// Storage counts an entry's framing too: a little slack so it does not stop an entry short
// of the limit that this reader applies itself.
constexpr uint64_t kStorageReadSlack = 4096;

PartitionData partition_error(int32_t index, int16_t code) {
  PartitionData d;
  d.partition_index = index;
  d.error_code = code;
  d.high_watermark = -1;
  d.last_stable_offset = -1;
  d.log_start_offset = -1;
  d.records = std::string_view();
  return d;
}

// Reads one partition into `buf`; `room` is what max_bytes still allows, `min_one` whether
// the first entry goes out whatever its size. A read_committed fetch reads below the last
// stable offset only and is told the aborted transactions among what it gets (`txns`: the
// partition's transactions, null when it never had one).
PartitionData read_partition(const core::Stream& stream, const FetchRequest::FetchPartition& p,
                             const txn::PartitionTxns* txns, bool read_committed, size_t room,
                             bool min_one, std::string& buf) {
  const auto index = static_cast<uint32_t>(p.partition);
  if (p.current_leader_epoch > 0) {
    // Only epoch 0 ever existed (kafka/metadata.cpp): a client ahead of it knows of a leader
    // this broker never was.
    return partition_error(p.partition, error::kUnknownLeaderEpoch);
  }
  const uint64_t hw = stream.durable_offset(index);
  PartitionData d;
  d.partition_index = p.partition;
  d.high_watermark = static_cast<int64_t>(hw);
  d.last_stable_offset =
      txns != nullptr ? txns->last_stable_offset(d.high_watermark) : d.high_watermark;
  const uint64_t visible = read_committed ? static_cast<uint64_t>(d.last_stable_offset) : hw;
  d.log_start_offset = static_cast<int64_t>(stream.first_offset(index));
  d.records = std::string_view();
  if (p.fetch_offset < d.log_start_offset ||
      static_cast<uint64_t>(p.fetch_offset) > stream.next_offset(index)) {
    d.error_code = error::kOffsetOutOfRange;
    return d;
  }
  const auto offset = static_cast<uint64_t>(p.fetch_offset);
  if (offset >= visible) return d;
  const size_t limit = std::min(room, static_cast<size_t>(std::max(p.partition_max_bytes, 0)));
  std::string converted;
  uint64_t next = 0;
  uint64_t end = offset;  // after the last entry taken
  const core::Status st = stream.read(
      index, offset, limit + kStorageReadSlack,
      [&](const storage::RecordView& v) {
        if (v.offset >= visible) return false;
        std::string_view entry = v.payload;
        if (v.batch_count == 0) {
          converted.clear();
          if (!append_message_as_batch(v.payload, v.offset, v.timestamp, converted)) {
            // Not a stored message either: nothing a Kafka client could read. Skipped.
            spdlog::warn("kafka: skipping unreadable entry at {}-{}@{}", stream.name(), index,
                         v.offset);
            return true;
          }
          entry = converted;
        }
        const bool first_of_fetch = min_one && buf.empty();
        if (!first_of_fetch && buf.size() + entry.size() > limit) return false;
        buf.append(entry);
        end = v.offset + std::max<uint64_t>(v.batch_count, 1);
        return true;
      },
      next);
  if (!st.ok()) {
    if (st.code() == core::ErrorCode::kNotFound) {
      d.error_code = error::kOffsetOutOfRange;
    } else {
      spdlog::error("kafka: read of {}-{} failed: {}", stream.name(), index, st.message());
      d.error_code = error::kKafkaStorageError;
    }
    buf.clear();
  }
  d.records = std::string_view(buf);
  if (read_committed && txns != nullptr && !buf.empty()) {
    for (const txn::AbortedTxn& a :
         txns->aborted_between(p.fetch_offset, static_cast<int64_t>(end))) {
      d.aborted_transactions->push_back({a.producer_id, a.first_offset});
    }
  }
  return d;
}

}  // namespace

void read_fetch(core::Broker& broker, const Config& config, const TopicAccess& access,
                const FetchRequest& request, FetchRead& out) {
  out = FetchRead{};
  FetchResponse& response = out.response;
  response.session_id = 0;  // sessionless: every fetch names all its partitions
  if (request.session_id != 0) {
    response.error_code = error::kFetchSessionIdNotFound;
    out.error = true;
    return;
  }
  if (request.session_epoch > 0) {
    // Epoch -1 (no session) and 0 (asks for one, which is not created) are full fetches.
    response.error_code = error::kInvalidFetchSessionEpoch;
    out.error = true;
    return;
  }
  const size_t max_bytes = static_cast<size_t>(std::max(request.max_bytes, 0));
  for (const FetchRequest::FetchTopic& topic : request.topics) {
    FetchResponse::FetchableTopicResponse t;
    t.topic = topic.topic;
    const bool authorized = access.may_read(topic.topic);
    const core::Stream* stream =
        authorized ? find_topic(broker, config, topic.topic, false) : nullptr;
    for (const FetchRequest::FetchPartition& p : topic.partitions) {
      if (!authorized) {
        t.partitions.push_back(partition_error(p.partition, error::kTopicAuthorizationFailed));
        out.error = true;
        continue;
      }
      if (stream == nullptr || p.partition < 0 ||
          static_cast<uint32_t>(p.partition) >= stream->partition_count()) {
        t.partitions.push_back(partition_error(p.partition, error::kUnknownTopicOrPartition));
        out.error = true;
        continue;
      }
      std::string& buf = out.data.emplace_back();
      const size_t room = max_bytes > out.bytes ? max_bytes - out.bytes : 0;
      const txn::PartitionTxns* txns =
          config.txn_index != nullptr
              ? config.txn_index->find(*stream, static_cast<uint32_t>(p.partition))
              : nullptr;
      PartitionData d = read_partition(*stream, p, txns, request.isolation_level == kReadCommitted,
                                       room, out.bytes == 0, buf);
      if (d.error_code != error::kNone) out.error = true;
      out.bytes += buf.size();
      t.partitions.push_back(std::move(d));
    }
    response.responses.push_back(std::move(t));
  }
}

bool fetch_wants(const FetchRequest& request, const core::Stream& stream, uint32_t partition) {
  for (const FetchRequest::FetchTopic& topic : request.topics) {
    if (topic.topic != stream.name()) continue;
    for (const FetchRequest::FetchPartition& p : topic.partitions) {
      if (p.partition == static_cast<int32_t>(partition) &&
          stream.durable_offset(partition) >
              static_cast<uint64_t>(std::max<int64_t>(p.fetch_offset, 0))) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace polymq::kafka
