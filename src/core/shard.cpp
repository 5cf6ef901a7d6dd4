#include "core/shard.h"

namespace polymq::core {

void Shard::add(const QueuePtr& queue) { queues_[queue->id()] = queue; }

void Shard::remove(QueueId id) { queues_.erase(id); }

QueuePtr Shard::find(QueueId id) const {
  auto it = queues_.find(id);
  return it == queues_.end() ? nullptr : it->second.lock();
}

size_t Shard::receive(QueueId queue, size_t max, const Queue::ReceiveOptions& options,
                      std::vector<Delivery>& out) {
  QueuePtr q = find(queue);
  return q == nullptr || q->deleted() ? 0 : q->receive(max, options, out);
}

bool Shard::settle(QueueId queue, LeaseId lease, Settlement how, Clock::duration delay,
                   bool dispatch) {
  // Held across the call: what a settlement sets off (a dead-lettering, an auto-delete) may
  // delete the queue.
  QueuePtr keep = find(queue);
  if (keep == nullptr || keep->deleted()) return false;
  switch (how) {
    case Settlement::kAck:
      return keep->ack(lease);
    case Settlement::kReject:
      return keep->reject(lease);
    case Settlement::kRequeue:
      if (!keep->requeue(lease, delay)) return false;
      if (dispatch) keep->dispatch();
      return true;
  }
  return false;
}

bool Shard::extend(QueueId queue, LeaseId lease, Clock::time_point deadline) {
  QueuePtr q = find(queue);
  return q != nullptr && !q->deleted() && q->extend(lease, deadline);
}

size_t Shard::release_holder(QueueId queue, HolderId holder) {
  QueuePtr keep = find(queue);
  if (keep == nullptr || keep->deleted()) return 0;
  return keep->release_holder(holder);
}

Status Shard::subscribe(QueueId queue, Consumer* consumer, const ConsumerOptions& options) {
  QueuePtr q = find(queue);
  if (q == nullptr || q->deleted()) return {ErrorCode::kNotFound, "queue deleted"};
  return q->add_consumer(consumer, options);
}

bool Shard::unsubscribe(QueueId queue, Consumer* consumer) {
  QueuePtr keep = find(queue);
  if (keep == nullptr || keep->deleted()) return false;
  return keep->remove_consumer(consumer);
}

void Shard::consumer_left(QueueId queue) {
  QueuePtr keep = find(queue);
  if (keep != nullptr && !keep->deleted()) keep->consumer_left();
}

void Shard::dispatch(QueueId queue) {
  QueuePtr keep = find(queue);
  if (keep != nullptr && !keep->deleted()) keep->dispatch();
}

}  // namespace polymq::core
