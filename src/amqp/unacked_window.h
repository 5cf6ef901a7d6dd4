// Deliveries a channel has handed out and not yet settled, by delivery tag.
//
// Tags are issued in increasing order, so the window is a deque indexed by (tag - first tag);
// settling marks an entry and trims settled entries from the front. Settling one tag and
// settling a prefix ("multiple") are both cheap, unlike a map.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <utility>

namespace polymq::amqp {

template <class Entry>
class UnackedWindow {
 public:
  // Records `entry` under the next tag, which must be greater than every earlier one.
  void add(uint64_t tag, Entry entry) {
    if (entries_.empty()) first_tag_ = tag;
    // Tags between the last one and `tag` (deliveries that needed no ack) are placeholders.
    while (first_tag_ + entries_.size() < tag) entries_.emplace_back();
    entries_.emplace_back(std::move(entry));
    ++live_;
  }

  bool contains(uint64_t tag) const {
    if (tag < first_tag_ || tag >= first_tag_ + entries_.size()) return false;
    return entries_[tag - first_tag_].has_value();
  }

  // Removes the entry for `tag` and hands it to `fn`; false when there is none.
  template <class Fn>
  bool take(uint64_t tag, Fn&& fn) {
    if (!contains(tag)) return false;
    auto& slot = entries_[tag - first_tag_];
    Entry e = std::move(*slot);
    slot.reset();
    --live_;
    trim();
    fn(std::move(e));
    return true;
  }

  // Removes every entry with a tag up to and including `tag`, oldest first.
  template <class Fn>
  size_t take_up_to(uint64_t tag, Fn&& fn) {
    size_t n = 0;
    while (!entries_.empty() && first_tag_ <= tag) {
      auto slot = std::move(entries_.front());
      entries_.pop_front();
      ++first_tag_;
      if (slot) {
        --live_;
        ++n;
        fn(std::move(*slot));
      }
    }
    return n;
  }

  template <class Fn>
  size_t take_all(Fn&& fn) {
    return take_up_to(UINT64_MAX - 1, std::forward<Fn>(fn));
  }

  size_t size() const { return live_; }
  bool empty() const { return live_ == 0; }

 private:
  void trim() {
    while (!entries_.empty() && !entries_.front()) {
      entries_.pop_front();
      ++first_tag_;
    }
  }

  std::deque<std::optional<Entry>> entries_;
  uint64_t first_tag_ = 1;
  size_t live_ = 0;
};

}  // namespace polymq::amqp
