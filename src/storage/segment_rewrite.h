// Rewriting a log's settled segments off the owner thread: what compaction does to a Kafka
// topic with cleanup.policy=compact. The owner lists the segments (Log::settled_segments); a
// worker thread reads them by path (scan_settled_segment) and writes each replacement, sealed
// and synced, into the log's staging directory (rewrite_settled_segment); the owner swaps it
// in (Log::install_rewritten).
//
// Offsets stay dense: a replacement covers exactly the offsets of the segment it replaces, so
// the entries a rewriter drops must come back as entries covering their offsets (a Kafka
// compactor emits an empty RecordBatch per run of dropped records). Such an entry may cover
// more offsets than it has payload bytes, which an append never may (log_format.h).
//
// A settled segment is immutable and only ever deleted or replaced whole, so reading its file
// on another thread is safe: a deletion meanwhile fails the read (or leaves an open descriptor
// on the old file), and install_rewritten refuses a segment that is no longer there.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "storage/log.h"
#include "storage/record.h"
#include "storage/segment.h"
#include "storage/status.h"

namespace polymq::storage {

class EntryRewriter {
 public:
  // Appends one entry to the replacement; its payload need only live during the call.
  using Emit = std::function<Status(const RecordInput&)>;
  virtual ~EntryRewriter() = default;
  // Called for each entry of the segment in offset order; emits what replaces it (the entry
  // itself, a changed one, or nothing yet when it holds a run of dropped offsets back).
  virtual Status rewrite(const RecordView& entry, const Emit& emit) = 0;
  // After the last entry: emits what is still held back.
  virtual Status finish(const Emit& emit) = 0;
};

// Calls `fn` for every entry of `segment` of the log in `log_dir`, in order, until it returns
// false. Any thread. Corruption for an entry that fails its checks.
Status scan_settled_segment(const std::string& log_dir, const SealedSegment& segment,
                            const ReadCallback& fn);

struct RewriteResult {
  uint64_t bytes_before = 0;
  uint64_t bytes_after = 0;
};

// Writes the replacement of `segment` into the log's staging directory: every entry passed
// through `rewriter`, then sealed (synced, index files written). Any thread. Fails with
// kCorruption when the entries emitted do not cover the segment's offsets exactly; a failed
// rewrite leaves nothing staged.
Result<RewriteResult> rewrite_settled_segment(const std::string& log_dir,
                                              const SealedSegment& segment, EntryRewriter& rewriter,
                                              uint32_t index_interval_bytes);

// Removes what rewrite_settled_segment staged for `segment` (a rewrite not installed).
void discard_staged_segment(const std::string& log_dir, const SealedSegment& segment);

}  // namespace polymq::storage
