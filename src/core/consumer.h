// The contract between a queue and whoever takes messages from it (an AMQP consumer, later an
// SQS receive or a stream reader). The queue calls in on its owner thread only.
#pragma once

#include <cstdint>

#include "core/timer.h"

#include "core/message.h"

namespace polymq::core {

class Queue;

// One message as it travels from a queue to a consumer and, until settled, back.
inline constexpr uint64_t kNotStored = UINT64_MAX;

struct QueuedMessage {
  MessagePtr message;
  uint64_t sequence = 0;        // position in the queue; requeued messages keep theirs
  uint32_t delivery_count = 0;  // times handed to a consumer before this delivery
  uint64_t log_offset = kNotStored;  // its record in the queue's store, if it has one
  Clock::time_point expires_at = Clock::time_point::max();  // message TTL; max() = never
  bool redelivered() const { return delivery_count > 0; }
};

class Consumer {
 public:
  virtual ~Consumer() = default;
  // True when this consumer can take one more message now (prefetch credit, flow, socket
  // back-pressure). Must be cheap: it is asked once per message dispatched.
  virtual bool ready() const = 0;
  // Hands one message over. The queue has removed it from its ready list; the consumer owns
  // it until it settles it with Queue::ack or Queue::requeue (or immediately, when no-ack).
  virtual void deliver(Queue& queue, QueuedMessage message) = 0;
  // The queue went away under the consumer (deleted); the queue has already dropped it.
  virtual void cancelled_by_queue(Queue& queue) = 0;
};

}  // namespace polymq::core
