// RecordBatch v2 (magic 2), the unit Kafka producers send, brokers store and consumers fetch:
//
//   base offset int64 | batch length int32 (bytes after this field) | partition leader epoch
//   int32 | magic int8 = 2 | crc uint32 | attributes int16 | last offset delta int32 | base
//   timestamp int64 | max timestamp int64 | producer id int64 | producer epoch int16 | base
//   sequence int32 | record count int32 | records
//
// The CRC is CRC-32C over attributes .. end, so a broker may set the base offset and the
// partition leader epoch without recomputing it. Records (uncompressed) are:
//
//   length varint | attributes int8 | timestamp delta varlong | offset delta varint | key
//   (varint length, -1 null) | value (same) | header count varint | headers (key: varint length
//   + bytes, never null; value: varint length + bytes, -1 null)
//
// Everything here reads views into the caller's bytes and never reads outside them; a batch or
// record that does not fit what it declares is an error, never a partial read. Compression is
// not done here: a compressed batch's records section is left to the caller (compression()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace polymq::kafka {

enum class Compression : uint8_t { kNone = 0, kGzip = 1, kSnappy = 2, kLz4 = 3, kZstd = 4 };
enum class TimestampType : uint8_t { kCreateTime = 0, kLogAppendTime = 1 };

namespace batch_attr {
constexpr int16_t kCompressionMask = 0x07;
constexpr int16_t kLogAppendTime = 0x08;
constexpr int16_t kTransactional = 0x10;
constexpr int16_t kControl = 0x20;
constexpr int16_t kDeleteHorizon = 0x40;
}  // namespace batch_attr

constexpr int8_t kMagicV2 = 2;
// Base offset and batch length: what precedes the length's count.
constexpr size_t kBatchLogOverhead = 12;
// Every header field through the record count.
constexpr size_t kBatchHeaderSize = 61;
constexpr size_t kBatchMagicOffset = 16;
constexpr size_t kBatchCrcOffset = 17;
constexpr size_t kBatchAttributesOffset = 21;
constexpr size_t kBatchMaxTimestampOffset = 35;

struct RecordBatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t partition_leader_epoch = -1;
  int8_t magic = kMagicV2;
  uint32_t crc = 0;
  int16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = -1;
  int64_t max_timestamp = -1;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t record_count = 0;

  // The codec bits as they are; values 5-7 are no codec Kafka defines (see known_compression).
  uint8_t compression_bits() const { return attributes & batch_attr::kCompressionMask; }
  bool known_compression() const { return compression_bits() <= 4; }
  Compression compression() const { return static_cast<Compression>(compression_bits()); }
  TimestampType timestamp_type() const {
    return (attributes & batch_attr::kLogAppendTime) != 0 ? TimestampType::kLogAppendTime
                                                          : TimestampType::kCreateTime;
  }
  bool transactional() const { return (attributes & batch_attr::kTransactional) != 0; }
  bool control() const { return (attributes & batch_attr::kControl) != 0; }
  bool has_delete_horizon() const { return (attributes & batch_attr::kDeleteHorizon) != 0; }
  // The whole batch on the wire, base offset included.
  size_t size() const { return kBatchLogOverhead + static_cast<size_t>(batch_length); }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
};

enum class BatchParse {
  kOk,
  kTruncated,  // fewer bytes than the header, or than the batch length declares
  kBadLength,  // a batch length too small for the header, or a negative record count
  kBadMagic,   // not a v2 batch
  kBadCrc,     // the stored CRC does not match the bytes (verify_batch_crc)
};

// Reads the header of the batch at the start of `data`; checks the magic and that the whole
// batch (size()) is within `data`. Does not check the CRC.
BatchParse parse_batch_header(std::string_view data, RecordBatchHeader& out);

// CRC-32C over attributes .. end of `batch` (the bytes of exactly one batch).
uint32_t compute_batch_crc(std::string_view batch);
// kOk or kBadCrc.
BatchParse verify_batch_crc(std::string_view batch, const RecordBatchHeader& header);

// Walks the batches of a records field (a Produce partition's data): each next() yields one
// whole batch with its header parsed and its CRC verified. A records field must hold whole
// batches only; a trailing partial batch is kTruncated.
class BatchIterator {
 public:
  explicit BatchIterator(std::string_view records) : rest_(records) {}
  bool done() const { return rest_.empty(); }
  BatchParse next(std::string_view& batch, RecordBatchHeader& header);

 private:
  std::string_view rest_;
};

struct RecordHeader {
  std::string_view key;
  std::optional<std::string_view> value;
  bool operator==(const RecordHeader&) const = default;
};

struct Record {
  int8_t attributes = 0;
  int64_t timestamp_delta = 0;
  int32_t offset_delta = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<RecordHeader> headers;
};

// The records of one uncompressed batch, as views into it.
class RecordReader {
 public:
  // REQUIRES: parse_batch_header(batch, header) was kOk and the batch is uncompressed.
  RecordReader(std::string_view batch, const RecordBatchHeader& header);
  // Fills `out` with the next record; false at the end or on a malformed record (then ok()
  // is false). The batch must hold exactly record_count records and nothing after them.
  bool next(Record& out);
  bool ok() const { return ok_; }
  // The bytes of the record next() returned last, its length varint included (what a
  // compactor copies into a rewritten batch).
  std::string_view last_record_bytes() const { return last_; }

 private:
  std::string_view rest_;
  std::string_view last_;
  int32_t left_;
  bool ok_ = true;
};

struct RecordInput {
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<RecordHeader> headers;
  int64_t timestamp = 0;
};

struct BatchOptions {
  int64_t base_offset = 0;
  int32_t partition_leader_epoch = -1;
  // Timestamp type, transactional and control bits; the codec bits must be 0 (none).
  int16_t attributes = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
};

// An uncompressed batch of `records` at consecutive offsets from options.base_offset, with its
// base timestamp the first record's, its max timestamp the largest, and its CRC set.
std::string build_batch(const BatchOptions& options, std::span<const RecordInput> records);

// A batch with `header`'s fields holding `records`, `count` records encoded as in a batch
// with that header (copied out of one by a compactor, so their offset and timestamp deltas
// still hold); the batch length and the CRC are computed. With no records it is an empty
// batch, as Kafka's log cleaner leaves behind: it still covers base offset .. last offset.
std::string rebuild_batch(const RecordBatchHeader& header, std::string_view records,
                          int32_t count);

// Rewrite fields the CRC does not cover, in place (the broker assigns offsets on append).
// REQUIRES: batch points at a whole batch.
void set_base_offset(char* batch, int64_t base_offset);
void set_partition_leader_epoch(char* batch, int32_t epoch);
// Marks the batch's timestamps as the broker's append time `now_ms` (the max timestamp, which
// consumers then give every record) and recomputes the CRC, which covers both.
// REQUIRES: batch points at a whole batch of `size` bytes.
void set_log_append_time(char* batch, size_t size, int64_t now_ms);

}  // namespace polymq::kafka
