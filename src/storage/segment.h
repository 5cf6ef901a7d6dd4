// One segment of a log: the .log file of records [base, next_offset) and its sparse offset and
// time indexes (format in log_format.h). The active segment takes appends and keeps its
// indexes in memory; seal() writes them out and makes the segment immutable.
//
// REQUIRES: external synchronization (a segment belongs to its Log's owner thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "storage/file.h"
#include "storage/log_format.h"
#include "storage/record.h"
#include "storage/status.h"

namespace polymq::storage {

struct SegmentOptions {
  uint32_t index_interval_bytes = 4096;
  const FaultHooks* hooks = nullptr;  // may be null; must outlive the segment
};

// An offset and the byte position of its record: an index entry, or where a read starts.
struct IndexEntry {
  uint64_t offset = 0;
  uint64_t position = 0;
};

// What opening a segment found and did.
struct SegmentOpenInfo {
  bool index_rebuilt = false;    // sealed: the index files did not verify, the segment was scanned
  Status corruption;             // sealed: what the scan met; reads reaching it return it too
  uint64_t truncated_bytes = 0;  // active: bytes dropped from a torn or corrupt tail
  uint64_t truncated_at = 0;     // active: the position the .log was cut back to
  std::string truncation_reason;
};

// The disk work of sealing a segment, detached from it so that a syncing thread can do it
// (Log::begin_sync): fdatasync the .log, then write the index files. Everything it needs is
// copied when the segment is sealed, so it touches no Segment and may outlive the log.
//
// Invariant it keeps for recovery: a segment's index files exist only once its .log is on disk
// complete (Log::open treats the segments after the last one with index files as unflushed).
class SealWork {
 public:
  SealWork(uint64_t base, int fd, std::string log_path, std::string index_path,
           std::string index_bytes, std::string time_path, std::string time_bytes,
           const FaultHooks* hooks);
  ~SealWork();
  SealWork(SealWork&& other) noexcept;
  SealWork& operator=(SealWork&& other) noexcept;
  SealWork(const SealWork&) = delete;
  SealWork& operator=(const SealWork&) = delete;

  uint64_t base_offset() const { return base_; }
  // With `durable` false (sync policy never) the files are written but nothing is synced.
  // Only a failed sync of the .log fails it: index files are derived data, so one that cannot
  // be written is left out (Log::open rebuilds it by a scan).
  Status run(bool durable) const;
  // Removes the index files run() may have written: the segment was truncated or deleted
  // while the work was in flight.
  void undo() const;

 private:
  uint64_t base_;
  int fd_;
  std::string log_path_, index_path_, index_bytes_, time_path_, time_bytes_;
  std::optional<FaultHooks> hooks_;  // a copy: the log's own may be gone when this runs
};

// Called for each record a read delivers, in offset order; returning false ends the read.
using ReadCallback = std::function<bool(const RecordView&)>;

// Progress of a read that may span segments.
struct ReadCursor {
  uint64_t next_offset = 0;  // the next record to deliver
  uint64_t bytes = 0;        // framed bytes delivered so far
  bool done = false;         // the callback or the byte budget ended the read
};

class Segment {
 public:
  // Creates the empty active segment `base` in `dir`. Fails if its .log already exists.
  // With `sync_dir` false the new name is not yet durable: the caller must sync the directory
  // before any fdatasync of the segment counts (a roll leaves it to the next sync round).
  static Result<std::unique_ptr<Segment>> create(const std::string& dir, uint64_t base,
                                                 const SegmentOptions& options,
                                                 bool sync_dir = true);

  // Opens a sealed segment that must hold exactly the records [base, next_base). Its index
  // files are used if they verify; otherwise it is scanned and the index rebuilt. A bad record
  // found by that scan does not fail the open: it is returned in info->corruption and every
  // read that reaches it fails with it, while the records before it stay readable.
  static Result<std::unique_ptr<Segment>> open_sealed(const std::string& dir, uint64_t base,
                                                      uint64_t next_base,
                                                      const SegmentOptions& options,
                                                      SegmentOpenInfo* info);

  // Opens the last segment of a log as the active one: scans every record, cuts the file
  // back before the first record that fails a check (a torn or corrupt tail), syncs it and
  // rebuilds the index in memory. Index files left beside it are removed; seal() rewrites them.
  static Result<std::unique_ptr<Segment>> open_active(const std::string& dir, uint64_t base,
                                                      const SegmentOptions& options,
                                                      SegmentOpenInfo* info);

  ~Segment();
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;

