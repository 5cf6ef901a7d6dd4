#include "storage/change_log.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "storage/log_format.h"
#include "storage/record.h"

namespace polymq::storage {
namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Zeros written in chunks of this size when a generation is created or extended.
constexpr size_t kZeroChunk = 64 * 1024;

Status write_zeros(File& file, uint64_t from, uint64_t to) {
  static const std::string zeros(kZeroChunk, '\0');
  for (uint64_t pos = from; pos < to; pos += kZeroChunk) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kZeroChunk, to - pos));
    if (Status st = file.write_at(pos, zeros.data(), n); !st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace

std::string change_log_file(const ChangeLogOptions& options, uint64_t base) {
  const std::string dir = options.dir.empty() ? "." : options.dir;
  const std::string name = format::segment_file_name(base, "");
  return dir + "/" + options.prefix + name;
}

Result<ChangeLogReplay> replay_change_log(
    const ChangeLogOptions& options, uint64_t after,
    const std::function<Status(uint64_t seq, std::string_view payload)>& fn) {
  ChangeLogReplay out;
  out.last_seq = after;
  const std::string dir = options.dir.empty() ? "." : options.dir;
  std::vector<uint64_t> bases;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(options.prefix, 0) != 0) continue;
    if (auto base = format::parse_segment_file_name(name.substr(options.prefix.size()), "")) {
      bases.push_back(*base);
    }
  }
  if (ec) return Status::IOError("list " + dir, ec.value());
  std::sort(bases.begin(), bases.end());
  for (uint64_t base : bases) out.files.push_back(change_log_file(options, base));

  for (size_t i = 0; i < bases.size(); ++i) {
    const uint64_t base = bases[i];
    const std::string& path = out.files[i];
    if (base > out.last_seq) {
      // Record base is missing (an unacknowledged tail lost before this generation, or
      // files removed by hand): nothing from here on follows the replayed state.
      if (!out.dropped.empty()) out.dropped += "; ";
      out.dropped += path + " starts after record " + std::to_string(base) +
                     " but the records end at " + std::to_string(out.last_seq);
      break;
    }
    auto file = File::open(path, File::Mode::kRead);
    if (!file.ok()) return file.status();
    auto size = file->size();
    if (!size.ok()) return size.status();
    RecordReader reader(*file, 0, *size, base + 1);
    for (;;) {
      RecordView rec;
      auto outcome = reader.next(&rec);
      if (!outcome.ok()) return outcome.status();
      if (*outcome == RecordReader::Outcome::kEnd) break;
      if (*outcome != RecordReader::Outcome::kRecord) {
        // A zero length field is where the written records end in a preallocated file;
        // anything else is a torn or corrupt tail, never acknowledged. Either way this
        // generation ends here, and the next one must continue the numbering.
        char len[format::kLengthSize] = {1, 1, 1, 1};
        auto n = file->read_at(reader.position(), len, sizeof len);
        if (!n.ok()) return n.status();
        const bool clean_end = *outcome == RecordReader::Outcome::kBadLength && *n == sizeof len &&
                               format::get_u32(len) == 0;
        if (!clean_end) {
          if (!out.dropped.empty()) out.dropped += "; ";
          out.dropped += path + ": " + RecordReader::describe(*outcome) + " at byte " +
                         std::to_string(reader.position()) + " (record " +
                         std::to_string(reader.expected_offset()) + ")";
        }
        break;
      }
      if (rec.offset <= out.last_seq) continue;  // already in the snapshot
      if (Status st = fn(rec.offset, rec.payload); !st.ok()) return st;
      out.last_seq = rec.offset;
      ++out.records;
    }
  }
  return out;
}

ChangeLog::ChangeLog(ChangeLogOptions options, uint64_t last_seq, Post post)
    : options_(std::move(options)),
      post_(std::move(post)),
      last_seq_(last_seq),
      durable_seq_(last_seq) {}

Result<std::unique_ptr<ChangeLog>> ChangeLog::create(ChangeLogOptions options, uint64_t last_seq,
                                                     Post post) {
  std::unique_ptr<ChangeLog> log(new ChangeLog(std::move(options), last_seq, std::move(post)));
  if (Status st = log->open_generation(last_seq); !st.ok()) return st;
  log->thread_ = std::thread([p = log.get()] { p->writing_thread(); });
  return log;
}

ChangeLog::~ChangeLog() {
  drain();
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ChangeLog::queue(Op op) {
  {
    std::lock_guard lock(mu_);
    ops_.push_back(std::move(op));
  }
  cv_.notify_all();
}

uint64_t ChangeLog::append(std::string_view payload) {
  const uint64_t seq = ++last_seq_;
  std::string framed;
  encode_record(&framed, seq, wall_ms(), payload);
  generation_bytes_ += framed.size();
  {
    std::lock_guard lock(mu_);
    // Consecutive records share one op, written with one pwrite.
    if (!ops_.empty() && ops_.back().kind == Op::Kind::kRecords) {
      ops_.back().bytes += framed;
      ops_.back().seq = seq;
    } else {
      Op op{Op::Kind::kRecords};
      op.bytes = std::move(framed);
      op.seq = seq;
      ops_.push_back(std::move(op));
    }
  }
  cv_.notify_all();
  return seq;
}

void ChangeLog::when_durable(uint64_t seq, DoneFn done) {
  if (seq <= durable_seq_) {
    done(true);
    return;
  }
  waiters_.emplace(seq, std::move(done));
}

void ChangeLog::rotate() {
  generation_bytes_ = 0;
  Op op{Op::Kind::kRotate};
  op.seq = last_seq_;
  queue(std::move(op));
}

void ChangeLog::run(std::function<Status()> job, std::function<void(Status)> done) {
  Op op{Op::Kind::kJob};
  op.job = std::move(job);
  op.done = std::move(done);
  queue(std::move(op));
}

void ChangeLog::remove_through(uint64_t seq) {
  Op op{Op::Kind::kRemove};
  op.seq = seq;
  queue(std::move(op));
}

void ChangeLog::mark_durable(uint64_t seq) {
  if (seq <= durable_seq_) return;
  durable_seq_ = seq;
  if (failed_ && seq >= failed_through_) failed_ = false;
  resolve_waiters(seq, true);
}

void ChangeLog::resolve_waiters(uint64_t upto, bool ok) {
  while (!waiters_.empty() && waiters_.begin()->first <= upto) {
    DoneFn done = std::move(waiters_.begin()->second);
    waiters_.erase(waiters_.begin());
    done(ok);
  }
}

void ChangeLog::drain() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return (ops_.empty() && !busy_) || !thread_.joinable(); });
}

