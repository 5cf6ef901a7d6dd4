#include "kafka/txn/txn_index.h"

namespace polymq::kafka::txn {

TxnIndex::~TxnIndex() {
  for (auto& [stream, partitions] : streams_) stream->remove_watch(this);
}

PartitionTxns& TxnIndex::partition(core::Stream& stream, uint32_t partition) {
  auto [it, added] = streams_.try_emplace(&stream);
  if (added) stream.add_watch(this);
  auto& partitions = it->second;
  if (partitions.size() <= partition) partitions.resize(partition + 1);
  if (partitions[partition] == nullptr) partitions[partition] = std::make_unique<PartitionTxns>();
  return *partitions[partition];
}

const PartitionTxns* TxnIndex::find(const core::Stream& stream, uint32_t partition) const {
  // A lookup by address only; nothing is changed through it.
  const auto it = streams_.find(const_cast<core::Stream*>(&stream));
  if (it == streams_.end() || it->second.size() <= partition) return nullptr;
  return it->second[partition].get();
}

}  // namespace polymq::kafka::txn
