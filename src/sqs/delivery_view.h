// How a message that another service put in a queue is shown to SQS receivers. SNS (sns/)
// stores a publish once, fanned out to its subscribed queues; a subscription that is not raw
// sees it wrapped in SNS's JSON notification envelope, which the view renders at receive time.
// The SQS front-end knows nothing of SNS: the server's wiring hands it a view.
#pragma once

#include <string>
#include <string_view>

#include "core/message.h"
#include "core/queue.h"

namespace polymq::sqs {

class DeliveryView {
 public:
  virtual ~DeliveryView() = default;
  // The body a receiver of `message` from `queue` sees, when the view renders it: then
  // `with_attributes` says whether the message's attributes are shown as SQS message
  // attributes (not when they are inside the rendered body). False: the message as stored.
  // `host` is the Host header of the receive, for URLs in the rendered body.
  virtual bool render(const core::Queue& queue, const core::Message& message, std::string_view host,
                      std::string& body, bool& with_attributes) const = 0;
};

}  // namespace polymq::sqs
