// How compaction reads and rewrites a Kafka topic's entries (core/stream_compaction.h):
//
//   - a RecordBatch (v2, uncompressed, not a control batch): its keyed records; rewritten, it
//     keeps its base offset, last offset delta, timestamps and producer fields with fewer
//     records (new count and CRC). A batch of an idempotent producer that loses every record
//     stays as an empty batch, which keeps the producer's last sequence, as Kafka's cleaner
//     does; any other batch left empty joins the gap around it;
//   - a stored message (published over AMQP into the topic): one record under the key a
//     consumer sees (kafka/message_records.h), never a tombstone;
//   - a gap: one empty batch covering the run of removed offsets.
//
// Kept whole, its keys unknown: a batch the producer compressed (its records are not
// decompressed), a control batch, anything that does not parse. Records without a key (a
// compressed batch's, or written before the topic became compacted) are never removed.
#pragma once

#include "core/stream_compaction.h"

namespace polymq::kafka {

class KafkaCompactionFormat final : public core::CompactionFormat {
 public:
  void keyed_records(const storage::RecordView& entry, const KeyFn& fn) const override;
  Rewrite rewrite(const storage::RecordView& entry, const DropFn& drop, std::string& out,
                  uint64_t& dropped) const override;
  std::string gap(uint64_t first, uint64_t count, int64_t timestamp) const override;
};

}  // namespace polymq::kafka
