#include "core/queue.h"

#include <algorithm>

namespace polymq::core {

Queue::Queue(std::string name, std::string vhost, QueueOptions options, OwnerId owner)
    : name_(std::move(name)),
      vhost_(std::move(vhost)),
      options_(std::move(options)),
      owner_(owner) {}

void Queue::enqueue(MessagePtr message) {
  if (deleted_) return;
  ready_bytes_ += message->body.size();
  ready_.push_back(QueuedMessage{std::move(message), next_sequence_++, 0});
  if (!consumers_.empty()) dispatch();
}

bool Queue::take(QueuedMessage& out) {
  if (ready_.empty()) return false;
  out = std::move(ready_.front());
  ready_.pop_front();
  ready_bytes_ -= out.message->body.size();
  ++unacked_;
  return true;
}

void Queue::ack(const QueuedMessage& /*message*/) {
  if (unacked_ > 0) --unacked_;
}

void Queue::requeue(QueuedMessage message) {
  if (unacked_ > 0) --unacked_;
  if (deleted_) return;
  ++message.delivery_count;
  ready_bytes_ += message.message->body.size();
  auto pos = std::lower_bound(
      ready_.begin(), ready_.end(), message.sequence,
      [](const QueuedMessage& m, uint64_t sequence) { return m.sequence < sequence; });
  ready_.insert(pos, std::move(message));
}

size_t Queue::purge() {
  size_t n = ready_.size();
  ready_.clear();
  ready_bytes_ = 0;
  return n;
}

Status Queue::add_consumer(Consumer* consumer, bool exclusive) {
  if (has_exclusive_consumer_ || (exclusive && !consumers_.empty())) {
    return {ErrorCode::kAccessRefused,
            "queue '" + name_ + "' in vhost '" + vhost_ + "' in exclusive use"};
  }
  has_exclusive_consumer_ = exclusive;
  consumers_.push_back(consumer);
  return Status::Ok();
}

bool Queue::remove_consumer(Consumer* consumer) {
  auto it = std::find(consumers_.begin(), consumers_.end(), consumer);
  if (it == consumers_.end()) return false;
  size_t index = static_cast<size_t>(it - consumers_.begin());
  consumers_.erase(it);
  if (consumers_.empty()) has_exclusive_consumer_ = false;
  if (next_consumer_ > index) --next_consumer_;
  if (next_consumer_ >= consumers_.size()) next_consumer_ = 0;
  return true;
}

void Queue::deliver_to(Consumer& consumer, QueuedMessage message) {
  ready_bytes_ -= message.message->body.size();
  ++unacked_;
  consumer.deliver(*this, std::move(message));
}

void Queue::dispatch() {
  // A consumer's deliver() may settle synchronously (no-ack) and settling may ask for another
  // dispatch; the loop below already continues, so a nested call has nothing to add.
  if (dispatching_) return;
  dispatching_ = true;
  while (!ready_.empty() && !consumers_.empty()) {
    const size_t n = consumers_.size();
    bool delivered = false;
    for (size_t tried = 0; tried < n && !ready_.empty(); ++tried) {
      if (next_consumer_ >= consumers_.size()) next_consumer_ = 0;
      Consumer* consumer = consumers_[next_consumer_];
      next_consumer_ = (next_consumer_ + 1) % consumers_.size();
      if (!consumer->ready()) continue;
      QueuedMessage message = std::move(ready_.front());
      ready_.pop_front();
      deliver_to(*consumer, std::move(message));
      delivered = true;
      break;
    }
    if (!delivered) break;
  }
  dispatching_ = false;
}

void Queue::mark_deleted() {
  if (deleted_) return;
  deleted_ = true;
  ready_.clear();
  ready_bytes_ = 0;
  std::vector<Consumer*> consumers;
  consumers.swap(consumers_);
  has_exclusive_consumer_ = false;
  next_consumer_ = 0;
  for (Consumer* c : consumers) c->cancelled_by_queue(*this);
}

}  // namespace polymq::core