void ChangeLog::writing_thread() {
  for (;;) {
    std::vector<Op> ops;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !ops_.empty() || stop_; });
      if (ops_.empty()) return;  // stop_, with nothing left
      ops.swap(ops_);
      busy_ = true;
    }
    BatchResult result = run_batch(ops);
    post_([this, r = std::make_shared<BatchResult>(std::move(result))] {
      finish_batch(std::move(*r));
    });
    {
      std::lock_guard lock(mu_);
      busy_ = false;
    }
    cv_.notify_all();
  }
}

ChangeLog::BatchResult ChangeLog::run_batch(std::vector<Op>& ops) {
  BatchResult result;
  auto fail = [&](const Status&) {
    result.ok = false;
    file_failed_ = true;
  };
  for (Op& op : ops) {
    switch (op.kind) {
      case Op::Kind::kRecords:
        result.last_seq = op.seq;
        if (file_failed_) {
          result.ok = false;
        } else if (Status st = write_records(op.bytes); !st.ok()) {
          fail(st);
        }
        break;
      case Op::Kind::kRotate: {
        // The old generation is complete: synced before the new one takes records.
        if (Status st = sync_current(); !st.ok()) fail(st);
        // A new file is trusted again; a failure to create it keeps the log failing.
        if (Status st = open_generation(op.seq); !st.ok()) {
          fail(st);
        } else {
          file_failed_ = false;
        }
        break;
      }
      case Op::Kind::kJob: {
        if (Status st = sync_current(); !st.ok()) fail(st);
        result.jobs.emplace_back(std::move(op.done), op.job());
        break;
      }
      case Op::Kind::kRemove: {
        // Keep the generation holding seq + 1 and every later one.
        size_t keep = 0;
        for (size_t i = 0; i < bases_.size(); ++i) {
          if (bases_[i] <= op.seq) keep = i;
        }
        for (size_t i = 0; i < keep; ++i) {
          (void)remove_file(change_log_file(options_, bases_[i]));
        }
        bases_.erase(bases_.begin(), bases_.begin() + static_cast<ptrdiff_t>(keep));
        break;
      }
    }
  }
  if (Status st = sync_current(); !st.ok()) fail(st);
  return result;
}

Status ChangeLog::open_generation(uint64_t base) {
  if (file_.is_open()) (void)file_.close();
  const std::string path = change_log_file(options_, base);
  auto file = File::open(path, File::Mode::kReplace, options_.hooks);
  if (!file.ok()) return file.status();
  file_ = std::move(*file);
  file_base_ = base;
  write_pos_ = 0;
  file_size_ = 0;
  file_dirty_ = false;
  if (bases_.empty() || bases_.back() != base) bases_.push_back(base);
  // The zeros, the file's size and its directory entry are made durable before any record
  // relies on them; afterwards a record's sync is an overwrite.
  if (Status st = extend(options_.preallocate_bytes); !st.ok()) return st;
  if (Status st = file_.sync(); !st.ok()) return st;
  return sync_dir(options_.dir.empty() ? "." : options_.dir);
}

Status ChangeLog::extend(uint64_t needed) {
  if (options_.preallocate_bytes == 0 || needed <= file_size_) return Status::Ok();
  uint64_t size = std::max<uint64_t>(file_size_, options_.preallocate_bytes);
  while (size < needed) size += options_.preallocate_bytes;
  if (Status st = write_zeros(file_, file_size_, size); !st.ok()) return st;
  file_size_ = size;
  file_dirty_ = true;
  return Status::Ok();
}

Status ChangeLog::write_records(const std::string& bytes) {
  if (Status st = extend(write_pos_ + bytes.size() + format::kLengthSize); !st.ok()) return st;
  if (Status st = file_.write_at(write_pos_, bytes.data(), bytes.size()); !st.ok()) return st;
  write_pos_ += bytes.size();
  file_dirty_ = true;
  return Status::Ok();
}

Status ChangeLog::sync_current() {
  if (!file_dirty_ || !file_.is_open()) return Status::Ok();
  if (file_failed_) return Status::IOError("sync after a failed write", EIO);
  file_dirty_ = false;
  return options_.sync ? file_.sync() : Status::Ok();
}

void ChangeLog::finish_batch(BatchResult result) {
  // Jobs first: a snapshot's mark_durable() may heal a failure these records would report.
  for (auto& [done, status] : result.jobs) {
    if (done) done(status);
  }
  if (result.last_seq != 0) {
    if (!result.ok) {
      failed_ = true;
      failed_through_ = std::max(failed_through_, result.last_seq);
    }
    if (failed_) {
      // Records after a lost one are not replayed: only a snapshot makes them durable.
      resolve_waiters(result.last_seq, false);
    } else {
      durable_seq_ = std::max(durable_seq_, result.last_seq);
      resolve_waiters(durable_seq_, true);
    }
  }
}

}  // namespace polymq::storage
