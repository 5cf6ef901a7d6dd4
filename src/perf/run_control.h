// What the event loop threads tell the main thread: progress of the set-up, completion of
// producers and consumers, and the first fatal error. Every member is safe to use from any
// thread; a worker calls these a few times per run (received() once per read batch), never
// per message.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

namespace polymq::perf {

class RunControl {
 public:
  // Records the first error (later ones are dropped) and wakes the main thread.
  void fail(std::string message);
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  std::string failure() const;

  // Counters the main thread waits on.
  void client_ready() { bump(ready_clients_); }
  void producer_finished() { bump(finished_producers_); }
  void consumer_finished() { bump(finished_consumers_); }
  void connection_opened() { bump(opened_connections_); }
  void connection_closed() { bump(closed_connections_); }
  void received(uint64_t n) { received_.fetch_add(n, std::memory_order_relaxed); }

  uint64_t ready_clients() const { return ready_clients_.load(); }
  uint64_t finished_producers() const { return finished_producers_.load(); }
  uint64_t finished_consumers() const { return finished_consumers_.load(); }
  uint64_t opened_connections() const { return opened_connections_.load(); }
  uint64_t closed_connections() const { return closed_connections_.load(); }
  uint64_t received_total() const { return received_.load(std::memory_order_relaxed); }

  // Waits until `done()` holds, an error is recorded, or `deadline` passes; returns done().
  template <class Pred>
  bool wait_until(std::chrono::steady_clock::time_point deadline, Pred done) {
    std::unique_lock lock(mutex_);
    cv_.wait_until(lock, deadline, [&] { return done() || failed(); });
    return done();
  }
  // Wakes a waiter so that it re-evaluates its condition.
  void notify();

 private:
  void bump(std::atomic<uint64_t>& counter);

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::atomic<bool> failed_{false};
  std::string failure_;
  std::atomic<uint64_t> ready_clients_{0};
  std::atomic<uint64_t> finished_producers_{0};
  std::atomic<uint64_t> finished_consumers_{0};
  std::atomic<uint64_t> opened_connections_{0};
  std::atomic<uint64_t> closed_connections_{0};
  std::atomic<uint64_t> received_{0};
};

}  // namespace polymq::perf
