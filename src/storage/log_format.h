// The on-disk format of a segment log: the one place that defines it. docs/storage-format.md
// explains the choices. Every integer is little-endian. Files written by one build must stay
// readable by the next: a layout change here gets new index magic numbers or a new record
// file suffix, never a new meaning for bytes an older build wrote.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace polymq::storage::format {

// ---------------------------------------------------------------------------------------------
// Directory
//
// A log is a directory. Each segment holds the records with offsets [base, next segment's base)
// and is named by its base offset in 20 decimal digits (the width of UINT64_MAX), so that a
// lexical sort is an offset sort:
//
//   00000000000000000000.log        records, back to back, no file header
//   00000000000000000000.index      sparse offset index (written when the segment is sealed)
//   00000000000000000000.timeindex  sparse time index   (written when the segment is sealed)
//   LOCK                            flock()ed by the process that has the log open
//   start-offset                    the logical start offset, when one was set (below)
//   compacting/                     rewritten segments staged before they replace their
//                                   originals (storage/segment_rewrite.h); removed by open
//
// The last segment is the active one: appends go there, its indexes live in memory and are
// rebuilt by scanning it on open. Every other segment is sealed: immutable, with both index
// files present and checksummed.
inline constexpr int kBaseOffsetDigits = 20;
inline constexpr std::string_view kLogSuffix = ".log";
inline constexpr std::string_view kIndexSuffix = ".index";
inline constexpr std::string_view kTimeIndexSuffix = ".timeindex";
inline constexpr std::string_view kLockFileName = "LOCK";
inline constexpr std::string_view kStartOffsetFileName = "start-offset";
inline constexpr std::string_view kStagingDirName = "compacting";

// ---------------------------------------------------------------------------------------------
// Record (in .log files)
//
//   byte  size  field
//   0     4     length     u32: bytes after this field = 20 + payload size
//   4     4     crc        u32: CRC-32C (Castagnoli, reflected poly 0x82F63B78, init and final
//                          xor 0xFFFFFFFF) of bytes [8, 4 + length): offset, timestamp, payload
//   8     8     offset     u64: the record's offset in the log
//   16    8     timestamp  i64: milliseconds since the Unix epoch, as given by the appender
//   24    n     payload    opaque bytes, n = length - 20
//
// Batch entry: a record whose length field has bit 31 (kBatchFlag) set holds a writer's batch
// (a Kafka RecordBatch, stored as received) and covers `count` consecutive offsets:
//
//   0     4     length     u32: kBatchFlag | (bytes after this field = 24 + payload size)
//   4     4     crc        u32: CRC-32C of bytes [8, 4 + length), as above
//   8     8     offset     u64: the first offset it covers
//   16    8     timestamp  i64: the newest timestamp in the batch
//   24    4     count      u32: offsets covered, count >= 1
//   28    n     payload    opaque bytes
//
// Files written before batch entries existed never set bit 31 (kMaxLength < 2^30), so they
// read as before. An append's batch entries have count <= payload size (every record of a
// batch takes a byte at least), which keeps the offsets of a segment within u32 of its base,
// as its bytes are. A segment rewritten by compaction (storage/segment_rewrite.h) keeps the
// offset range of the segment it replaces, so its entries may cover more offsets than they
// have bytes (an empty Kafka batch standing for a run of removed records) without breaking
// that bound.
//
// A record is valid only if 20 <= length <= kMaxLength (24 for a batch entry), all of it lies
// inside the file, the CRC matches and the offset is the one expected at that position (the
// previous record's plus the offsets it covers; the segment's base for the first). The length is
// not under the CRC, but a wrong length selects the wrong bytes for the CRC, which then fails
// (except with probability 2^-32). Zero bytes (a file extended but not written before a crash) fail
// the length check.
inline constexpr size_t kLengthSize = 4;
inline constexpr size_t kCrcSize = 4;
inline constexpr size_t kHeaderSize = 24;
inline constexpr size_t kCrcStart = kLengthSize + kCrcSize;  // first byte under the CRC
inline constexpr uint32_t kMinLength = kHeaderSize - kLengthSize;
inline constexpr uint32_t kBatchFlag = uint32_t{1} << 31;
inline constexpr size_t kBatchCountSize = 4;
// Upper bound of a framed record and of one appended batch; keeps every position in a u32.
inline constexpr uint64_t kMaxRecordBytes = uint64_t{1} << 30;
inline constexpr uint32_t kMaxLength = static_cast<uint32_t>(kMaxRecordBytes - kLengthSize);
inline constexpr size_t kMaxPayloadSize = kMaxRecordBytes - kHeaderSize;

