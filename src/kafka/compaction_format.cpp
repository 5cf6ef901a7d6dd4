#include "kafka/compaction_format.h"

#include <optional>
#include <string>

#include "kafka/message_records.h"
#include "kafka/protocol/record_batch.h"

namespace polymq::kafka {
namespace {

// A batch whose records can be read: v2, uncompressed, not a control batch, exactly the entry.
bool readable_batch(std::string_view payload, RecordBatchHeader& header) {
  return parse_batch_header(payload, header) == BatchParse::kOk &&
         header.compression() == Compression::kNone && !header.control() &&
         header.size() == payload.size();
}

core::KeyedRecord keyed(const storage::RecordView& entry, const RecordBatchHeader& header,
                        const Record& record) {
  const int64_t timestamp = header.timestamp_type() == TimestampType::kLogAppendTime
                                ? header.max_timestamp
                                : header.base_timestamp + record.timestamp_delta;
  return {*record.key, entry.offset + static_cast<uint32_t>(record.offset_delta), timestamp,
          !record.value.has_value()};
}

}  // namespace

void KafkaCompactionFormat::keyed_records(const storage::RecordView& entry,
                                          const KeyFn& fn) const {
  if (entry.batch_count == 0) {
    const std::optional<std::string> key = stored_message_key(entry.payload);
    if (key) fn({*key, entry.offset, entry.timestamp, false});
    return;
  }
  RecordBatchHeader header;
  if (!readable_batch(entry.payload, header)) return;
  RecordReader records(entry.payload, header);
  Record record;
  while (records.next(record)) {
    if (record.key) fn(keyed(entry, header, record));
  }
}

core::CompactionFormat::Rewrite KafkaCompactionFormat::rewrite(const storage::RecordView& entry,
                                                               const DropFn& drop,
                                                               std::string& out,
                                                               uint64_t& dropped) const {
  dropped = 0;
  if (entry.batch_count == 0) {
    const std::optional<std::string> key = stored_message_key(entry.payload);
    if (!key || !drop({*key, entry.offset, entry.timestamp, false})) return Rewrite::kUnchanged;
    dropped = 1;
    return Rewrite::kEmptied;
  }
  RecordBatchHeader header;
  if (!readable_batch(entry.payload, header)) return Rewrite::kUnchanged;
  RecordReader records(entry.payload, header);
  Record record;
  std::string kept;
  int32_t kept_count = 0;
  while (records.next(record)) {
    if (record.key && drop(keyed(entry, header, record))) {
      ++dropped;
    } else {
      kept.append(records.last_record_bytes());
      ++kept_count;
    }
  }
  // A batch that does not parse to its end is kept as it is: keeping loses nothing.
  if (!records.ok() || dropped == 0) {
    dropped = 0;
    return Rewrite::kUnchanged;
  }
  if (kept_count == 0 && header.producer_id < 0) return Rewrite::kEmptied;
  header.base_offset = static_cast<int64_t>(entry.offset);
  out = rebuild_batch(header, kept, kept_count);
  return Rewrite::kRewritten;
}

std::string KafkaCompactionFormat::gap(uint64_t first, uint64_t count, int64_t timestamp) const {
  RecordBatchHeader header;
  header.base_offset = static_cast<int64_t>(first);
  header.partition_leader_epoch = 0;
  header.last_offset_delta = static_cast<int32_t>(count - 1);
  header.base_timestamp = timestamp;
  header.max_timestamp = timestamp;
  return rebuild_batch(header, {}, 0);
}

}  // namespace polymq::kafka
