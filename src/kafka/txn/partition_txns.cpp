#include "kafka/txn/partition_txns.h"

#include <algorithm>

namespace polymq::kafka::txn {

void PartitionTxns::begin(int64_t producer_id, int16_t epoch, int64_t first_offset) {
  auto [it, added] = open_.try_emplace(producer_id, Open{epoch, first_offset});
  if (!added) it->second.epoch = epoch;
}

std::optional<int16_t> PartitionTxns::open_epoch(int64_t producer_id) const {
  const auto it = open_.find(producer_id);
  if (it == open_.end()) return std::nullopt;
  return it->second.epoch;
}

std::optional<AbortedTxn> PartitionTxns::end(int64_t producer_id, bool commit,
                                             int64_t marker_offset) {
  const auto it = open_.find(producer_id);
  if (it == open_.end()) return std::nullopt;
  const AbortedTxn aborted{producer_id, it->second.first_offset, marker_offset};
  open_.erase(it);
  if (commit) return std::nullopt;
  add_aborted(aborted);
  return aborted;
}

void PartitionTxns::add_aborted(const AbortedTxn& aborted) {
  std::erase_if(aborted_, [&](const AbortedTxn& a) {
    return a.producer_id == aborted.producer_id && a.first_offset == aborted.first_offset;
  });
  const auto at = std::upper_bound(
      aborted_.begin(), aborted_.end(), aborted.last_offset,
      [](int64_t last, const AbortedTxn& a) { return last < a.last_offset; });
  aborted_.insert(at, aborted);
  if (aborted_.size() > kMaxAborted) aborted_.erase(aborted_.begin());
}

int64_t PartitionTxns::last_stable_offset(int64_t high_watermark) const {
  int64_t lso = high_watermark;
  for (const auto& [producer, open] : open_) lso = std::min(lso, open.first_offset);
  return lso;
}

std::vector<AbortedTxn> PartitionTxns::aborted_between(int64_t from, int64_t to) const {
  std::vector<AbortedTxn> out;
  auto it = std::lower_bound(aborted_.begin(), aborted_.end(), from,
                             [](const AbortedTxn& a, int64_t f) { return a.last_offset < f; });
  for (; it != aborted_.end(); ++it) {
    if (it->first_offset < to) out.push_back(*it);
  }
  std::sort(out.begin(), out.end(),
            [](const AbortedTxn& a, const AbortedTxn& b) { return a.first_offset < b.first_offset; });
  return out;
}

}  // namespace polymq::kafka::txn
