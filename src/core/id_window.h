// Entries keyed by ids issued in increasing order: a channel's deliveries by delivery tag, a
// queue's leases by lease id.
//
// The window is a deque indexed by (id - first id); taking an entry marks its slot and trims
// empty slots from the front. Taking one id and taking a prefix ("multiple") are both cheap,
// unlike a map, as long as entries are mostly settled in about the order they were added (an
// entry held for long keeps the slots after it, empty or not, until it goes). The take
// functions hand each entry to `fn(entry)`, or to `fn(tag, entry)` when fn takes the tag too.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <type_traits>
#include <utility>

namespace polymq::core {

template <class Entry>
class IdWindow {
 public:
  // Records `entry` under the next tag, which must be greater than every earlier one.
  void add(uint64_t tag, Entry entry) {
    if (entries_.empty()) first_tag_ = tag;
    // Tags between the last one and `tag` (deliveries that needed no ack) are placeholders.
    while (first_tag_ + entries_.size() < tag) entries_.emplace_back();
    entries_.emplace_back(std::move(entry));
    ++live_;
  }

  Entry* find(uint64_t tag) {
    if (!contains(tag)) return nullptr;
    return &*entries_[tag - first_tag_];
  }

  // Calls fn(id, entry) for every entry, oldest first.
  template <class Fn>
  void for_each(Fn&& fn) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i]) fn(first_tag_ + i, *entries_[i]);
    }
  }

  // Records `entry` again under `tag`, which was taken before and is not in the window now;
  // it may be lower than tags added since (a rolled-back transaction returns its acks).
  void put_back(uint64_t tag, Entry entry) {
    if (entries_.empty()) {
      first_tag_ = tag;
    } else {
      while (tag < first_tag_) {
        entries_.emplace_front();
        --first_tag_;
      }
    }
    while (first_tag_ + entries_.size() <= tag) entries_.emplace_back();
    entries_[tag - first_tag_].emplace(std::move(entry));
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
    call(fn, tag, std::move(e));
    return true;
  }

  // Removes every entry with a tag up to and including `tag`, oldest first.
  template <class Fn>
  size_t take_up_to(uint64_t tag, Fn&& fn) {
    size_t n = 0;
    while (!entries_.empty() && first_tag_ <= tag) {
      const uint64_t slot_tag = first_tag_++;
      if (!entries_.front()) {
        entries_.pop_front();
        continue;
      }
      // The entry is moved out of the slot, not the slot out of the deque: moving a whole
      // std::optional here trips GCC 12's -Wmaybe-uninitialized at -O2 (a false positive).
      Entry e = std::move(*entries_.front());
      entries_.pop_front();
      --live_;
      ++n;
      call(fn, slot_tag, std::move(e));
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
  template <class Fn>
  static void call(Fn& fn, uint64_t tag, Entry&& e) {
    if constexpr (std::is_invocable_v<Fn&, uint64_t, Entry&&>) {
      fn(tag, std::move(e));
    } else {
      fn(std::move(e));
    }
  }

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

}  // namespace polymq::core
