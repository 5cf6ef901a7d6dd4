// A queue's messages on disk: a message log (one record per message, in enqueue order) and a
// settlement log (which of those records are settled for good, and how far delivery got).
//
// Offsets are the message log's. A record is *live* until it is settled (acked, purged,
// dropped); the live records of a durable queue are what a restart gives back. The message
// log is reclaimed a segment at a time once every record in it is settled; the settlement log
// is compacted by checkpoints (docs/storage-format.md, "Queue stores").
//
// Writes are buffered and reach the logs at the start of each group-commit round (or sooner
// when the buffer grows), so a publish burst costs one write and one fdatasync per queue.
//
// REQUIRES: owner thread only (the event loop), like the queue that owns the store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/message_codec.h"
#include "core/status.h"
#include "core/stream.h"
#include "storage/group_commit.h"
#include "storage/log.h"
#include "storage/read_ahead.h"

namespace polymq::core {

// What recovery found in a durable queue's store.
struct QueueRecovery {
  uint64_t live_from = 0;       // every record below is settled
  uint64_t next_offset = 0;     // end of the message log
  uint64_t live_count = 0;      // records in [live_from, next_offset) not settled
  uint64_t delivered_upto = 0;  // records below were handed to a consumer before the restart
  uint64_t last_sequence = 0;   // the queue sequence of the last record (0: empty log)
};

// A round of durable writes, as publishers waiting for confirms see it.
using CommitListener = storage::RoundListener;

class CommitTracker {
 public:
  explicit CommitTracker(storage::GroupCommitter* committer) : committer_(committer) {}
  // The round that makes what is written now durable; 0 = nothing to wait for.
  uint64_t covering_round() const { return committer_ ? committer_->covering_round() : 0; }
  uint64_t completed_round() const { return committer_ ? committer_->completed_round() : 0; }
  void wait(CommitListener* l) {
    if (committer_) committer_->wait(l);
  }
  void cancel_wait(CommitListener* l) {
    if (committer_) committer_->cancel_wait(l);
  }

 private:
  storage::GroupCommitter* committer_;
};

class QueueStoreFactory;

class QueueStore final : public storage::SyncParticipant {
 public:
  ~QueueStore() override;
  QueueStore(const QueueStore&) = delete;
  QueueStore& operator=(const QueueStore&) = delete;

  bool durable() const { return durable_; }
  const QueueRecovery& recovery() const { return recovery_; }
  // Offset the next append gets.
  uint64_t next_offset() const {
    return (log_ != nullptr ? log_->next_offset() : 0) + pending_records_.size();
  }

  // Buffers a message; returns its offset. An error means the store takes nothing now: the
  // message is not stored. kResourceError while writes fail (disk full), retried every
  // second until they succeed; kInternal after a failed sync, until a restart.
  // `not_before_ms` overrides the message's own (encode_stored_message).
  Status append(uint64_t sequence, bool transient, const Message& message, uint64_t& offset,
                std::optional<int64_t> not_before_ms = std::nullopt);
  // The record at `offset` is settled for good and will not come back after a restart.
  void settle(uint64_t offset);
  // Every record in [from, to) is settled (purge).
  void settle_range(uint64_t from, uint64_t to);
  // The record at `offset` was handed to a consumer (for the redelivered flag after restart).
  void delivered(uint64_t offset);

  // Reads live records from `from` on, up to about max_bytes, handing each to `fn` with its
  // offset; transient records left from before a restart are settled and skipped. Returns
  // the offset after the last record read (next_offset() at the end).
  Status read(uint64_t from, uint64_t max_bytes,
              const std::function<void(uint64_t offset, StoredMessage&)>& fn, uint64_t& next);

  // Asks the read-ahead thread to bring what read(from, max_bytes) will read into the page
  // cache, so that the read, later on the owner thread, does not wait for the disk.
  void read_ahead(uint64_t from, uint64_t max_bytes);

  // A deduplication window that outlives a restart (QueueSettings::dedup_window_ms): the
  // store keeps the segments holding records written in the last `window_ms`, settled or not,
  // and recent_messages() reads them back. nullopt: settled segments go as soon as they can.
  void keep_recent(std::optional<uint64_t> window_ms) { recent_window_ms_ = window_ms; }
  // Calls fn for every record written since `since_ms` (wall clock) that is still on disk,
  // settled ones included: what a restarted queue rebuilds its deduplication window from.
  Status recent_messages(int64_t since_ms, const std::function<void(StoredMessage&)>& fn);

