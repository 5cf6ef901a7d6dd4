#include "core/queue_store.h"

#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace polymq::core {
namespace {

namespace fs = std::filesystem;

// Settlement log records: a tag byte, then little-endian u64s.
constexpr char kSettled = 'S';       // offsets...
constexpr char kSettledRange = 'R';  // from, to
constexpr char kDelivered = 'D';     // delivered_upto
constexpr char kCheckpoint = 'C';    // live_from, delivered_upto, n, n x (start, end)

// Appends are written early once this much is buffered, bounding the buffer.
constexpr size_t kMaxPendingBytes = 1024 * 1024;
constexpr size_t kMaxOffsetsPerRecord = 64 * 1024;
// After a failed write (e.g. disk full) the store tries again this often.
constexpr uint32_t kWriteRetryMs = 1000;
// What recent_messages() reads per call of the log.
constexpr uint64_t kRecentChunkBytes = 4 * 1024 * 1024;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void put_u64(std::string& out, uint64_t v) {
  char buf[8];
  std::memcpy(buf, &v, 8);
  out.append(buf, 8);
}

bool get_u64(std::string_view& in, uint64_t& v) {
  if (in.size() < 8) return false;
  std::memcpy(&v, in.data(), 8);
  in.remove_prefix(8);
  return true;
}

Status from_storage(const storage::Status& st, const std::string& what) {
  return {ErrorCode::kInternal, what + ": " + st.message()};
}

std::string hex_digest(const std::string& input) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), out);
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 16; ++i) {
    hex.push_back(digits[out[i] >> 4]);
    hex.push_back(digits[out[i] & 15]);
  }
  return hex;
}

}  // namespace

QueueStore::QueueStore(QueueStoreFactory& factory, std::string dir, bool durable)
    : factory_(factory), dir_(std::move(dir)), durable_(durable) {}

QueueStore::~QueueStore() {
  factory_.committer().forget(this);
  if (log_ != nullptr && failed_.ok() && write_error_.ok()) {
    // Normally flush_now() at shutdown has written everything; this covers a store closed
    // with writes still buffered.
    (void)write_pending();
    write_settlements();
  }
}

Status QueueStore::open() {
  // A durable queue that never stored a message has no files: nothing to recover, and its
  // logs are created by the first append (a declare, and a restart with many empty queues,
  // touch no disk).
  std::error_code ec;
  if (durable_ && !fs::exists(dir_, ec) && !ec) return Status::Ok();
  return open_logs();
}

Status QueueStore::open_logs() {
  storage::LogOptions options;
  options.segment_bytes = factory_.options().segment_bytes;
  options.hooks = factory_.options().hooks;
  storage::RecoveryReport report;
  auto log = storage::Log::open(dir_ + "/messages", options, &report);
  if (!log.ok()) return from_storage(log.status(), "cannot open " + dir_ + "/messages");
  log_ = std::move(*log);
  if (!report.truncation_reason.empty()) {
    factory_.warn("queue store " + dir_ + ": dropped a torn or corrupt tail of " +
                  std::to_string(report.truncated_bytes) + " bytes at offset " +
                  std::to_string(report.truncated_at_offset) + " (" + report.truncation_reason +
                  ")");
  }
  for (const auto& bad : report.corrupt_segments) {
    factory_.warn("queue store " + dir_ + ": corrupt segment " + std::to_string(bad.base_offset) +
                  ": " + bad.status.message());
  }
  live_from_ = log_->first_offset();
  reclaimed_below_ = live_from_;
  if (durable_) {
    storage::LogOptions s_options;
    // Segments a few times smaller than the checkpoint interval, so that checkpoints free
    // whole segments.
    s_options.hooks = factory_.options().hooks;
    s_options.segment_bytes =
        std::clamp<uint64_t>(factory_.options().checkpoint_bytes / 4, 64 * 1024, 1024 * 1024);
    auto s = storage::Log::open(dir_ + "/settlements", s_options);
    if (!s.ok()) return from_storage(s.status(), "cannot open " + dir_ + "/settlements");
    settlements_ = std::move(*s);
    if (Status st = recover_settlements(); !st.ok()) return st;
  }
  recovery_.live_from = live_from_;
  recovery_.next_offset = log_->next_offset();
  recovery_.delivered_upto = delivered_upto_;
  delivered_written_ = delivered_upto_;
  uint64_t settled_above = 0;
  for (const auto& [start, end] : settled_ranges_) settled_above += end - start;
  recovery_.live_count = recovery_.next_offset - live_from_ - settled_above;
  if (log_->next_offset() > log_->first_offset()) {
    // Sequences only grow, so the last record holds the largest one.
    bool decoded = false;
    auto r = log_->read(log_->next_offset() - 1, 1, [&](const storage::RecordView& rec) {
      StoredMessage stored;
      decoded = decode_stored_message(rec.payload, stored);
      if (decoded) recovery_.last_sequence = stored.sequence;
      return false;
    });
    if (!r.ok()) return from_storage(r.status(), "read the last record of " + dir_);
    if (!decoded) {
      return {ErrorCode::kInternal, "the last record of " + dir_ + " is not a message"};
    }
  }
  return Status::Ok();
}

