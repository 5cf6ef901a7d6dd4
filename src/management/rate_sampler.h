// Per-second rates of counters and counts, from the readings the API takes when it is asked
// (RabbitMQ samples every 5 s whether anyone looks or not; PolyMQ only reads what is listed).
//
// Keeps two readings per key and answers rates against the older one, which is at least
// `min_span` old once the key has been read that long: a client polling every few seconds
// (the web UI, a dashboard) sees the rates of the last `min_span` or so, a rare one the
// average since its previous look. A key's first reading has no rates (zeros). Values are
// unsigned but may fall (a queue's count), so rates are signed. Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>

namespace polymq::management {

template <class Key, size_t N>
class RateSampler {
 public:
  using Clock = std::chrono::steady_clock;
  using Values = std::array<uint64_t, N>;
  using Rates = std::array<double, N>;

  explicit RateSampler(Clock::duration min_span = std::chrono::seconds(5)) : min_span_(min_span) {}

  Rates rates(const Key& key, const Values& values, Clock::time_point now) {
    const Reading reading{now, values};
    std::lock_guard lock(mutex_);
    auto [it, first] = entries_.try_emplace(key, Entry{reading, reading, now});
    if (first) return {};
    Entry& e = it->second;
    e.last_read = now;
    if (now - e.next.at >= min_span_) {
      e.base = e.next;
      e.next = reading;
    }
    const double seconds = std::chrono::duration<double>(now - e.base.at).count();
    Rates out{};
    if (seconds <= 0) return out;
    for (size_t i = 0; i < N; ++i) {
      out[i] = (static_cast<double>(values[i]) - static_cast<double>(e.base.values[i])) / seconds;
    }
    return out;
  }

  // Forgets the keys not read since `before` (deleted queues, closed channels).
  void forget_unread_since(Clock::time_point before) {
    std::lock_guard lock(mutex_);
    std::erase_if(entries_,
                  [before](const auto& entry) { return entry.second.last_read < before; });
  }

  size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

 private:
  struct Reading {
    Clock::time_point at;
    Values values{};
  };
  struct Entry {
    Reading base;  // what rates are measured against
    Reading next;  // becomes the base once it is min_span old
    Clock::time_point last_read;
  };

  Clock::duration min_span_;
  mutable std::mutex mutex_;
  std::map<Key, Entry> entries_;
};

}  // namespace polymq::management
