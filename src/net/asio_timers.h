// core::TimerService on the event loop: one asio::steady_timer per core::Timer, on the
// broker's io_context.
//
// A callback never runs after its Timer was cancelled, re-armed or destroyed, although asio
// may already have queued the completion of the wait it replaced: every completion carries
// the arming generation it belongs to and a weak reference to the timer's state, and runs
// the callback only when both still match.
//
// REQUIRES: timers are created, armed, cancelled and destroyed on the thread running `io`.
#pragma once

#include <asio.hpp>
#include <functional>
#include <memory>

#include "core/timer.h"

namespace polymq::net {

class AsioTimerService final : public core::TimerService {
 public:
  explicit AsioTimerService(asio::io_context& io) : io_(io) {}

  core::Clock::time_point now() const override { return core::Clock::now(); }
  std::unique_ptr<core::Timer> create(std::function<void()> on_fire) override;

 private:
  asio::io_context& io_;
};

}  // namespace polymq::net
