// An internal stream used as a state log: a service (a Kafka group or transaction
// coordinator) writes one record per change of its state, replays them at start (the last
// record of each key winning), and answers a change once its records are durable.
//
// Such a log only grows, though the state it describes stays small: after many changes,
// rewrite() appends the whole current state again and, once that copy is durable, deletes
// every record before it (Stream::delete_records, whole segments). A crash in between leaves
// both copies, which replay to the same state. The owner decides when (rewrite_due()).
//
// The owner's current state may lag its log: a change is often applied only once its records
// are durable. So a rewrite appends, after the state it is given, every record appended
// earlier whose round has not ended yet, again and in order: whatever the owner had not
// applied yet still follows the copy, and the records dropped are all durable and applied.
//
// REQUIRES: all calls on the owner thread (the shard's event loop).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>

#include "core/queue_store.h"
#include "core/status.h"
#include "core/vhost.h"
#include "storage/log.h"

namespace polymq::core {

class StateLog final : public CommitListener {
 public:
  // Segments of a state log: small, so a rewrite frees space soon after the old records.
  static constexpr uint64_t kSegmentBytes = 4ull * 1024 * 1024;

  explicit StateLog(CommitTracker& commits) : commits_(commits) {}
  ~StateLog() override;
  StateLog(const StateLog&) = delete;
  StateLog& operator=(const StateLog&) = delete;

  // Opens (or creates) the one-partition stream `name` of `vhost` (which outlives this) and
  // calls replay() with each record's payload, oldest first; entries that are not single
  // records (Kafka batches) are counted in `skipped`. Without a call to open(), appends are
  // dropped and every wait ends at once (state in memory only).
  Status open(VHost& vhost, const std::string& name,
              const std::function<void(std::string_view payload)>& replay, uint64_t& skipped);
  bool is_open() const { return stream_ != nullptr; }
  const std::string& name() const { return name_; }

  // Appends records; false when the stream refuses them (last_error() says why).
  bool append(std::span<const std::string> payloads, int64_t now_ms);
  // then(ok) once what was appended so far is durable: ok false when its round failed.
  void after_durable(std::function<void(bool ok)> then);
  // then(true) once every wait begun so far has ended (at once when none is pending).
  void after_pending(std::function<void(bool ok)> then);

  // Records in the log now.
  uint64_t record_count() const;
  // Whether the owner should hand its current state to rewrite(): the log grew by
  // kRewriteMinRecords records since it was opened or last looked, so the owner gathers its
  // state at most once per that many appends.
  static constexpr uint64_t kRewriteMinRecords = 10000;
  bool rewrite_due() const;
  // Appends `live`, the whole current state, and drops every earlier record once it is
  // durable, when the log holds more than twice as many records as `live`; then done(status,
  // records dropped). One rewrite at a time; a call while one runs, or that finds the log
  // mostly live, does nothing (done is not called).
  using RewriteDone = std::function<void(const Status& status, uint64_t dropped)>;
  void rewrite(std::span<const std::string> live, int64_t now_ms, RewriteDone done);
  const std::string& last_error() const { return last_error_; }
  uint64_t rewrites() const { return rewrites_; }

  // CommitListener
  void round_done(uint64_t round, bool ok) override;

 private:
  struct Waiting {
    uint64_t round;
    std::function<void(bool ok)> then;
  };
  CommitTracker& commits_;
  Stream* stream_ = nullptr;
  std::string name_;
  std::deque<Waiting> waiting_;  // by round
  struct Unsynced {
    uint64_t round;
    std::string payload;
  };
  // Records appended whose round has not ended, oldest first (see above).
  std::deque<Unsynced> unsynced_;
  void drop_synced(uint64_t completed_round);
  bool rewriting_ = false;
  // record_count() at which rewrite_due() looks again.
  uint64_t next_check_ = kRewriteMinRecords;
  uint64_t rewrites_ = 0;
  std::string last_error_;
};

}  // namespace polymq::core
