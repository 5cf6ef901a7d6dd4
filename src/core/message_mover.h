// Moves the ready messages of one queue to other queues, as a background task on the loop:
// SQS's dead-letter redrive (StartMessageMoveTask), usable by any front-end.
//
// - What moves: the messages ready when the task starts (to_move(), the source's
//   message_count() then), taken from its head in chunks, at most `per_second` a second when
//   a rate is given. Messages that arrive later, and messages other receivers hold, stay.
// - Where: a named destination queue, or, without one, back to the queue each message was last
//   dead-lettered from (VHost::dead_lettered_from, the broker model's record).
// - Never lost: a message is leased from the source (no deadline, held by the mover), published
//   to its destination through a core::Publisher, and the lease is acked only when that publish
//   has completed (durable with its group-commit round). A publish that fails or reaches no
//   queue returns the lease (requeue, which counts as a delivery) and fails the task. A crash
//   in between leaves the message in the source, or in both (at least once, never none).
// - Ends: completed when to_move() messages were taken or the source has no more ready;
//   cancel() stops taking at once (cancelling until the chunks in flight complete); a failure
//   (source or destination gone, an unknown origin, a refused publish) stops it likewise.
//   `on_stopped` is called once, when the final state is reached; it must not destroy the
//   mover. Destroying a running mover returns the messages it holds to the source.
//
// REQUIRES: every call on the loop that owns the vhost; the mover outlives no broker.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/publisher.h"
#include "core/queue.h"
#include "core/timer.h"

namespace polymq::core {

class Broker;

class MessageMover final : private Publisher::Listener {
 public:
  enum class State { kRunning, kCompleted, kCancelling, kCancelled, kFailed };
  enum class Failure {
    kNone,
    kSourceGone,       // the source queue was deleted
    kDestinationGone,  // a destination queue does not exist (any more)
    kOriginUnknown,    // no destination given and a message has no dead-letter origin
    kPublishRefused,   // a destination refused the message (full, store error)
  };
  struct Options {
    std::string vhost;
    QueueId source = 0;
    // Where every message goes; nullopt: where each was last dead-lettered from.
    std::optional<std::string> destination;
    uint32_t per_second = 0;  // 0: as fast as the loop and kMaxInFlight allow
  };

  // Publishes not yet completed at any time; the mover takes no more until some complete.
  static constexpr uint64_t kMaxInFlight = 1024;
  // Messages taken per loop turn without a rate.
  static constexpr uint64_t kChunk = 256;

  MessageMover(Broker& broker, TimerService& timers, Options options,
               std::function<void()> on_stopped);
  ~MessageMover() override;
  MessageMover(const MessageMover&) = delete;
  MessageMover& operator=(const MessageMover&) = delete;

  // Counts the source's ready messages and takes the first chunk on the next loop turn. A
  // source that is gone fails at once.
  void start();
  // Stops taking messages; state() is kCancelling until the moves in flight complete.
  void cancel();

  State state() const { return state_; }
  bool active() const { return state_ == State::kRunning || state_ == State::kCancelling; }
  Failure failure() const { return failure_; }
  uint64_t moved() const { return moved_; }
  uint64_t to_move() const { return to_move_; }
  uint32_t per_second() const { return options_.per_second; }

 private:
  // Takes the next chunk and publishes it; re-arms itself while there is more to take.
  void step();
  // Publishes one taken message; false when it was returned (and the task stops).
  bool move(const Delivery& delivery);
  // Stops taking; the final state follows once nothing is in flight.
  void stop(State final_state, Failure failure);
  void finish_if_idle();
  void schedule(Clock::duration delay);
  void return_lease(LeaseId lease);

  // Publisher::Listener
  void publishes_completed() override;
  void drain();

  Broker& broker_;
  TimerService& timers_;
  Options options_;
  std::function<void()> on_stopped_;
  HolderId holder_;
  Publisher publisher_;
  std::unique_ptr<Timer> timer_;
  bool armed_ = false;
  bool blocked_ = false;  // a step found kMaxInFlight publishes in flight

  State state_ = State::kRunning;
  bool taking_ = true;  // false once stopping: only in-flight publishes remain
  State final_state_ = State::kCompleted;
  Failure failure_ = Failure::kNone;
  uint64_t to_move_ = 0;
  uint64_t taken_ = 0;
  uint64_t moved_ = 0;
  // Source leases of publishes in flight, by publish id.
  std::map<uint64_t, LeaseId> in_flight_;
};

}  // namespace polymq::core
