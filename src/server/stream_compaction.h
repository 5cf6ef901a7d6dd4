// Compacts, in the background, the streams (Kafka topics) whose cleanup.policy includes
// compact (core/stream_compaction.h): every interval the loop looks for partitions with dirty
// settled segments and hands them, one at a time, to a worker thread, which reads and
// rewrites segments; the loop then installs the replacements (renames, no sync and no scan).
// Nothing of a pass but taking the job and installing its result runs on the loop.
//
// REQUIRES: start/stop/run_once on the thread running `io`; the broker and `format` outlive
// this.
#pragma once

#include <asio.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/broker.h"
#include "core/stream.h"
#include "core/stream_compaction.h"

namespace polymq::server {

class StreamCompaction {
 public:
  StreamCompaction(asio::io_context& io, core::Broker& broker,
                   const core::CompactionFormat& format, std::chrono::milliseconds interval);
  ~StreamCompaction();
  StreamCompaction(const StreamCompaction&) = delete;
  StreamCompaction& operator=(const StreamCompaction&) = delete;

  void start();
  // Cancels the pass in flight (between segments) and joins the worker.
  void stop();
  // Queues a pass for every partition with dirty segments (none while passes are queued).
  void run_once();

  // Passes finished and their totals, for tests and logs.
  uint64_t passes() const { return passes_; }
  uint64_t records_removed() const { return records_removed_; }

 private:
  // A partition queued for a pass; its job is taken when the worker gets it.
  struct Pending {
    std::string vhost;
    std::string stream;
    uint64_t stream_id = 0;
    core::CompactionJob job;
  };
  void schedule();
  // On the loop: hands the next queued job to the worker when it is idle.
  void dispatch();
  // On the loop: installs what a pass staged.
  void finish(const Pending& pending, const core::CompactionPass& pass,
              std::chrono::milliseconds took);
  core::Stream* find(const Pending& pending) const;
  void work();

  asio::io_context& io_;
  core::Broker& broker_;
  const core::CompactionFormat& format_;
  std::chrono::milliseconds interval_;
  asio::steady_timer timer_;
  bool stopped_ = true;
  std::deque<Pending> queued_;  // the loop's
  bool busy_ = false;           // the loop's: a job is with the worker
  uint64_t passes_ = 0;
  uint64_t records_removed_ = 0;
  // Handlers posted by the worker check this before touching `this`.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Pending> handed_;  // under mu_
  bool quit_ = false;              // under mu_
  std::atomic<bool> cancel_{false};
  std::thread worker_;
};

}  // namespace polymq::server
