// A queue's ready messages in delivery order: highest priority first, then by sequence.
//
// A queue without x-max-priority has one level, a plain FIFO. A priority queue keeps one FIFO
// per level 0..max; a message's level is its priority property capped at max (no property:
// level 0), as RabbitMQ's priority queues do.
//
// Invariant: within a level, messages are sorted by sequence. push_back is for new messages
// (whose sequence is the largest yet); insert puts a requeued message back at its place.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <vector>

#include "core/consumer.h"

namespace polymq::core {

class ReadyList {
 public:
  explicit ReadyList(uint8_t max_priority = 0) : levels_(size_t{max_priority} + 1) {}

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  QueuedMessage& front() { return levels_[top()].front(); }
  const QueuedMessage& front() const { return levels_[top()].front(); }

  void pop_front() {
    levels_[top()].pop_front();
    --size_;
  }

  void push_back(QueuedMessage m) {
    levels_[level_of(*m.message)].push_back(std::move(m));
    ++size_;
  }

  void insert(QueuedMessage m) {
    auto& level = levels_[level_of(*m.message)];
    auto pos = std::lower_bound(
        level.begin(), level.end(), m.sequence,
        [](const QueuedMessage& q, uint64_t sequence) { return q.sequence < sequence; });
    level.insert(pos, std::move(m));
    ++size_;
  }

  // Removes the first message, in delivery order, that `pred` accepts into `out`; false when
  // none does. Linear: for queues that skip messages (message groups), not the plain path.
  template <class Pred>
  bool take_first_if(Pred&& pred, QueuedMessage& out) {
    for (size_t i = levels_.size(); i-- > 0;) {
      auto& level = levels_[i];
      auto it = std::find_if(level.begin(), level.end(), pred);
      if (it == level.end()) continue;
      out = std::move(*it);
      level.erase(it);
      --size_;
      return true;
    }
    return false;
  }

  template <class Pred>
  bool any_of(Pred&& pred) const {
    for (const auto& level : levels_) {
      if (std::any_of(level.begin(), level.end(), pred)) return true;
    }
    return false;
  }

  void clear() {
    for (auto& level : levels_) level.clear();
    size_ = 0;
  }

  template <class Fn>
  void for_each(Fn&& fn) const {
    for (const auto& level : levels_) {
      for (const QueuedMessage& m : level) fn(m);
    }
  }

 private:
  size_t level_of(const Message& m) const {
    if (levels_.size() == 1) return 0;
    return std::min<size_t>(m.properties.priority.value_or(0), levels_.size() - 1);
  }
  // REQUIRES: !empty().
  size_t top() const {
    size_t i = levels_.size() - 1;
    while (levels_[i].empty()) --i;
    return i;
  }

  std::vector<std::deque<QueuedMessage>> levels_;
  size_t size_ = 0;
};

}  // namespace polymq::core
