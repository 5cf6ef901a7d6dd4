#include "core/stream.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>

#include "core/message_codec.h"

namespace polymq::core {

namespace {

std::atomic<uint64_t> next_stream_id{1};

Status from_storage(const storage::Status& st, const std::string& what) {
  const ErrorCode code = st.code() == storage::Code::kInvalidArgument ? ErrorCode::kInvalidArgument
                         : st.code() == storage::Code::kOutOfRange    ? ErrorCode::kNotFound
                                                                      : ErrorCode::kInternal;
  return {code, what + ": " + st.message()};
}

}  // namespace

Stream::Stream(std::string name, std::string dir, const StreamSettings& settings,
               storage::GroupCommitter* committer)
    : name_(std::move(name)),
      dir_(std::move(dir)),
      settings_(settings),
      committer_(committer),
      id_(next_stream_id.fetch_add(1, std::memory_order_relaxed)) {}

Stream::~Stream() {
  if (committer_ != nullptr) committer_->forget(this);
  notify_closing();
}

void Stream::add_watch(StreamWatch* watch) {
  if (std::find(watches_.begin(), watches_.end(), watch) == watches_.end()) {
    watches_.push_back(watch);
  }
}

void Stream::remove_watch(StreamWatch* watch) {
  watches_.erase(std::remove(watches_.begin(), watches_.end(), watch), watches_.end());
}

void Stream::notify(uint32_t partition) {
  if (watches_.empty()) return;
  // A watch may remove itself or others while told: each is told only if still registered.
  const std::vector<StreamWatch*> snapshot = watches_;
  for (StreamWatch* watch : snapshot) {
    if (std::find(watches_.begin(), watches_.end(), watch) != watches_.end()) {
      watch->stream_advanced(*this, partition);
    }
  }
}

void Stream::notify_closing() {
  std::vector<StreamWatch*> closing;
  closing.swap(watches_);
  for (StreamWatch* watch : closing) watch->stream_closing(*this);
}

Status Stream::open(std::string name, std::string dir, const StreamSettings& settings,
                    storage::GroupCommitter* committer, std::unique_ptr<Stream>& out,
                    const storage::FaultHooks& hooks) {
  if (settings.partitions == 0) return {ErrorCode::kInvalidArgument, "a stream needs a partition"};
  std::unique_ptr<Stream> s(new Stream(std::move(name), std::move(dir), settings, committer));
  s->hooks_ = hooks;
  if (Status st = s->open_partitions(settings.partitions); !st.ok()) return st;
  out = std::move(s);
  return Status::Ok();
}

Status Stream::open_partitions(uint32_t count) {
  storage::LogOptions options;
  options.segment_bytes = settings_.segment_bytes;
  options.retention_ms = settings_.retention_ms;
  options.retention_bytes = settings_.retention_bytes;
  options.hooks = hooks_;
  for (auto p = static_cast<uint32_t>(partitions_.size()); p < count; ++p) {
    const std::string path = dir_ + "/" + std::to_string(p);
    auto log = storage::Log::open(path, options);
    if (!log.ok()) return from_storage(log.status(), "cannot open " + path);
    partitions_.push_back(std::move(*log));
    dirty_.push_back(false);
    in_round_.push_back(false);
    dirty_from_.push_back(0);
  }
  return Status::Ok();
}

Status Stream::reconfigure(const StreamSettings& settings) {
  if (settings.partitions < partition_count()) {
    return {ErrorCode::kInvalidArgument, "stream '" + name_ + "' has " +
                                             std::to_string(partition_count()) +
                                             " partitions and cannot have fewer"};
  }
  settings_ = settings;
  for (auto& log : partitions_) {
    log->set_limits(settings.segment_bytes, settings.retention_ms, settings.retention_bytes);
  }
  Status st = open_partitions(settings.partitions);
  settings_.partitions = partition_count();
  return st;
}

Status Stream::check_partition(uint32_t partition) const {
  if (partition < partitions_.size()) return Status::Ok();
  return {ErrorCode::kInvalidArgument,
          "stream '" + name_ + "' has no partition " + std::to_string(partition)};
}

Status Stream::append(uint32_t partition, std::span<const storage::RecordInput> records,
                      uint64_t& base_offset) {
  if (Status st = check_partition(partition); !st.ok()) return st;
  auto got = partitions_[partition]->append_batch(records);
  if (!got.ok()) {
    return from_storage(got.status(), "append to " + dir_ + "/" + std::to_string(partition));
  }
  base_offset = *got;
  if (!dirty_[partition]) {
    dirty_[partition] = true;
    if (committer_ != nullptr) committer_->mark_dirty(this);
  }
  notify(partition);
  return Status::Ok();
}

Status Stream::append_message(uint32_t partition, const Message& message, int64_t timestamp_ms,
                              uint64_t& offset) {
  std::string encoded;
  encode_stored_message(encoded, 0, false, message);
  const storage::RecordInput record{encoded, timestamp_ms};
  return append(partition, std::span<const storage::RecordInput>(&record, 1), offset);
}

uint32_t Stream::partition_for(const Message& message) const {
  const auto partitions = partition_count();
  if (partitions <= 1) return 0;
  const std::string& key = message.key ? *message.key : message.routing_key;
  uint32_t h = 2166136261u;  // FNV-1a
  for (char c : key) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;
  }
  return h % partitions;
}

