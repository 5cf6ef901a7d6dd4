#include "server/stream_compaction.h"

#include <spdlog/spdlog.h>

#include <utility>

namespace polymq::server {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Whether a pass could find anything: a settled segment past the dirty start.
bool has_dirty(const core::CompactionJob& job) {
  return !job.settled.empty() && job.settled.back().next_base > job.dirty_from;
}

}  // namespace

StreamCompaction::StreamCompaction(asio::io_context& io, core::Broker& broker,
                                   const core::CompactionFormat& format,
                                   std::chrono::milliseconds interval)
    : io_(io), broker_(broker), format_(format), interval_(interval), timer_(io) {}

StreamCompaction::~StreamCompaction() {
  stop();
  *alive_ = false;
}

void StreamCompaction::start() {
  if (!stopped_) return;
  stopped_ = false;
  cancel_ = false;
  {
    std::lock_guard lock(mu_);
    quit_ = false;
  }
  worker_ = std::thread([this] { work(); });
  schedule();
}

void StreamCompaction::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  cancel_ = true;
  {
    std::lock_guard lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  if (worker_.joinable()) worker_.join();
  queued_.clear();
  busy_ = false;
}

void StreamCompaction::schedule() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopped_) return;
    run_once();
    schedule();
  });
}

void StreamCompaction::run_once() {
  if (stopped_ || busy_ || !queued_.empty()) return;
  const int64_t now = now_ms();
  for (const core::VHost* listed : broker_.vhosts()) {
    core::VHost* vhost = broker_.find_vhost(listed->name());
    if (vhost == nullptr) continue;
    for (const core::Stream* stream : vhost->streams()) {
      if (!stream->settings().cleanup_compact) continue;
      for (uint32_t p = 0; p < stream->partition_count(); ++p) {
        if (!has_dirty(stream->compaction_job(p, now))) continue;
        Pending pending{vhost->name(), stream->name(), stream->id(), {}};
        pending.job.partition = p;
        queued_.push_back(std::move(pending));
      }
    }
  }
  dispatch();
}

void StreamCompaction::dispatch() {
  while (!stopped_ && !busy_ && !queued_.empty()) {
    Pending pending = std::move(queued_.front());
    queued_.pop_front();
    // The job is taken now, not when it was queued: segments may have come and gone since.
    const core::Stream* stream = find(pending);
    if (stream == nullptr || pending.job.partition >= stream->partition_count()) continue;
    pending.job = stream->compaction_job(pending.job.partition, now_ms());
    pending.job.policy.cancel = &cancel_;
    busy_ = true;
    {
      std::lock_guard lock(mu_);
      handed_ = std::move(pending);
    }
    cv_.notify_one();
  }
}

void StreamCompaction::work() {
  for (;;) {
    Pending pending;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return quit_ || handed_.has_value(); });
      if (quit_) return;
      pending = std::move(*handed_);
      handed_.reset();
    }
    const auto started = std::chrono::steady_clock::now();
    core::CompactionPass pass = core::compact_partition(
        pending.job.log_dir, pending.job.settled, pending.job.dirty_from, pending.job.policy,
        format_, pending.job.index_interval_bytes);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    asio::post(io_, [this, alive = alive_, pending = std::move(pending), pass = std::move(pass),
                     took]() mutable {
      if (!*alive) return;
      finish(pending, pass, took);
    });
  }
}

core::Stream* StreamCompaction::find(const Pending& pending) const {
  core::VHost* vhost = broker_.find_vhost(pending.vhost);
  core::Stream* stream = vhost != nullptr ? vhost->find_stream(pending.stream) : nullptr;
  return stream != nullptr && stream->id() == pending.stream_id ? stream : nullptr;
}

void StreamCompaction::finish(const Pending& pending, const core::CompactionPass& pass,
                              std::chrono::milliseconds took) {
  busy_ = false;
  if (stopped_) return;
  const std::string name = pending.stream + "-" + std::to_string(pending.job.partition) +
                           " in vhost '" + pending.vhost + "'";
  core::Stream* stream = find(pending);
  if (stream == nullptr) {
    // Deleted meanwhile: its directory, staged files included, went with it.
    dispatch();
    return;
  }
  uint64_t reclaimed = 0;
  const core::Status installed = stream->install_compacted(pending.job, pass, reclaimed);
  if (pass.ran) ++passes_;
  uint64_t removed = 0;
  for (const core::StagedSegment& staged : pass.staged) removed += staged.records_removed;
  records_removed_ += removed;
  if (!pass.status.ok()) {
    spdlog::warn("compaction of {} stopped: {}", name, pass.status.message());
  }
  if (!installed.ok()) spdlog::warn("compaction of {}: {}", name, installed.message());
  if (!pass.staged.empty()) {
    uint64_t read = 0;
    for (const storage::SealedSegment& s : pending.job.settled) read += s.bytes;
    spdlog::info(
        "compacted {}: {} records removed, {} bytes reclaimed in {} segments ({} bytes of "
        "settled segments, pass took {} ms)",
        name, removed, reclaimed, pass.staged.size(), read, took.count());
  }
  dispatch();
}

}  // namespace polymq::server