  // Deletes the store's files (the queue was deleted).
  void destroy();

  // storage::SyncParticipant
  void begin_round(storage::GroupCommitter& committer) override;
  void end_round(bool ok) override;

 private:
  friend class QueueStoreFactory;
  QueueStore(QueueStoreFactory& factory, std::string dir, bool durable);
  // Opens (and recovers) the logs, or leaves a durable store that has no files closed.
  Status open();
  Status open_logs();
  Status recover_settlements();
  Status write_pending();
  void write_settlements();
  void write_checkpoint();
  bool is_settled(uint64_t offset) const;
  void settle_range_in_memory(uint64_t from, uint64_t to);
  // Moves live_from_ past ranges that now start at or below it.
  void absorb_ranges();
  void mark_dirty();

  QueueStoreFactory& factory_;
  std::string dir_;
  bool durable_;
  // Messages; null until the first append in a durable store that had no files.
  std::unique_ptr<storage::Log> log_;
  std::unique_ptr<storage::Log> settlements_;  // durable stores only
  QueueRecovery recovery_;
  Status failed_;       // final until a restart (a failed sync, an unreadable store)
  Status write_error_;  // kResourceError while writes fail (disk full); retried each round

  // Buffered appends: encoded records back to back, and their sizes.
  std::string pending_bytes_;
  std::vector<uint32_t> pending_records_;
  bool dirty_ = false;

  // Settled offsets: all below live_from_, plus disjoint [start, end) ranges above it.
  uint64_t live_from_ = 0;
  std::map<uint64_t, uint64_t> settled_ranges_;
  std::optional<uint64_t> recent_window_ms_;  // keep_recent()
  std::vector<uint64_t> pending_settles_;    // not yet in the settlement log
  std::vector<std::string> pending_ranges_;  // encoded range records, likewise
  uint64_t delivered_upto_ = 0;
  uint64_t delivered_written_ = 0;
  uint64_t reclaimed_below_ = 0;
  uint64_t settlement_bytes_since_checkpoint_ = 0;
};

struct QueueStoreOptions {
  std::string root;                              // <data-dir>/queues
  uint64_t segment_bytes = 64ull * 1024 * 1024;  // message log segments
  uint64_t window_bytes = 16ull * 1024 * 1024;   // a queue's in-memory window
  // A checkpoint restates the settlement state after this many bytes of settlement records,
  // so the segments before it can be deleted.
  uint64_t checkpoint_bytes = 4ull * 1024 * 1024;
  std::function<void(const std::string&)> log_warning;
  // Fault injection for tests (storage/file.h); empty in production.
  storage::FaultHooks hooks;
};

class QueueStoreFactory {
 public:
  // Removes the stores of transient (paging) queues left by an earlier run.
  QueueStoreFactory(QueueStoreOptions options, storage::GroupCommitter& committer);
  // Removes the page files of non-durable queues. REQUIRES: every store is closed.
  ~QueueStoreFactory();
  QueueStoreFactory(const QueueStoreFactory&) = delete;
  QueueStoreFactory& operator=(const QueueStoreFactory&) = delete;

  const QueueStoreOptions& options() const { return options_; }
  storage::GroupCommitter& committer() { return committer_; }
  // Reads paged-out messages ahead of the queues that will page them back in.
  storage::ReadAhead& read_ahead() { return read_ahead_; }
  CommitTracker& tracker() { return tracker_; }

  // A durable queue's store, recovered from disk when it exists.
  Status open_durable(const std::string& vhost, const std::string& queue,
                      std::unique_ptr<QueueStore>& out);
  // A stream's partitions, under <root>/streams/ (core/stream.h), synced by the same committer.
  Status open_stream(const std::string& vhost, const std::string& name,
                     const StreamSettings& settings, std::unique_ptr<Stream>& out);
  // A scratch store for paging a non-durable queue; gone at the next start.
  Status open_transient(std::unique_ptr<QueueStore>& out);

  void warn(const std::string& text) const {
    if (options_.log_warning) options_.log_warning(text);
  }

 private:
  QueueStoreOptions options_;
  storage::GroupCommitter& committer_;
  CommitTracker tracker_;
  storage::ReadAhead read_ahead_;
  uint64_t transient_counter_ = 0;
};

}  // namespace polymq::core
