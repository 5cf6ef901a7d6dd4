#include "core/shard.h"

namespace polymq::core {

void Shard::add(Queue& queue) { queues_[queue.id()] = &queue; }

void Shard::remove(QueueId id) { queues_.erase(id); }

Queue* Shard::lookup(QueueId id) const {
  auto it = queues_.find(id);
  return it == queues_.end() || it->second->deleted() ? nullptr : it->second;
}

size_t Shard::receive(QueueId queue, size_t max, const Queue::ReceiveOptions& options,
                      std::vector<Delivery>& out) {
  Queue* q = lookup(queue);
  return q == nullptr ? 0 : q->receive(max, options, out);
}

bool Shard::settle(QueueId queue, LeaseId lease, Settlement how, Clock::duration delay,
                   bool dispatch) {
  // No settlement deletes the queue it settles in (dead letters go to other queues, and
  // deletion is by the vhost, a timer or a consumer leaving), so `q` stays valid throughout.
  Queue* q = lookup(queue);
  if (q == nullptr) return false;
  switch (how) {
    case Settlement::kAck:
      return q->ack(lease);
    case Settlement::kReject:
      return q->reject(lease);
    case Settlement::kRequeue:
      if (!q->requeue(lease, delay)) return false;
      if (dispatch) q->dispatch();
      return true;
  }
  return false;
}

bool Shard::extend(QueueId queue, LeaseId lease, Clock::time_point deadline) {
  Queue* q = lookup(queue);
  return q != nullptr && q->extend(lease, deadline);
}

size_t Shard::release_holder(QueueId queue, HolderId holder) {
  Queue* q = lookup(queue);
  return q == nullptr ? 0 : q->release_holder(holder);
}

Status Shard::subscribe(QueueId queue, Consumer* consumer, const ConsumerOptions& options) {
  Queue* q = lookup(queue);
  if (q == nullptr) return {ErrorCode::kNotFound, "queue deleted"};
  return q->add_consumer(consumer, options);
}

bool Shard::unsubscribe(QueueId queue, Consumer* consumer) {
  Queue* q = lookup(queue);
  return q != nullptr && q->remove_consumer(consumer);
}

void Shard::consumer_left(QueueId queue) {
  // The last statement: the host may delete the queue.
  if (Queue* q = lookup(queue)) q->consumer_left();
}

void Shard::dispatch(QueueId queue) {
  if (Queue* q = lookup(queue)) q->dispatch();
}

}  // namespace polymq::core