Status QueueStore::recover_settlements() {
  storage::Status bad;
  auto apply = [&](const storage::RecordView& rec) {
    std::string_view in = rec.payload;
    if (in.empty()) return true;
    const char tag = in.front();
    in.remove_prefix(1);
    uint64_t a = 0;
    uint64_t b = 0;
    switch (tag) {
      case kSettled:
        while (get_u64(in, a)) settle_range_in_memory(a, a + 1);
        break;
      case kSettledRange:
        if (get_u64(in, a) && get_u64(in, b)) settle_range_in_memory(a, b);
        break;
      case kDelivered:
        if (get_u64(in, a)) delivered_upto_ = std::max(delivered_upto_, a);
        break;
      case kCheckpoint: {
        uint64_t n = 0;
        if (!get_u64(in, a) || !get_u64(in, b) || !get_u64(in, n)) break;
        settled_ranges_.clear();
        live_from_ = std::max(a, log_->first_offset());
        delivered_upto_ = b;
        for (uint64_t i = 0; i < n && get_u64(in, a) && get_u64(in, b); ++i) {
          settle_range_in_memory(a, b);
        }
        break;
      }
      default:
        break;
    }
    return true;
  };
  uint64_t offset = settlements_->first_offset();
  while (offset < settlements_->next_offset()) {
    auto next = settlements_->read(offset, 4 * 1024 * 1024, apply);
    if (!next.ok()) return from_storage(next.status(), "settlements of " + dir_);
    if (*next == offset) break;
    offset = *next;
  }
  // Settlements past the end of the message log name records lost in a torn tail.
  const uint64_t end = log_->next_offset();
  while (!settled_ranges_.empty() && std::prev(settled_ranges_.end())->first >= end) {
    settled_ranges_.erase(std::prev(settled_ranges_.end()));
  }
  if (!settled_ranges_.empty()) {
    auto last = std::prev(settled_ranges_.end());
    last->second = std::min(last->second, end);
  }
  live_from_ = std::min(std::max(live_from_, log_->first_offset()), end);
  absorb_ranges();
  delivered_upto_ = std::min(delivered_upto_, end);
  return Status::Ok();
}

void QueueStore::absorb_ranges() {
  while (!settled_ranges_.empty() && settled_ranges_.begin()->first <= live_from_) {
    live_from_ = std::max(live_from_, settled_ranges_.begin()->second);
    settled_ranges_.erase(settled_ranges_.begin());
  }
}

void QueueStore::settle_range_in_memory(uint64_t from, uint64_t to) {
  from = std::max(from, live_from_);
  if (to <= from) return;
  auto it = settled_ranges_.upper_bound(from);
  if (it != settled_ranges_.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= from) {
      from = prev->first;
      to = std::max(to, prev->second);
      it = settled_ranges_.erase(prev);
    }
  }
  while (it != settled_ranges_.end() && it->first <= to) {
    to = std::max(to, it->second);
    it = settled_ranges_.erase(it);
  }
  settled_ranges_.emplace(from, to);
  absorb_ranges();
}

