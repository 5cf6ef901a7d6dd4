#include "core/queue.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <string_view>

namespace polymq::core {
namespace {

// Paged messages are read back in chunks of a quarter of the window, at least this much.
constexpr uint64_t kMinRefillBytes = 64 * 1024;

// Queue ids of the whole process (every shard), from 1.
std::atomic<QueueId> next_queue_id{1};

// A message's own TTL from its expiration property: decimal milliseconds, with the optional
// sign front-ends accept ("+5", "-0"). Anything else, or a negative number, is no TTL.
std::optional<uint64_t> expiration_ms(std::string_view text) {
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    const bool negative = text.front() == '-';
    text.remove_prefix(1);
    if (negative && text.find_first_not_of('0') != std::string_view::npos) return std::nullopt;
  }
  uint64_t ms = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return ms;
}

}  // namespace

Queue::Queue(std::string name, std::string vhost, QueueOptions options, OwnerId owner)
    : id_(next_queue_id.fetch_add(1, std::memory_order_relaxed)),
      name_(std::move(name)),
      vhost_(std::move(vhost)),
      options_(std::move(options)),
      owner_(owner) {}

void Queue::configure(const QueueSettings& settings, QueueHost* host, TimerService* timers) {
  settings_ = settings;
  host_ = host;
  timers_ = timers;
  ready_ = ReadyList(settings_.max_priority);
  if (settings_.dedup_window_ms) dedup_ = std::make_unique<DedupWindow>(*settings_.dedup_window_ms);
  last_used_ = now();
  if (timers_ != nullptr && settings_.expires_ms) {
    expires_timer_ = timers_->create([this] { on_expires_timer(); });
    arm_expires_timer();
  }
}

void Queue::reconfigure(Table arguments, const QueueSettings& settings) {
  options_.arguments = std::move(arguments);
  // Message groups are fixed at creation: the in-flight counts start with the first lease.
  const bool grouped = settings_.one_in_flight_per_group;
  const std::optional<uint64_t> window = settings_.dedup_window_ms;
  settings_ = settings;
  settings_.one_in_flight_per_group = grouped;
  if (settings_.dedup_window_ms != window) {
    dedup_.reset();
    if (settings_.dedup_window_ms) {
      dedup_ = std::make_unique<DedupWindow>(*settings_.dedup_window_ms);
    }
    if (store_ != nullptr && store_->durable()) store_->keep_recent(settings_.dedup_window_ms);
  }
  if (timers_ != nullptr && settings_.expires_ms && expires_timer_ == nullptr) {
    expires_timer_ = timers_->create([this] { on_expires_timer(); });
  } else if (!settings_.expires_ms) {
    expires_timer_.reset();
  }
  arm_expires_timer();
  while (over_limit()) drop_head(DeadLetterReason::kMaxLen);
}

Clock::time_point Queue::now() const { return timers_ != nullptr ? timers_->now() : Clock::now(); }

Clock::time_point Queue::expiry_for(const Message& message, Clock::time_point now) const {
  std::optional<uint64_t> ttl = settings_.message_ttl_ms;
  if (message.properties.expiration) {
    // The front-end refused invalid expirations at publish, with its protocol's texts.
    std::optional<uint64_t> ms = expiration_ms(*message.properties.expiration);
    if (ms && (!ttl || *ms < *ttl)) ttl = ms;
  }
  if (!ttl) return Clock::time_point::max();
  return now + std::chrono::milliseconds(*ttl);
}

void Queue::touch() {
  if (expires_timer_ == nullptr) return;
  last_used_ = now();
  arm_expires_timer();
}

void Queue::arm_expires_timer() {
  if (expires_timer_ == nullptr || deleted_) return;
  if (!consumers_.empty()) {
    expires_timer_->cancel();
    return;
  }
  expires_timer_->arm(last_used_ + std::chrono::milliseconds(*settings_.expires_ms));
}

void Queue::on_expires_timer() {
  if (deleted_ || !consumers_.empty()) return;
  if (now() < last_used_ + std::chrono::milliseconds(*settings_.expires_ms)) {
    arm_expires_timer();
    return;
  }
  // The host deletes the queue, which may be the last owner of this object; nothing here
  // touches the queue after the call.
  if (host_ != nullptr) host_->queue_expired(*this);
}

