#include "core/publisher.h"

#include <chrono>

#include "core/queue.h"
#include "core/stream.h"
#include "core/vhost.h"

namespace polymq::core {
namespace {

// A stable choice of partition for a message routed into a stream: FNV-1a of its record key,
// or of its routing key when it has none, so messages with one key stay in order.
uint32_t partition_for(const Message& message, uint32_t partitions) {
  if (partitions <= 1) return 0;
  const std::string& key = message.key ? *message.key : message.routing_key;
  uint32_t h = 2166136261u;
  for (char c : key) {
    h ^= static_cast<uint8_t>(c);
    h *= 16777619u;
  }
  return h % partitions;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Publisher::Publisher(CommitTracker& commits, Listener& listener)
    : commits_(commits), listener_(listener) {}

Publisher::~Publisher() { commits_.cancel_wait(this); }

PublishResult Publisher::publish(VHost& vhost, std::string_view exchange, const MessagePtr& message,
                                 const std::vector<std::string>* bcc, bool track) {
  PublishResult result;
  targets_.clear();
  streams_.clear();
  result.status = vhost.route(exchange, *message, targets_, false, bcc, &streams_);
  if (!result.status.ok()) return result;
  result.routed = !targets_.empty() || !streams_.empty();
  bool refused = false;
  bool pending_sync = false;
  for (Queue* queue : targets_) {
    switch (queue->enqueue(message)) {
      case EnqueueOutcome::kQueued:
        break;
      case EnqueueOutcome::kQueuedPendingSync:
        pending_sync = true;
        break;
      case EnqueueOutcome::kRefused:
        refused = true;
        break;
    }
  }
  for (Stream* stream : streams_) {
    uint64_t offset = 0;
    const int64_t ts = message->timestamp_ms.value_or(now_ms());
    if (stream
            ->append_message(partition_for(*message, stream->partition_count()), *message, ts,
                             offset)
            .ok()) {
      pending_sync = true;  // a stream keeps every message: durable with the round
    } else {
      refused = true;
    }
  }
  if (!track) return result;
  result.id = ++last_id_;
  if (refused) {
    hold(result.id, 0, Held::State::kFailed);
  } else if (pending_sync) {
    const uint64_t round = commits_.covering_round();
    if (round != 0) hold(result.id, round, Held::State::kWaiting);
  }
  return result;
}

void Publisher::hold(uint64_t id, uint64_t round, Held::State state) {
  held_.push_back(Held{id, round, state});
  if (state == Held::State::kWaiting) commits_.wait(this);
}

void Publisher::round_done(uint64_t round, bool ok) {
  bool waiting = false;
  for (Held& h : held_) {
    if (h.state != Held::State::kWaiting) continue;
    if (h.round <= round) {
      h.state = ok ? Held::State::kOk : Held::State::kFailed;
    } else {
      waiting = true;
    }
  }
  if (waiting) commits_.wait(this);
  listener_.publishes_completed();
}

void Publisher::reset() {
  commits_.cancel_wait(this);
  held_.clear();
  drained_ = last_id_;
}

}  // namespace polymq::core
