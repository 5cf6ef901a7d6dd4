// A manual clock and timers for unit tests: time moves only when advance() is called, and
// timers due by then fire in deadline order. The wall clock moves with the monotonic one.
#pragma once

#include <map>
#include <memory>

#include "core/timer.h"

namespace polymq::core {

class FakeTimers final : public TimerService {
 public:
  Clock::time_point now() const override { return now_; }
  int64_t wall_ms() const override {
    return kWallStartMs +
           std::chrono::duration_cast<std::chrono::milliseconds>(now_ - kStart).count();
  }

  std::unique_ptr<Timer> create(std::function<void()> on_fire) override {
    return std::make_unique<FakeTimer>(*this, std::move(on_fire));
  }

  void advance(std::chrono::milliseconds by) {
    const Clock::time_point until = now_ + by;
    for (;;) {
      FakeTimer* due = nullptr;
      for (auto& [id, t] : armed_) {
        if (t->deadline_ <= until && (due == nullptr || t->deadline_ < due->deadline_)) due = t;
      }
      if (due == nullptr) break;
      if (due->deadline_ > now_) now_ = due->deadline_;
      armed_.erase(due->id_);
      auto fire = due->on_fire_;  // the callback may destroy the timer
      fire();
    }
    now_ = until;
  }

 private:
  class FakeTimer final : public Timer {
   public:
    FakeTimer(FakeTimers& owner, std::function<void()> on_fire)
        : owner_(owner), on_fire_(std::move(on_fire)), id_(++owner.next_id_) {}
    ~FakeTimer() override { cancel(); }
    void arm(Clock::time_point deadline) override {
      deadline_ = deadline;
      owner_.armed_[id_] = this;
    }
    void cancel() override { owner_.armed_.erase(id_); }

    FakeTimers& owner_;
    std::function<void()> on_fire_;
    uint64_t id_;
    Clock::time_point deadline_{};
    friend class FakeTimers;
  };

  static constexpr Clock::time_point kStart{std::chrono::hours(1)};
  static constexpr int64_t kWallStartMs = 1'700'000'000'000;  // November 2023
  Clock::time_point now_{kStart};
  uint64_t next_id_ = 0;
  std::map<uint64_t, FakeTimer*> armed_;
};

}  // namespace polymq::core
