#include "core/queue.h"

#include <algorithm>

namespace polymq::core {
namespace {

// Paged messages are read back in chunks of a quarter of the window, at least this much.
constexpr uint64_t kMinRefillBytes = 64 * 1024;

}  // namespace

Queue::Queue(std::string name, std::string vhost, QueueOptions options, OwnerId owner)
    : name_(std::move(name)),
      vhost_(std::move(vhost)),
      options_(std::move(options)),
      owner_(owner) {}

Status Queue::attach_storage(QueueStoreFactory* stores) {
  stores_ = stores;
  if (stores_ == nullptr) return Status::Ok();
  window_bytes_ = stores_->options().window_bytes;
  // As in RabbitMQ, exclusive and auto-delete queues do not outlive a restart.
  if (!options_.durable || options_.exclusive || options_.auto_delete) return Status::Ok();
  if (Status st = stores_->open_durable(vhost_, name_, store_); !st.ok()) {
    storage_error_ = st;
    stores_->warn("queue '" + name_ + "' in vhost '" + vhost_ + "' is stopped: " + st.message());
    return st;
  }
  const QueueRecovery& r = store_->recovery();
  paged_from_ = r.live_from;
  paged_count_ = r.live_count;
  recovered_end_ = r.next_offset;
  recovered_delivered_upto_ = r.delivered_upto;
  next_sequence_ = r.last_sequence + 1;
  refill();
  return Status::Ok();
}

bool Queue::ensure_store() {
  if (store_ != nullptr) return storage_error_.ok();
  if (stores_ == nullptr || !storage_error_.ok()) return false;
  if (Status st = stores_->open_transient(store_); !st.ok()) {
    // Without a scratch store the queue keeps everything in memory, as before paging.
    stores_->warn("queue '" + name_ + "' cannot page to disk: " + st.message());
    storage_error_ = st;
    store_.reset();
    return false;
  }
  return true;
}

void Queue::storage_failed(Status status) {
  if (!storage_error_.ok()) return;
  if (stores_ != nullptr) {
    stores_->warn("queue '" + name_ + "' in vhost '" + vhost_ +
                  "' stopped reading from disk: " + status.message());
  }
  storage_error_ = std::move(status);
}

EnqueueOutcome Queue::enqueue(MessagePtr message) {
  if (deleted_) return EnqueueOutcome::kQueued;
  const uint64_t sequence = next_sequence_++;
  const bool persist = stores_messages() && message->persistent();
  const bool page =
      paged_count_ > 0 ||
      (ready_footprint_ + message->footprint() > window_bytes_ && ensure_store());
  if (persist || page) {
    if (!storage_error_.ok()) return EnqueueOutcome::kRefused;
    uint64_t offset = 0;
    if (Status st = store_->append(sequence, !persist, *message, offset); !st.ok()) {
      // The store logs why; a write error (disk full) passes, a failed sync does not.
      return EnqueueOutcome::kRefused;
    }
    if (page) {
      if (paged_count_++ == 0) paged_from_ = offset;
    } else {
      ready_bytes_ += message->body.size();
      ready_footprint_ += message->footprint();
      ready_.push_back(QueuedMessage{std::move(message), sequence, 0, offset});
    }
  } else {
    ready_bytes_ += message->body.size();
    ready_footprint_ += message->footprint();
    ready_.push_back(QueuedMessage{std::move(message), sequence, 0, kNotStored});
  }
  if (!consumers_.empty()) dispatch();
  return persist ? EnqueueOutcome::kQueuedPendingSync : EnqueueOutcome::kQueued;
}

void Queue::refill() {
  if (paged_count_ == 0 || store_ == nullptr || !storage_error_.ok()) return;
  if (ready_footprint_ > window_bytes_ / 2) return;
  const uint64_t chunk = std::max(kMinRefillBytes, window_bytes_ / 4);
  uint64_t next = paged_from_;
  Status st = store_->read(
      paged_from_, chunk,
      [&](uint64_t offset, StoredMessage& stored) {
        const bool seen = offset < recovered_end_ && offset < recovered_delivered_upto_;
        ready_bytes_ += stored.message->body.size();
        ready_footprint_ += stored.message->footprint();
        ready_.push_back(
            QueuedMessage{std::move(stored.message), stored.sequence, seen ? 1u : 0u, offset});
        if (paged_count_ > 0) --paged_count_;
      },
      next);
  if (!st.ok()) {
    // Paged records not yet written (disk full) are read once the write succeeds; anything
    // else (corruption) stops the queue from serving what it cannot read correctly.
    if (st.code() != ErrorCode::kResourceError) storage_failed(st);
    return;
  }
  paged_from_ = next;
  // Transient records from before a restart were counted at recovery but are skipped.
  if (paged_from_ >= store_->next_offset()) paged_count_ = 0;
}

QueuedMessage Queue::pop_ready() {
  QueuedMessage m = std::move(ready_.front());
  ready_.pop_front();
  ready_bytes_ -= m.message->body.size();
  ready_footprint_ -= m.message->footprint();
  ++unacked_;
  unacked_footprint_ += m.message->footprint();
  if (m.log_offset != kNotStored && store_ != nullptr) store_->delivered(m.log_offset);
  return m;
}

bool Queue::take(QueuedMessage& out) {
  if (ready_.empty()) refill();
  if (ready_.empty()) return false;
  out = pop_ready();
  refill();
  return true;
}

void Queue::settled(const QueuedMessage& message) {
  if (unacked_ > 0) --unacked_;
  const uint64_t footprint = message.message->footprint();
  unacked_footprint_ -= std::min(unacked_footprint_, footprint);
}

void Queue::ack(const QueuedMessage& message) {
  settled(message);
  if (message.log_offset != kNotStored && store_ != nullptr && !deleted_) {
    store_->settle(message.log_offset);
  }
}

void Queue::requeue(QueuedMessage message) {
  settled(message);
  if (deleted_) return;
  ++message.delivery_count;
  ready_bytes_ += message.message->body.size();
  ready_footprint_ += message.message->footprint();
  auto pos = std::lower_bound(
      ready_.begin(), ready_.end(), message.sequence,
      [](const QueuedMessage& m, uint64_t sequence) { return m.sequence < sequence; });
  ready_.insert(pos, std::move(message));
}

size_t Queue::purge() {
  size_t n = ready_.size() + paged_count_;
  if (store_ != nullptr) {
    for (const QueuedMessage& m : ready_) {
      if (m.log_offset != kNotStored) store_->settle(m.log_offset);
    }
    if (paged_count_ > 0) store_->settle_range(paged_from_, store_->next_offset());
    paged_from_ = store_->next_offset();
  }
  paged_count_ = 0;
  ready_.clear();
  ready_bytes_ = 0;
  ready_footprint_ = 0;
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
  consumer.deliver(*this, std::move(message));
}

void Queue::dispatch() {
  // A consumer's deliver() may settle synchronously (no-ack) and settling may ask for another
  // dispatch; the loop below already continues, so a nested call has nothing to add.
  if (dispatching_) return;
  dispatching_ = true;
  for (;;) {
    if (ready_.empty()) refill();
    if (ready_.empty() || consumers_.empty()) break;
    const size_t n = consumers_.size();
    bool delivered = false;
    for (size_t tried = 0; tried < n && !ready_.empty(); ++tried) {
      if (next_consumer_ >= consumers_.size()) next_consumer_ = 0;
      Consumer* consumer = consumers_[next_consumer_];
      next_consumer_ = (next_consumer_ + 1) % consumers_.size();
      if (!consumer->ready()) continue;
      deliver_to(*consumer, pop_ready());
      delivered = true;
      break;
    }
    if (!delivered) break;
  }
  refill();
  dispatching_ = false;
}

void Queue::mark_deleted() {
  if (deleted_) return;
  deleted_ = true;
  ready_.clear();
  ready_bytes_ = 0;
  ready_footprint_ = 0;
  paged_count_ = 0;
  if (store_ != nullptr) {
    store_->destroy();
    store_.reset();
  }
  std::vector<Consumer*> consumers;
  consumers.swap(consumers_);
  has_exclusive_consumer_ = false;
  next_consumer_ = 0;
  for (Consumer* c : consumers) c->cancelled_by_queue(*this);
}

}  // namespace polymq::core