void Queue::arm_ttl_timer() {
  if (!timed_ || timers_ == nullptr || deleted_) return;
  if (ready_.empty()) return;
  const Clock::time_point deadline = ready_.front().expires_at;
  if (deadline == Clock::time_point::max() || deadline >= ttl_armed_for_) return;
  // Made on first need: queues whose messages never expire hold no timer.
  if (ttl_timer_ == nullptr) {
    ttl_timer_ = timers_->create([this] {
      ttl_armed_for_ = Clock::time_point::max();
      expire_head(now(), true);
      if (!consumers_.empty()) dispatch();
      arm_ttl_timer();
    });
  }
  ttl_armed_for_ = deadline;
  ttl_timer_->arm(deadline);
}

void Queue::expire_head(Clock::time_point now, bool at_deadline) {
  if (!timed_) return;
  for (;;) {
    if (ready_.empty()) refill();
    if (ready_.empty()) {
      // Nothing ready or paged has a deadline any more; a requeue may bring one back.
      if (paged_count_ == 0) timed_ = false;
      return;
    }
    const Clock::time_point deadline = ready_.front().expires_at;
    if (deadline > now || (deadline == now && !at_deadline)) return;
    drop_head(DeadLetterReason::kExpired);
  }
}

bool Queue::drop_head(DeadLetterReason reason) {
  if (ready_.empty()) refill();
  // Nothing ready to drop: a window full of held messages keeps the paged ones on disk.
  if (ready_.empty()) return false;
  QueuedMessage m = std::move(ready_.front());
  ready_.pop_front();
  ready_bytes_ -= m.message->body.size();
  ready_footprint_ -= m.message->footprint();
  if (m.log_offset != kNotStored && store_ != nullptr) store_->settle(m.log_offset);
  dead_letter(m.message, reason);
  return true;
}

void Queue::dead_letter(const MessagePtr& message, DeadLetterReason reason) {
  if (host_ != nullptr && settings_.dead_letter && !deleted_) {
    host_->dead_letter(*this, message, reason);
  }
}

bool Queue::full() const {
  if (settings_.max_length && message_count() >= *settings_.max_length) return true;
  return settings_.max_length_bytes && message_bytes() >= *settings_.max_length_bytes;
}

bool Queue::over_limit() const {
  if (settings_.max_length && message_count() > *settings_.max_length) return true;
  return settings_.max_length_bytes && message_bytes() > *settings_.max_length_bytes;
}