bool QueueStore::is_settled(uint64_t offset) const {
  if (offset < live_from_) return true;
  auto it = settled_ranges_.upper_bound(offset);
  return it != settled_ranges_.begin() && std::prev(it)->second > offset;
}

void QueueStore::mark_dirty() {
  if (dirty_) return;
  dirty_ = true;
  factory_.committer().mark_dirty(this);
}

Status QueueStore::append(uint64_t sequence, bool transient, const Message& message,
                          uint64_t& offset, std::optional<int64_t> not_before_ms) {
  if (!failed_.ok()) return failed_;
  if (!write_error_.ok()) return write_error_;
  if (log_ == nullptr) {
    if (Status st = open_logs(); !st.ok()) {
      log_.reset();
      settlements_.reset();
      failed_ = st;
      factory_.warn("queue store " + dir_ + ": " + st.message());
      return st;
    }
  }
  offset = next_offset();
  const size_t before = pending_bytes_.size();
  encode_stored_message(pending_bytes_, sequence, transient, message, not_before_ms);
  pending_records_.push_back(static_cast<uint32_t>(pending_bytes_.size() - before));
  mark_dirty();
  if (pending_bytes_.size() >= kMaxPendingBytes) {
    // The message is buffered and its offset promised either way; a failed early write is
    // retried with the round.
    (void)write_pending();
  }
  return Status::Ok();
}

Status QueueStore::write_pending() {
  if (!failed_.ok()) return failed_;
  if (pending_records_.empty()) return Status::Ok();
  const int64_t now = wall_ms();
  std::vector<storage::RecordInput> batch;
  size_t written_records = 0;
  size_t written_bytes = 0;
  size_t pos = 0;
  uint64_t batch_bytes = 0;
  auto write = [&]() -> storage::Status {
    if (batch.empty()) return storage::Status::Ok();
    auto first = log_->append_batch(batch);
    if (!first.ok()) return first.status();
    written_records += batch.size();
    written_bytes = pos;
    batch.clear();
    batch_bytes = 0;
    return storage::Status::Ok();
  };
  storage::Status st;
  for (uint32_t size : pending_records_) {
    const uint64_t framed = storage::framed_size(size);
    if (!batch.empty() && batch_bytes + framed > storage::format::kMaxRecordBytes / 2) {
      st = write();
      if (!st.ok()) break;
    }
    batch.push_back({std::string_view(pending_bytes_).substr(pos, size), now});
    batch_bytes += framed;
    pos += size;
  }
  if (st.ok()) st = write();
  // A failed batch left the log as it was (append_batch is all or nothing), so the records
  // not written keep their promised offsets and are retried as they are.
  pending_records_.erase(pending_records_.begin(),
                         pending_records_.begin() + static_cast<ptrdiff_t>(written_records));
  pending_bytes_.erase(0, written_bytes);
  if (!st.ok()) {
    if (write_error_.ok()) {
      factory_.warn("queue store " + dir_ + ": write failed, refusing publishes until it " +
                    "succeeds again: " + st.message());
    }
    write_error_ = {ErrorCode::kResourceError, "write to " + dir_ + ": " + st.message()};
    return write_error_;
  }
  return Status::Ok();
}

void QueueStore::settle(uint64_t offset) { settle_range(offset, offset + 1); }

void QueueStore::settle_range(uint64_t from, uint64_t to) {
  if (to <= live_from_ || log_ == nullptr) return;
  settle_range_in_memory(from, to);
  if (!durable_) return;
  if (to == from + 1) {
    pending_settles_.push_back(from);
  } else {
    std::string rec(1, kSettledRange);
    put_u64(rec, from);
    put_u64(rec, to);
    pending_ranges_.push_back(std::move(rec));
  }
  mark_dirty();
}

void QueueStore::delivered(uint64_t offset) {
  if (offset + 1 <= delivered_upto_) return;
  delivered_upto_ = offset + 1;
  if (durable_) mark_dirty();
}

