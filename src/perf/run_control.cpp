#include "perf/run_control.h"

namespace polymq::perf {

void RunControl::fail(std::string message) {
  {
    std::lock_guard lock(mutex_);
    if (failed_.load()) return;
    failure_ = std::move(message);
    failed_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
}

std::string RunControl::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

void RunControl::notify() {
  { std::lock_guard lock(mutex_); }
  cv_.notify_all();
}

void RunControl::bump(std::atomic<uint64_t>& counter) {
  {
    std::lock_guard lock(mutex_);
    counter.fetch_add(1);
  }
  cv_.notify_all();
}

}  // namespace polymq::perf
