// The record framing of log_format.h: the one writer (encode_record) and the one reader
// (RecordReader) of records in a .log file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/file.h"
#include "storage/log_format.h"
#include "storage/status.h"

namespace polymq::storage {

// A record to append: payload bytes and the appender's timestamp (ms since the epoch). With
// `batch_count` > 0 it is a batch entry (log_format.h): one record covering that many offsets,
// whose payload the writer framed (a Kafka RecordBatch) and readers get back as it was.
struct RecordInput {
  std::string_view payload;
  int64_t timestamp = 0;
  uint32_t batch_count = 0;
  uint32_t offsets() const { return batch_count == 0 ? 1 : batch_count; }
};

// A stored record. The payload refers to a reader's buffer and is valid only during the
// callback (or until the reader's next call).
struct RecordView {
  uint64_t offset = 0;  // the first offset it covers
  int64_t timestamp = 0;
  std::string_view payload;
  uint32_t batch_count = 0;  // 0: a plain record (one offset); else a batch entry
  uint32_t offsets() const { return batch_count == 0 ? 1 : batch_count; }
  uint64_t next_offset() const { return offset + offsets(); }
};

inline uint64_t framed_size(size_t payload_size, uint32_t batch_count = 0) {
  return format::kHeaderSize + (batch_count == 0 ? 0 : format::kBatchCountSize) + payload_size;
}
inline uint64_t framed_size(const RecordInput& r) {
  return framed_size(r.payload.size(), r.batch_count);
}

// Appends the framed record to *out. REQUIRES: the framed size <= format::kMaxRecordBytes, and
// batch_count <= payload.size() unless the record goes into a rewritten segment (log_format.h)
void encode_record(std::string* out, uint64_t offset, int64_t timestamp, std::string_view payload,
                   uint32_t batch_count = 0);

// Reads records sequentially from [position, end) of a .log file, buffering chunks of at least
// `chunk` bytes per pread, and checks each one: length bounds, completeness, CRC, and that its
// offset is the one expected next.
class RecordReader {
 public:
  enum class Outcome {
    kRecord,     // *rec holds the next record
    kEnd,        // position() == end: no more records
    kTruncated,  // the record runs past `end` (a torn write)
    kBadLength,  // the length field is out of bounds
    kBadCrc,     // the CRC does not match
    kBadOffset,  // intact, but not the offset expected at this position
  };

  // REQUIRES: `file` outlives the reader.
  RecordReader(const File& file, uint64_t position, uint64_t end, uint64_t expected_offset,
               size_t chunk = 64 * 1024);

  // Advances past the record only on kRecord; any other outcome leaves the reader where the
  // bad record starts. An I/O failure is a non-ok Result.
  Result<Outcome> next(RecordView* rec);

  // Where the next record starts; after a failed check, where the bad record starts.
  uint64_t position() const { return position_; }
  // Goes back to a record boundary read before (its position and first offset).
  void rewind(uint64_t position, uint64_t expected_offset) {
    position_ = position;
    expected_offset_ = expected_offset;
  }
  uint64_t expected_offset() const { return expected_offset_; }
  // Framed size of the record last returned.
  uint64_t record_size() const { return record_size_; }

  static const char* describe(Outcome outcome);

 private:
  // Makes [position_, position_ + n) available in buf_ as far as the file has it; returns how
  // many bytes of it are available.
  Result<size_t> fill(size_t n);

  const File& file_;
  uint64_t position_;
  uint64_t end_;
  uint64_t expected_offset_;
  size_t chunk_;
  std::string buf_;
  uint64_t buf_pos_ = 0;  // file position of buf_[0]
  size_t buf_len_ = 0;    // valid bytes in buf_
  uint64_t record_size_ = 0;
};

}  // namespace polymq::storage
