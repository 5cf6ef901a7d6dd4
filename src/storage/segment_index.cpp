// The index files of a sealed segment: their one writer and one reader (format in
// log_format.h). They are derived data, so a file that fails any check is not an error: the
// caller scans the segment and rebuilds it.
#include <unistd.h>

#include <cerrno>
#include <string>
#include <utility>

#include "storage/crc32c.h"
#include "storage/segment.h"

namespace polymq::storage {

using namespace format;

namespace {

void put_footer(std::string* out, uint32_t magic, uint64_t records, uint64_t log_bytes) {
  const size_t at = out->size();
  out->resize(at + kFooterSize);
  char* f = out->data() + at;
  put_u32(f, magic);
  put_u32(f + 4, static_cast<uint32_t>(records));
  put_u32(f + 8, static_cast<uint32_t>(log_bytes));
  put_u32(f + 12, crc32c::value(out->data(), out->size() - 4));
}

Status write_file(const std::string& path, const std::string& bytes, const FaultHooks* hooks,
                  bool durable = true) {
  auto file = File::open(path, File::Mode::kReplace, hooks);
  if (!file.ok()) return file.status();
  Status st = file->write_at(0, bytes.data(), bytes.size());
  if (st.ok() && durable) st = file->sync();
  if (st.ok()) st = file->close();
  if (!st.ok()) (void)remove_file(path);
  return st;
}

// The entry bytes of an index file whose size, magic, footer fields and CRC check out.
std::optional<std::string> read_entries(const std::string& path, uint32_t magic, size_t entry_size,
                                        uint64_t records, uint64_t log_bytes) {
  auto file = File::open(path, File::Mode::kRead);
  if (!file.ok()) return std::nullopt;
  auto size = file->size();
  if (!size.ok() || *size < kFooterSize || (*size - kFooterSize) % entry_size != 0) {
    return std::nullopt;
  }
  std::string bytes(static_cast<size_t>(*size), '\0');
  auto got = file->read_at(0, bytes.data(), bytes.size());
  if (!got.ok() || *got != bytes.size()) return std::nullopt;
  const char* f = bytes.data() + bytes.size() - kFooterSize;
  if (get_u32(f) != magic || get_u32(f + 4) != records || get_u32(f + 8) != log_bytes ||
      get_u32(f + 12) != crc32c::value(bytes.data(), bytes.size() - 4)) {
    return std::nullopt;
  }
  bytes.resize(bytes.size() - kFooterSize);
  return bytes;
}

}  // namespace

std::string Segment::index_file_bytes() const {
  std::string bytes;
  bytes.reserve(index_.size() * kIndexEntrySize + kFooterSize);
  for (const Entry& e : index_) {
    char entry[kIndexEntrySize];
    put_u32(entry, e.rel);
    put_u32(entry + 4, e.pos);
    bytes.append(entry, sizeof entry);
  }
  put_footer(&bytes, kIndexMagic, next_offset_ - base_, size_);
  return bytes;
}

std::string Segment::time_index_file_bytes() const {
  std::string bytes;
  bytes.reserve(time_index_.size() * kTimeEntrySize + kFooterSize);
  for (const TimeEntry& e : time_index_) {
    char entry[kTimeEntrySize];
    put_u64(entry, static_cast<uint64_t>(e.ts));
    put_u32(entry + 8, e.rel);
    bytes.append(entry, sizeof entry);
  }
  put_footer(&bytes, kTimeIndexMagic, next_offset_ - base_, size_);
  return bytes;
}

Status Segment::write_index_files() const {
  if (Status st = write_file(path(kIndexSuffix), index_file_bytes(), options_.hooks); !st.ok()) {
    return st;
  }
  return write_file(path(kTimeIndexSuffix), time_index_file_bytes(), options_.hooks);
}

SealWork::SealWork(uint64_t base, int fd, std::string log_path, std::string index_path,
                   std::string index_bytes, std::string time_path, std::string time_bytes,
                   const FaultHooks* hooks)
    : base_(base),
      fd_(fd),
      log_path_(std::move(log_path)),
      index_path_(std::move(index_path)),
      index_bytes_(std::move(index_bytes)),
      time_path_(std::move(time_path)),
      time_bytes_(std::move(time_bytes)) {
  if (hooks != nullptr && (hooks->on_write || hooks->on_sync || hooks->on_truncate)) {
    hooks_ = *hooks;
  }
}

SealWork::~SealWork() {
  if (fd_ >= 0) ::close(fd_);
}

SealWork::SealWork(SealWork&& other) noexcept
    : base_(other.base_),
      fd_(std::exchange(other.fd_, -1)),
      log_path_(std::move(other.log_path_)),
      index_path_(std::move(other.index_path_)),
      index_bytes_(std::move(other.index_bytes_)),
      time_path_(std::move(other.time_path_)),
      time_bytes_(std::move(other.time_bytes_)),
      hooks_(std::move(other.hooks_)) {}

SealWork& SealWork::operator=(SealWork&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    base_ = other.base_;
    fd_ = std::exchange(other.fd_, -1);
    log_path_ = std::move(other.log_path_);
    index_path_ = std::move(other.index_path_);
    index_bytes_ = std::move(other.index_bytes_);
    time_path_ = std::move(other.time_path_);
    time_bytes_ = std::move(other.time_bytes_);
    hooks_ = std::move(other.hooks_);
  }
  return *this;
}

