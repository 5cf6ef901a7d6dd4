#include "kafka/producer_state.h"

#include <limits>

#include "kafka/error_codes.h"

namespace polymq::kafka {
namespace {

constexpr int32_t kMaxSequence = std::numeric_limits<int32_t>::max();

bool in_sequence(int32_t last, int32_t next) {
  return next == (last == kMaxSequence ? 0 : last + 1);
}

}  // namespace

int32_t last_sequence(int32_t base, int32_t last_offset_delta) {
  if (base > kMaxSequence - last_offset_delta) return last_offset_delta - (kMaxSequence - base) - 1;
  return base + last_offset_delta;
}

ProducerCheck PartitionProducers::check(const RecordBatchHeader& header) const {
  ProducerCheck out;
  const auto it = producers_.find(header.producer_id);
  if (it == producers_.end()) return out;  // unknown: any sequence starts it
  const Producer& p = it->second;
  if (header.producer_epoch < p.epoch) {
    out.verdict = ProducerCheck::Verdict::kRefuse;
    out.error_code = error::kInvalidProducerEpoch;
    return out;
  }
  if (header.producer_epoch > p.epoch) {
    if (header.base_sequence != 0) {
      out.verdict = ProducerCheck::Verdict::kRefuse;
      out.error_code = error::kOutOfOrderSequenceNumber;
    }
    return out;
  }
  const int32_t last = last_sequence(header.base_sequence, header.last_offset_delta);
  for (const BatchMeta& batch : p.batches) {
    if (batch.first_sequence == header.base_sequence && batch.last_sequence == last) {
      out.verdict = ProducerCheck::Verdict::kDuplicate;
      out.base_offset = batch.base_offset;
      return out;
    }
  }
  if (!p.batches.empty() && !in_sequence(p.batches.back().last_sequence, header.base_sequence)) {
    out.verdict = ProducerCheck::Verdict::kRefuse;
    out.error_code = error::kOutOfOrderSequenceNumber;
  }
  return out;
}

void PartitionProducers::record(const RecordBatchHeader& header, int64_t base_offset,
                                int64_t now_ms) {
  auto it = producers_.find(header.producer_id);
  if (it == producers_.end()) {
    if (producers_.size() >= kMaxProducers) evict_one_idle();
    it = producers_.emplace(header.producer_id, Producer{}).first;
  }
  Producer& p = it->second;
  if (header.producer_epoch != p.epoch) {
    p.epoch = header.producer_epoch;
    p.batches.clear();
  }
  p.batches.push_back(BatchMeta{header.base_sequence,
                                last_sequence(header.base_sequence, header.last_offset_delta),
                                base_offset});
  if (p.batches.size() > kBatchesKept) p.batches.pop_front();
  p.last_write_ms = now_ms;
}

void PartitionProducers::evict_one_idle() {
  auto oldest = producers_.begin();
  for (auto it = producers_.begin(); it != producers_.end(); ++it) {
    if (it->second.last_write_ms < oldest->second.last_write_ms) oldest = it;
  }
  if (oldest != producers_.end()) producers_.erase(oldest);
}

}  // namespace polymq::kafka
