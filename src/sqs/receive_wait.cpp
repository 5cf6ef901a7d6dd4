#include "sqs/receive_wait.h"

namespace polymq::sqs {

ReceiveWait::ReceiveWait(Service& service, CallPtr call, core::QueueId queue, size_t max,
                         core::Clock::duration visibility, core::Clock::time_point until)
    : service_(service),
      call_(std::move(call)),
      queue_(queue),
      max_(max),
      visibility_(visibility),
      timer_(service.timers_.create([this] { service_.finish_wait(this); })) {
  timer_->arm(until);
}

bool ReceiveWait::start() {
  core::ConsumerOptions options;
  options.stamp_first_delivery = true;  // ApproximateFirstReceiveTimestamp
  subscribed_ = service_.broker_.shard().subscribe(queue_, this, options).ok();
  return subscribed_;
}

void ReceiveWait::leave() {
  done_ = true;
  timer_->cancel();
  if (subscribed_) service_.broker_.shard().unsubscribe(queue_, this);
  subscribed_ = false;
}

void ReceiveWait::deliver(core::Queue& queue, core::Delivery delivery) {
  // The visibility timeout starts now; a deadline set inside the delivery is the queue's
  // own lease bookkeeping (core/shard.h: extend).
  service_.broker_.shard().extend(queue.id(), delivery.lease, service_.timers_.now() + visibility_);
  deliveries_.push_back(std::move(delivery));
  end_soon();
}

void ReceiveWait::cancelled_by_queue(core::Queue& /*queue*/) {
  subscribed_ = false;
  end_soon();
}

void ReceiveWait::end_soon() {
  if (deliveries_.size() >= max_ || !subscribed_) done_ = true;
  timer_->arm(service_.timers_.now());
}

}  // namespace polymq::sqs