Status SealWork::run(bool durable) const {
  const FaultHooks* hooks = hooks_ ? &*hooks_ : nullptr;
  if (durable) {
    // The index files promise a complete .log (see the class comment): sync it first.
    if (hooks != nullptr && hooks->on_sync) {
      if (const int err = hooks->on_sync(log_path_); err != 0) {
        return Status::IOError("fdatasync " + log_path_, err);
      }
    }
    if (::fdatasync(fd_) != 0) return Status::IOError("fdatasync " + log_path_, errno);
  }
  if (!write_file(index_path_, index_bytes_, hooks, durable).ok() ||
      !write_file(time_path_, time_bytes_, hooks, durable).ok()) {
    undo();
  }
  return Status::Ok();
}

void SealWork::undo() const {
  (void)remove_file(index_path_);
  (void)remove_file(time_path_);
}

bool Segment::load_indexes() {
  const uint64_t records = next_offset_ - base_;
  if (records > UINT32_MAX || size_ > UINT32_MAX) return false;
  auto index = read_entries(path(kIndexSuffix), kIndexMagic, kIndexEntrySize, records, size_);
  auto times =
      read_entries(path(kTimeIndexSuffix), kTimeIndexMagic, kTimeEntrySize, records, size_);
  if (!index || !times) return false;

  std::vector<Entry> entries;
  for (size_t i = 0; i < index->size(); i += kIndexEntrySize) {
    const Entry e{get_u32(index->data() + i), get_u32(index->data() + i + 4)};
    if (e.rel >= records || e.pos >= size_) return false;
    if (!entries.empty() && (e.rel <= entries.back().rel || e.pos <= entries.back().pos)) {
      return false;
    }
    entries.push_back(e);
  }
  std::vector<TimeEntry> time_entries;
  for (size_t i = 0; i < times->size(); i += kTimeEntrySize) {
    const TimeEntry e{static_cast<int64_t>(get_u64(times->data() + i)),
                      get_u32(times->data() + i + 8)};
    if (e.rel >= records) return false;
    if (!time_entries.empty() &&
        (e.ts <= time_entries.back().ts || e.rel <= time_entries.back().rel)) {
      return false;
    }
    time_entries.push_back(e);
  }
  // A non-empty sealed segment always ends its time index with its largest timestamp.
  if (records > 0 && time_entries.empty()) return false;

  index_ = std::move(entries);
  time_index_ = std::move(time_entries);
  if (!time_index_.empty()) {
    max_ts_ = time_index_.back().ts;
    max_ts_rel_ = time_index_.back().rel;
  }
  return true;
}

}  // namespace polymq::storage
