#include "storage/segment.h"

#include <algorithm>

namespace polymq::storage {

using namespace format;

namespace {

constexpr size_t kScanChunk = 256 * 1024;
constexpr size_t kMaxScratchKeep = 4 * 1024 * 1024;
constexpr uint64_t kMaxReadChunk = 4 * 1024 * 1024;

}  // namespace

Segment::Segment(std::string dir, uint64_t base, const SegmentOptions& options, File log)
    : dir_(std::move(dir)),
      base_(base),
      options_(options),
      log_(std::move(log)),
      next_offset_(base) {}

Segment::~Segment() = default;

std::string Segment::path(std::string_view suffix) const {
  return dir_ + "/" + segment_file_name(base_, suffix);
}

Result<std::unique_ptr<Segment>> Segment::create(const std::string& dir, uint64_t base,
                                                 const SegmentOptions& options, bool sync_dir_now) {
  const std::string path = dir + "/" + segment_file_name(base, kLogSuffix);
  auto file = File::open(path, File::Mode::kCreate, options.hooks);
  if (!file.ok()) return file.status();
  // The new name must be durable before any fdatasync of the file can make records durable.
  if (!sync_dir_now)
    return std::unique_ptr<Segment>(new Segment(dir, base, options, std::move(*file)));
  if (Status st = sync_dir(dir); !st.ok()) {
    (void)remove_file(path);
    return st;
  }
  return std::unique_ptr<Segment>(new Segment(dir, base, options, std::move(*file)));
}

Result<std::unique_ptr<Segment>> Segment::open_sealed(const std::string& dir, uint64_t base,
                                                      uint64_t next_base,
                                                      const SegmentOptions& options,
                                                      SegmentOpenInfo* info) {
  auto file = File::open(dir + "/" + segment_file_name(base, kLogSuffix), File::Mode::kReadWrite,
                         options.hooks);
  if (!file.ok()) return file.status();
  auto file_size = file->size();
  if (!file_size.ok()) return file_size.status();
  std::unique_ptr<Segment> seg(new Segment(dir, base, options, std::move(*file)));
  seg->size_ = *file_size;
  seg->next_offset_ = next_base;
  seg->sealed_ = true;
  if (seg->load_indexes()) return seg;

  info->index_rebuilt = true;
  RecordReader reader(seg->log_, 0, seg->size_, base, kScanChunk);
  auto outcome = seg->scan(&reader);
  if (!outcome.ok()) return outcome.status();
  if (*outcome == RecordReader::Outcome::kEnd && reader.expected_offset() == next_base) {
    // A rebuilt index that cannot be written is rebuilt again on the next open.
    seg->finish_time_index();
    (void)seg->write_index_files();
  } else if (*outcome == RecordReader::Outcome::kEnd) {
    info->corruption = Status::Corruption(
        seg->path(kLogSuffix) + ": ends at offset " + std::to_string(reader.expected_offset()) +
        ", the next segment starts at " + std::to_string(next_base) + ": records are missing");
  } else {
    info->corruption = seg->corruption(reader, *outcome);
  }
  // next_offset() stays next_base whatever the scan found: a read that goes past the last good
  // record meets the bad one (or the early end) again and fails with Corruption.
  return seg;
}

Result<std::unique_ptr<Segment>> Segment::open_active(const std::string& dir, uint64_t base,
                                                      const SegmentOptions& options,
                                                      SegmentOpenInfo* info) {
  auto file = File::open(dir + "/" + segment_file_name(base, kLogSuffix), File::Mode::kReadWrite,
                         options.hooks);
  if (!file.ok()) return file.status();
  auto file_size = file->size();
  if (!file_size.ok()) return file_size.status();
  std::unique_ptr<Segment> seg(new Segment(dir, base, options, std::move(*file)));
  if (Status st = seg->remove_index_files(); !st.ok()) return st;

  RecordReader reader(seg->log_, 0, *file_size, base, kScanChunk);
  auto outcome = seg->scan(&reader);
  if (!outcome.ok()) return outcome.status();
  seg->size_ = reader.position();
  seg->next_offset_ = reader.expected_offset();
  if (*outcome != RecordReader::Outcome::kEnd) {
    info->truncated_at = reader.position();
    info->truncated_bytes = *file_size - reader.position();
    info->truncation_reason = RecordReader::describe(*outcome);
    if (Status st = seg->log_.truncate(seg->size_); !st.ok()) return st;
  }
  // What the scan read may be in the page cache only (the previous process died, the machine
  // did not): make it durable before anything is built on it.
  if (Status st = seg->log_.sync(); !st.ok()) return st;
  return seg;
}

Segment::Tail Segment::tail() const {
  return {size_,       next_offset_,  bytes_since_index_, max_ts_,
          max_ts_rel_, index_.size(), time_index_.size()};
}

void Segment::restore(const Tail& t) {
  size_ = t.size;
  next_offset_ = t.next_offset;
  bytes_since_index_ = t.bytes_since_index;
  max_ts_ = t.max_ts;
  max_ts_rel_ = t.max_ts_rel;
  index_.resize(t.index_len);
  time_index_.resize(t.time_len);
}

void Segment::reset_index() {
  index_.clear();
  time_index_.clear();
  bytes_since_index_ = 0;
  max_ts_ = kNoTimestamp;
  max_ts_rel_ = 0;
}

void Segment::track(uint64_t offset, uint64_t position, uint64_t framed, int64_t ts) {
  const auto rel = static_cast<uint32_t>(offset - base_);
  if (ts > max_ts_) {
    max_ts_ = ts;
    max_ts_rel_ = rel;
  }
  if (position > 0 && bytes_since_index_ >= options_.index_interval_bytes) {
    index_.push_back({rel, static_cast<uint32_t>(position)});
    bytes_since_index_ = 0;
    if (time_index_.empty() || max_ts_ > time_index_.back().ts) {
      time_index_.push_back({max_ts_, max_ts_rel_});
    }
  }
  bytes_since_index_ += framed;
}

void Segment::finish_time_index() {
  if (!empty() && (time_index_.empty() || max_ts_ > time_index_.back().ts)) {
    time_index_.push_back({max_ts_, max_ts_rel_});
  }
}

Result<RecordReader::Outcome> Segment::scan(RecordReader* reader) {
  reset_index();
  RecordView rec;
  for (;;) {
    const uint64_t pos = reader->position();
    auto outcome = reader->next(&rec);
    if (!outcome.ok() || *outcome != RecordReader::Outcome::kRecord) return outcome;
    track(rec.offset, pos, reader->record_size(), rec.timestamp);
  }
}

Result<uint64_t> Segment::append(std::span<const RecordInput> records) {
  if (needs_truncate_) {
    if (Status st = log_.truncate(size_); !st.ok()) return st;
    needs_truncate_ = false;
  }
  const Tail before = tail();
  scratch_.clear();
  for (const RecordInput& r : records) {
    const uint64_t pos = size_ + scratch_.size();
    encode_record(&scratch_, next_offset_, r.timestamp, r.payload, r.batch_count);
    track(next_offset_, pos, framed_size(r), r.timestamp);
    next_offset_ += r.offsets();
  }
  Status st = log_.write_at(before.size, scratch_.data(), scratch_.size());
  if (st.ok()) size_ += scratch_.size();
  if (scratch_.capacity() > kMaxScratchKeep) std::string().swap(scratch_);
  if (!st.ok()) {
    restore(before);
    // Part of the batch may have reached the file; cut it off now or before the next append.
    if (!log_.truncate(before.size).ok()) needs_truncate_ = true;
    return st;
  }
  return before.next_offset;
}

IndexEntry Segment::index_lookup(uint64_t offset) const {
  const uint64_t rel = offset - base_;
  auto it = std::upper_bound(index_.begin(), index_.end(), rel,
                             [](uint64_t r, const Entry& e) { return r < e.rel; });
  if (it == index_.begin()) return {base_, 0};
  --it;
  return {base_ + it->rel, it->pos};
}

RecordReader Segment::reader_at(uint64_t offset, size_t chunk) const {
  const IndexEntry e = index_lookup(offset);
  return RecordReader(log_, e.position, size_, e.offset, chunk);
}

Status Segment::corruption(const RecordReader& reader, RecordReader::Outcome outcome) const {
  if (outcome == RecordReader::Outcome::kEnd) {
    return Status::Corruption(path(kLogSuffix) + ": offset " +
                              std::to_string(reader.expected_offset()) +
                              " is missing (the file ends before it)");
  }
  return Status::Corruption(path(kLogSuffix) + ": " + RecordReader::describe(outcome) +
                            " at position " + std::to_string(reader.position()) +
                            " (expected offset " + std::to_string(reader.expected_offset()) + ")");
}

Status Segment::seek(RecordReader* reader, uint64_t offset) const {
  RecordView rec;
  while (reader->expected_offset() < offset) {
    const uint64_t at = reader->position();
    const uint64_t first = reader->expected_offset();
    auto outcome = reader->next(&rec);
    if (!outcome.ok()) return outcome.status();
    if (*outcome != RecordReader::Outcome::kRecord) return corruption(*reader, *outcome);
    if (reader->expected_offset() > offset) {
      reader->rewind(at, first);  // a batch entry covering `offset`: start there
      break;
    }
  }
  return Status::Ok();
}

Status Segment::read(ReadCursor* cursor, uint64_t max_bytes, const ReadCallback& fn) const {
  if (cursor->next_offset >= next_offset_) return Status::Ok();
  // One pread should cover the scan from the index entry plus the bytes asked for.
  const uint64_t chunk = std::clamp<uint64_t>(max_bytes, 4096, kMaxReadChunk);
  RecordReader reader = reader_at(cursor->next_offset, chunk + options_.index_interval_bytes);
  if (Status st = seek(&reader, cursor->next_offset); !st.ok()) return st;
  RecordView rec;
  while (reader.expected_offset() < next_offset_) {
    auto outcome = reader.next(&rec);
    if (!outcome.ok()) return outcome.status();
    if (*outcome != RecordReader::Outcome::kRecord) return corruption(reader, *outcome);
    if (cursor->bytes > 0 && cursor->bytes + reader.record_size() > max_bytes) {
      cursor->done = true;
      return Status::Ok();
    }
    cursor->bytes += reader.record_size();
    cursor->next_offset = rec.next_offset();
    if (!fn(rec) || cursor->bytes >= max_bytes) {
      cursor->done = true;
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Result<uint64_t> Segment::offset_for_time(int64_t ts, uint64_t from) const {
  if (empty() || max_ts_ < ts) return next_offset_;
  // Every record up to a time entry's offset is no newer than the entry: start after the last
  // entry that is older than ts.
  uint64_t start = base_;
  auto it = std::lower_bound(time_index_.begin(), time_index_.end(), ts,
                             [](const TimeEntry& e, int64_t t) { return e.ts < t; });
  if (it != time_index_.begin()) start = base_ + std::prev(it)->rel + 1;
  start = std::max(start, from);
  if (start >= next_offset_) return next_offset_;
  RecordReader reader = reader_at(start, 64 * 1024);
  if (Status st = seek(&reader, start); !st.ok()) return st;
  RecordView rec;
  while (reader.expected_offset() < next_offset_) {
    auto outcome = reader.next(&rec);
    if (!outcome.ok()) return outcome.status();
    if (*outcome != RecordReader::Outcome::kRecord) return corruption(reader, *outcome);
    if (rec.timestamp >= ts) return rec.offset;
  }
  return next_offset_;
}

Status Segment::sync() { return log_.sync(); }

Status Segment::seal() {
  if (sealed_) return Status::Ok();
  finish_time_index();
  if (Status st = log_.sync(); !st.ok()) return st;
  if (Status st = write_index_files(); !st.ok()) return st;
  sealed_ = true;
  return Status::Ok();
}

Result<SealWork> Segment::seal_deferred() {
  finish_time_index();
  auto fd = log_.duplicate_fd();
  if (!fd.ok()) return fd.status();
  sealed_ = true;
  return SealWork(base_, *fd, path(kLogSuffix), path(kIndexSuffix), index_file_bytes(),
                  path(kTimeIndexSuffix), time_index_file_bytes(), options_.hooks);
}

Status Segment::truncate_to(uint64_t offset) {
  RecordReader reader = reader_at(offset, kScanChunk);
  if (Status st = seek(&reader, offset); !st.ok()) return st;
  if (reader.expected_offset() != offset) {
    return Status::InvalidArgument("offset " + std::to_string(offset) +
                                   " is inside a batch entry starting at " +
                                   std::to_string(reader.expected_offset()));
  }
  const uint64_t cut = reader.position();
  if (Status st = remove_index_files(); !st.ok()) return st;
  sealed_ = false;
  if (Status st = log_.truncate(cut); !st.ok()) return st;
  if (Status st = log_.sync(); !st.ok()) return st;
  needs_truncate_ = false;
  // Rebuild the in-memory index of what is left; the records before `cut` were just read or
  // are covered by the index, so a failed check here means the disk changed underneath.
  RecordReader rescan(log_, 0, cut, base_, kScanChunk);
  auto outcome = scan(&rescan);
  if (!outcome.ok()) return outcome.status();
  size_ = rescan.position();
  next_offset_ = rescan.expected_offset();
  if (*outcome != RecordReader::Outcome::kEnd) return corruption(rescan, *outcome);
  return Status::Ok();
}

Status Segment::verify() const {
  RecordReader reader(log_, 0, size_, base_, kScanChunk);
  RecordView rec;
  for (;;) {
    auto outcome = reader.next(&rec);
    if (!outcome.ok()) return outcome.status();
    if (*outcome == RecordReader::Outcome::kRecord) continue;
    if (*outcome == RecordReader::Outcome::kEnd && reader.expected_offset() == next_offset_) {
      return Status::Ok();
    }
    return corruption(reader, *outcome);
  }
}

Status Segment::remove() {
  if (Status st = remove_file(path(kLogSuffix)); !st.ok()) return st;
  (void)log_.close();
  // Index files left behind by a failure here are orphans that Log::open removes.
  (void)remove_index_files();
  return Status::Ok();
}

Status Segment::remove_index_files() {
  if (Status st = remove_file(path(kIndexSuffix)); !st.ok()) return st;
  return remove_file(path(kTimeIndexSuffix));
}

}  // namespace polymq::storage
