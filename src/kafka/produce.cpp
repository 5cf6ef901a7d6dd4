#include "kafka/produce.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "kafka/batch_validation.h"
#include "kafka/error_codes.h"
#include "kafka/groups/group_records.h"
#include "kafka/idempotent_producers.h"
#include "kafka/metadata.h"
#include "kafka/topics.h"
#include "kafka/txn/txn_index.h"

namespace polymq::kafka {
namespace {

using PartitionResponse = ProduceResponse::PartitionProduceResponse;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

PartitionResponse partition_error(int32_t index, int16_t code, std::string message = {}) {
  PartitionResponse r;
  r.index = index;
  r.error_code = code;
  r.base_offset = -1;
  if (!message.empty()) r.error_message = std::move(message);
  return r;
}

// Appends the validated batches of one partition, each as one stream entry with its offsets
// assigned. All batches are appended or, on the first failure, the rest are not. A batch from
// an idempotent producer is checked against `producers` first (null: the partition has no
// batch from a producer): a duplicate of one of its last batches is not appended again but
// answered with the offset it got the first time.
PartitionResponse append_batches(core::Stream& stream, uint32_t partition,
                                 const std::vector<ProducedBatch>& batches,
                                 PartitionProducers* producers) {
  PartitionResponse r;
  r.index = static_cast<int32_t>(partition);
  std::string copy;
  bool first = true;
  for (const ProducedBatch& batch : batches) {
    const RecordBatchHeader& h = batch.header;
    const bool idempotent = producers != nullptr && h.producer_id >= 0;
    if (idempotent) {
      const ProducerCheck check = producers->check(h);
      if (check.verdict == ProducerCheck::Verdict::kRefuse) {
        return partition_error(r.index, check.error_code);
      }
      if (check.verdict == ProducerCheck::Verdict::kDuplicate) {
        if (first) r.base_offset = check.base_offset;
        first = false;
        continue;
      }
    }
    const uint64_t base = stream.next_offset(partition);
    copy.assign(batch.bytes);
    set_base_offset(copy.data(), static_cast<int64_t>(base));
    // One replica that never changes leader: every partition's leader epoch is 0.
    set_partition_leader_epoch(copy.data(), 0);
    int64_t timestamp = h.max_timestamp;
    if (h.timestamp_type() == TimestampType::kLogAppendTime) {
      timestamp = now_ms();
      set_log_append_time(copy.data(), copy.size(), timestamp);
      if (first) r.log_append_time_ms = timestamp;
    } else if (timestamp < 0) {
      timestamp = now_ms();  // no timestamp: the entry is kept by retention as if written now
    }
    const storage::RecordInput entry{copy, timestamp, static_cast<uint32_t>(h.record_count)};
    uint64_t stored_at = 0;
    if (core::Status st =
            stream.append(partition, std::span<const storage::RecordInput>(&entry, 1), stored_at);
        !st.ok()) {
      spdlog::error("kafka: append to {}-{} failed: {}", stream.name(), partition, st.message());
      return partition_error(r.index, error::kKafkaStorageError, st.message());
    }
    if (idempotent) producers->record(h, static_cast<int64_t>(stored_at), timestamp);
    if (first) r.base_offset = static_cast<int64_t>(stored_at);
    first = false;
  }
  r.log_start_offset = static_cast<int64_t>(stream.first_offset(partition));
  return r;
}

// A transactional batch goes only into a partition its producer added to its open transaction
// (AddPartitionsToTxn), in that transaction's epoch: otherwise its records would belong to no
// transaction and hold the partition's last stable offset forever. Kafka checks the same since
// KIP-890; before, it trusted the client.
PartitionResponse check_transactional(const txn::TxnIndex* index, const core::Stream& stream,
                                      int32_t partition, const RecordBatchHeader& h) {
  if (index == nullptr) {
    return partition_error(partition, error::kInvalidTxnState,
                           "transactions are not supported by this broker");
  }
  const txn::PartitionTxns* txns = index->find(stream, static_cast<uint32_t>(partition));
  const std::optional<int16_t> epoch =
      txns != nullptr ? txns->open_epoch(h.producer_id) : std::nullopt;
  if (!epoch || h.producer_id < 0) {
    return partition_error(partition, error::kInvalidTxnState,
                           "the partition is not part of the producer's open transaction");
  }
  if (h.producer_epoch != *epoch) return partition_error(partition, error::kInvalidProducerEpoch);
  return partition_error(partition, error::kNone);
}

PartitionResponse produce_partition(core::Stream* stream, bool transactional,
                                    const Config& config,
                                    const ProduceRequest::PartitionProduceData& data) {
  if (stream == nullptr || data.index < 0 ||
      static_cast<uint32_t>(data.index) >= stream->partition_count()) {
    return partition_error(data.index, error::kUnknownTopicOrPartition);
  }
  std::vector<ProducedBatch> batches;
  const BatchCheck check = check_produced_records(data.records.value_or(""), batches,
                                                  kMaxBatchBytes, stream->settings().cleanup_compact);
  if (check.error_code != error::kNone) {
    return partition_error(data.index, check.error_code, check.message);
  }
  bool from_producer = false;
  for (const ProducedBatch& batch : batches) {
    if (transactional || batch.header.transactional()) {
      PartitionResponse refused =
          check_transactional(config.txn_index, *stream, data.index, batch.header);
      if (refused.error_code != error::kNone) return refused;
    }
    from_producer = from_producer || batch.header.producer_id >= 0;
  }
  const auto partition = static_cast<uint32_t>(data.index);
  PartitionProducers* producers =
      from_producer && config.producers != nullptr
          ? &config.producers->partition(*stream, partition, now_ms())
          : nullptr;
  return append_batches(*stream, partition, batches, producers);
}

}  // namespace

bool handle_produce(core::Broker& broker, const Config& config, const TopicAccess& access,
                    DurableAnswers& durable, const ProduceRequest& request, const Reply& reply) {
  const int16_t acks = request.acks;
  const bool acks_valid = acks == 0 || acks == 1 || acks == -1;
  const bool transactional = request.transactional_id.has_value();
  ProduceResponse response;
  bool any_error = false;
  bool appended = false;
  for (const ProduceRequest::TopicProduceData& topic : request.topic_data) {
    ProduceResponse::TopicProduceResponse out;
    out.name = topic.name;
    core::Stream* stream = nullptr;
    // As Kafka: "Cannot append to internal topic": the coordinator owns what is written there.
    const bool valid_name = valid_topic_name(topic.name) && !is_internal_topic(topic.name);
    bool authorized = valid_name && access.may_write(topic.name);
    if (acks_valid && authorized) {
      stream = find_topic(broker, config, topic.name, false);
      if (stream == nullptr && config.auto_create_topics) {
        authorized = access.may_configure(topic.name);
        if (authorized) stream = find_topic(broker, config, topic.name, true);
      }
    }
    for (const ProduceRequest::PartitionProduceData& data : topic.partition_data) {
      PartitionResponse r =
          !acks_valid   ? partition_error(data.index, error::kInvalidRequiredAcks)
          : !valid_name ? partition_error(data.index, error::kInvalidTopicException)
          : !authorized ? partition_error(data.index, error::kTopicAuthorizationFailed,
                                          "Not authorized to access topics: [" + topic.name + "]")
                        : produce_partition(stream, transactional, config, data);
      if (r.error_code != error::kNone) {
        any_error = true;
        spdlog::debug("kafka: produce to {}-{} refused ({}): {}", topic.name, data.index,
                      r.error_code, r.error_message.value_or(""));
      } else {
        appended = true;
      }
      out.partition_responses.push_back(std::move(r));
    }
    response.responses.push_back(std::move(out));
  }

  if (acks == 0) {
    reply.send_nothing();
    return !any_error;
  }
  const uint64_t round = appended ? durable.covering_round() : 0;
  if (round == 0) {
    reply.send(response);
    return true;
  }
  durable.after_round(round, [reply, response = std::move(response)](bool ok) mutable {
    if (!ok) {
      for (auto& topic : response.responses) {
        for (PartitionResponse& r : topic.partition_responses) {
          if (r.error_code != error::kNone) continue;
          r = partition_error(r.index, error::kKafkaStorageError, "the write could not be synced");
        }
      }
    }
    reply.send(response);
  });
  return true;
}

}  // namespace polymq::kafka
