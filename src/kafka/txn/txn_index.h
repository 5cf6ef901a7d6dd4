// The broker-wide index of every partition's transactions (kafka/txn/partition_txns.h): the
// coordinator opens and ends transactions in it, Produce checks a transactional batch against
// it, Fetch and ListOffsets read the last stable offset and the aborted transactions from it.
// Kept by stream object, so a topic deleted and made again starts with none; an entry goes
// with its stream. One instance outlives every session.
//
// REQUIRES: all calls on the owner thread (the shard's event loop).
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/stream.h"
#include "kafka/txn/partition_txns.h"

namespace polymq::kafka::txn {

class TxnIndex final : public core::StreamWatch {
 public:
  TxnIndex() = default;
  ~TxnIndex() override;
  TxnIndex(const TxnIndex&) = delete;
  TxnIndex& operator=(const TxnIndex&) = delete;

  // The partition's transactions, made on first use. REQUIRES: partition < partition_count().
  PartitionTxns& partition(core::Stream& stream, uint32_t partition);
  // Null when the partition never had a transaction since the broker started.
  const PartitionTxns* find(const core::Stream& stream, uint32_t partition) const;

  // fn(stream, partition, aborted) for every aborted transaction the index holds.
  template <class Fn>
  void for_each_aborted(Fn&& fn) const {
    // No structured binding here: clang (14) does not let a lambda capture one.
    for (const auto& entry : streams_) {
      const core::Stream& stream = *entry.first;
      const auto& partitions = entry.second;
      for (uint32_t p = 0; p < partitions.size(); ++p) {
        if (partitions[p] == nullptr) continue;
        partitions[p]->for_each_aborted([&](const AbortedTxn& a) { fn(stream, p, a); });
      }
    }
  }

  // core::StreamWatch
  void stream_advanced(core::Stream&, uint32_t) override {}
  void stream_closing(core::Stream& stream) override { streams_.erase(&stream); }

 private:
  std::unordered_map<core::Stream*, std::vector<std::unique_ptr<PartitionTxns>>> streams_;
};

}  // namespace polymq::kafka::txn
