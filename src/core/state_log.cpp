#include "core/state_log.h"

#include <vector>

namespace polymq::core {
namespace {

constexpr uint64_t kReplayChunkBytes = 4 * 1024 * 1024;

}  // namespace

StateLog::~StateLog() { commits_.cancel_wait(this); }

Status StateLog::open(VHost& vhost, const std::string& name,
                      const std::function<void(std::string_view payload)>& replay,
                      uint64_t& skipped) {
  StreamSettings settings;
  settings.partitions = 1;
  settings.segment_bytes = kSegmentBytes;
  Stream* stream = nullptr;
  if (Status st = vhost.declare_stream(name, settings, stream); !st.ok()) return st;
  if (stream->settings().segment_bytes != kSegmentBytes) {
    // A log made before state logs had their own segment size: segments rolled from now on
    // take it.
    StreamSettings changed = stream->settings();
    changed.segment_bytes = kSegmentBytes;
    // Failing, it keeps its segment size: space comes back later, nothing else changes.
    (void)stream->reconfigure(changed);
  }
  uint64_t offset = stream->first_offset(0);
  const uint64_t end = stream->next_offset(0);
  while (offset < end) {
    uint64_t next = offset;
    Status st = stream->read(
        0, offset, kReplayChunkBytes,
        [&](const storage::RecordView& view) {
          if (view.batch_count != 0) {
            ++skipped;
          } else {
            replay(view.payload);
          }
          return true;
        },
        next);
    if (!st.ok()) return st;
    if (next <= offset) break;
    offset = next;
  }
  stream_ = stream;
  name_ = name;
  next_check_ = record_count() + kRewriteMinRecords;
  return Status::Ok();
}

bool StateLog::append(std::span<const std::string> payloads, int64_t now_ms) {
  if (stream_ == nullptr || payloads.empty()) return true;
  std::vector<storage::RecordInput> inputs;
  inputs.reserve(payloads.size());
  for (const std::string& p : payloads) inputs.push_back(storage::RecordInput{p, now_ms});
  uint64_t base = 0;
  if (Status st = stream_->append(0, inputs, base); !st.ok()) {
    last_error_ = st.message();
    return false;
  }
  const uint64_t round = commits_.covering_round();
  if (round != 0 && round > commits_.completed_round()) {
    for (const std::string& p : payloads) unsynced_.push_back(Unsynced{round, p});
    commits_.wait(this);
  }
  return true;
}

void StateLog::drop_synced(uint64_t completed_round) {
  while (!unsynced_.empty() && unsynced_.front().round <= completed_round) unsynced_.pop_front();
}

void StateLog::after_durable(std::function<void(bool ok)> then) {
  const uint64_t round = stream_ != nullptr ? commits_.covering_round() : 0;
  if (round == 0 || round <= commits_.completed_round()) {
    then(true);
    return;
  }
  waiting_.push_back(Waiting{round, std::move(then)});
  commits_.wait(this);
}

void StateLog::after_pending(std::function<void(bool ok)> then) {
  if (waiting_.empty()) return then(true);
  waiting_.push_back(Waiting{waiting_.back().round, std::move(then)});
}

void StateLog::round_done(uint64_t round, bool ok) {
  std::vector<std::function<void(bool)>> ready;
  while (!waiting_.empty() && waiting_.front().round <= round) {
    ready.push_back(std::move(waiting_.front().then));
    waiting_.pop_front();
  }
  drop_synced(round);
  if (!waiting_.empty() || !unsynced_.empty()) commits_.wait(this);
  for (auto& then : ready) then(ok);
}

uint64_t StateLog::record_count() const {
  return stream_ != nullptr ? stream_->next_offset(0) - stream_->first_offset(0) : 0;
}

bool StateLog::rewrite_due() const {
  return stream_ != nullptr && !rewriting_ && record_count() >= next_check_;
}

void StateLog::rewrite(std::span<const std::string> live, int64_t now_ms, RewriteDone done) {
  if (stream_ == nullptr || rewriting_) return;
  const uint64_t before = record_count();
  next_check_ = std::max<uint64_t>(2 * live.size(), before) + kRewriteMinRecords;
  if (before <= 2 * live.size()) return;  // mostly live: not worth it yet
  drop_synced(commits_.completed_round());
  std::vector<std::string> copy(live.begin(), live.end());
  for (const Unsynced& u : unsynced_) copy.push_back(u.payload);
  const uint64_t start = stream_->next_offset(0);
  if (!append(copy, now_ms)) return;
  rewriting_ = true;
  after_durable([this, start, before, done = std::move(done)](bool ok) {
    rewriting_ = false;
    if (!ok) return done(Status(ErrorCode::kInternal, "the rewritten state was not synced"), 0);
    uint64_t first = 0;
    if (Status st = stream_->delete_records(0, start, first); !st.ok()) return done(st, 0);
    ++rewrites_;
    done(Status::Ok(), before);
  });
}

}  // namespace polymq::core
