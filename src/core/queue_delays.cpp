// Queue: delayed delivery, the messages held until their not-before time (core/queue.h has
// the invariants). The rest of the queue is in queue.cpp and queue_leases.cpp.
#include <algorithm>
#include <chrono>

#include "core/queue.h"

namespace polymq::core {

int64_t Queue::wall_now() const {
  if (timers_ != nullptr) return timers_->wall_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t Queue::due_at_enqueue(const Message& message, int64_t wall) const {
  int64_t due = 0;
  if (message.not_before_ms) {
    due = *message.not_before_ms;
  } else if (settings_.delivery_delay_ms.value_or(0) > 0) {
    // Bounded so the sum cannot overflow (the model allows at most about 49 days).
    due = wall + static_cast<int64_t>(std::min<uint64_t>(*settings_.delivery_delay_ms, 1ull << 40));
  }
  return due > wall ? due : 0;
}

void Queue::hold(QueuedMessage message, int64_t due_ms) {
  delayed_footprint_ += message.message->footprint();
  delayed_.emplace(due_ms, std::move(message));
  arm_delay_timer();
}

bool Queue::release_due() {
  if (delayed_.empty() || deleted_) return false;
  const int64_t wall = wall_now();
  bool released = false;
  bool have_now = false;
  Clock::time_point t{};
  while (!delayed_.empty() && delayed_.begin()->first <= wall) {
    QueuedMessage m = std::move(delayed_.begin()->second);
    delayed_.erase(delayed_.begin());
    delayed_footprint_ -= std::min(delayed_footprint_, m.message->footprint());
    if (m.expires_at != Clock::time_point::max()) {
      if (!have_now) {
        t = now();
        have_now = true;
      }
      if (m.expires_at <= t) {
        // Its TTL (SQS: retention) ran out while it was held.
        if (m.log_offset != kNotStored && store_ != nullptr) store_->settle(m.log_offset);
        dead_letter(m.message, DeadLetterReason::kExpired);
        continue;
      }
      timed_ = true;
    }
    ready_bytes_ += m.message->body.size();
    ready_footprint_ += m.message->footprint();
    ready_.insert(std::move(m));
    released = true;
  }
  if (released) {
    while (over_limit() && drop_head(DeadLetterReason::kMaxLen)) {
    }
    arm_ttl_timer();
  }
  return released;
}

void Queue::arm_delay_timer() {
  if (timers_ == nullptr || deleted_ || delayed_.empty()) return;
  const int64_t first = delayed_.begin()->first;
  if (first >= delay_timer_at_) return;
  if (delay_timer_ == nullptr) {
    delay_timer_ = timers_->create([this] {
      delay_timer_at_ = INT64_MAX;
      // Fired early (the wall clock went back): release_due finds nothing and it re-arms.
      if (release_due() && !consumers_.empty()) dispatch();
      arm_delay_timer();
    });
  }
  delay_timer_at_ = first;
  const int64_t wait_ms = std::max<int64_t>(0, first - timers_->wall_ms());
  delay_timer_->arm(timers_->now() + std::chrono::milliseconds(wait_ms));
}

void Queue::drop_delayed() {
  if (store_ != nullptr && !deleted_) {
    for (const auto& [due, m] : delayed_) {
      if (m.log_offset != kNotStored) store_->settle(m.log_offset);
    }
  }
  delayed_.clear();
  delayed_footprint_ = 0;
  if (delay_timer_ != nullptr) delay_timer_->cancel();
  delay_timer_at_ = INT64_MAX;
}

}  // namespace polymq::core