// Segments are rolled before an append would take them past segment_bytes, so a segment never
// exceeds max(segment_bytes, one batch) <= 1 GiB and relative offsets and positions fit in u32.
inline constexpr uint64_t kMaxSegmentBytes = uint64_t{1} << 30;

// ---------------------------------------------------------------------------------------------
// Offset index (.index): entries, then a footer.
//
//   entry (8 bytes), one for the first record that starts at least index_interval_bytes after
//   the previous entry's record (the first record, at position 0, is implicit):
//   0     4     relative offset   u32: offset - base
//   4     4     position          u32: byte position of that record in the .log file
//
// Entries strictly increase in both fields. To find offset o: take the last entry with
// relative offset <= o - base (or position 0), then scan forward at most ~one interval.
inline constexpr size_t kIndexEntrySize = 8;

// ---------------------------------------------------------------------------------------------
// Time index (.timeindex): entries, then a footer.
//
//   entry (12 bytes), written alongside an offset index entry when the largest timestamp seen
//   so far has grown since the last time entry, and once more when the segment is sealed:
//   0     8     timestamp         i64: the largest timestamp among records up to the offset
//   8     4     relative offset   u32: the first record that carries that timestamp
//
// Entries strictly increase in both fields. Invariant: every record at or before an entry's
// offset has a timestamp <= the entry's. The last entry holds the segment's largest timestamp,
// which retention by age compares with the clock.
inline constexpr size_t kTimeEntrySize = 12;

// ---------------------------------------------------------------------------------------------
// Footer, the last 16 bytes of both index files; written once, when the segment is sealed.
//
//   0     4     magic        u32: kIndexMagic or kTimeIndexMagic
//   4     4     records      u32: number of records in the segment
//   8     4     log bytes    u32: size of the .log file when sealed
//   12    4     crc          u32: CRC-32C of every entry byte and footer bytes [0, 12)
//
// An index file is trusted only if its size is entries * entry size + 16, the magic and CRC
// match, the log file still has `log bytes` and base + records is the next segment's base.
// Otherwise the segment is scanned and the index rebuilt.
inline constexpr size_t kFooterSize = 16;
inline constexpr uint32_t kIndexMagic = 0x31584950;      // "PIX1" read as bytes
inline constexpr uint32_t kTimeIndexMagic = 0x31585450;  // "PTX1"

// ---------------------------------------------------------------------------------------------
// Start offset checkpoint (start-offset): the log's logical start, below which no record is
// served although it may still sit in the first segment (Kafka's log start offset, moved by
// DeleteRecords). Absent until Log::set_start_offset first moves the start past the first
// segment's base; replaced whole, atomically (storage::ReplacedFile).
//
//   0     4     magic        u32: kStartOffsetMagic
//   4     8     offset       u64: the start offset
//   12    4     crc          u32: CRC-32C of bytes [0, 12)
//
// The log's first offset is max(this offset, the first segment's base): retention deleting
// segments moves the start without rewriting the file. A file of another size, magic or CRC
// fails Log::open with kCorruption (serving the records it hid would undo a deletion).
inline constexpr size_t kStartOffsetFileSize = 16;
inline constexpr uint32_t kStartOffsetMagic = 0x314f5350;  // "PSO1" read as bytes

// Timestamp value meaning "no record yet" (an empty segment's largest timestamp).
inline constexpr int64_t kNoTimestamp = std::numeric_limits<int64_t>::min();

// ---------------------------------------------------------------------------------------------
// Encoding helpers

inline void put_u32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
inline void put_u64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
inline uint32_t get_u32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}
inline uint64_t get_u64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

// "00000000000000000042.log" for base 42 and kLogSuffix.
std::string segment_file_name(uint64_t base, std::string_view suffix);

// The base offset of a file named <20 digits><suffix>; nullopt for any other name.
std::optional<uint64_t> parse_segment_file_name(std::string_view name, std::string_view suffix);

}  // namespace polymq::storage::format
