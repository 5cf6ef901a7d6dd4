#include "core/message_mover.h"

#include <algorithm>

#include "core/broker.h"

namespace polymq::core {
namespace {

// A moved message goes to exactly one queue: routing headers that would copy it elsewhere go.
MessagePtr addressed_to(const Message& message, const std::string& queue) {
  auto out = std::make_shared<Message>(message);  // shares the body
  out->exchange.clear();
  out->routing_key = queue;
  if (out->properties.headers) {
    std::erase_if(*out->properties.headers,
                  [](const auto& entry) { return entry.first == "CC" || entry.first == "BCC"; });
  }
  return out;
}

}  // namespace

MessageMover::MessageMover(Broker& broker, TimerService& timers, Options options,
                           std::function<void()> on_stopped)
    : broker_(broker),
      timers_(timers),
      options_(std::move(options)),
      on_stopped_(std::move(on_stopped)),
      holder_(broker.next_owner_id()),
      publisher_(broker.commits(), *this),
      timer_(timers.create([this] {
        armed_ = false;
        step();
      })) {}

MessageMover::~MessageMover() {
  // Publishes still in flight may yet complete: their messages are then in both queues.
  if (!in_flight_.empty()) broker_.shard().release_holder(options_.source, holder_);
}

void MessageMover::start() {
  const Queue* source = broker_.shard().find(options_.source);
  if (source == nullptr || broker_.find_vhost(options_.vhost) == nullptr) {
    stop(State::kFailed, Failure::kSourceGone);
    finish_if_idle();
    return;
  }
  to_move_ = source->message_count();
  schedule(Clock::duration::zero());
}

void MessageMover::cancel() {
  if (state_ != State::kRunning) return;
  taking_ = false;  // a task already finishing its last chunk is cancelled all the same
  final_state_ = State::kCancelled;
  failure_ = Failure::kNone;
  state_ = State::kCancelling;
  finish_if_idle();
}

void MessageMover::schedule(Clock::duration delay) {
  if (armed_) return;
  armed_ = true;
  timer_->arm(timers_.now() + delay);
}

void MessageMover::step() {
  if (!taking_) return;
  Queue* source = broker_.shard().find(options_.source);
  if (source == nullptr || broker_.find_vhost(options_.vhost) == nullptr) {
    stop(State::kFailed, Failure::kSourceGone);
    finish_if_idle();
    return;
  }
  if (taken_ >= to_move_) {
    stop(State::kCompleted, Failure::kNone);
    finish_if_idle();
    return;
  }
  // With a rate, a tenth of a second's worth per step (at least one message), spaced so the
  // steps add up to the rate.
  const uint64_t per_step =
      options_.per_second == 0 ? kChunk : std::max<uint64_t>(1, options_.per_second / 10);
  const uint64_t room = kMaxInFlight - std::min<uint64_t>(kMaxInFlight, in_flight_.size());
  const uint64_t want = std::min({per_step, to_move_ - taken_, room});
  if (want == 0) {
    blocked_ = true;  // drain() takes up again when publishes complete
    return;
  }
  std::vector<Delivery> taken;
  Queue::ReceiveOptions lease;
  lease.holder = holder_;
  broker_.shard().receive(options_.source, want, lease, taken);
  if (taken.empty()) {  // the source has no more ready messages
    stop(State::kCompleted, Failure::kNone);
    finish_if_idle();
    return;
  }
  taken_ += taken.size();
  for (const Delivery& d : taken) {
    if (!taking_ || !move(d)) return_lease(d.lease);
  }
  drain();  // publishes that wrote nothing durable are complete already
  if (!taking_) return;
  if (taken_ >= to_move_) {
    stop(State::kCompleted, Failure::kNone);
    finish_if_idle();
    return;
  }
  schedule(options_.per_second == 0
               ? Clock::duration::zero()
               : std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(1) * per_step) /
                     options_.per_second);
}

bool MessageMover::move(const Delivery& delivery) {
  VHost* vhost = broker_.find_vhost(options_.vhost);
  if (vhost == nullptr) {
    stop(State::kFailed, Failure::kSourceGone);
    return false;
  }
  std::optional<std::string> destination = options_.destination;
  if (!destination) destination = vhost->dead_lettered_from(*delivery.message);
  if (!destination) {
    stop(State::kFailed, Failure::kOriginUnknown);
    return false;
  }
  if (vhost->find_queue(*destination) == nullptr) {
    stop(State::kFailed, Failure::kDestinationGone);
    return false;
  }
  const PublishResult published =
      publisher_.publish(*vhost, "", addressed_to(*delivery.message, *destination), nullptr, true);
  if (!published.status.ok() || !published.routed) {
    // The id completes ok with nothing in it; the message stays in the source.
    stop(State::kFailed, Failure::kDestinationGone);
    return false;
  }
  in_flight_.emplace(published.id, delivery.lease);
  return true;
}

void MessageMover::return_lease(LeaseId lease) {
  broker_.shard().settle(options_.source, lease, Shard::Settlement::kRequeue);
}

void MessageMover::stop(State final_state, Failure failure) {
  if (!taking_) return;
  taking_ = false;
  final_state_ = final_state;
  failure_ = failure;
}

void MessageMover::finish_if_idle() {
  if (taking_ || !in_flight_.empty() || !active()) return;
  state_ = final_state_;
  if (on_stopped_) on_stopped_();
}

void MessageMover::publishes_completed() { drain(); }

void MessageMover::drain() {
  publisher_.drain([this](uint64_t first, uint64_t last, bool ok) {
    for (uint64_t id = first; id <= last; ++id) {
      auto it = in_flight_.find(id);
      if (it == in_flight_.end()) continue;
      if (ok) {
        // Durable in the destination: now it may leave the source. A source deleted meanwhile
        // has dropped it already.
        broker_.shard().settle(options_.source, it->second, Shard::Settlement::kAck);
        ++moved_;
      } else {
        return_lease(it->second);
        stop(State::kFailed, Failure::kPublishRefused);
      }
      in_flight_.erase(it);
    }
  });
  if (blocked_ && taking_) {
    blocked_ = false;
    schedule(Clock::duration::zero());
  }
  finish_if_idle();
}

}  // namespace polymq::core
