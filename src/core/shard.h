// The operations front-ends perform on the queues of one shard (one event loop; one shard
// today), by value: a queue is named by its QueueId and a delivery by its lease, so a
// front-end holds no pointer into the core between two calls. An AMQP delivery tag, an SQS
// receipt handle and a JMS acknowledgement each become (QueueId, LeaseId).
//
// A QueueId is unique for the process and never reused: a handle kept after its queue was
// deleted (and perhaps declared again under the same name) names nothing, and every operation
// on it answers as for a settled lease (false, 0).
//
// What is still a direct call (docs/architecture.md, "Operations"): subscribers are core::Consumer
// callbacks that the queue invokes synchronously, and publishing goes through core::Publisher.
//
// REQUIRES: all calls on the shard's thread.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/consumer.h"
#include "core/queue.h"

namespace polymq::core {

class Shard {
 public:
  enum class Settlement {
    kAck,      // settled for good
    kReject,   // refused: dead-lettered as "rejected" (or dropped)
    kRequeue,  // back to its place in the queue (after `delay`), delivery count raised
  };

  Shard() = default;
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  // --- the registry, kept by the vhosts ---
  void add(Queue& queue);
  void remove(QueueId id);
  // The queue, or null once it was deleted. For the core's own use and for tests; front-ends
  // use the operations below.
  Queue* find(QueueId id) const { return lookup(id); }
  size_t queue_count() const { return queues_.size(); }

  // --- receivers (basic.get, SQS ReceiveMessage) ---
  // Up to `max` messages appended to `out`, each leased as `options` say (a deadline is a
  // visibility timeout); returns how many. 0 for a deleted queue.
  size_t receive(QueueId queue, size_t max, const Queue::ReceiveOptions& options,
                 std::vector<Delivery>& out);

  // --- settling a lease ---
  // False when the queue holds no such lease (settled already, returned at its deadline, or
  // the queue was deleted). A requeue offers the message to the queue's consumers at once
  // unless `dispatch` is false (the caller settles many and dispatches once).
  bool settle(QueueId queue, LeaseId lease, Settlement how,
              Clock::duration delay = Clock::duration::zero(), bool dispatch = true);
  // Moves the lease's deadline (max(): none): SQS ChangeMessageVisibility.
  bool extend(QueueId queue, LeaseId lease, Clock::time_point deadline);
  // Returns every lease `holder` has to the queue, as a requeue, and offers them to the
  // consumers; returns how many.
  size_t release_holder(QueueId queue, HolderId holder);

  // --- subscribers ---
  // kNotFound for a deleted queue; otherwise as Queue::add_consumer.
  Status subscribe(QueueId queue, Consumer* consumer, const ConsumerOptions& options);
  // Removes the consumer; its leases stay with their holder. False when the queue or the
  // consumer was gone already.
  bool unsubscribe(QueueId queue, Consumer* consumer);
  // After unsubscribe, once the consumer's leases were dealt with: an auto-delete queue left
  // without consumers is deleted (its host decides).
  void consumer_left(QueueId queue);
  // Hands ready messages to the queue's consumers that can take them (after credit was given).
  void dispatch(QueueId queue);

 private:
  Queue* lookup(QueueId id) const;

  // Not owning: a vhost owns its queues and takes each out of here as it deletes it (or is
  // destroyed). A plain pointer keeps settling, once per acknowledged message, to one lookup.
  std::unordered_map<QueueId, Queue*> queues_;
};

}  // namespace polymq::core