Status Queue::attach_storage(QueueStoreFactory* stores) {
  stores_ = stores;
  if (stores_ == nullptr) return Status::Ok();
  // A priority queue orders every ready message in memory; paging would serve paged
  // high-priority messages after in-memory low-priority ones.
  window_bytes_ = settings_.max_priority > 0 ? UINT64_MAX : stores_->options().window_bytes;
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
  if (dedup_ != nullptr) recover_dedup_window();
  refill();
  arm_ttl_timer();
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
  // A repeated send within the deduplication window is accepted and dropped.
  if (dedup_ != nullptr && duplicate(*message)) return EnqueueOutcome::kQueued;
  // The clock is read only when a TTL is involved: most queues never pay for it.
  const bool has_ttl =
      settings_.message_ttl_ms.has_value() || message->properties.expiration.has_value();
  Clock::time_point t{};
  if (has_ttl || timed_) {
    t = now();
    expire_head(t);
  }
  if (settings_.has_length_limit() && settings_.overflow != Overflow::kDropHead && full()) {
    if (settings_.overflow == Overflow::kRejectPublishDlx) {
      dead_letter(message, DeadLetterReason::kMaxLen);
    }
    return EnqueueOutcome::kRefused;
  }
  const Clock::time_point expires_at = has_ttl ? expiry_for(*message, t) : Clock::time_point::max();
  // Likewise the wall clock, only when a delay is involved.
  const int64_t due_ms = message->not_before_ms || settings_.delivery_delay_ms.value_or(0) > 0
                             ? due_at_enqueue(*message, wall_now())
                             : 0;
  const uint64_t sequence = next_sequence_++;
  const bool persist = stores_messages() && message->persistent();
  const bool page = paged_count_ > 0 ||
                    (ready_footprint_ + delayed_footprint_ + message->footprint() > window_bytes_ &&
                     ensure_store());
  uint64_t offset = kNotStored;
  if (persist || page) {
    if (!storage_error_.ok()) return EnqueueOutcome::kRefused;
    // The due time is stored with the record: a restart, or the read back of a paged
    // message, holds it again until then.
    const std::optional<int64_t> stored_due =
        due_ms != 0 ? std::optional<int64_t>(due_ms) : std::nullopt;
    if (Status st = store_->append(sequence, !persist, *message, offset, stored_due); !st.ok()) {
      // The store logs why; a write error (disk full) passes, a failed sync does not.
      return EnqueueOutcome::kRefused;
    }
  }
  ++stats_.published;
  if (dedup_ != nullptr) remember_dedup_id(*message, std::nullopt);
  // A held message's deadline counts once it is released (release_due).
  if (expires_at != Clock::time_point::max() && (page || due_ms == 0)) timed_ = true;
  if (page) {
    if (paged_count_++ == 0) paged_from_ = offset;
    paged_bytes_ += message->body.size();
    if (expires_at != Clock::time_point::max()) {
      paged_deadlines_.push_back(PagedDeadline{offset, expires_at});
    }
  } else if (due_ms != 0) {
    hold(QueuedMessage{std::move(message), sequence, 0, offset, expires_at}, due_ms);
  } else {
    ready_bytes_ += message->body.size();
    ready_footprint_ += message->footprint();
    ready_.push_back(QueuedMessage{std::move(message), sequence, 0, offset, expires_at});
  }
  if (!consumers_.empty()) dispatch_at(t);
  // A TTL of 0 keeps only what a consumer took at once (RabbitMQ's rule), so what is still
  // ready now is expired; so is anything else that has reached its deadline.
  expire_head(t, true);
  while (over_limit() && drop_head(DeadLetterReason::kMaxLen)) {
  }
  arm_ttl_timer();
  return persist ? EnqueueOutcome::kQueuedPendingSync : EnqueueOutcome::kQueued;
}

void Queue::refill() {
  // A chunk of held messages only adds nothing ready: read on while the window has room.
  do {
    if (!refill_chunk()) return;
  } while (ready_.empty());
}

bool Queue::refill_chunk() {
  if (paged_count_ == 0 || store_ == nullptr || !storage_error_.ok()) return false;
  if (ready_footprint_ + delayed_footprint_ > window_bytes_ / 2) return false;
  const uint64_t chunk = std::max(kMinRefillBytes, window_bytes_ / 4);
  uint64_t next = paged_from_;
  std::optional<int64_t> wall;  // read once, for the first record with a not-before time
  Status st = store_->read(
      paged_from_, chunk,
      [&](uint64_t offset, StoredMessage& stored) {
        const bool recovered = offset < recovered_end_;
        int64_t due_ms = 0;
        if (stored.message->not_before_ms) {
          if (!wall) wall = wall_now();
          if (*stored.message->not_before_ms > *wall) due_ms = *stored.message->not_before_ms;
        }
        // A message still held was never handed out, whatever delivered-up-to says.
        const bool seen = recovered && offset < recovered_delivered_upto_ && due_ms == 0;
        // paged_bytes_ counts what was paged in this process only.
        if (!recovered) {
          paged_bytes_ -= std::min<uint64_t>(paged_bytes_, stored.message->body.size());
        }
        // Paged in this process: the TTL counts from the enqueue. Recovered after a restart:
        // from now (the store does not keep enqueue times).
        while (!paged_deadlines_.empty() && paged_deadlines_.front().offset < offset) {
          paged_deadlines_.pop_front();
        }
        Clock::time_point expires_at = Clock::time_point::max();
        if (!paged_deadlines_.empty() && paged_deadlines_.front().offset == offset) {
          expires_at = paged_deadlines_.front().expires_at;
          paged_deadlines_.pop_front();
        } else if (recovered &&
                   (settings_.message_ttl_ms || stored.message->properties.expiration)) {
          expires_at = expiry_for(*stored.message, now());
        }
        // The deduplication window, rebuilt from the send times of what is still queued.
        if (recovered && dedup_ != nullptr) {
          remember_dedup_id(*stored.message, stored.message->timestamp_ms);
        }
        QueuedMessage m{std::move(stored.message), stored.sequence, seen ? 1u : 0u, offset,
                        expires_at};
        if (paged_count_ > 0) --paged_count_;
        if (due_ms != 0) {
          hold(std::move(m), due_ms);
          return;
        }
        if (expires_at != Clock::time_point::max()) timed_ = true;
        ready_bytes_ += m.message->body.size();
        ready_footprint_ += m.message->footprint();
        ready_.push_back(std::move(m));
      },
      next);
  if (!st.ok()) {
    // Paged records not yet written (disk full) are read once the write succeeds; anything
    // else (corruption) stops the queue from serving what it cannot read correctly.
    if (st.code() != ErrorCode::kResourceError) storage_failed(st);
    return false;
  }
  const bool progressed = next != paged_from_;
  paged_from_ = next;
  // Transient records from before a restart were counted at recovery but are skipped.
  if (paged_from_ >= store_->next_offset()) {
    paged_count_ = 0;
    paged_bytes_ = 0;
    paged_deadlines_.clear();
    return false;
  }
  // The next refill reads the next chunk: have it read from the disk now, off this thread.
  if (paged_count_ > 0) store_->read_ahead(paged_from_, chunk);
  return progressed && paged_count_ > 0;
}

