// Group commit: many logs, many appends, one fdatasync per log per round, run on a syncing
// thread while the owner thread keeps appending.
//
// A round gathers every participant that wrote since the last round, takes a SyncTicket for
// each of its logs, syncs them all on the syncing thread and then, back on the owner thread,
// ends the tickets and tells the participants and every waiter which round finished. Appends
// made while a round is in flight are covered by the next one, so the sync rate adapts to the
// disk: the slower the fsync, the more each round carries.
//
// REQUIRES: everything but the syncing thread's own work runs on the owner thread (the event
// loop); `post` hands a callable to that thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

#include "storage/log.h"
#include "storage/sync_stats.h"

namespace polymq::storage {

enum class SyncPolicy {
  kBatch,     // a round as soon as the previous one is done (and something was written)
  kInterval,  // a round every interval_ms at most
  kNever,     // no fdatasync; rounds write buffered records and rolled segments' index files
};

// Parses "batch", "interval" or "never".
bool parse_sync_policy(std::string_view text, SyncPolicy& out);

class GroupCommitter;

// Something that writes logs: a queue's store.
class SyncParticipant {
 public:
  virtual ~SyncParticipant() = default;
  // Start of a round: write any buffered records, then add the logs to sync.
  virtual void begin_round(GroupCommitter& committer) = 0;
  // The round's syncs ended; `ok` is false if any of this participant's logs failed.
  virtual void end_round(bool ok) = 0;
};

// Waits for a round to end: a channel holding publisher confirms.
class RoundListener {
 public:
  virtual ~RoundListener() = default;
  virtual void round_done(uint64_t round, bool ok) = 0;
};

class GroupCommitter {
 public:
  // Runs a callable on the owner thread after `delay_ms` (0: after the work already queued).
  using Post = std::function<void(uint32_t delay_ms, std::function<void()>)>;

  GroupCommitter(SyncPolicy policy, uint32_t interval_ms, Post post);
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  SyncPolicy policy() const { return policy_; }

  // The round that will make durable what is written now; 0 when nothing is ever waited for
  // (policy never). A waiter for round R is told once R (and every round before it) ended.
  uint64_t covering_round() const { return policy_ == SyncPolicy::kNever ? 0 : started_ + 1; }
  uint64_t completed_round() const { return completed_; }

  // `participant` wrote (or buffered) records: it takes part in the next round.
  void mark_dirty(SyncParticipant* participant);
  // Marks `participant` dirty again after `delay_ms` (a failed write to retry).
  void retry_later(SyncParticipant* participant, uint32_t delay_ms);
  // Must be called before a participant is destroyed.
  void forget(SyncParticipant* participant);
  // From SyncParticipant::begin_round: sync `log` in this round.
  void add_log(Log* log);
  // From SyncParticipant::begin_round: the participant failed to write; the round fails.
  void add_failure();
  // Called once, when the round covering_round() returned earlier has ended.
  void wait(RoundListener* listener);
  void cancel_wait(RoundListener* listener);

  // For shutdown: runs rounds on the calling thread until nothing is dirty.
  void flush_now();

  // What the rounds did so far (storage/sync_stats.h). Owner thread only.
  const SyncStats& stats() const { return stats_; }

 private:
  // A log in the round in flight, by index into the tickets sent to the syncing thread.
  // forget() clears both pointers when the participant goes away mid-round.
  struct Member {
    SyncParticipant* participant;
    Log* log;
  };
  struct Batch {
    std::vector<SyncTicket> tickets;
    std::vector<Status> results;
    // Measured where the tickets run, added to stats_ by finish_round.
    double seconds = 0;
    uint64_t syncs = 0;
    bool ran = false;
  };
  // Runs the batch's tickets (on the syncing thread, or the owner's in flush_now).
  void run_batch(Batch& batch) const;

  void schedule();
  void start_round();
  void finish_round(Batch batch);
  void syncing_thread();

  const SyncPolicy policy_;
  const uint32_t interval_ms_;
  Post post_;

  // Owner-thread state.
  std::unordered_set<SyncParticipant*> dirty_;
  std::unordered_set<SyncParticipant*> retrying_;
  std::unordered_set<RoundListener*> waiters_;
  std::unordered_set<RoundListener*> notifying_;
  std::vector<SyncParticipant*> round_participants_;  // of the round in flight
  std::vector<Member> round_logs_;                    // parallel to the batch's tickets
  Batch forming_;                                     // filled by add_log() in start_round()
  bool in_flight_ = false;
  bool scheduled_ = false;
  uint64_t started_ = 0;
  uint64_t completed_ = 0;
  int64_t last_start_ms_ = 0;
  SyncStats stats_;

  // Shared with the syncing thread.
  std::mutex mu_;
  std::condition_variable cv_;
  Batch work_;
  bool has_work_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace polymq::storage
