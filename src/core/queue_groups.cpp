// Queue: message groups (one in flight per group) and the deduplication window (core/queue.h
// has the invariants). Nothing here runs for a queue without those settings.
#include <algorithm>

#include "core/queue.h"

namespace polymq::core {

bool Queue::eligible(const QueuedMessage& m) const {
  return !m.message->group || !groups_in_flight_.contains(*m.message->group);
}

bool Queue::pop_grouped(QueuedMessage& out, const std::string* group) {
  const bool found =
      group != nullptr
          ? ready_.take_first_if([&](const QueuedMessage& m) { return m.message->group == *group; },
                                 out)
          : ready_.take_first_if([&](const QueuedMessage& m) { return eligible(m); }, out);
  if (found) took_ready(out);
  return found;
}

size_t Queue::receive_grouped(size_t max, const ReceiveOptions& options,
                              std::vector<Delivery>& out) {
  size_t n = 0;
  Delivery d;
  // The group being taken: its next messages come before another group's (SQS returns a
  // group's messages together).
  std::optional<std::string> group;
  while (n < max) {
    if (!receive_one(d, options, group ? &*group : nullptr)) {
      if (!group) break;
      group.reset();
      continue;
    }
    if (!group && d.message->group) group = *d.message->group;
    out.push_back(std::move(d));
    ++n;
  }
  return n;
}

void Queue::dispatch_grouped() {
  for (;;) {
    if (ready_.empty()) refill();
    if (ready_.empty() || consumers_.empty()) return;
    if (!ready_.any_of([&](const QueuedMessage& m) { return eligible(m); })) return;
    const ConsumerEntry* entry = next_ready_consumer();
    if (entry == nullptr) return;
    const ConsumerEntry chosen = *entry;
    QueuedMessage m;
    if (!pop_grouped(m, nullptr)) return;
    const std::optional<std::string> group = m.message->group;
    deliver_to(chosen, std::move(m));
    if (!group) continue;
    // The same consumer takes the group's next messages while it can (and is still here:
    // a delivery may cancel it).
    auto present = [&] {
      return std::any_of(consumers_.begin(), consumers_.end(),
                         [&](const ConsumerEntry& e) { return e.consumer == chosen.consumer; });
    };
    while (present() && chosen.consumer->ready() && pop_grouped(m, &*group)) {
      deliver_to(chosen, std::move(m));
    }
  }
}

void Queue::group_leased(const Message& m) {
  if (m.group) ++groups_in_flight_[*m.group];
}

void Queue::group_released(const Message& m) {
  if (!m.group) return;
  auto it = groups_in_flight_.find(*m.group);
  if (it == groups_in_flight_.end()) return;
  if (--it->second == 0) groups_in_flight_.erase(it);
}

const Message* Queue::duplicate_of(const std::string& id) {
  if (dedup_ == nullptr) return nullptr;
  return dedup_->find(id, wall_now());
}

bool Queue::duplicate(const Message& message) {
  return message.dedup_id && duplicate_of(*message.dedup_id) != nullptr;
}

void Queue::recover_dedup_window() {
  store_->keep_recent(settings_.dedup_window_ms);
  // Every id accepted in the window is still on disk (keep_recent holds those segments),
  // deleted messages' included: a send repeated across a restart is still a duplicate.
  const int64_t since = wall_now() - static_cast<int64_t>(*settings_.dedup_window_ms);
  Status st = store_->recent_messages(since, [this](StoredMessage& stored) {
    remember_dedup_id(*stored.message, stored.message->timestamp_ms);
  });
  if (!st.ok() && stores_ != nullptr) {
    stores_->warn("queue '" + name_ + "' in vhost '" + vhost_ +
                  "': deduplication window not recovered: " + st.message());
  }
}

void Queue::remember_dedup_id(const Message& message, std::optional<int64_t> accepted_ms) {
  if (!message.dedup_id) return;
  const int64_t now = wall_now();
  dedup_->remember(message, accepted_ms.value_or(now), now);
}

}  // namespace polymq::core