QueuedMessage Queue::pop_ready() {
  QueuedMessage m = std::move(ready_.front());
  ready_.pop_front();
  took_ready(m);
  return m;
}

void Queue::took_ready(const QueuedMessage& m) {
  ready_bytes_ -= m.message->body.size();
  ready_footprint_ -= m.message->footprint();
  unacked_footprint_ += m.message->footprint();
  if (m.log_offset != kNotStored && store_ != nullptr) store_->delivered(m.log_offset);
}

size_t Queue::purge() {
  size_t n = ready_.size() + paged_count_ + delayed_.size();
  drop_delayed();
  if (store_ != nullptr) {
    ready_.for_each([&](const QueuedMessage& m) {
      if (m.log_offset != kNotStored) store_->settle(m.log_offset);
    });
    if (paged_count_ > 0) store_->settle_range(paged_from_, store_->next_offset());
    paged_from_ = store_->next_offset();
  }
  paged_count_ = 0;
  paged_bytes_ = 0;
  paged_deadlines_.clear();
  ready_.clear();
  ready_bytes_ = 0;
  ready_footprint_ = 0;
  return n;
}

Status Queue::add_consumer(Consumer* consumer, const ConsumerOptions& options) {
  const bool exclusive = options.exclusive;
  const int32_t priority = options.priority;
  // RabbitMQ refuses an exclusive consumer on a single-active-consumer queue outright.
  if (has_exclusive_consumer_ || (exclusive && !consumers_.empty()) ||
      (exclusive && settings_.single_active_consumer)) {
    return {ErrorCode::kAccessRefused,
            "queue '" + name_ + "' in vhost '" + vhost_ + "' in exclusive use"};
  }
  has_exclusive_consumer_ = exclusive;
  auto pos = std::find_if(consumers_.begin(), consumers_.end(),
                          [&](const ConsumerEntry& e) { return e.options.priority < priority; });
  const size_t index = static_cast<size_t>(pos - consumers_.begin());
  consumers_.insert(pos, ConsumerEntry{consumer, options});
  if (index < next_consumer_) ++next_consumer_;
  uniform_priority_ = consumers_.front().options.priority == consumers_.back().options.priority;
  touch();
  return Status::Ok();
}

bool Queue::remove_consumer(Consumer* consumer) {
  auto it = std::find_if(consumers_.begin(), consumers_.end(),
                         [&](const ConsumerEntry& e) { return e.consumer == consumer; });
  if (it == consumers_.end()) return false;
  size_t index = static_cast<size_t>(it - consumers_.begin());
  consumers_.erase(it);
  if (consumers_.empty()) has_exclusive_consumer_ = false;
  if (next_consumer_ > index) --next_consumer_;
  if (next_consumer_ >= consumers_.size()) next_consumer_ = 0;
  uniform_priority_ = consumers_.empty() ||
                      consumers_.front().options.priority == consumers_.back().options.priority;
  touch();
  return true;
}