void QueueStore::write_settlements() {
  if (!durable_ || settlements_ == nullptr || !failed_.ok()) return;
  const int64_t now = wall_ms();
  // A failed append changes nothing (appends are all or nothing): what is still pending is
  // retried with the next round.
  auto write = [&](const std::string& rec) {
    auto r = settlements_->append(rec, now);
    if (!r.ok()) {
      if (write_error_.ok()) {
        factory_.warn("queue store " + dir_ + ": settlement write failed: " + r.status().message());
      }
      write_error_ = {ErrorCode::kResourceError,
                      "write to " + dir_ + "/settlements: " + r.status().message()};
      return false;
    }
    settlement_bytes_since_checkpoint_ += rec.size();
    return true;
  };
  while (!pending_ranges_.empty()) {
    if (!write(pending_ranges_.front())) return;
    pending_ranges_.erase(pending_ranges_.begin());
  }
  while (!pending_settles_.empty()) {
    std::string rec(1, kSettled);
    const size_t n = std::min(pending_settles_.size(), kMaxOffsetsPerRecord);
    for (size_t j = 0; j < n; ++j) put_u64(rec, pending_settles_[j]);
    if (!write(rec)) return;
    pending_settles_.erase(pending_settles_.begin(),
                           pending_settles_.begin() + static_cast<ptrdiff_t>(n));
  }
  if (delivered_upto_ > delivered_written_) {
    std::string rec(1, kDelivered);
    put_u64(rec, delivered_upto_);
    if (!write(rec)) return;
    delivered_written_ = delivered_upto_;
  }
  if (settlement_bytes_since_checkpoint_ >= factory_.options().checkpoint_bytes) {
    write_checkpoint();
  }
}

void QueueStore::write_checkpoint() {
  std::string rec(1, kCheckpoint);
  put_u64(rec, live_from_);
  put_u64(rec, delivered_upto_);
  put_u64(rec, settled_ranges_.size());
  for (const auto& [start, end] : settled_ranges_) {
    put_u64(rec, start);
    put_u64(rec, end);
  }
  auto at = settlements_->append(rec, wall_ms());
  if (!at.ok()) return;  // the records it would restate are on disk; try again next time
  settlement_bytes_since_checkpoint_ = 0;
  // Everything before the checkpoint is restated by it.
  (void)settlements_->delete_segments_before(*at);
}

void QueueStore::begin_round(storage::GroupCommitter& committer) {
  dirty_ = false;
  if (log_ == nullptr || !failed_.ok()) return;
  const bool was_failing = !write_error_.ok();
  write_error_ = Status::Ok();
  if (Status st = write_pending(); st.ok()) write_settlements();
  if (!write_error_.ok()) {
    // Disk full or a write error: this round fails (its confirms are nacks) and the writes
    // are retried shortly; nothing already written is touched.
    committer.add_failure();
    committer.retry_later(this, kWriteRetryMs);
    return;
  }
  if (was_failing) factory_.warn("queue store " + dir_ + ": writes succeed again");
  // Reclaim whole segments whose records are all settled (and, with a deduplication window,
  // older than the window). Passing an offset inside the active segment keeps it from being
  // rolled.
  uint64_t reclaimable = live_from_;
  if (recent_window_ms_) {
    auto recent = log_->offset_for_time(wall_ms() - static_cast<int64_t>(*recent_window_ms_));
    reclaimable = recent.ok() ? std::min(reclaimable, *recent) : reclaimed_below_;
  }
  if (reclaimable > reclaimed_below_ && log_->segment_count() > 1 && log_->next_offset() > 0) {
    auto deleted = log_->delete_segments_before(std::min(reclaimable, log_->next_offset() - 1));
    if (deleted.ok()) reclaimed_below_ = reclaimable;
  }
  if (durable_) committer.add_log(log_.get());
}

void QueueStore::end_round(bool ok) {
  // A failed fdatasync is final (the kernel may have dropped the pages): the log is poisoned
  // and the queue takes no more messages until a restart recovers what is on disk.
  if (!ok && write_error_.ok() && failed_.ok()) {
    failed_ = {ErrorCode::kInternal, "sync of " + dir_ + " failed"};
    factory_.warn(failed_.message());
  }
}

