#include "kafka/idempotent_producers.h"

#include <spdlog/spdlog.h>

namespace polymq::kafka {
namespace {

// How much one read call hands over; the scan loops until the partition's end.
constexpr uint64_t kReadChunkBytes = 4 * 1024 * 1024;

}  // namespace

IdempotentProducers::~IdempotentProducers() {
  for (auto& [stream, partitions] : streams_) stream->remove_watch(this);
}

PartitionProducers& IdempotentProducers::partition(core::Stream& stream, uint32_t partition,
                                                   int64_t now_ms) {
  auto [it, added] = streams_.try_emplace(&stream);
  if (added) stream.add_watch(this);
  auto& partitions = it->second;
  if (partitions.size() <= partition) partitions.resize(partition + 1);
  if (partitions[partition] == nullptr) {
    partitions[partition] = std::make_unique<PartitionProducers>();
    read_back(stream, partition, now_ms, *partitions[partition]);
  }
  return *partitions[partition];
}

void IdempotentProducers::read_back(const core::Stream& stream, uint32_t partition, int64_t now_ms,
                                    PartitionProducers& out) const {
  uint64_t offset = stream.first_offset(partition);
  if (uint64_t since = 0;
      stream.offset_for_time(partition, now_ms - expiration_ms_, since).ok() && since > offset) {
    offset = since;
  }
  const uint64_t end = stream.next_offset(partition);
  size_t batches = 0;
  while (offset < end) {
    uint64_t next = offset;
    const core::Status st = stream.read(
        partition, offset, kReadChunkBytes,
        [&](const storage::RecordView& entry) {
          if (entry.batch_count == 0) return true;  // a message routed in, not a Kafka batch
          RecordBatchHeader h;
          if (parse_batch_header(entry.payload, h) != BatchParse::kOk) return true;
          if (h.producer_id < 0 || h.control()) return true;
          out.record(h, static_cast<int64_t>(entry.offset), h.max_timestamp);
          ++batches;
          return true;
        },
        next);
    if (!st.ok() || next <= offset) {
      spdlog::warn("kafka: reading the producers of {}-{} back stopped at offset {}: {}",
                   stream.name(), partition, offset, st.ok() ? "no progress" : st.message());
      break;
    }
    offset = next;
  }
  if (batches > 0) {
    spdlog::info("kafka: {}-{}: {} producers read back from {} batches", stream.name(), partition,
                 out.producer_count(), batches);
  }
}

}  // namespace polymq::kafka
