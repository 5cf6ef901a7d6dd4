// What an SQS receiver sees of a message an SNS publish left in its queue (sqs/delivery_view.h):
// the publish is stored once, with its SNS metadata in annotations (sns.TopicArn, sns.Subject)
// and its message attributes as headers; at receive time the view looks up the subscription
// that delivered it, the binding from the topic's exchange (the message's exchange) to the
// queue, and renders the JSON envelope unless that subscription has RawMessageDelivery.
// A message whose subscription is gone by then is shown enveloped.
#pragma once

#include <string>

#include "core/broker.h"
#include "sns/envelope.h"
#include "sqs/delivery_view.h"

namespace polymq::sns {

inline constexpr std::string_view kTopicArnAnnotation = "sns.TopicArn";
inline constexpr std::string_view kSubjectAnnotation = "sns.Subject";

// The envelope's fields for a publish (`message`, which carries kTopicArnAnnotation) as
// subscription `subscription_arn` delivers it; the URLs name `base` ("http://host:port").
Notification notification_of(const core::Message& message, const std::string& topic_arn,
                             const std::string& subscription_arn, const std::string& base);

class NotificationView final : public sqs::DeliveryView {
 public:
  NotificationView(core::Broker& broker, std::string vhost)
      : broker_(broker), vhost_(std::move(vhost)) {}
  bool render(const core::Queue& queue, const core::Message& message, std::string_view host,
              std::string& body, bool& with_attributes) const override;

 private:
  core::Broker& broker_;
  std::string vhost_;
};

}  // namespace polymq::sns