Status QueueStore::read(uint64_t from, uint64_t max_bytes,
                        const std::function<void(uint64_t, StoredMessage&)>& fn, uint64_t& next) {
  if (!pending_records_.empty()) {
    if (Status st = write_pending(); !st.ok()) return st;  // kResourceError: try later
  }
  from = std::max(from, log_->first_offset());
  next = from;
  if (from >= log_->next_offset()) return Status::Ok();
  bool malformed = false;
  uint64_t malformed_at = 0;
  auto result = log_->read(from, max_bytes, [&](const storage::RecordView& rec) {
    if (is_settled(rec.offset)) return true;
    StoredMessage stored;
    if (!decode_stored_message(rec.payload, stored)) {
      malformed = true;
      malformed_at = rec.offset;
      return false;
    }
    if (stored.transient && rec.offset < recovery_.next_offset) {
      settle(rec.offset);  // a transient message paged out before the restart
      return true;
    }
    fn(rec.offset, stored);
    return true;
  });
  if (malformed) {
    return {ErrorCode::kInternal, "queue store " + dir_ + ": record " +
                                      std::to_string(malformed_at) +
                                      " passed its CRC but is not a message"};
  }
  if (!result.ok()) return from_storage(result.status(), "read from " + dir_);
  next = *result;
  return Status::Ok();
}

Status QueueStore::recent_messages(int64_t since_ms,
                                   const std::function<void(StoredMessage&)>& fn) {
  if (log_ == nullptr) return Status::Ok();
  auto from = log_->offset_for_time(since_ms);
  if (!from.ok()) return from_storage(from.status(), "time lookup in " + dir_);
  uint64_t offset = *from;
  while (offset < log_->next_offset()) {
    auto next = log_->read(offset, kRecentChunkBytes, [&](const storage::RecordView& rec) {
      StoredMessage stored;
      if (decode_stored_message(rec.payload, stored) && stored.message != nullptr) fn(stored);
      return true;
    });
    if (!next.ok()) return from_storage(next.status(), "read from " + dir_);
    if (*next <= offset) break;
    offset = *next;
  }
  return Status::Ok();
}

void QueueStore::read_ahead(uint64_t from, uint64_t max_bytes) {
  if (log_ == nullptr) return;
  auto range = log_->read_ahead_range(std::max(from, log_->first_offset()), max_bytes);
  if (range.ok()) factory_.read_ahead().request(std::move(*range));
}

void QueueStore::destroy() {
  factory_.committer().forget(this);
  pending_bytes_.clear();
  pending_records_.clear();
  pending_settles_.clear();
  pending_ranges_.clear();
  log_.reset();
  settlements_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
  if (ec) factory_.warn("cannot remove " + dir_ + ": " + ec.message());
}

QueueStoreFactory::QueueStoreFactory(QueueStoreOptions options, storage::GroupCommitter& committer)
    : options_(std::move(options)), committer_(committer), tracker_(&committer) {
  std::error_code ec;
  fs::remove_all(options_.root + "/transient", ec);
  fs::create_directories(options_.root + "/durable", ec);
}

QueueStoreFactory::~QueueStoreFactory() {
  std::error_code ec;
  fs::remove_all(options_.root + "/transient", ec);
}

Status QueueStoreFactory::open_stream(const std::string& vhost, const std::string& name,
                                      const StreamSettings& settings,
                                      std::unique_ptr<Stream>& out) {
  const std::string dir = options_.root + "/streams/" + hex_digest(vhost + '\0' + name);
  return Stream::open(name, dir, settings, &committer_, out, options_.hooks);
}

Status QueueStoreFactory::open_durable(const std::string& vhost, const std::string& queue,
                                       std::unique_ptr<QueueStore>& out) {
  const std::string dir = options_.root + "/durable/" + hex_digest(vhost + '\0' + queue);
  std::unique_ptr<QueueStore> store(new QueueStore(*this, dir, true));
  if (Status st = store->open(); !st.ok()) return st;
  out = std::move(store);
  return Status::Ok();
}

Status QueueStoreFactory::open_transient(std::unique_ptr<QueueStore>& out) {
  const std::string dir = options_.root + "/transient/" + std::to_string(++transient_counter_);
  std::unique_ptr<QueueStore> store(new QueueStore(*this, dir, false));
  if (Status st = store->open(); !st.ok()) return st;
  out = std::move(store);
  return Status::Ok();
}

}  // namespace polymq::core