void Queue::deliver_to(const ConsumerEntry& entry, QueuedMessage message) {
  count_delivery(message);
  Delivery d;
  d.message = message.message;
  d.delivery_count = message.delivery_count;
  if (entry.options.stamp_first_delivery && message.first_delivered == Clock::time_point{}) {
    message.first_delivered = now();
  }
  d.first_delivered = message.first_delivered;
  if (entry.options.auto_settle) {
    settle_for_good(message);
  } else {
    d.lease = lease(std::move(message), entry.options.holder, Clock::time_point::max());
  }
  entry.consumer->deliver(*this, std::move(d));
}

const Queue::ConsumerEntry* Queue::next_ready_consumer() {
  if (consumers_.empty()) return nullptr;
  if (settings_.single_active_consumer) {
    const ConsumerEntry& active = consumers_.front();
    return active.consumer->ready() ? &active : nullptr;
  }
  const size_t n = consumers_.size();
  if (uniform_priority_) {
    for (size_t tried = 0; tried < n; ++tried) {
      if (next_consumer_ >= n) next_consumer_ = 0;
      const ConsumerEntry* e = &consumers_[next_consumer_];
      next_consumer_ = (next_consumer_ + 1) % n;
      if (e->consumer->ready()) return e;
    }
    return nullptr;
  }
  // Highest priority first; within a priority, the consumer served moves to the back of its
  // group so the others get the next messages (round-robin per priority).
  for (size_t first = 0; first < n;) {
    size_t end = first;
    while (end < n && consumers_[end].options.priority == consumers_[first].options.priority) {
      ++end;
    }
    for (size_t i = first; i < end; ++i) {
      if (!consumers_[i].consumer->ready()) continue;
      std::rotate(consumers_.begin() + static_cast<std::ptrdiff_t>(i),
                  consumers_.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                  consumers_.begin() + static_cast<std::ptrdiff_t>(end));
      return &consumers_[end - 1];  // the one served, now last of its group
    }
    first = end;
  }
  return nullptr;
}

void Queue::dispatch() { dispatch_at(timed_ ? now() : Clock::time_point{}); }

void Queue::dispatch_at(Clock::time_point t) {
  // A consumer's deliver() may settle synchronously (no-ack) and settling may ask for another
  // dispatch; the loop below already continues, so a nested call has nothing to add.
  if (dispatching_) return;
  dispatching_ = true;
  if (grouped()) {
    expire_head(t);
    dispatch_grouped();
  } else {
    for (;;) {
      expire_head(t);
      if (ready_.empty()) refill();
      if (ready_.empty() || consumers_.empty()) break;
      const ConsumerEntry* entry = next_ready_consumer();
      if (entry == nullptr) break;
      // A copy: the consumer's deliver may change consumers_ (cancel itself).
      const ConsumerEntry chosen = *entry;
      deliver_to(chosen, pop_ready());
    }
  }
  refill();
  dispatching_ = false;
  arm_ttl_timer();
}

void Queue::mark_deleted() {
  if (deleted_) return;
  deleted_ = true;
  if (ttl_timer_ != nullptr) ttl_timer_->cancel();
  if (expires_timer_ != nullptr) expires_timer_->cancel();
  if (lease_timer_ != nullptr) lease_timer_->cancel();
  drop_delayed();
  leases_.take_all([](Lease) {});
  lease_deadlines_.clear();
  groups_in_flight_.clear();
  unacked_footprint_ = 0;
  ready_.clear();
  ready_bytes_ = 0;
  ready_footprint_ = 0;
  paged_count_ = 0;
  paged_bytes_ = 0;
  paged_deadlines_.clear();
  if (store_ != nullptr) {
    store_->destroy();
    store_.reset();
  }
  std::vector<ConsumerEntry> consumers;
  consumers.swap(consumers_);
  has_exclusive_consumer_ = false;
  next_consumer_ = 0;
  for (const ConsumerEntry& e : consumers) e.consumer->cancelled_by_queue(*this);
}

}  // namespace polymq::core
