#include "net/asio_timers.h"

#include <cstdint>

namespace polymq::net {
namespace {

static_assert(std::is_same_v<core::Clock, asio::steady_timer::clock_type>,
              "core deadlines are asio steady_timer time points");

class AsioTimer final : public core::Timer {
 public:
  AsioTimer(asio::io_context& io, std::function<void()> on_fire)
      : timer_(io), state_(std::make_shared<State>()) {
    state_->on_fire = std::move(on_fire);
  }
  // Destroying timer_ aborts the pending wait; its handler then finds state_ gone.
  ~AsioTimer() override = default;

  void arm(core::Clock::time_point deadline) override {
    const uint64_t generation = ++state_->generation;
    timer_.expires_at(deadline);  // aborts the previous wait, if any
    timer_.async_wait(
        [weak = std::weak_ptr<State>(state_), generation](const asio::error_code& ec) {
          if (ec) return;
          // Locked for the whole call: the callback may destroy the Timer that owns the state.
          std::shared_ptr<State> state = weak.lock();
          if (!state || state->generation != generation) return;  // destroyed, cancelled, re-armed
          ++state->generation;  // fired: a later cancel() has nothing to undo
          state->on_fire();
        });
  }

  void cancel() override {
    ++state_->generation;
    timer_.cancel();
  }

 private:
  struct State {
    uint64_t generation = 0;
    std::function<void()> on_fire;
  };

  asio::steady_timer timer_;
  std::shared_ptr<State> state_;
};

}  // namespace

std::unique_ptr<core::Timer> AsioTimerService::create(std::function<void()> on_fire) {
  return std::make_unique<AsioTimer>(io_, std::move(on_fire));
}

}  // namespace polymq::net
