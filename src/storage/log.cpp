#include "storage/log.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include "storage/log_format.h"
#include "storage/start_offset.h"

namespace polymq::storage {

using namespace format;

namespace {

// Rolls whose seal may wait for the next sync round (see Log::roll).
constexpr size_t kMaxPendingSeals = 4;

}  // namespace

Log::Log(std::string dir, LogOptions options)
    : dir_(std::move(dir)), options_(std::move(options)) {}

Log::~Log() = default;

namespace {

// Whether the sealed segment sorted[i] lies in the unflushed suffix of the log: no sealed
// segment after it has index files. Seals finish in order and write the index files only after
// the .log is synced (SealWork), so a segment with index files proves every segment before it
// complete; without one, the suffix may hold a roll that never finished.
bool unflushed(const std::vector<uint64_t>& sorted, size_t i, const std::set<uint64_t>& indexed) {
  for (size_t j = i + 1; j + 1 < sorted.size(); ++j) {
    if (indexed.contains(sorted[j])) return false;
  }
  return !indexed.contains(sorted[i]);
}

}  // namespace

SegmentOptions Log::segment_options() const {
  return SegmentOptions{options_.index_interval_bytes, &options_.hooks};
}

Result<std::unique_ptr<Log>> Log::open(const std::string& dir, LogOptions options,
                                       RecoveryReport* report) {
  if (options.segment_bytes == 0 || options.segment_bytes > kMaxSegmentBytes) {
    return Status::InvalidArgument("segment_bytes must be in [1, " +
                                   std::to_string(kMaxSegmentBytes) + "]");
  }
  if (options.max_append_bytes < kHeaderSize || options.max_append_bytes > kMaxRecordBytes) {
    return Status::InvalidArgument("max_append_bytes must be in [" + std::to_string(kHeaderSize) +
                                   ", " + std::to_string(kMaxRecordBytes) + "]");
  }
  if (options.index_interval_bytes == 0) {
    return Status::InvalidArgument("index_interval_bytes must be at least 1");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IOError("create directory " + dir, ec.value());

  std::unique_ptr<Log> log(new Log(dir, std::move(options)));
  auto lock = DirLock::acquire(dir + "/" + std::string(kLockFileName));
  if (!lock.ok()) return lock.status();
  log->lock_ = std::move(*lock);

  RecoveryReport local;
  if (report == nullptr) report = &local;
  *report = RecoveryReport{};
  if (Status st = log->load(report); !st.ok()) return st;
  if (Status st = log->load_start_offset(report); !st.ok()) return st;
  // Replacements staged by a compaction that never installed them: the originals stand.
  std::filesystem::remove_all(log->staging_dir(), ec);
  return log;
}

Status Log::load(RecoveryReport* report) {
  std::set<uint64_t> bases;
  std::vector<std::pair<uint64_t, std::string>> index_files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (auto base = parse_segment_file_name(name, kLogSuffix)) {
      bases.insert(*base);
    } else if (auto ib = parse_segment_file_name(name, kIndexSuffix)) {
      index_files.emplace_back(*ib, name);
    } else if (auto tb = parse_segment_file_name(name, kTimeIndexSuffix)) {
      index_files.emplace_back(*tb, name);
    }
  }
  if (ec) return Status::IOError("list " + dir_, ec.value());

  for (const auto& [base, name] : index_files) {
    if (bases.count(base) != 0) continue;
    if (Status st = remove_file(dir_ + "/" + name); !st.ok()) return st;
    ++report->removed_orphan_files;
  }

  const SegmentOptions seg_options = segment_options();
  if (bases.empty()) {
    auto seg = Segment::create(dir_, 0, seg_options);
    if (!seg.ok()) return seg.status();
    segments_.push_back(std::move(*seg));
    report->segments = 1;
    durable_offset_ = 0;
    sealed_end_ = 0;
    return Status::Ok();
  }
  const std::vector<uint64_t> sorted(bases.begin(), bases.end());
  std::set<uint64_t> indexed;  // segments with both index files, as found before any rebuild
  {
    std::map<uint64_t, int> kinds;
    for (const auto& [base, name] : index_files) ++kinds[base];
    for (const auto& [base, n] : kinds) {
      if (n == 2) indexed.insert(base);
    }
  }
  size_t active_at = sorted.size() - 1;
  for (size_t i = 0; i + 1 < sorted.size(); ++i) {
    SegmentOpenInfo info;
    auto seg = Segment::open_sealed(dir_, sorted[i], sorted[i + 1], seg_options, &info);
    if (!seg.ok()) return seg.status();
    if (!info.corruption.ok() && unflushed(sorted, i, indexed)) {
      // The process stopped before a roll's seal was done: this segment's tail never reached
      // the disk whole, so no record from its first bad one on was acknowledged, nor any
      // record of a later segment. Recover as from a torn tail: cut here, drop the rest.
      uint64_t dropped = 0;
      for (size_t j = sorted.size() - 1; j > i; --j) {
        const std::string log_path = dir_ + "/" + segment_file_name(sorted[j], kLogSuffix);
        std::error_code size_ec;
        dropped += std::filesystem::file_size(log_path, size_ec);
        for (std::string_view suffix : {kIndexSuffix, kTimeIndexSuffix, kLogSuffix}) {
          if (Status st = remove_file(dir_ + "/" + segment_file_name(sorted[j], suffix));
              !st.ok()) {
            return st;
          }
        }
      }
      if (Status st = sync_dir(dir_); !st.ok()) return st;
      report->truncated_bytes = dropped;
      report->truncation_reason =
          std::to_string(sorted.size() - 1 - i) + " later segment(s) of an unfinished roll removed";
      active_at = i;
      break;
    }
    if (info.index_rebuilt) report->rebuilt_indexes.push_back(sorted[i]);
    if (!info.corruption.ok()) report->corrupt_segments.push_back({sorted[i], info.corruption});
    segments_.push_back(std::move(*seg));
  }
  SegmentOpenInfo info;
  auto last = Segment::open_active(dir_, sorted[active_at], seg_options, &info);
  if (!last.ok()) return last.status();
  segments_.push_back(std::move(*last));
  report->segments = segments_.size();
  durable_offset_ = next_offset();
  sealed_end_ = active().base_offset();
  report->truncated_bytes += info.truncated_bytes;
  if (!info.truncation_reason.empty()) {
    report->truncation_reason = report->truncation_reason.empty()
                                    ? info.truncation_reason
                                    : info.truncation_reason + "; " + report->truncation_reason;
  }
  if (!report->truncation_reason.empty()) report->truncated_at_offset = next_offset();
  return Status::Ok();
}

Status Log::load_start_offset(RecoveryReport* report) {
  auto checkpoint = read_start_offset(dir_);
  if (!checkpoint.ok()) return checkpoint.status();
  if (!checkpoint->has_value()) return Status::Ok();
  start_offset_ = **checkpoint;
  report->start_offset = start_offset_;
  if (start_offset_ > next_offset()) {
    // Only records that no sync covered can have been lost, and the start never passes the
    // durable offset; so this is a tail lost under sync policy never (or by the disk).
    report->removed_below_start = segments_.size();
    return restart_at(start_offset_);
  }
  // An interrupted set_start_offset: the checkpoint was written, the deletion was not done.
  const size_t below = segments_below(start_offset_);
  auto deleted = delete_front(below);
  if (!deleted.ok()) return deleted.status();
  report->removed_below_start = below;
  return Status::Ok();
}

Status Log::restart_at(uint64_t offset) {
  // All segments go before the new one is made: a crash in between leaves fewer segments (or
  // none, and then open() makes segment 0), still ending below the start, and the next open
  // finishes the job.
  for (auto& seg : segments_) {
    if (Status st = seg->remove(); !st.ok()) return st;
  }
  segments_.clear();
  pending_seals_.clear();
  sealed_end_ = offset;
  auto seg = Segment::create(dir_, offset, segment_options());  // syncs the directory
  if (!seg.ok()) return seg.status();
  segments_.push_back(std::move(*seg));
  durable_offset_ = offset;
  return Status::Ok();
}

size_t Log::segments_below(uint64_t offset) const {
  size_t count = 0;
  while (count + 1 < segments_.size() && segments_[count + 1]->base_offset() <= offset) ++count;
  return count;
}

uint64_t Log::first_offset() const {
  return std::max(start_offset_, segments_.front()->base_offset());
}

uint64_t Log::next_offset() const { return segments_.back()->next_offset(); }

uint64_t Log::size_bytes() const {
  uint64_t total = 0;
  for (const auto& seg : segments_) total += seg->size();
  return total;
}

const Segment& Log::segment_for(uint64_t offset) const {
  auto it = std::upper_bound(
      segments_.begin(), segments_.end(), offset,
      [](uint64_t o, const std::unique_ptr<Segment>& s) { return o < s->base_offset(); });
  return **std::prev(it);
}

Result<uint64_t> Log::append(std::string_view payload, int64_t timestamp_ms) {
  const RecordInput record{payload, timestamp_ms};
  return append_batch(std::span<const RecordInput>(&record, 1));
}

Result<uint64_t> Log::append_batch(std::span<const RecordInput> records) {
  if (!failed_.ok()) return failed_;
  if (records.empty()) return Status::InvalidArgument("empty batch");
  uint64_t total = 0;
  for (const RecordInput& r : records) {
    if (r.batch_count > r.payload.size()) {
      return Status::InvalidArgument("a batch entry of " + std::to_string(r.batch_count) +
                                     " offsets needs at least as many payload bytes");
    }
    total += framed_size(r);
    if (total > options_.max_append_bytes) {
      return Status::InvalidArgument("append exceeds max_append_bytes (" +
                                     std::to_string(options_.max_append_bytes) + ")");
    }
  }
  // A sealed active segment is one whose roll failed after sealing it: finish that roll.
  if (active().sealed() ||
      (!active().empty() && active().size() + total > options_.segment_bytes)) {
    if (Status st = roll(); !st.ok()) return st;
  }
  return active().append(records);
}

Status Log::roll() {
  if (!failed_.ok()) return failed_;
  // An active segment that is already sealed is one whose roll failed to create the next
  // segment: only that step is left.
  if (!active().sealed()) {
    auto work = active().seal_deferred();
    if (!work.ok()) return work.status();
    pending_seals_.push_back(std::move(*work));
  }
  auto seg = Segment::create(dir_, next_offset(), segment_options(), /*sync_dir=*/false);
  if (!seg.ok()) return seg.status();
  segments_.push_back(std::move(*seg));
  dir_sync_pending_ = true;
  // A log that no round syncs (a transient queue's paging log) would pile seals up, each
  // holding a descriptor: past a few, the oldest is finished here, as every roll once was.
  while (pending_seals_.size() > kMaxPendingSeals) {
    if (Status st = pending_seals_.front().run(/*durable=*/true); !st.ok()) {
      failed_ = st;
      return st;
    }
    mark_sealed(pending_seals_.front().base_offset());
    pending_seals_.erase(pending_seals_.begin());
  }
  return Status::Ok();
}

void Log::mark_sealed(uint64_t base) {
  auto it = std::lower_bound(
      segments_.begin(), segments_.end(), base,
      [](const std::unique_ptr<Segment>& s, uint64_t b) { return s->base_offset() < b; });
  if (it != segments_.end() && (*it)->base_offset() == base) {
    sealed_end_ = std::max(sealed_end_, (*it)->next_offset());
  }
}

void Log::drop_pending_seals_from(uint64_t base) {
  std::erase_if(pending_seals_, [base](const SealWork& w) { return w.base_offset() >= base; });
}

Status Log::flush() {
  if (!failed_.ok()) return failed_;
  Status st;
  for (const SealWork& work : pending_seals_) {
    st = work.run(/*durable=*/true);
    if (!st.ok()) break;
    mark_sealed(work.base_offset());
  }
  pending_seals_.clear();
  if (st.ok() && std::exchange(dir_sync_pending_, false)) st = sync_dir(dir_);
  // Through the File, not a raw fdatasync, so that fault-injection hooks see it.
  if (st.ok()) st = active().sync();
  if (!st.ok()) {
    failed_ = st;
    return st;
  }
  durable_offset_ = next_offset();
  return Status::Ok();
}

SyncTicket::SyncTicket(int fd, uint64_t target, std::vector<SealWork> seals, std::string dir)
    : fd_(fd), target_(target), seals_(std::move(seals)), dir_(std::move(dir)) {}

SyncTicket::~SyncTicket() {
  if (fd_ >= 0) ::close(fd_);
}

SyncTicket::SyncTicket(SyncTicket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      target_(other.target_),
      seals_(std::move(other.seals_)),
      dir_(std::move(other.dir_)) {}

SyncTicket& SyncTicket::operator=(SyncTicket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    target_ = other.target_;
    seals_ = std::move(other.seals_);
    dir_ = std::move(other.dir_);
  }
  return *this;
}

Status SyncTicket::run(bool durable) const {
  for (const SealWork& work : seals_) {
    if (Status st = work.run(durable); !st.ok()) return st;
  }
  if (!durable) return Status::Ok();
  if (!dir_.empty()) {
    if (Status st = sync_dir(dir_); !st.ok()) return st;
  }
  if (fd_ >= 0 && ::fdatasync(fd_) != 0) return Status::IOError("fdatasync", errno);
  return Status::Ok();
}

Result<SyncTicket> Log::begin_sync() {
  if (!failed_.ok()) return failed_;
  const uint64_t target = next_offset();
  int fd = -1;
  // Records below the active segment's base are covered by the seals (of this ticket or of
  // an earlier round).
  if (target > durable_offset_ && target != active().base_offset()) {
    auto dup = active().log_file().duplicate_fd();
    if (!dup.ok()) return dup.status();
    fd = *dup;
  }
  std::vector<SealWork> seals;
  seals.swap(pending_seals_);
  std::string dir = std::exchange(dir_sync_pending_, false) ? dir_ : std::string();
  return SyncTicket(fd, target, std::move(seals), std::move(dir));
}

Status Log::end_sync(const SyncTicket& ticket, const Status& result) {
  if (!failed_.ok()) return failed_;
  if (!result.ok()) {
    failed_ = result;
    return result;
  }
  // A segment truncated or deleted while its seal was in flight must not keep index files
  // describing records it no longer has.
  for (const SealWork& work : ticket.seals()) {
    const uint64_t base = work.base_offset();
    auto it = std::lower_bound(
        segments_.begin(), segments_.end(), base,
        [](const std::unique_ptr<Segment>& s, uint64_t b) { return s->base_offset() < b; });
    if (it == segments_.end() || (*it)->base_offset() != base || !(*it)->sealed()) {
      work.undo();
    } else {
      sealed_end_ = std::max(sealed_end_, (*it)->next_offset());
    }
  }
  durable_offset_ = std::max(durable_offset_, std::min(ticket.target(), next_offset()));
  return Status::Ok();
}

Result<uint64_t> Log::read(uint64_t offset, uint64_t max_bytes, const ReadCallback& fn) const {
  if (offset < first_offset() || offset > next_offset()) {
    return Status::OutOfRange("offset " + std::to_string(offset) + " is outside [" +
                              std::to_string(first_offset()) + ", " +
                              std::to_string(next_offset()) + "]");
  }
  ReadCursor cursor{offset, 0, false};
  auto it = std::upper_bound(
      segments_.begin(), segments_.end(), offset,
      [](uint64_t o, const std::unique_ptr<Segment>& s) { return o < s->base_offset(); });
  for (--it; it != segments_.end() && !cursor.done; ++it) {
    if (Status st = (*it)->read(&cursor, max_bytes, fn); !st.ok()) return st;
  }
  return cursor.next_offset;
}

Result<ReadRange> Log::read_ahead_range(uint64_t offset, uint64_t max_bytes) const {
  if (offset < first_offset() || offset >= next_offset()) return ReadRange();
  const Segment& seg = segment_for(offset);
  const IndexEntry from = seg.index_lookup(offset);
  // The read scans from the index entry to `offset` (at most about one interval) first.
  const uint64_t want = max_bytes + options_.index_interval_bytes + kHeaderSize;
  const uint64_t length = std::min(want, seg.size() - std::min(seg.size(), from.position));
  auto fd = seg.log_file().duplicate_fd();
  if (!fd.ok()) return fd.status();
  return ReadRange(*fd, from.position, length);
}

Result<IndexLookup> Log::lookup(uint64_t offset) const {
  if (offset < first_offset() || offset >= next_offset()) {
    return Status::OutOfRange("offset " + std::to_string(offset) + " is not in the log");
  }
  const Segment& seg = segment_for(offset);
  return IndexLookup{seg.base_offset(), seg.index_lookup(offset)};
}

Result<uint64_t> Log::offset_for_time(int64_t timestamp_ms) const {
  const uint64_t first = first_offset();
  for (const auto& seg : segments_) {
    if (seg->empty() || seg->max_timestamp() < timestamp_ms) continue;
    auto found = seg->offset_for_time(timestamp_ms, first);
    if (!found.ok()) return found;
    // Without a match from `first` on (the newest records of the first segment may lie below
    // the start), the next segment may have one.
    if (*found < seg->next_offset()) return std::max(*found, first);
  }
  return next_offset();
}

Result<DeleteStats> Log::delete_front(size_t count) {
  DeleteStats stats;
  Status st;
  size_t removed = 0;
  for (; removed < count; ++removed) {
    const uint64_t bytes = segments_[removed]->size();
    st = segments_[removed]->remove();
    if (!st.ok()) break;
    ++stats.segments;
    stats.bytes += bytes;
  }
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(removed));
  const uint64_t first = segments_.front()->base_offset();
  std::erase_if(pending_seals_, [first](const SealWork& w) { return w.base_offset() < first; });
  if (removed > 0 && st.ok()) st = sync_dir(dir_);
  if (!st.ok()) return st;
  return stats;
}

