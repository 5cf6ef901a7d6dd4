// The publish operation: route a message from an exchange, enqueue it in every queue it
// reaches, and complete it once it is durable. AMQP publisher confirms and tx.commit, and
// later Kafka acks and SQS/SNS 200s, all come from here; no front-end knows about commit
// rounds.
//
// A Publisher serves one publishing endpoint (an AMQP channel, later a Kafka connection or an
// HTTP request batch). Tracked publishes get ids 1, 2, 3 ... and complete in id order: a
// publish is complete when every queue took it and the group-commit round that covers its
// durable writes has ended (ok), or when a queue refused it or the round failed (not ok).
// Publishes that wrote nothing durable complete at once, but never before an earlier one.
//
// REQUIRES: the owner thread of the vhosts published to (the shard's event loop).
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/message.h"
#include "core/queue_store.h"
#include "core/status.h"

namespace polymq::core {

class VHost;
class Queue;
class Stream;

struct PublishResult {
  Status status;        // not ok: nothing was routed (missing or internal exchange)
  bool routed = false;  // reached at least one queue
  uint64_t id = 0;      // the tracked publish's id; 0 when untracked
};

class Publisher final : public CommitListener {
 public:
  // Told when tracked publishes may have completed; drain() says which.
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void publishes_completed() = 0;
  };

  Publisher(CommitTracker& commits, Listener& listener);
  ~Publisher() override;
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  // Routes `message` from `exchange` (also by its CC header and by `bcc`, the BCC keys the
  // front-end removed from it), enqueues it in the queues it reaches and appends it to the
  // streams it reaches (a partition chosen by its key, else its routing key). With `track`, it
  // takes the next id and completes through drain().
  PublishResult publish(VHost& vhost, std::string_view exchange, const MessagePtr& message,
                        const std::vector<std::string>* bcc, bool track);

  // Hands out completed publishes, in id order, as runs: fn(first, last, true) for ids
  // first..last that all succeeded, fn(id, id, false) for one that failed. Stops at the first
  // publish still waiting for its round.
  template <class Fn>
  void drain(Fn&& fn);
  // Every tracked publish up to here has completed and been drained.
  uint64_t drained_through() const { return drained_; }
  uint64_t last_id() const { return last_id_; }

  // Forgets every tracked publish (the endpoint closed); later rounds tell nothing.
  void reset();

  // CommitListener
  void round_done(uint64_t round, bool ok) override;

 private:
  // A tracked publish whose completion is not "ok, now": it waits for a round, or failed.
  struct Held {
    enum class State { kWaiting, kOk, kFailed };
    uint64_t id = 0;
    uint64_t round = 0;
    State state = State::kWaiting;
  };
  void hold(uint64_t id, uint64_t round, Held::State state);

  CommitTracker& commits_;
  Listener& listener_;
  std::vector<Queue*> targets_;   // scratch, kept to avoid an allocation per publish
  std::vector<Stream*> streams_;  // likewise
  uint64_t last_id_ = 0;
  uint64_t drained_ = 0;
  std::deque<Held> held_;  // by id
};

template <class Fn>
void Publisher::drain(Fn&& fn) {
  // Successes are gathered into one run until a failure or a waiting publish ends it.
  uint64_t ok_through = drained_;
  auto flush = [&] {
    if (ok_through <= drained_) return;
    fn(drained_ + 1, ok_through, true);
    drained_ = ok_through;
  };
  while (!held_.empty()) {
    const Held& h = held_.front();
    if (h.state == Held::State::kWaiting) {
      ok_through = h.id - 1;
      flush();
      return;
    }
    if (h.state == Held::State::kFailed) {
      ok_through = h.id - 1;
      flush();
      fn(h.id, h.id, false);
      drained_ = h.id;
    }
    ok_through = h.id;
    held_.pop_front();
  }
  ok_through = last_id_;
  flush();
}

}  // namespace polymq::core
