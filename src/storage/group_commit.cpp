#include "storage/group_commit.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <memory>
#include <unordered_map>

namespace polymq::storage {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

bool parse_sync_policy(std::string_view text, SyncPolicy& out) {
  if (text == "batch") {
    out = SyncPolicy::kBatch;
  } else if (text == "interval") {
    out = SyncPolicy::kInterval;
  } else if (text == "never") {
    out = SyncPolicy::kNever;
  } else {
    return false;
  }
  return true;
}

GroupCommitter::GroupCommitter(SyncPolicy policy, uint32_t interval_ms, Post post)
    : policy_(policy), interval_ms_(interval_ms), post_(std::move(post)) {
  // Also under policy never: the index files of rolled segments are written there.
  thread_ = std::thread([this] { syncing_thread(); });
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GroupCommitter::mark_dirty(SyncParticipant* participant) {
  dirty_.insert(participant);
  schedule();
}

void GroupCommitter::retry_later(SyncParticipant* participant, uint32_t delay_ms) {
  if (!retrying_.insert(participant).second) return;
  post_(delay_ms, [this, participant] {
    // forget() removes it from retrying_ if it went away meanwhile.
    if (retrying_.erase(participant) != 0) mark_dirty(participant);
  });
}

void GroupCommitter::forget(SyncParticipant* participant) {
  dirty_.erase(participant);
  retrying_.erase(participant);
  std::replace(round_participants_.begin(), round_participants_.end(), participant,
               static_cast<SyncParticipant*>(nullptr));
  for (Member& m : round_logs_) {
    if (m.participant == participant) m = Member{nullptr, nullptr};
  }
}

void GroupCommitter::add_log(Log* log) {
  auto ticket = log->begin_sync();
  // The participant being asked is the last one appended by start_round().
  round_logs_.push_back(Member{round_participants_.back(), log});
  if (ticket.ok()) {
    forming_.tickets.push_back(std::move(*ticket));
    forming_.results.push_back(Status::Ok());
  } else {
    forming_.tickets.emplace_back();
    forming_.results.push_back(ticket.status());
  }
}

void GroupCommitter::add_failure() {
  round_logs_.push_back(Member{round_participants_.back(), nullptr});
  forming_.tickets.emplace_back();
  forming_.results.push_back(Status::IOError("write before sync", EIO));
}

void GroupCommitter::wait(RoundListener* listener) {
  waiters_.insert(listener);
  schedule();
}

void GroupCommitter::cancel_wait(RoundListener* listener) {
  waiters_.erase(listener);
  notifying_.erase(listener);
}

void GroupCommitter::schedule() {
  // A waiter alone is reason enough: the participant that would have carried its round may
  // have been forgotten (its queue deleted), and the waiter must still hear that round end.
  if (scheduled_ || in_flight_ || (dirty_.empty() && waiters_.empty())) return;
  scheduled_ = true;
  uint32_t delay = 0;
  if (policy_ == SyncPolicy::kInterval) {
    const int64_t elapsed = now_ms() - last_start_ms_;
    if (elapsed < interval_ms_) delay = static_cast<uint32_t>(interval_ms_ - elapsed);
  }
  post_(delay, [this] {
    scheduled_ = false;
    start_round();
  });
}

void GroupCommitter::start_round() {
  if (in_flight_ || (dirty_.empty() && waiters_.empty())) return;
  ++started_;
  last_start_ms_ = now_ms();
  std::vector<SyncParticipant*> participants(dirty_.begin(), dirty_.end());
  dirty_.clear();
  round_participants_.clear();
  round_logs_.clear();
  forming_ = Batch{};
  for (SyncParticipant* p : participants) {
    round_participants_.push_back(p);
    p->begin_round(*this);
  }
  // Under policy never only a roll's index files leave work for the syncing thread.
  const bool any_work =
      std::any_of(forming_.tickets.begin(), forming_.tickets.end(), [this](const SyncTicket& t) {
        return policy_ == SyncPolicy::kNever ? !t.seals().empty() : t.has_work();
      });
  if (!any_work) {
    finish_round(std::move(forming_));
    return;
  }
  in_flight_ = true;
  {
    std::lock_guard lock(mu_);
    work_ = std::move(forming_);
    has_work_ = true;
  }
  cv_.notify_all();
}

void GroupCommitter::syncing_thread() {
  for (;;) {
    Batch batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return has_work_ || stop_; });
      if (stop_) return;
      batch = std::move(work_);
    }
    run_batch(batch);
    auto done = std::make_shared<Batch>(std::move(batch));
    {
      std::lock_guard lock(mu_);
      has_work_ = false;
    }
    cv_.notify_all();
    post_(0, [this, done] { finish_round(std::move(*done)); });
  }
}

void GroupCommitter::run_batch(Batch& batch) const {
  const bool durable = policy_ != SyncPolicy::kNever;
  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < batch.tickets.size(); ++i) {
    if (!batch.results[i].ok()) continue;
    batch.results[i] = batch.tickets[i].run(durable);
    if (durable && batch.tickets[i].syncs_records()) ++batch.syncs;
  }
  batch.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  batch.ran = true;
}

void GroupCommitter::finish_round(Batch batch) {
  in_flight_ = false;
  bool all_ok = true;
  std::unordered_map<SyncParticipant*, bool> failed;
  for (size_t i = 0; i < round_logs_.size() && i < batch.tickets.size(); ++i) {
    const Member& m = round_logs_[i];
    if (m.log == nullptr) {
      // A participant's failed write (add_failure), or one forgotten mid-round.
      if (m.participant != nullptr && !batch.results[i].ok()) {
        failed[m.participant] = true;
        all_ok = false;
      }
      continue;
    }
    if (!m.log->end_sync(batch.tickets[i], batch.results[i]).ok()) {
      failed[m.participant] = true;
      all_ok = false;
    }
  }
  if (batch.ran) {
    ++stats_.rounds;
    stats_.syncs += batch.syncs;
    if (!all_ok) ++stats_.failed_rounds;
    if (batch.syncs > 0) {
      stats_.round_seconds.observe(batch.seconds);
      stats_.round_logs.observe(static_cast<double>(batch.syncs));
    }
  }
  std::vector<SyncParticipant*> participants;
  participants.swap(round_participants_);
  round_logs_.clear();
  for (SyncParticipant* p : participants) {
    if (p != nullptr) p->end_round(!failed.contains(p));
  }
  completed_ = started_;
  // A listener may cancel another one (or itself) while being told; notifying_ tracks who is
  // still owed the news.
  notifying_.swap(waiters_);
  std::vector<RoundListener*> listeners(notifying_.begin(), notifying_.end());
  for (RoundListener* l : listeners) {
    if (notifying_.erase(l) != 0) l->round_done(completed_, all_ok);
  }
  schedule();
}

void GroupCommitter::flush_now() {
  {
    // A round handed to the syncing thread finishes there; its completion, posted to a loop
    // that no longer runs, is not needed: the synchronous round below syncs the same logs.
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !has_work_ || stop_; });
  }
  in_flight_ = false;
  round_participants_.clear();
  round_logs_.clear();
  while (!dirty_.empty()) {
    ++started_;
    std::vector<SyncParticipant*> participants(dirty_.begin(), dirty_.end());
    dirty_.clear();
    forming_ = Batch{};
    for (SyncParticipant* p : participants) {
      round_participants_.push_back(p);
      p->begin_round(*this);
    }
    Batch batch = std::move(forming_);
    run_batch(batch);
    finish_round(std::move(batch));
  }
}

}  // namespace polymq::storage
