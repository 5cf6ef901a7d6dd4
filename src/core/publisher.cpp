#include "core/publisher.h"

#include "core/queue.h"
#include "core/stream.h"
#include "core/vhost.h"

namespace polymq::core {

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
    if (stream->append_routed(*message, offset).ok()) {
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
