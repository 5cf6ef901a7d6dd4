// The broker-wide state of idempotent producers: per stream partition a PartitionProducers
// (kafka/producer_state.h), read back from the partition's log the first time a producer
// writes to it after a start, and dropped with the stream. One instance outlives every
// session.
//
// Reading back scans the batches appended within the expiration (Kafka's
// producer.id.expiration.ms, a day) on the owner's event loop; it happens once per partition
// and run, on the first produce with a producer id. Kafka bounds the same scan with snapshots
// taken at segment rolls, which PolyMQ does not write (yet).
//
// REQUIRES: all calls on the owner thread (the shard's event loop).
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "core/stream.h"
#include "kafka/producer_state.h"

namespace polymq::kafka {

class IdempotentProducers final : public core::StreamWatch {
 public:
  static constexpr int64_t kDefaultExpirationMs = 24 * 60 * 60 * 1000;

  explicit IdempotentProducers(int64_t expiration_ms = kDefaultExpirationMs)
      : expiration_ms_(expiration_ms) {}
  ~IdempotentProducers() override;
  IdempotentProducers(const IdempotentProducers&) = delete;
  IdempotentProducers& operator=(const IdempotentProducers&) = delete;

  // The producers of `partition` (REQUIRES: < stream.partition_count()), read back from its
  // log on first use.
  PartitionProducers& partition(core::Stream& stream, uint32_t partition, int64_t now_ms);

  // core::StreamWatch
  void stream_advanced(core::Stream&, uint32_t) override {}
  void stream_closing(core::Stream& stream) override { streams_.erase(&stream); }

 private:
  void read_back(const core::Stream& stream, uint32_t partition, int64_t now_ms,
                 PartitionProducers& out) const;

  int64_t expiration_ms_;
  // Index: partition; null until first used. Keyed by the stream object, not its name: a
  // topic deleted and made again has no producers.
  std::unordered_map<core::Stream*, std::vector<std::unique_ptr<PartitionProducers>>> streams_;
};

}  // namespace polymq::kafka
