// An offset-addressable, append-only log of records, kept as a directory of segments (format
// in log_format.h, rationale in docs/storage-format.md). The storage under durable queues,
// Kafka partitions and, later, SQS queues: offsets are dense and never reused, space is
// reclaimed a whole segment at a time from the front, and open() recovers from a crash.
//
// Its first offset is the larger of the first segment's base and a logical start offset
// (set_start_offset, Kafka's log start offset): records below the start may still sit in the
// first segment, but no read, lookup or time lookup reaches them.
//
// REQUIRES: external synchronization. A Log belongs to one owner thread; nothing in it locks.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/file.h"
#include "storage/log_format.h"
#include "storage/read_ahead.h"
#include "storage/record.h"
#include "storage/segment.h"
#include "storage/status.h"

namespace polymq::storage {

struct LogOptions {
  // Roll to a new segment before an append would take the active one past this size.
  uint64_t segment_bytes = 64 * 1024 * 1024;
  // Bytes of records between two offset index entries; bounds the scan after an index lookup.
  uint32_t index_interval_bytes = 4096;
  // Largest framed size of one append or batch (header + payload of each record), at most
  // format::kMaxRecordBytes; larger appends fail with kInvalidArgument.
  uint64_t max_append_bytes = format::kMaxRecordBytes;
  // Retention, applied by apply_retention(); negative disables.
  int64_t retention_bytes = -1;  // delete old segments while the rest still holds this much
  int64_t retention_ms = -1;     // delete segments whose newest record is older than this
  // Fault injection for tests (see file.h); empty in production.
  FaultHooks hooks;
};

// Sealed segment whose scan met a bad record; reads that reach the record fail with `status`.
struct CorruptSegment {
  uint64_t base_offset = 0;
  Status status;
};

// What open() found and repaired, for the caller to log.
struct RecoveryReport {
  size_t segments = 0;
  uint64_t truncated_bytes = 0;      // bytes of a torn or corrupt tail cut from the last segment
  uint64_t truncated_at_offset = 0;  // the first offset dropped (= next_offset() after open)
  std::string truncation_reason;     // empty when nothing was cut
  std::vector<uint64_t> rebuilt_indexes;  // base offsets of sealed segments scanned on open
  std::vector<CorruptSegment> corrupt_segments;
  size_t removed_orphan_files = 0;  // index files whose .log was gone (an interrupted delete)
  // The start offset checkpoint found (0 without one), and the segments removed because all
  // their records lie below it: what an interrupted set_start_offset left, or the whole log
  // when its recovered end fell below the start (then it restarts empty at the start).
  uint64_t start_offset = 0;
  size_t removed_below_start = 0;
};

// Space reclaimed by retention or prefix deletion.
struct DeleteStats {
  size_t segments = 0;
  uint64_t bytes = 0;
};

// Where the index sends a read of `offset`: the segment, and the indexed record at or before
// the offset from which the read scans forward.
struct IndexLookup {
  uint64_t segment_base = 0;
  IndexEntry entry;
};

// A sealed segment that compaction may rewrite (Log::settled_segments).
struct SealedSegment {
  uint64_t base = 0;
  uint64_t next_base = 0;  // the next segment's base: the segment holds [base, next_base)
  uint64_t bytes = 0;
  int64_t max_timestamp = format::kNoTimestamp;
};

// A pending sync of a log, to run on any thread (group commit). Made on the log's owner
// thread by Log::begin_sync, run elsewhere, handed back to Log::end_sync. It carries, in
// order: the seals of segments rolled since the last round (fdatasync, then index files), a
// sync of the directory when a roll created a segment file, and the fdatasync of the active
// segment. So a roll never syncs on the owner thread, and a record is durable only once every
// segment before it is.
class SyncTicket {
 public:
  SyncTicket() = default;
  SyncTicket(int fd, uint64_t target, std::vector<SealWork> seals = {}, std::string dir = {});
  ~SyncTicket();
  SyncTicket(SyncTicket&& other) noexcept;
  SyncTicket& operator=(SyncTicket&& other) noexcept;
  SyncTicket(const SyncTicket&) = delete;
  SyncTicket& operator=(const SyncTicket&) = delete;

