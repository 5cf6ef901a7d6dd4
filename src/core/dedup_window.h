// The deduplication ids a queue accepted in the last `window` ms (QueueSettings::
// dedup_window_ms), each with what the answer to a repeated send needs: the original message's
// id and annotations (no body, no headers, so the window holds little for the messages it
// outlives).
//
// Times are wall-clock ms, so an id remembered from a recovered message's send time
// (Message::timestamp_ms) expires when it would have without the restart.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

#include "core/message.h"

namespace polymq::core {

class DedupWindow {
 public:
  explicit DedupWindow(uint64_t window_ms) : window_ms_(static_cast<int64_t>(window_ms)) {}

  // The original of a message with `id` accepted in the window before `now_ms`, or null.
  const Message* find(const std::string& id, int64_t now_ms) {
    prune(now_ms);
    auto it = by_id_.find(id);
    if (it == by_id_.end() || it->second.expires_ms <= now_ms) return nullptr;
    return it->second.original.get();
  }

  // Remembers `message` (its dedup_id set) as accepted at `accepted_ms`; an id still in the
  // window keeps its first original.
  void remember(const Message& message, int64_t accepted_ms, int64_t now_ms) {
    const int64_t expires = accepted_ms + window_ms_;
    if (!message.dedup_id || expires <= now_ms) return;
    auto stub = std::make_shared<Message>();
    stub->properties.message_id = message.properties.message_id;
    stub->group = message.group;
    stub->dedup_id = message.dedup_id;
    stub->annotations = message.annotations;
    auto [it, added] = by_id_.try_emplace(*message.dedup_id, Entry{stub, expires});
    if (!added) {
      if (it->second.expires_ms > now_ms) return;
      it->second = Entry{std::move(stub), expires};  // expired, not yet pruned
    }
    by_time_.emplace_back(expires, *message.dedup_id);
  }

  size_t size() const { return by_id_.size(); }

 private:
  struct Entry {
    std::shared_ptr<const Message> original;
    int64_t expires_ms;
  };

  // Ids arrive in about time order (recovered ones may not be); one that expired behind a
  // later one goes when that one does, and find() never answers it meanwhile.
  void prune(int64_t now_ms) {
    while (!by_time_.empty() && by_time_.front().first <= now_ms) {
      auto it = by_id_.find(by_time_.front().second);
      if (it != by_id_.end() && it->second.expires_ms <= now_ms) by_id_.erase(it);
      by_time_.pop_front();
    }
  }

  int64_t window_ms_;
  std::unordered_map<std::string, Entry> by_id_;
  std::deque<std::pair<int64_t, std::string>> by_time_;
};

}  // namespace polymq::core
