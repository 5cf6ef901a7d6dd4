// The transaction coordinator: Kafka's transactions for transactional producers (KIP-98), on
// the one node that is every transactional id's coordinator (FindCoordinator names it).
//
//   InitProducerId(transactional id)   a producer id kept per transactional id, its epoch
//                                      bumped at every call: older producers with the same id
//                                      are fenced; a transaction they left open is aborted.
//   AddPartitionsToTxn, AddOffsetsToTxn  begin the transaction (Ongoing) and add to it; a
//                                      partition added holds its last stable offset back
//                                      (kafka/txn/partition_txns.h).
//   TxnOffsetCommit                    a consumer group's offsets, pending until the commit.
//   EndTxn(commit | abort)             PrepareCommit/PrepareAbort, a control marker appended
//                                      to each partition (and at a commit the pending offsets
//                                      written to __consumer_offsets), answered once all of it
//                                      is durable; then CompleteCommit/CompleteAbort.
//
// A transactional id idle (Empty or Complete*) for longer than its expiration (Kafka's
// transactional.id.expiration.ms, 7 days) is forgotten, as Kafka forgets it: a producer coming
// back later gets a new producer id.
//
// A transaction open longer than its timeout (by the TimerService's wall clock, as its start
// is kept across restarts) is aborted (its producer's epoch bumped, so its
// next request is fenced), checked every second, as Kafka's
// transaction.abort.timed.out.transaction.cleanup.interval.ms does every ten.
//
// Durability: every state change is a record of the internal stream __transaction_state
// (kafka/txn/txn_records.h), replayed at load(): open transactions hold their partitions'
// stable offsets again, prepared ones are completed (their markers written again, which
// readers tolerate), aborted transactions are known to read_committed fetches again.
// Requests that change the state are answered once their records are durable.
//
// REQUIRES: all calls on the event loop thread.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/queue_store.h"
#include "core/state_log.h"
#include "core/status.h"
#include "core/timer.h"
#include "core/vhost.h"
#include "kafka/groups/coordinator.h"
#include "kafka/producer_ids.h"
#include "kafka/protocol/generated/add_offsets_to_txn.h"
#include "kafka/protocol/generated/add_partitions_to_txn.h"
#include "kafka/protocol/generated/end_txn.h"
#include "kafka/protocol/generated/init_producer_id.h"
#include "kafka/protocol/generated/txn_offset_commit.h"
#include "kafka/txn/txn_index.h"
#include "kafka/txn/txn_records.h"

namespace polymq::kafka::txn {

template <class Response>
using Respond = std::function<void(const Response&)>;
// Whether the requesting user may write to a topic.
using MayWrite = std::function<bool(const std::string& topic)>;

class TransactionCoordinator final : public groups::PendingOffsets {
 public:
  // Kafka's transaction.max.timeout.ms.
  static constexpr int32_t kMaxTimeoutMs = 900000;
  // The last epoch a producer id is used with; the next bump takes a new producer id.
  static constexpr int16_t kLastEpoch = 32766;
  // Kafka's transactional.id.expiration.ms.
  static constexpr int64_t kDefaultIdExpirationMs = 7LL * 24 * 60 * 60 * 1000;

  // Every reference outlives the coordinator.
  TransactionCoordinator(core::TimerService& timers, core::CommitTracker& commits,
                         groups::GroupCoordinator& groups, TxnIndex& index,
                         int64_t id_expiration_ms = kDefaultIdExpirationMs);
  ~TransactionCoordinator() override;
  TransactionCoordinator(const TransactionCoordinator&) = delete;
  TransactionCoordinator& operator=(const TransactionCoordinator&) = delete;

  // Opens (or creates) __transaction_state in `vhost`, which outlives the coordinator, and
  // replays it. Without it, transactions live in memory only.
  core::Status load(core::VHost& vhost);

  // InitProducerId with a transactional id. REQUIRES: request.transactional_id non-empty.
  void init_producer_id(const InitProducerIdRequest& request, int16_t version,
                        ProducerIdSource& ids, Respond<InitProducerIdResponse> done);
  void add_partitions(const AddPartitionsToTxnRequest& request, int16_t version,
                      const MayWrite& may_write, Respond<AddPartitionsToTxnResponse> done);
  void add_offsets(const AddOffsetsToTxnRequest& request, int16_t version,
                   Respond<AddOffsetsToTxnResponse> done);
  void commit_offsets(const TxnOffsetCommitRequest& request, int16_t version,
                      Respond<TxnOffsetCommitResponse> done);
  void end(const EndTxnRequest& request, int16_t version, Respond<EndTxnResponse> done);

  // Aborts every transaction open longer than its timeout and forgets the transactional ids
  // idle past their expiration (the timer calls it every second).
  void abort_timed_out();

  // The transactional id's state, or null.
  const TxnMetadata* find(const std::string& transactional_id) const;
  size_t transaction_count() const { return txns_.size(); }
  // groups::PendingOffsets: offsets an open transaction sent for the group's partition.
  bool pending(const std::string& group, const groups::TopicPartition& partition) const override;

  // How often __transaction_state was rewritten as its current state (core/state_log.h).
  uint64_t log_rewrites() const { return log_.rewrites(); }

 private:
  TxnMetadata* find_mutable(const std::string& transactional_id);
  // The error for a request of `producer_id`/`epoch` on `t`'s state; `fenced_from`: the first
  // version of the API that knows PRODUCER_FENCED (older ones get INVALID_PRODUCER_EPOCH).
  int16_t check_producer(const TxnMetadata* t, int64_t producer_id, int16_t epoch,
                         int16_t version, int16_t fenced_from) const;
  // Moves a transaction that is not open to Ongoing (a new transaction).
  void begin_if_idle(TxnMetadata& t);
  // Writes the markers of t's transaction, PrepareX before and CompleteX after, and calls
  // then(ok) once markers and records are durable. REQUIRES: t is Ongoing or PrepareX.
  void complete(TxnMetadata& t, bool commit, std::function<void(bool ok)> then);
  // Appends the control markers; the aborted transactions they end (for an abort).
  std::vector<AbortedRecord> write_markers(const TxnMetadata& t, bool commit);
  // Records t's state (and when it changed).
  bool store(TxnMetadata& t);
  // Appends to __transaction_state; now and then the log is rewritten as the current state
  // (every transactional id's state and the aborted transactions the index holds).
  bool append(const std::vector<TxnRecord>& records);
  std::vector<std::string> current_state() const;
  void after_durable(std::function<void(bool ok)> then) { log_.after_durable(std::move(then)); }
  void arm_timeout_check();

  core::TimerService& timers_;
  int64_t id_expiration_ms_;
  groups::GroupCoordinator& groups_;
  TxnIndex& index_;
  core::VHost* vhost_ = nullptr;
  core::StateLog log_;
  std::map<std::string, TxnMetadata, std::less<>> txns_;
  std::unique_ptr<core::Timer> timeout_timer_;
};

}  // namespace polymq::kafka::txn
