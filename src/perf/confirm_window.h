// Publisher confirms outstanding on one channel.
//
// Sequence numbers start at 1 and grow by one per publish, as the broker numbers them after
// confirm.select. A confirm may cover one number or, with `multiple`, every number up to it;
// brokers may confirm out of order and may confirm a number again inside a later `multiple`, so
// each number is settled at most once. Memory is a ring of the window's size.
#pragma once

#include <cstdint>
#include <vector>

namespace polymq::perf {

class ConfirmWindow {
 public:
  explicit ConfirmWindow(uint32_t capacity) : settled_(capacity ? capacity : 1, false) {}

  uint32_t capacity() const { return static_cast<uint32_t>(settled_.size()); }
  uint64_t outstanding() const { return outstanding_; }
  bool full() const { return next_ - base_ >= settled_.size(); }

  // Reserves the next sequence number. REQUIRES: !full().
  uint64_t publish() {
    settled_[next_ % settled_.size()] = false;
    ++outstanding_;
    return next_++;
  }

  // Settles `seq` (and, if `multiple`, everything before it); returns how many numbers were
  // newly settled. Numbers never published or already settled are ignored.
  uint64_t settle(uint64_t seq, bool multiple) {
    uint64_t newly = 0;
    if (seq >= next_) seq = next_ - 1;
    if (seq < base_) return 0;
    uint64_t from = multiple ? base_ : seq;
    for (uint64_t s = from; s <= seq; ++s) {
      auto slot = s % settled_.size();
      if (!settled_[slot]) {
        settled_[slot] = true;
        ++newly;
      }
    }
    outstanding_ -= newly;
    while (base_ < next_ && settled_[base_ % settled_.size()]) ++base_;
    return newly;
  }

 private:
  std::vector<bool> settled_;
  uint64_t base_ = 1;  // lowest number not known to be settled
  uint64_t next_ = 1;  // number of the next publish
  uint64_t outstanding_ = 0;
};

}  // namespace polymq::perf
