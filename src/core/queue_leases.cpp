// Queue: what it hands out and keeps until settled (receivers, leases, deadlines). The rest
// of the queue (enqueue, expiry, paging, consumers) is in queue.cpp.
#include <algorithm>

#include "core/queue.h"

namespace polymq::core {

bool Queue::receive(Delivery& out, const ReceiveOptions& options) {
  return receive_one(out, options, nullptr);
}

bool Queue::receive_one(Delivery& out, const ReceiveOptions& options, const std::string* group) {
  touch();
  // The timer releases held messages; a receive just after their time need not wait for it.
  if (!delayed_.empty()) release_due();
  if (timed_) expire_head(now());
  if (ready_.empty()) refill();
  if (ready_.empty()) return false;
  QueuedMessage m;
  if (!grouped()) {
    m = pop_ready();
  } else if (!pop_grouped(m, group)) {
    return false;
  }
  count_delivery(m);
  out.message = m.message;
  out.delivery_count = m.delivery_count;
  if (m.first_delivered == Clock::time_point{}) m.first_delivered = now();
  out.first_delivered = m.first_delivered;
  if (options.auto_settle) {
    out.lease = 0;
    settle_for_good(m);
  } else {
    out.lease = lease(std::move(m), options.holder, options.deadline);
  }
  // RabbitMQ drops what expired behind the fetched message at once: get-ok's message count
  // leaves it out.
  if (timed_) expire_head(now());
  refill();
  arm_ttl_timer();
  return true;
}

size_t Queue::receive(size_t max, const ReceiveOptions& options, std::vector<Delivery>& out) {
  if (grouped()) return receive_grouped(max, options, out);
  size_t n = 0;
  Delivery d;
  while (n < max && receive(d, options)) {
    out.push_back(std::move(d));
    ++n;
  }
  return n;
}

LeaseId Queue::lease(QueuedMessage message, HolderId holder, Clock::time_point deadline) {
  const LeaseId id = next_lease_++;
  if (grouped()) group_leased(*message.message);
  leases_.add(id, Lease{std::move(message), holder, Clock::time_point::max()});
  if (deadline != Clock::time_point::max()) set_deadline(id, *leases_.find(id), deadline);
  return id;
}

bool Queue::take_lease(LeaseId id, Lease& out) {
  return leases_.take(id, [&](Lease l) {
    if (l.deadline != Clock::time_point::max()) lease_deadlines_.erase({l.deadline, id});
    if (grouped()) group_released(*l.message.message);
    out = std::move(l);
  });
}

void Queue::set_deadline(LeaseId id, Lease& lease, Clock::time_point deadline) {
  if (lease.deadline != Clock::time_point::max()) lease_deadlines_.erase({lease.deadline, id});
  lease.deadline = deadline;
  if (deadline == Clock::time_point::max()) return;
  lease_deadlines_.emplace(deadline, id);
  arm_lease_timer();
}

void Queue::arm_lease_timer() {
  if (timers_ == nullptr || deleted_ || lease_deadlines_.empty()) return;
  const Clock::time_point first = lease_deadlines_.begin()->first;
  if (first >= lease_timer_at_) return;
  if (lease_timer_ == nullptr) {
    lease_timer_ = timers_->create([this] {
      lease_timer_at_ = Clock::time_point::max();
      on_lease_timer();
    });
  }
  lease_timer_at_ = first;
  lease_timer_->arm(first);
}

void Queue::on_lease_timer() {
  const Clock::time_point t = now();
  bool returned = false;
  while (!lease_deadlines_.empty() && lease_deadlines_.begin()->first <= t) {
    const LeaseId id = lease_deadlines_.begin()->second;
    Lease l;
    if (!take_lease(id, l)) {
      lease_deadlines_.erase(lease_deadlines_.begin());
      continue;
    }
    return_to_ready(std::move(l.message));
    returned = true;
  }
  if (returned && !consumers_.empty()) dispatch();
  arm_lease_timer();
}

void Queue::settled(const QueuedMessage& message) {
  const uint64_t footprint = message.message->footprint();
  unacked_footprint_ -= std::min(unacked_footprint_, footprint);
}

void Queue::settle_for_good(const QueuedMessage& message) {
  settled(message);
  if (message.log_offset != kNotStored && store_ != nullptr && !deleted_) {
    store_->settle(message.log_offset);
  }
}

bool Queue::ack(LeaseId id) {
  Lease l;
  if (!take_lease(id, l)) return false;
  ++stats_.acked;
  settle_for_good(l.message);
  // The group's next message may be handed out now.
  if (grouped() && !consumers_.empty()) dispatch();
  return true;
}

bool Queue::reject(LeaseId id) {
  Lease l;
  if (!take_lease(id, l)) return false;
  settle_for_good(l.message);
  dead_letter(l.message.message, DeadLetterReason::kRejected);
  if (grouped() && !consumers_.empty()) dispatch();
  return true;
}

bool Queue::requeue(LeaseId id, Clock::duration delay) {
  if (delay > Clock::duration::zero()) {
    Lease* l = leases_.find(id);
    if (l == nullptr) return false;
    l->holder = 0;
    set_deadline(id, *l, now() + delay);
    return true;
  }
  Lease l;
  if (!take_lease(id, l)) return false;
  return_to_ready(std::move(l.message));
  return true;
}

bool Queue::extend(LeaseId id, Clock::time_point deadline) {
  Lease* l = leases_.find(id);
  if (l == nullptr) return false;
  set_deadline(id, *l, deadline);
  return true;
}

size_t Queue::release_holder(HolderId holder) {
  std::vector<LeaseId> ids;
  leases_.for_each([&](LeaseId id, const Lease& l) {
    if (l.holder == holder) ids.push_back(id);
  });
  for (LeaseId id : ids) requeue(id);
  if (!ids.empty() && !consumers_.empty()) dispatch();
  return ids.size();
}

void Queue::return_to_ready(QueuedMessage message) {
  settled(message);
  if (deleted_) return;
  ++message.delivery_count;
  if (settings_.delivery_limit && message.delivery_count > *settings_.delivery_limit) {
    if (message.log_offset != kNotStored && store_ != nullptr) store_->settle(message.log_offset);
    dead_letter(message.message, DeadLetterReason::kDeliveryLimit);
    return;
  }
  if (message.expires_at != Clock::time_point::max()) timed_ = true;
  ready_bytes_ += message.message->body.size();
  ready_footprint_ += message.message->footprint();
  ready_.insert(std::move(message));
  // Back at the head of a full queue, it is the first to go (RabbitMQ).
  while (over_limit() && drop_head(DeadLetterReason::kMaxLen)) {
  }
  arm_ttl_timer();
}

}  // namespace polymq::core
