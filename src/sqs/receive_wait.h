// A ReceiveMessage that found nothing and long-polls: it subscribes to the queue as a core
// consumer that can take up to MaxNumberOfMessages, each delivery a lease with the visibility
// deadline. The first delivery arms its timer for "now", so the messages that arrive in the
// same event-loop turn (a batch) are answered together, as soon as the loop is free; otherwise
// the timer fires at the end of WaitTimeSeconds and the answer is empty. A deleted queue ends
// the wait at once. The Service owns every wait and answers it (Service::finish_wait).
//
// REQUIRES: every call on the broker's event loop thread.
#pragma once

#include <memory>
#include <vector>

#include "core/consumer.h"
#include "core/queue.h"
#include "core/timer.h"
#include "sqs/service.h"

namespace polymq::sqs {

class ReceiveWait final : public core::Consumer {
 public:
  ReceiveWait(Service& service, CallPtr call, core::QueueId queue, size_t max,
              core::Clock::duration visibility, core::Clock::time_point until);
  // Subscribes to the queue; false when it is gone.
  bool start();
  // Unsubscribes (if still subscribed); the deliveries it holds stay leased until their
  // deadlines.
  void leave();

  const CallPtr& call() const { return call_; }
  core::QueueId queue() const { return queue_; }
  std::vector<core::Delivery>& deliveries() { return deliveries_; }

  // core::Consumer
  bool ready() const override { return !done_ && deliveries_.size() < max_; }
  void deliver(core::Queue& queue, core::Delivery delivery) override;
  void cancelled_by_queue(core::Queue& queue) override;

 private:
  void end_soon();

  Service& service_;
  CallPtr call_;
  core::QueueId queue_;
  size_t max_;
  core::Clock::duration visibility_;
  std::unique_ptr<core::Timer> timer_;
  std::vector<core::Delivery> deliveries_;
  bool subscribed_ = false;
  bool done_ = false;  // ending: takes nothing more
};

}  // namespace polymq::sqs