  // Thread-safe with respect to the log's appends. A ticket with nothing to do succeeds at
  // once. With `durable` false (sync policy never) only the index files are written.
  Status run(bool durable = true) const;
  // Whether run() has anything to do: a sync, or index files to write.
  bool has_work() const { return fd_ >= 0 || !seals_.empty() || !dir_.empty(); }
  // Whether run(true) calls fdatasync on the log's records.
  bool syncs_records() const { return fd_ >= 0; }
  // Every record below this offset is durable once run() succeeded.
  uint64_t target() const { return target_; }
  const std::vector<SealWork>& seals() const { return seals_; }

 private:
  int fd_ = -1;
  uint64_t target_ = 0;
  std::vector<SealWork> seals_;
  std::string dir_;  // the directory to sync; empty when no segment was created
};

class Log {
 public:
  // Opens the log in `dir`, creating the directory and an empty log if needed, and recovers:
  // the last segment is scanned and a torn or corrupt tail cut off; sealed segments are trusted
  // through their checksummed indexes, or scanned if an index is missing or bad. Fails if
  // another Log (in any process) has the directory open.
  static Result<std::unique_ptr<Log>> open(const std::string& dir, LogOptions options,
                                           RecoveryReport* report = nullptr);
  ~Log();
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;

  // Appends one record; returns its offset. Not durable until flush().
  Result<uint64_t> append(std::string_view payload, int64_t timestamp_ms);
  // Appends the records with consecutive offsets in one pwrite(2); returns the first offset.
  // All or nothing: a failed append leaves the log as it was (rolled back with ftruncate).
  // The framed batch must fit in options.max_append_bytes.
  Result<uint64_t> append_batch(std::span<const RecordInput> records);

  // Delivers the records from `offset` on, in order, until `fn` returns false, the next record
  // would take the framed bytes delivered past max_bytes (the first record is delivered
  // whatever its size), or the log ends. Returns the offset after the last record delivered.
  // offset == next_offset() delivers nothing; outside [first_offset(), next_offset()] is
  // kOutOfRange. A batch entry that covers `offset` is delivered whole, even when it starts
  // below first_offset(). A record that fails a check is never delivered: the read stops
  // there with kCorruption (the records delivered before it are intact).
  Result<uint64_t> read(uint64_t offset, uint64_t max_bytes, const ReadCallback& fn) const;

  // The file range that read(offset, max_bytes) would read first, within the segment that
  // holds `offset`, to hand to a ReadAhead. Empty when offset is not in the log.
  Result<ReadRange> read_ahead_range(uint64_t offset, uint64_t max_bytes) const;
  // Makes every appended record durable: finishes the seals of rolled segments, then syncs
  // the active segment. After a failed sync the kernel may have dropped the dirty pages and
  // cleared the error, so the log refuses further appends and flushes with that error until
  // it is reopened.
  Status flush();

  // flush() split in two for group commit: begin_sync() on the owner thread, SyncTicket::run()
  // on a syncing thread, end_sync() back on the owner thread with run()'s status. Appends may
  // go on in between; they are covered by the next round. A failed sync poisons the log as
  // flush() does.
  Result<SyncTicket> begin_sync();
  Status end_sync(const SyncTicket& ticket, const Status& result);

  // The first offset served: max(start offset, the first segment's base).
  uint64_t first_offset() const;
  uint64_t next_offset() const;
  // Every record below this offset is on disk (synced by flush(), a sync round, or open()). A
  // front-end that confirms publishes or exposes only durable records (Kafka's high
  // watermark) reads up to here.
  uint64_t durable_offset() const { return durable_offset_; }
  uint64_t size_bytes() const;
  size_t segment_count() const { return segments_.size(); }
  const std::string& dir() const { return dir_; }

  // Deletes every segment all of whose records are below `offset` (whole segments only; the
  // active one is rolled first if `offset` is next_offset()). first_offset() becomes the base
  // of the first segment left (or stays the start offset, if that is larger).
  // REQUIRES offset <= next_offset(), else kOutOfRange.
  Result<DeleteStats> delete_segments_before(uint64_t offset);

  // Moves the start of the log up to `offset` (Kafka's DeleteRecords): first_offset() becomes
  // `offset` and nothing below it is served again. The start is written to the start-offset
  // checkpoint and synced (with the directory) before anything else, so it survives a crash;
  // then the segments wholly below it are deleted as by delete_segments_before. An offset at
  // or below first_offset() moves nothing (the deletion is still tried). kOutOfRange above
  // durable_offset(): a start beyond what is on disk could outlive the records below it.
  // When the checkpoint cannot be written nothing changes; when the segments cannot be
  // deleted after it was, the new start stands and the error is returned (the segments go at
  // the next call, retention, or open). Blocks on two syncs on the owner thread: meant for
  // rare administrative calls, not the data path.
  Result<DeleteStats> set_start_offset(uint64_t offset);

