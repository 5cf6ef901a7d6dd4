#include "kafka/batch_validation.h"

#include "kafka/error_codes.h"

namespace polymq::kafka {
namespace {

BatchCheck fail(int16_t code, std::string message) { return {code, std::move(message)}; }

BatchCheck check_records_of(std::string_view batch, const RecordBatchHeader& header,
                            bool require_keys) {
  RecordReader reader(batch, header);
  Record record;
  int32_t expected_delta = 0;
  while (reader.next(record)) {
    if (require_keys && !record.key) {
      return fail(error::kInvalidRecord, "Compacted topic cannot accept message without key");
    }
    if (record.offset_delta != expected_delta) {
      return fail(error::kInvalidRecord, "record offset delta " +
                                             std::to_string(record.offset_delta) + " where " +
                                             std::to_string(expected_delta) + " was expected");
    }
    ++expected_delta;
  }
  if (!reader.ok()) return fail(error::kCorruptMessage, "a record of the batch is malformed");
  return {};
}

}  // namespace

BatchCheck check_produced_records(std::string_view records, std::vector<ProducedBatch>& out,
                                  size_t max_batch_bytes, bool require_keys) {
  out.clear();
  if (records.empty()) return fail(error::kInvalidRecord, "no record batch");
  BatchIterator batches(records);
  while (!batches.done()) {
    ProducedBatch batch;
    switch (batches.next(batch.bytes, batch.header)) {
      case BatchParse::kOk:
        break;
      case BatchParse::kTruncated:
        return fail(error::kCorruptMessage, "truncated record batch");
      case BatchParse::kBadLength:
        return fail(error::kCorruptMessage, "record batch length does not fit its header");
      case BatchParse::kBadMagic:
        return fail(error::kInvalidRecord, "only record batches of magic 2 are accepted");
      case BatchParse::kBadCrc:
        return fail(error::kCorruptMessage, "record batch CRC mismatch");
    }
    const RecordBatchHeader& h = batch.header;
    if (batch.bytes.size() > max_batch_bytes) {
      return fail(error::kMessageTooLarge, "record batch of " + std::to_string(batch.bytes.size()) +
                                               " bytes is larger than " +
                                               std::to_string(max_batch_bytes));
    }
    if (!h.known_compression()) {
      return fail(error::kCorruptMessage,
                  "unknown compression codec " + std::to_string(h.compression_bits()));
    }
    if (h.record_count <= 0 || h.last_offset_delta < 0 ||
        h.record_count != int64_t{h.last_offset_delta} + 1) {
      return fail(error::kInvalidRecord, "record count " + std::to_string(h.record_count) +
                                             " does not match last offset delta " +
                                             std::to_string(h.last_offset_delta));
    }
    if (h.control()) return fail(error::kInvalidRecord, "producers may not send control batches");
    if (h.compression() == Compression::kNone) {
      if (BatchCheck c = check_records_of(batch.bytes, h, require_keys);
          c.error_code != error::kNone) {
        return c;
      }
    }
    out.push_back(batch);
  }
  return {};
}

}  // namespace polymq::kafka
