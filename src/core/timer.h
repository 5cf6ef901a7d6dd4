// Time for the core: a monotonic clock and one-shot timers, provided by the server's event
// loop (asio) and by a manual fake in unit tests, so the core needs no I/O library. Timers run
// on the monotonic clock; the wall clock is only for times that must outlive the process (a
// delayed message's not-before time, core/message.h).
//
// REQUIRES: timers are armed, cancelled and fire on the owner thread of the vhost using them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace polymq::core {

using Clock = std::chrono::steady_clock;

// One timer, re-armable. Destroying it cancels it; its callback never runs afterwards.
class Timer {
 public:
  virtual ~Timer() = default;
  // Fires the callback once at `deadline` (immediately-ish when it has passed); arming an
  // armed timer moves its deadline.
  virtual void arm(Clock::time_point deadline) = 0;
  virtual void cancel() = 0;
};

class TimerService {
 public:
  virtual ~TimerService() = default;
  virtual Clock::time_point now() const = 0;
  // Milliseconds since the epoch (the system clock).
  virtual int64_t wall_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  virtual std::unique_ptr<Timer> create(std::function<void()> on_fire) = 0;
};

}  // namespace polymq::core
