// The contract between a queue and whoever takes messages from it: subscribers (an AMQP
// consumer, later a JMS consumer) that the queue pushes deliveries to, and receivers (AMQP
// basic.get, SQS ReceiveMessage) that pull them. The queue calls in on its owner thread only.
//
// Every message handed out that is not settled on delivery is a *lease* owned by the queue
// (core/queue.h): the taker names it by its LeaseId when it settles it (ack, requeue, reject,
// extend). An AMQP delivery tag, an SQS receipt handle and a JMS acknowledgement each map to
// one lease.
#pragma once

#include <cstdint>

#include "core/message.h"
#include "core/timer.h"

namespace polymq::core {

class Queue;

// A lease's number, unique within its queue and increasing; 0 names no lease (the message was
// settled when it was handed out).
using LeaseId = uint64_t;
// Who holds leases (an AMQP channel, an SQS request): a value unique for the process, so a
// holder that goes away can return its leases with Queue::release_holder. 0 = nobody in
// particular (a lease that only its deadline or its id settles).
using HolderId = uint64_t;

inline constexpr uint64_t kNotStored = UINT64_MAX;

// One message in a queue, ready or leased.
struct QueuedMessage {
  MessagePtr message;
  uint64_t sequence = 0;             // position in the queue; requeued messages keep theirs
  uint32_t delivery_count = 0;       // times handed out before (SQS: receive count - 1)
  uint64_t log_offset = kNotStored;  // its record in the queue's store, if it has one
  Clock::time_point expires_at = Clock::time_point::max();  // message TTL; max() = never
  // When it was first handed to a receiver, or to a subscriber that asks for it
  // (ConsumerOptions::stamp_first_delivery); {} = not recorded (SQS's
  // ApproximateFirstReceiveTimestamp). Not kept across a restart.
  Clock::time_point first_delivered{};
  bool redelivered() const { return delivery_count > 0; }
};

// A message as handed to a subscriber or a receiver.
struct Delivery {
  LeaseId lease = 0;  // 0: settled on delivery (no-ack)
  MessagePtr message;
  uint32_t delivery_count = 0;          // times it was handed out before this delivery
  Clock::time_point first_delivered{};  // QueuedMessage::first_delivered
  bool redelivered() const { return delivery_count > 0; }
};

class Consumer {
 public:
  virtual ~Consumer() = default;
  // True when this consumer can take one more message now (prefetch credit, flow, socket
  // back-pressure). Must be cheap: it is asked once per message dispatched.
  virtual bool ready() const = 0;
  // Hands one message over; unless the consumer was added with auto_settle, it is leased to
  // the consumer's holder until settled through the queue.
  virtual void deliver(Queue& queue, Delivery delivery) = 0;
  // The queue went away under the consumer (deleted); the queue has already dropped it.
  virtual void cancelled_by_queue(Queue& queue) = 0;
};

// How a consumer subscribes to a queue.
struct ConsumerOptions {
  HolderId holder = 0;       // leases of its deliveries belong to this holder
  bool auto_settle = false;  // no-ack: a delivery is settled as it is handed out
  bool exclusive = false;    // the only consumer of the queue
  int32_t priority = 0;      // x-priority: higher ones are served first
  // Records when a message is first delivered (QueuedMessage::first_delivered); off for AMQP
  // consumers, whose deliveries then read no clock.
  bool stamp_first_delivery = false;
};

}  // namespace polymq::core
