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
  const std::pair<int64_t, int64_t> start{aborted.producer_id, aborted.first_offset};
  if (const auto it = aborted_by_start_.find(start); it != aborted_by_start_.end()) {
    aborted_.erase(it->second);
    aborted_by_start_.erase(it);
  }
  if (const auto clash = aborted_.find(aborted.last_offset); clash != aborted_.end()) {
    aborted_by_start_.erase({clash->second.producer_id, clash->second.first_offset});
  }
  aborted_[aborted.last_offset] = aborted;
  aborted_by_start_[start] = aborted.last_offset;
  longest_aborted_ = std::max(longest_aborted_, aborted.last_offset - aborted.first_offset);
  if (aborted_.size() > kMaxAborted) {
    const AbortedTxn& oldest = aborted_.begin()->second;
    aborted_by_start_.erase({oldest.producer_id, oldest.first_offset});
    aborted_.erase(aborted_.begin());
  }
}

int64_t PartitionTxns::last_stable_offset(int64_t high_watermark) const {
  int64_t lso = high_watermark;
  for (const auto& [producer, open] : open_) lso = std::min(lso, open.first_offset);
  return lso;
}

std::vector<AbortedTxn> PartitionTxns::aborted_between(int64_t from, int64_t to) const {
  std::vector<AbortedTxn> out;
  for (auto it = aborted_.lower_bound(from); it != aborted_.end(); ++it) {
    const AbortedTxn& a = it->second;
    if (a.last_offset - longest_aborted_ >= to) break;  // every later one begins at or after `to`
    if (a.first_offset < to) out.push_back(a);
  }
  std::sort(out.begin(), out.end(),
            [](const AbortedTxn& a, const AbortedTxn& b) { return a.first_offset < b.first_offset; });
  return out;
}

}  // namespace polymq::kafka::txn