  // Deletes the oldest segments that retention no longer keeps: those whose newest record is
  // older than retention_ms at `now_ms`, then, oldest first, sealed segments while the rest
  // still holds at least retention_bytes.
  Result<DeleteStats> apply_retention(int64_t now_ms);
  // Changes the retention and the size of segments rolled from now on (a topic's configs
  // altered while it is open); the existing segments keep their sizes.
  void set_limits(uint64_t segment_bytes, int64_t retention_ms, int64_t retention_bytes) {
    options_.segment_bytes = segment_bytes;
    options_.retention_ms = retention_ms;
    options_.retention_bytes = retention_bytes;
  }

  // Drops the records at and after `offset` (e.g. an uncommitted suffix). Never below the
  // start offset: REQUIRES first_offset() <= offset <= next_offset(), else kOutOfRange.
  Status truncate_to(uint64_t offset);

  // The first offset from first_offset() on whose record has a timestamp >= ts (next_offset()
  // if none), searching from the first segment whose newest record is >= ts. A batch entry
  // that covers first_offset() and qualifies answers first_offset().
  Result<uint64_t> offset_for_time(int64_t timestamp_ms) const;

  // The index lookup behind a read of `offset`. REQUIRES first_offset() <= offset < next_offset()
  Result<IndexLookup> lookup(uint64_t offset) const;

  // Reads and checks every record of every segment; Corruption names the first bad one.
  Status verify() const;

  // Compaction (storage/segment_rewrite.h). The settled segments, oldest first: sealed, every
  // record durable and the index files written (no seal in flight could overwrite them), so
  // another thread may read them by path and stage replacements.
  std::vector<SealedSegment> settled_segments() const;
  // Where replacements are staged; open() removes what a crash left there.
  std::string staging_dir() const;
  // Replaces `segment` with the replacement staged for it: the staged .log and index files
  // are renamed over the old ones (each rename is atomic, and whichever mix of old and new
  // files a crash leaves, the index check at open rebuilds what does not match) and the
  // segment is reopened from them. kNotFound, with the staged files removed, when the segment
  // is no longer the settled one listed (deleted, or truncated away, meanwhile). Cheap: no
  // sync and no scan on the owner thread.
  Status install_rewritten(const SealedSegment& segment);

 private:
  Log(std::string dir, LogOptions options);

  SegmentOptions segment_options() const;
  Segment& active() { return *segments_.back(); }
  // The segment holding `offset`. REQUIRES first_offset() <= offset < next_offset()
  const Segment& segment_for(uint64_t offset) const;
  Status load(RecoveryReport* report);
  // After the segments are loaded: applies the start offset checkpoint (see RecoveryReport).
  Status load_start_offset(RecoveryReport* report);
  // Replaces every segment with one empty segment at `offset`: the recovered log ends below
  // its start, so all it holds is below the start anyway.
  Status restart_at(uint64_t offset);
  // How many segments from the front hold only records below `offset`.
  size_t segments_below(uint64_t offset) const;
  // Starts a new segment. The old one is sealed in memory at once; its sync and index files,
  // and the sync of the directory that makes the new file's name durable, are left to the
  // next begin_sync() (or flush()), off the owner thread.
  Status roll();
  // The seal of segment `base` is done: moves sealed_end_ past it.
  void mark_sealed(uint64_t base);
  // Drops the pending seals of segments at or after `base` (truncated or deleted).
  void drop_pending_seals_from(uint64_t base);
  // Deletes segments_[0, count) from disk and memory.
  Result<DeleteStats> delete_front(size_t count);

  std::string dir_;
  LogOptions options_;
  DirLock lock_;
  std::vector<std::unique_ptr<Segment>> segments_;  // by base offset; never empty
  // The logical start (set_start_offset, or the checkpoint read by open()); first_offset() is
  // the larger of it and the first segment's base. Invariant: <= next_offset().
  uint64_t start_offset_ = 0;
  uint64_t durable_offset_ = 0;
  Status failed_;                        // a failed sync poisons the log
  std::vector<SealWork> pending_seals_;  // rolled segments not yet synced, oldest first
  bool dir_sync_pending_ = false;        // a roll created a segment file since the last sync
  // Every sealed segment below this offset has its index files written (seals finish in
  // order): what settled_segments() may offer.
  uint64_t sealed_end_ = 0;
};

}  // namespace polymq::storage