Status Stream::append_routed(const Message& message, uint64_t& offset) {
  const int64_t ts =
      message.timestamp_ms.value_or(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  return append_message(partition_for(message), message, ts, offset);
}

Status Stream::read(uint32_t partition, uint64_t offset, uint64_t max_bytes,
                    const storage::ReadCallback& fn, uint64_t& next) const {
  if (Status st = check_partition(partition); !st.ok()) return st;
  auto got = partitions_[partition]->read(offset, max_bytes, fn);
  if (!got.ok()) {
    return from_storage(got.status(), "read " + dir_ + "/" + std::to_string(partition));
  }
  next = *got;
  return Status::Ok();
}

Status Stream::offset_for_time(uint32_t partition, int64_t timestamp_ms, uint64_t& offset) const {
  if (Status st = check_partition(partition); !st.ok()) return st;
  auto got = partitions_[partition]->offset_for_time(timestamp_ms);
  if (!got.ok()) return from_storage(got.status(), "time lookup in " + dir_);
  offset = *got;
  return Status::Ok();
}

uint64_t Stream::apply_retention(int64_t now_ms) {
  if (!settings_.cleanup_delete) return 0;
  uint64_t bytes = 0;
  for (auto& log : partitions_) {
    auto deleted = log->apply_retention(now_ms);
    if (deleted.ok()) bytes += deleted->bytes;
  }
  return bytes;
}

bool parse_cleanup_policy(std::string_view text, StreamSettings& out) {
  bool compact = false;
  bool remove = false;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t comma = std::min(text.find(',', at), text.size());
    std::string_view item = text.substr(at, comma - at);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item == "compact") {
      compact = true;
    } else if (item == "delete") {
      remove = true;
    } else {
      return false;
    }
    at = comma + 1;
  }
  out.cleanup_compact = compact;
  out.cleanup_delete = remove;
  return true;
}

std::string cleanup_policy_name(const StreamSettings& settings) {
  if (settings.cleanup_compact) return settings.cleanup_delete ? "compact,delete" : "compact";
  return "delete";
}

CompactionJob Stream::compaction_job(uint32_t partition, int64_t now_ms) const {
  const storage::Log& log = *partitions_[partition];
  CompactionJob job;
  job.partition = partition;
  job.log_dir = log.dir();
  job.settled = log.settled_segments();
  job.dirty_from = dirty_from_[partition];
  job.policy.now_ms = now_ms;
  job.policy.delete_retention_ms = settings_.delete_retention_ms;
  job.policy.min_compaction_lag_ms = settings_.min_compaction_lag_ms;
  job.policy.min_cleanable_dirty_ratio = settings_.min_cleanable_dirty_ratio;
  job.index_interval_bytes = storage::LogOptions{}.index_interval_bytes;
  return job;
}

Status Stream::install_compacted(const CompactionJob& job, const CompactionPass& pass,
                                 uint64_t& reclaimed) {
  reclaimed = 0;
  if (Status st = check_partition(job.partition); !st.ok()) return st;
  storage::Log& log = *partitions_[job.partition];
  Status failed;
  for (const StagedSegment& staged : pass.staged) {
    const storage::Status st = log.install_rewritten(staged.segment);
    if (st.ok()) {
      reclaimed += staged.result.bytes_before - staged.result.bytes_after;
    } else if (st.code() != storage::Code::kNotFound && failed.ok()) {
      failed = from_storage(st, "install compacted segment in " + log.dir());
    }
  }
  if (pass.status.ok()) {
    dirty_from_[job.partition] = std::max(dirty_from_[job.partition], pass.dirty_from);
  }
  return failed;
}

Status Stream::delete_records(uint32_t partition, uint64_t offset, uint64_t& start) {
  if (Status st = check_partition(partition); !st.ok()) return st;
  storage::Log& log = *partitions_[partition];
  auto deleted = log.set_start_offset(offset);
  start = log.first_offset();
  if (!deleted.ok()) {
    return from_storage(deleted.status(),
                        "delete records of " + dir_ + "/" + std::to_string(partition));
  }
  return Status::Ok();
}

void Stream::destroy() {
  if (committer_ != nullptr) committer_->forget(this);
  notify_closing();
  committer_ = nullptr;
  partitions_.clear();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void Stream::begin_round(storage::GroupCommitter& committer) {
  for (size_t p = 0; p < partitions_.size(); ++p) {
    if (!dirty_[p]) continue;
    dirty_[p] = false;
    in_round_[p] = true;
    committer.add_log(partitions_[p].get());
  }
}

void Stream::end_round(bool /*ok*/) {
  // A failed sync poisons the partition's log (storage::Log::end_sync); its appends then fail
  // with that error, and the round's waiters were told it failed. Either way the durable
  // offsets of the partitions in the round may have moved: readers waiting on them recheck.
  for (uint32_t p = 0; p < in_round_.size(); ++p) {
    if (!in_round_[p]) continue;
    in_round_[p] = false;
    notify(p);
  }
}

}  // namespace polymq::core
