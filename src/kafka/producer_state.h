// The idempotent producer's state of one partition, as Kafka's ProducerStateManager keeps it:
// per producer id its epoch and the sequence numbers and offsets of its last five batches.
// A batch from a producer (producer id >= 0) is checked before it is appended:
//
//   - an epoch older than the producer's                         -> INVALID_PRODUCER_EPOCH
//   - one of the last five batches again (same epoch, first and last sequence)
//                                      -> a duplicate: not appended, answered as success with
//                                         the offset it was stored at the first time
//   - a newer epoch must start at sequence 0, the same epoch must continue at last + 1
//     (wrapping from INT32_MAX to 0)                             -> OUT_OF_ORDER_SEQUENCE_NUMBER
//   - a producer the partition has no state of (new, or forgotten) may start at any sequence,
//     as Kafka accepts it after the producer's records were deleted.
//
// The state is not written anywhere: it is rebuilt from the batches in the log (they carry
// producer id, epoch and base sequence), so a retry after a crash is still recognised. What
// is older than the expiration (Kafka's producer.id.expiration.ms, a day) is not read back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>

#include "kafka/protocol/record_batch.h"

namespace polymq::kafka {

// The last sequence of a batch whose first record has sequence `base`: sequences wrap from
// INT32_MAX to 0, as Kafka's DefaultRecordBatch.incrementSequence.
int32_t last_sequence(int32_t base, int32_t last_offset_delta);

struct ProducerCheck {
  enum class Verdict { kAppend, kDuplicate, kRefuse };
  Verdict verdict = Verdict::kAppend;
  int16_t error_code = 0;    // kRefuse: the Kafka error
  int64_t base_offset = -1;  // kDuplicate: where the batch was stored
};

class PartitionProducers {
 public:
  // The number of batches remembered per producer, Kafka's NUM_BATCHES_TO_RETAIN.
  static constexpr size_t kBatchesKept = 5;
  // Producers remembered per partition; past it the one idle longest is forgotten (its next
  // batch is then accepted at any sequence), so memory stays bounded whatever clients do.
  static constexpr size_t kMaxProducers = 10000;

  // Checks a batch from a producer (header.producer_id >= 0) before it is appended.
  ProducerCheck check(const RecordBatchHeader& header) const;
  // Remembers a batch appended at `base_offset` (also one read back from the log); `now_ms`
  // orders producers by their last write for eviction.
  void record(const RecordBatchHeader& header, int64_t base_offset, int64_t now_ms);

  size_t producer_count() const { return producers_.size(); }

 private:
  struct BatchMeta {
    int32_t first_sequence;
    int32_t last_sequence;
    int64_t base_offset;
  };
  struct Producer {
    int16_t epoch = -1;
    std::deque<BatchMeta> batches;  // oldest first, at most kBatchesKept
    int64_t last_write_ms = 0;
  };
  void evict_one_idle();

  std::unordered_map<int64_t, Producer> producers_;
};

}  // namespace polymq::kafka