Result<DeleteStats> Log::delete_segments_before(uint64_t offset) {
  if (offset > next_offset()) {
    return Status::OutOfRange("offset " + std::to_string(offset) + " is past the end of the log");
  }
  if (offset == next_offset() && !active().empty()) {
    if (!failed_.ok()) return failed_;
    if (Status st = roll(); !st.ok()) return st;
  }
  return delete_front(segments_below(offset));
}

Result<DeleteStats> Log::set_start_offset(uint64_t offset) {
  if (offset > durable_offset_) {
    return Status::OutOfRange("start offset " + std::to_string(offset) +
                              " is past the durable end of the log (" +
                              std::to_string(durable_offset_) + ")");
  }
  if (offset > first_offset()) {
    // The checkpoint first: deleting segments before it is durable could, after a crash,
    // serve again the records of the first segment left that lie below the start.
    if (Status st = write_start_offset(dir_, offset, &options_.hooks); !st.ok()) return st;
    start_offset_ = offset;
  }
  return delete_segments_before(first_offset());
}

Result<DeleteStats> Log::apply_retention(int64_t now_ms) {
  size_t count = 0;
  if (options_.retention_ms >= 0) {
    int64_t cutoff;
    if (__builtin_sub_overflow(now_ms, options_.retention_ms, &cutoff)) cutoff = INT64_MIN;
    while (count < segments_.size() && !segments_[count]->empty() &&
           segments_[count]->max_timestamp() < cutoff) {
      ++count;
    }
    if (count == segments_.size()) {
      // Every record has expired, the active segment's too: roll so that it can go.
      if (!failed_.ok()) return failed_;
      if (Status st = roll(); !st.ok()) return st;
    }
  }
  if (options_.retention_bytes >= 0) {
    const auto keep = static_cast<uint64_t>(options_.retention_bytes);
    uint64_t rest = 0;
    for (size_t i = count; i < segments_.size(); ++i) rest += segments_[i]->size();
    while (count + 1 < segments_.size() && rest - segments_[count]->size() >= keep) {
      rest -= segments_[count]->size();
      ++count;
    }
  }
  return delete_front(count);
}

Status Log::truncate_to(uint64_t offset) {
  if (!failed_.ok()) return failed_;
  if (offset < first_offset() || offset > next_offset()) {
    return Status::OutOfRange("offset " + std::to_string(offset) + " is outside the log");
  }
  if (offset == next_offset()) return Status::Ok();
  // Later segments go first, newest first, so a crash leaves a prefix of the log.
  while (segments_.size() > 1 && segments_.back()->base_offset() > offset) {
    if (Status st = segments_.back()->remove(); !st.ok()) return st;
    segments_.pop_back();
  }
  durable_offset_ = std::min(durable_offset_, offset);
  sealed_end_ = std::min(sealed_end_, active().base_offset());
  drop_pending_seals_from(active().base_offset());
  if (Status st = sync_dir(dir_); !st.ok()) return st;
  dir_sync_pending_ = false;
  return active().truncate_to(offset);
}

Status Log::verify() const {
  for (const auto& seg : segments_) {
    if (Status st = seg->verify(); !st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace polymq::storage
