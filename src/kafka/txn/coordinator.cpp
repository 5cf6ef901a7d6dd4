#include "kafka/txn/coordinator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "kafka/error_codes.h"
#include "kafka/groups/group_errors.h"
#include "kafka/protocol/record_batch.h"
#include "kafka/protocol/wire.h"

namespace polymq::kafka::txn {
namespace {

constexpr auto kTimeoutCheckInterval = std::chrono::seconds(1);
// Kafka's offset.metadata.max.bytes.
constexpr size_t kMaxOffsetMetadataBytes = 4096;
// The control record types of Kafka's ControlRecordType.
constexpr int16_t kAbortMarker = 0;
constexpr int16_t kCommitMarker = 1;

bool is_open(TxnState s) {
  return s == TxnState::kOngoing || s == TxnState::kPrepareCommit ||
         s == TxnState::kPrepareAbort;
}

// Kafka's end-transaction marker: a control batch of the producer (no sequence) holding one
// record, key (version 0, type) and value (version 0, coordinator epoch 0).
std::string marker_batch(int64_t producer_id, int16_t epoch, bool commit, int64_t base_offset,
                         int64_t now_ms) {
  std::string key;
  Writer k(key);
  k.int16(0);
  k.int16(commit ? kCommitMarker : kAbortMarker);
  std::string value;
  Writer v(value);
  v.int16(0);
  v.int32(0);
  BatchOptions options;
  options.base_offset = base_offset;
  options.partition_leader_epoch = 0;
  options.attributes = batch_attr::kControl | batch_attr::kTransactional;
  options.producer_id = producer_id;
  options.producer_epoch = epoch;
  options.base_sequence = -1;
  RecordInput record;
  record.key = key;
  record.value = value;
  record.timestamp = now_ms;
  return build_batch(options, std::span<const RecordInput>(&record, 1));
}

}  // namespace

TransactionCoordinator::TransactionCoordinator(core::TimerService& timers,
                                               core::CommitTracker& commits,
                                               groups::GroupCoordinator& groups, TxnIndex& index,
                                               int64_t id_expiration_ms)
    : timers_(timers),
      id_expiration_ms_(id_expiration_ms),
      groups_(groups),
      index_(index),
      log_(commits) {
  timeout_timer_ = timers_.create([this] {
    abort_timed_out();
    arm_timeout_check();
  });
  arm_timeout_check();
  groups_.set_pending_offsets(this);
}

TransactionCoordinator::~TransactionCoordinator() { groups_.set_pending_offsets(nullptr); }

bool TransactionCoordinator::pending(const std::string& group,
                                     const groups::TopicPartition& partition) const {
  for (const auto& [id, t] : txns_) {
    if (t.state != TxnState::kOngoing && t.state != TxnState::kPrepareCommit) continue;
    for (const groups::GroupRecord& o : t.offsets) {
      if (o.group == group && o.partition == partition) return true;
    }
  }
  return false;
}

void TransactionCoordinator::arm_timeout_check() {
  timeout_timer_->arm(timers_.now() + kTimeoutCheckInterval);
}

core::Status TransactionCoordinator::load(core::VHost& vhost) {
  vhost_ = &vhost;
  uint64_t replayed = 0;
  uint64_t skipped = 0;
  std::vector<AbortedRecord> aborted;
  core::Status st = log_.open(
      vhost, std::string(kTransactionTopic),
      [&](std::string_view payload) {
        TxnRecord record;
        if (!decode_txn_record(payload, record)) {
          ++skipped;
          return;
        }
        ++replayed;
        if (record.kind == TxnRecordKind::kState) {
          txns_[record.state.transactional_id] = std::move(record.state);
        } else if (record.kind == TxnRecordKind::kRemoved) {
          txns_.erase(record.state.transactional_id);
        } else {
          aborted.push_back(record.aborted);
        }
      },
      skipped);
  if (!st.ok()) return st;
  for (const AbortedRecord& a : aborted) {
    core::Stream* s = vhost.find_stream(a.partition.topic);
    if (s == nullptr || a.partition.partition < 0 ||
        static_cast<uint32_t>(a.partition.partition) >= s->partition_count()) {
      continue;
    }
    const auto p = static_cast<uint32_t>(a.partition.partition);
    if (a.last_offset < static_cast<int64_t>(s->first_offset(p))) continue;  // deleted since
    index_.partition(*s, p).add_aborted({a.producer_id, a.first_offset, a.last_offset});
  }
  size_t open = 0;
  std::vector<std::string> prepared;
  for (auto& [id, t] : txns_) {
    if (!is_open(t.state)) continue;
    ++open;
    for (const TxnPartition& tp : t.partitions) {
      core::Stream* s = vhost.find_stream(tp.partition.topic);
      if (s == nullptr || tp.partition.partition < 0 ||
          static_cast<uint32_t>(tp.partition.partition) >= s->partition_count()) {
        continue;
      }
      index_.partition(*s, static_cast<uint32_t>(tp.partition.partition))
          .begin(t.producer_id, t.producer_epoch, tp.first_offset);
    }
    if (t.state != TxnState::kOngoing) prepared.push_back(id);
  }
  // A crash between PrepareX and CompleteX: finish what was decided.
  for (const std::string& id : prepared) {
    TxnMetadata& t = txns_.at(id);
    complete(t, t.state == TxnState::kPrepareCommit, [](bool) {});
  }
  spdlog::info(
      "kafka: transaction coordinator loaded {} transactional id(s) from {} record(s) of {} "
      "({} open, {} completed now){}",
      txns_.size(), replayed, kTransactionTopic, open, prepared.size(),
      skipped == 0 ? std::string() : " (" + std::to_string(skipped) + " skipped)");
  return core::Status::Ok();
}

const TxnMetadata* TransactionCoordinator::find(const std::string& transactional_id) const {
  const auto it = txns_.find(transactional_id);
  return it == txns_.end() ? nullptr : &it->second;
}

TxnMetadata* TransactionCoordinator::find_mutable(const std::string& transactional_id) {
  const auto it = txns_.find(transactional_id);
  return it == txns_.end() ? nullptr : &it->second;
}

int16_t TransactionCoordinator::check_producer(const TxnMetadata* t, int64_t producer_id,
                                               int16_t epoch, int16_t version,
                                               int16_t fenced_from) const {
  if (t == nullptr || t->producer_id != producer_id) return error::kInvalidProducerIdMapping;
  if (epoch != t->producer_epoch) {
    return version >= fenced_from ? error::kProducerFenced : error::kInvalidProducerEpoch;
  }
  if (t->state == TxnState::kPrepareCommit || t->state == TxnState::kPrepareAbort) {
    return error::kConcurrentTransactions;
  }
  return error::kNone;
}

void TransactionCoordinator::begin_if_idle(TxnMetadata& t) {
  if (t.state == TxnState::kOngoing) return;
  t.state = TxnState::kOngoing;
  t.started_ms = timers_.wall_ms();
  t.partitions.clear();
  t.groups.clear();
  t.offsets.clear();
}

void TransactionCoordinator::init_producer_id(const InitProducerIdRequest& request,
                                              int16_t version, ProducerIdSource& ids,
                                              Respond<InitProducerIdResponse> done) {
  InitProducerIdResponse r;
  r.producer_id = -1;
  r.producer_epoch = -1;
  if (request.transaction_timeout_ms <= 0 || request.transaction_timeout_ms > kMaxTimeoutMs) {
    r.error_code = error::kInvalidTransactionTimeout;
    return done(r);
  }
  const std::string& id = *request.transactional_id;
  TxnMetadata* t = find_mutable(id);
  if (t == nullptr) {
    const int64_t pid = ids.next_producer_id();
    if (pid < 0) {
      r.error_code = error::kUnknownServerError;
      return done(r);
    }
    t = &txns_[id];
    t->transactional_id = id;
    t->producer_id = pid;
    t->producer_epoch = 0;
  } else {
    if (t->state == TxnState::kPrepareCommit || t->state == TxnState::kPrepareAbort) {
      r.error_code = error::kConcurrentTransactions;
      return done(r);
    }
    // KIP-360: a producer that names its id and epoch must be the current one.
    if (version >= 3 && request.producer_id >= 0 &&
        (request.producer_id != t->producer_id || request.producer_epoch != t->producer_epoch)) {
      r.error_code = version >= 4 ? error::kProducerFenced : error::kInvalidProducerEpoch;
      return done(r);
    }
    if (t->producer_epoch < kLastEpoch) {
      ++t->producer_epoch;
    } else if (t->state != TxnState::kOngoing) {
      const int64_t pid = ids.next_producer_id();
      if (pid < 0) {
        r.error_code = error::kUnknownServerError;
        return done(r);
      }
      t->producer_id = pid;
      t->producer_epoch = 0;
    }
  }
  t->timeout_ms = request.transaction_timeout_ms;
  auto answer = [this, id, done = std::move(done)](bool ok) {
    InitProducerIdResponse out;
    const TxnMetadata* now = find(id);
    if (!ok || now == nullptr) {
      out.error_code = error::kUnknownServerError;
      out.producer_id = -1;
      out.producer_epoch = -1;
    } else {
      out.producer_id = now->producer_id;
      out.producer_epoch = now->producer_epoch;
    }
    done(out);
  };
  if (t->state == TxnState::kOngoing) {
    // The transaction the previous producer left open is aborted under the new epoch, which
    // fences that producer in its partitions too.
    spdlog::info("kafka: transactional id '{}' initialised again: its open transaction is aborted",
                 id);
    complete(*t, false, std::move(answer));
    return;
  }
  t->state = TxnState::kEmpty;
  if (!store(*t)) return answer(false);
  after_durable(std::move(answer));
}

void TransactionCoordinator::add_partitions(const AddPartitionsToTxnRequest& request,
                                            int16_t version, const MayWrite& may_write,
                                            Respond<AddPartitionsToTxnResponse> done) {
  TxnMetadata* t = find_mutable(request.v3_and_below_transactional_id);
  const int16_t checked =
      check_producer(t, request.v3_and_below_producer_id, request.v3_and_below_producer_epoch,
                     version, 2);
  // Every partition gets the first error found; the others OPERATION_NOT_ATTEMPTED, as Kafka.
  AddPartitionsToTxnResponse r;
  bool failed = checked != error::kNone;
  std::vector<std::pair<core::Stream*, uint32_t>> streams;
  for (const auto& topic : request.v3_and_below_topics) {
    AddPartitionsToTxnResponse::AddPartitionsToTxnTopicResult out;
    out.name = topic.name;
    core::Stream* s = vhost_ != nullptr ? vhost_->find_stream(topic.name) : nullptr;
    const bool writable = may_write(topic.name);
    for (const int32_t p : topic.partitions) {
      int16_t e = checked;
      if (e == error::kNone) {
        if (!writable) {
          e = error::kTopicAuthorizationFailed;
        } else if (s == nullptr || p < 0 || static_cast<uint32_t>(p) >= s->partition_count()) {
          e = error::kUnknownTopicOrPartition;
        }
      }
      failed = failed || e != error::kNone;
      out.results_by_partition.push_back({p, e});
      streams.emplace_back(s, static_cast<uint32_t>(p));
    }
    r.results_by_topic_v3_and_below.push_back(std::move(out));
  }
  if (failed) {
    for (auto& topic : r.results_by_topic_v3_and_below) {
      for (auto& p : topic.results_by_partition) {
        if (p.partition_error_code == error::kNone) {
          p.partition_error_code = error::kOperationNotAttempted;
        }
      }
    }
    return done(r);
  }
  begin_if_idle(*t);
  bool added = false;
  size_t i = 0;
  for (const auto& topic : request.v3_and_below_topics) {
    for (const int32_t p : topic.partitions) {
      auto [s, index] = streams[i++];
      const groups::TopicPartition tp{topic.name, p};
      const bool known = std::any_of(t->partitions.begin(), t->partitions.end(),
                                     [&](const TxnPartition& x) { return x.partition == tp; });
      if (known) continue;
      const auto first = static_cast<int64_t>(s->next_offset(index));
      t->partitions.push_back({tp, first});
      index_.partition(*s, index).begin(t->producer_id, t->producer_epoch, first);
      added = true;
    }
  }
  if (!added) return done(r);
  if (!store(*t)) {
    for (auto& topic : r.results_by_topic_v3_and_below) {
      for (auto& p : topic.results_by_partition) p.partition_error_code = error::kUnknownServerError;
    }
    return done(r);
  }
  after_durable([r = std::move(r), done = std::move(done)](bool ok) mutable {
    if (!ok) {
      for (auto& topic : r.results_by_topic_v3_and_below) {
        for (auto& p : topic.results_by_partition) {
          p.partition_error_code = error::kUnknownServerError;
        }
      }
    }
    done(r);
  });
}

void TransactionCoordinator::add_offsets(const AddOffsetsToTxnRequest& request, int16_t version,
                                         Respond<AddOffsetsToTxnResponse> done) {
  AddOffsetsToTxnResponse r;
  TxnMetadata* t = find_mutable(request.transactional_id);
  r.error_code = check_producer(t, request.producer_id, request.producer_epoch, version, 2);
  if (r.error_code == error::kNone && request.group_id.empty()) {
    r.error_code = error::kInvalidGroupId;
  }
  if (r.error_code != error::kNone) return done(r);
  begin_if_idle(*t);
  if (std::find(t->groups.begin(), t->groups.end(), request.group_id) != t->groups.end()) {
    return done(r);
  }
  t->groups.push_back(request.group_id);
  if (!store(*t)) {
    r.error_code = error::kUnknownServerError;
    return done(r);
  }
  after_durable([r, done = std::move(done)](bool ok) mutable {
    if (!ok) r.error_code = error::kUnknownServerError;
    done(r);
  });
}

void TransactionCoordinator::commit_offsets(const TxnOffsetCommitRequest& request,
                                            int16_t version,
                                            Respond<TxnOffsetCommitResponse> done) {
  TxnMetadata* t = find_mutable(request.transactional_id);
  int16_t checked =
      check_producer(t, request.producer_id, request.producer_epoch, version, 2);
  if (checked == error::kNone && t->state != TxnState::kOngoing) {
    checked = error::kInvalidTxnState;
  }
  if (checked == error::kNone &&
      std::find(t->groups.begin(), t->groups.end(), request.group_id) == t->groups.end()) {
    // AddOffsetsToTxn comes first: the group must be part of the transaction.
    checked = error::kInvalidTxnState;
  }
  if (checked == error::kNone && version >= 3 && !request.member_id.empty()) {
    checked = groups_.check_transactional_commit(request.group_id, request.generation_id,
                                                 request.member_id, request.group_instance_id);
  }
  TxnOffsetCommitResponse r;
  bool added = false;
  const int64_t now_ms = timers_.wall_ms();
  for (const auto& topic : request.topics) {
    TxnOffsetCommitResponse::TxnOffsetCommitResponseTopic out;
    out.name = topic.name;
    const core::Stream* s = vhost_ != nullptr ? vhost_->find_stream(topic.name) : nullptr;
    for (const auto& p : topic.partitions) {
      int16_t e = checked;
      if (e == error::kNone && p.committed_metadata &&
          p.committed_metadata->size() > kMaxOffsetMetadataBytes) {
        e = error::kOffsetMetadataTooLarge;
      } else if (e == error::kNone && vhost_ != nullptr &&
                 (s == nullptr || p.partition_index < 0 ||
                  static_cast<uint32_t>(p.partition_index) >= s->partition_count())) {
        e = error::kUnknownTopicOrPartition;
      }
      out.partitions.push_back({p.partition_index, e});
      if (e != error::kNone) continue;
      groups::GroupRecord record;
      record.kind = groups::RecordKind::kOffset;
      record.group = request.group_id;
      record.partition = groups::TopicPartition{topic.name, p.partition_index};
      record.offset.offset = p.committed_offset;
      record.offset.leader_epoch = version >= 2 ? p.committed_leader_epoch : -1;
      record.offset.metadata = p.committed_metadata.value_or("");
      record.offset.commit_timestamp_ms = now_ms;
      std::erase_if(t->offsets, [&](const groups::GroupRecord& o) {
        return o.group == record.group && o.partition == record.partition;
      });
      t->offsets.push_back(std::move(record));
      added = true;
    }
    r.topics.push_back(std::move(out));
  }
  if (!added) return done(r);
  // Kept with the state, so a transaction that outlives a restart still commits them.
  if (!store(*t)) {
    for (auto& topic : r.topics) {
      for (auto& p : topic.partitions) p.error_code = error::kUnknownServerError;
    }
    return done(r);
  }
  after_durable([r = std::move(r), done = std::move(done)](bool ok) mutable {
    if (!ok) {
      for (auto& topic : r.topics) {
        for (auto& p : topic.partitions) p.error_code = error::kUnknownServerError;
      }
    }
    done(r);
  });
}

void TransactionCoordinator::end(const EndTxnRequest& request, int16_t version,
                                 Respond<EndTxnResponse> done) {
  EndTxnResponse r;
  TxnMetadata* t = find_mutable(request.transactional_id);
  r.error_code = check_producer(t, request.producer_id, request.producer_epoch, version, 2);
  if (r.error_code != error::kNone) return done(r);
  const bool commit = request.committed;
  if (t->state == TxnState::kOngoing) {
    complete(*t, commit, [r, done = std::move(done)](bool ok) mutable {
      if (!ok) r.error_code = error::kUnknownServerError;
      done(r);
    });
    return;
  }
  // A retry of the end that was answered (or lost on the way): the same answer again.
  const bool repeated = (commit && t->state == TxnState::kCompleteCommit) ||
                        (!commit && t->state == TxnState::kCompleteAbort);
  if (!repeated) r.error_code = error::kInvalidTxnState;
  done(r);
}

void TransactionCoordinator::complete(TxnMetadata& t, bool commit,
                                      std::function<void(bool ok)> then) {
  t.state = commit ? TxnState::kPrepareCommit : TxnState::kPrepareAbort;
  if (!commit) t.offsets.clear();
  bool ok = store(t);
  const std::vector<AbortedRecord> aborted = write_markers(t, commit);
  if (!aborted.empty()) {
    std::vector<TxnRecord> records(aborted.size());
    for (size_t i = 0; i < aborted.size(); ++i) {
      records[i].kind = TxnRecordKind::kAborted;
      records[i].aborted = aborted[i];
    }
    ok = append(records) && ok;
  }
  if (commit && !t.offsets.empty()) groups_.commit_records(t.offsets, [](bool) {});
  spdlog::debug("kafka: transaction of '{}' (producer {} epoch {}) {} in {} partition(s)",
                t.transactional_id, t.producer_id, t.producer_epoch,
                commit ? "committed" : "aborted", t.partitions.size());
  after_durable([this, id = t.transactional_id, commit, ok,
                 then = std::move(then)](bool durable) {
    if (TxnMetadata* now = find_mutable(id)) {
      now->state = commit ? TxnState::kCompleteCommit : TxnState::kCompleteAbort;
      now->partitions.clear();
      now->groups.clear();
      now->offsets.clear();
      // Not waited for: lost, the replay completes the prepared transaction again.
      store(*now);
    }
    then(ok && durable);
  });
}

std::vector<AbortedRecord> TransactionCoordinator::write_markers(const TxnMetadata& t,
                                                                 bool commit) {
  std::vector<AbortedRecord> aborted;
  if (vhost_ == nullptr) return aborted;
  const int64_t now_ms = timers_.wall_ms();
  for (const TxnPartition& tp : t.partitions) {
    core::Stream* s = vhost_->find_stream(tp.partition.topic);
    if (s == nullptr || tp.partition.partition < 0 ||
        static_cast<uint32_t>(tp.partition.partition) >= s->partition_count()) {
      continue;  // deleted meanwhile
    }
    const auto p = static_cast<uint32_t>(tp.partition.partition);
    const std::string batch = marker_batch(t.producer_id, t.producer_epoch, commit,
                                           static_cast<int64_t>(s->next_offset(p)), now_ms);
    const storage::RecordInput entry{batch, now_ms, 1};
    uint64_t at = 0;
    if (core::Status st = s->append(p, std::span<const storage::RecordInput>(&entry, 1), at);
        !st.ok()) {
      spdlog::error("kafka: cannot write the transaction marker to {}-{}: {}", s->name(), p,
                    st.message());
      continue;
    }
    PartitionTxns& txns = index_.partition(*s, p);
    const auto marker = static_cast<int64_t>(at);
    if (commit) {
      txns.end(t.producer_id, true, marker);
      continue;
    }
    const std::optional<AbortedTxn> ended = txns.end(t.producer_id, false, marker);
    const int64_t first = ended ? ended->first_offset : tp.first_offset;
    if (!ended) txns.add_aborted({t.producer_id, first, marker});
    aborted.push_back({tp.partition, t.producer_id, first, marker});
  }
  return aborted;
}

void TransactionCoordinator::abort_timed_out() {
  const int64_t now_ms = timers_.wall_ms();
  std::vector<std::string> expired;
  for (const auto& [id, t] : txns_) {
    if (t.state == TxnState::kOngoing && now_ms - t.started_ms > t.timeout_ms) {
      expired.push_back(id);
    }
  }
  std::vector<TxnRecord> removed;
  for (auto it = txns_.begin(); it != txns_.end();) {
    const TxnMetadata& t = it->second;
    if (is_open(t.state) || now_ms - t.updated_ms <= id_expiration_ms_) {
      ++it;
      continue;
    }
    spdlog::info("kafka: transactional id '{}' (producer {}) expired after {} ms idle", it->first,
                 t.producer_id, now_ms - t.updated_ms);
    TxnRecord record;
    record.kind = TxnRecordKind::kRemoved;
    record.state.transactional_id = it->first;
    removed.push_back(std::move(record));
    it = txns_.erase(it);
  }
  append(removed);
  for (const std::string& id : expired) {
    TxnMetadata& t = txns_.at(id);
    spdlog::info("kafka: the transaction of '{}' (producer {}) timed out after {} ms: aborted", id,
                 t.producer_id, t.timeout_ms);
    // Fences the producer: its next request in the old epoch is refused.
    if (t.producer_epoch < kLastEpoch) ++t.producer_epoch;
    complete(t, false, [](bool) {});
  }
}

bool TransactionCoordinator::store(TxnMetadata& t) {
  t.updated_ms = timers_.wall_ms();
  TxnRecord record;
  record.kind = TxnRecordKind::kState;
  record.state = t;
  return append({record});
}

bool TransactionCoordinator::append(const std::vector<TxnRecord>& records) {
  if (!log_.is_open() || records.empty()) return true;
  const int64_t now_ms = timers_.wall_ms();
  std::vector<std::string> payloads;
  payloads.reserve(records.size());
  for (const TxnRecord& r : records) payloads.push_back(encode_txn_record(r));
  if (!log_.append(payloads, now_ms)) {
    spdlog::error("kafka: cannot append to {}: {}", kTransactionTopic, log_.last_error());
    return false;
  }
  if (log_.rewrite_due()) {
    log_.rewrite(current_state(), now_ms, [](const core::Status& st, uint64_t dropped) {
      if (!st.ok()) {
        spdlog::warn("kafka: {} keeps its records before the rewrite: {}", kTransactionTopic,
                     st.message());
      } else {
        spdlog::info("kafka: {} rewritten as its current state; {} older record(s) dropped",
                     kTransactionTopic, dropped);
      }
    });
  }
  return true;
}

std::vector<std::string> TransactionCoordinator::current_state() const {
  std::vector<std::string> out;
  TxnRecord record;
  record.kind = TxnRecordKind::kAborted;
  index_.for_each_aborted([&](const core::Stream& stream, uint32_t partition, const AbortedTxn& a) {
    record.aborted = {{stream.name(), static_cast<int32_t>(partition)},
                      a.producer_id,
                      a.first_offset,
                      a.last_offset};
    out.push_back(encode_txn_record(record));
  });
  record.kind = TxnRecordKind::kState;
  for (const auto& [id, t] : txns_) {
    record.state = t;
    out.push_back(encode_txn_record(record));
  }
  return out;
}

}  // namespace polymq::kafka::txn