  uint64_t base_offset() const { return base_; }
  uint64_t next_offset() const { return next_offset_; }
  uint64_t size() const { return size_; }
  bool empty() const { return next_offset_ == base_; }
  bool sealed() const { return sealed_; }
  // The largest record timestamp, format::kNoTimestamp when empty.
  int64_t max_timestamp() const { return max_ts_; }
  size_t index_entries() const { return index_.size(); }

  // Appends the records with offsets next_offset() on, in one write. On failure nothing is
  // appended: the file is cut back to its previous size (retried before the next append if
  // that cut fails too) and the in-memory state is unchanged. Returns the first offset.
  // REQUIRES: !sealed(), records not empty, total framed size <= format::kMaxRecordBytes.
  Result<uint64_t> append(std::span<const RecordInput> records);

  // The last index entry at or before `offset`: where a read of `offset` starts scanning.
  // REQUIRES: offset >= base_offset()
  IndexEntry index_lookup(uint64_t offset) const;

  // Delivers records from cursor->next_offset on, within this segment, to `fn`; at least one
  // record per read (across segments) even if it exceeds max_bytes.
  // REQUIRES: base_offset() <= cursor->next_offset <= next_offset()
  Status read(ReadCursor* cursor, uint64_t max_bytes, const ReadCallback& fn) const;

  // The first offset whose record has a timestamp >= ts, or next_offset() if there is none,
  // looking only at the records from `from` on (a batch entry that covers `from` included).
  Result<uint64_t> offset_for_time(int64_t ts, uint64_t from = 0) const;

  // Makes the appended records durable (fdatasync of the .log).
  Status sync();
  // The .log file, for a sync made on another thread (Log::begin_sync).
  const File& log_file() const { return log_; }

  // Writes the index files with their footers and syncs everything; the segment becomes
  // immutable. Idempotent.
  Status seal();
  // Makes the segment immutable at once and returns the disk work of seal() for another
  // thread. REQUIRES: !sealed()
  Result<SealWork> seal_deferred();

  // Drops the records at and after `offset`, making the segment active again.
  // REQUIRES: base_offset() <= offset <= next_offset()
  Status truncate_to(uint64_t offset);

  // Reads and checks every record. Corruption names the first bad one.
  Status verify() const;

  // Deletes the segment's files, the .log first: if that fails the segment is intact;
  // after it, the segment is gone (index files left by a crash are removed by Log::open).
  Status remove();

 private:
  struct Entry {
    uint32_t rel;  // offset - base
    uint32_t pos;
  };
  struct TimeEntry {
    int64_t ts;
    uint32_t rel;
  };
  // Everything append() changes, for rolling a failed append back.
  struct Tail {
    uint64_t size, next_offset, bytes_since_index;
    int64_t max_ts;
    uint32_t max_ts_rel;
    size_t index_len, time_len;
  };

  Segment(std::string dir, uint64_t base, const SegmentOptions& options, File log);

  std::string path(std::string_view suffix) const;
  Tail tail() const;
  void restore(const Tail& t);
  void reset_index();
  // Updates the indexes for one record; append and every scan call it, so a scan rebuilds
  // exactly the index the appends built.
  void track(uint64_t offset, uint64_t position, uint64_t framed, int64_t ts);
  // Rebuilds the index from the records `reader` returns; stops at the first non-record.
  Result<RecordReader::Outcome> scan(RecordReader* reader);
  // Adds the time entry for the largest timestamp if the last entry does not hold it yet.
  void finish_time_index();
  // Moves `reader` to the record `offset` (reading the records before it).
  Status seek(RecordReader* reader, uint64_t offset) const;
  RecordReader reader_at(uint64_t offset, size_t chunk) const;
  Status corruption(const RecordReader& reader, RecordReader::Outcome outcome) const;
  // The index files (segment_index.cpp): load_indexes() is true if both verified.
  bool load_indexes();
  Status write_index_files() const;
  std::string index_file_bytes() const;
  std::string time_index_file_bytes() const;
  Status remove_index_files();

  std::string dir_;
  uint64_t base_;
  SegmentOptions options_;
  File log_;
  uint64_t size_ = 0;
  uint64_t next_offset_;
  bool sealed_ = false;
  bool needs_truncate_ = false;  // bytes of a failed append may lie past size_ in the file
  std::vector<Entry> index_;
  std::vector<TimeEntry> time_index_;
  uint64_t bytes_since_index_ = 0;
  int64_t max_ts_ = format::kNoTimestamp;
  uint32_t max_ts_rel_ = 0;
  std::string scratch_;  // reused buffer for framing appends
};

}  // namespace polymq::storage
