// Stands in for the event loop in tests of code that posts completions back to its owner
// thread (group commit, the change log, and the core and server code over them).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "storage/change_log.h"
#include "storage/group_commit.h"

namespace polymq::storage::testing {

// Stands in for the event loop: other threads post here, the test runs what was posted on its
// own thread. Delays are ignored (run in order).
class TestLoop {
 public:
  // For a GroupCommitter.
  GroupCommitter::Post post() {
    return [this](uint32_t, std::function<void()> fn) { push(std::move(fn)); };
  }
  // For a ChangeLog and what is built on it.
  ChangeLog::Post post_task() {
    return [this](std::function<void()> fn) { push(std::move(fn)); };
  }
  // Runs posted work until `done` holds (waiting for the syncing thread as needed).
  template <class Pred>
  bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mu_);
        if (!cv_.wait_until(lock, deadline, [&] { return !tasks_.empty(); })) return false;
        fn = std::move(tasks_.front());
        tasks_.pop_front();
      }
      fn();
    }
    return true;
  }
  void run_pending() {
    run_until([&] {
      std::lock_guard lock(mu_);
      return tasks_.empty();
    });
  }

 private:
  void push(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(fn));
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
};

}  // namespace polymq::storage::testing
