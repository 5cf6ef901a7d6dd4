#include "sns/notification_view.h"

#include "sns/envelope.h"
#include "sns/subscription_arguments.h"
#include "sqs/fifo_parameters.h"
#include "sqs/message_mapping.h"

namespace polymq::sns {

Notification notification_of(const core::Message& message, const std::string& topic_arn,
                             const std::string& subscription_arn, const std::string& base) {
  Notification n;
  n.message_id = message.properties.message_id.value_or("");
  if (const std::string* sequence =
          core::find_string(message.annotations, sqs::kSequenceNumberAnnotation)) {
    n.sequence_number = *sequence;
  }
  n.topic_arn = topic_arn;
  if (const std::string* subject = core::find_string(message.annotations, kSubjectAnnotation)) {
    n.subject = *subject;
  }
  n.message = std::string(message.body.view());
  n.timestamp_ms = message.timestamp_ms.value_or(0);
  n.signing_cert_url = base + "/SimpleNotificationService-polymq.pem";
  n.unsubscribe_url = base + "/?Action=Unsubscribe&SubscriptionArn=" + subscription_arn;
  for (sqs::MessageAttribute& a : sqs::message_attributes_of(message)) {
    n.attributes.push_back({std::move(a.name), std::move(a.data_type), std::move(a.value)});
  }
  return n;
}

bool NotificationView::render(const core::Queue& queue, const core::Message& message,
                              std::string_view host, std::string& body,
                              bool& with_attributes) const {
  const std::string* topic_arn = core::find_string(message.annotations, kTopicArnAnnotation);
  if (topic_arn == nullptr) return false;
  std::string subscription_arn = *topic_arn + ":unknown";
  if (core::VHost* vhost = broker_.find_vhost(vhost_)) {
    if (core::Exchange* topic = vhost->find_exchange(message.exchange)) {
      for (const core::Binding* b : topic->bindings()) {
        if (b->queue() != &queue) continue;
        const std::string* id = subscription_id(*b);
        if (id == nullptr) continue;
        if (SubscriptionAttributes::from_arguments(b->arguments).raw) return false;
        subscription_arn = *topic_arn + ":" + *id;
        break;
      }
    }
  }
  const std::string base = "http://" + std::string(host.empty() ? "localhost" : host);
  body = render_envelope(notification_of(message, *topic_arn, subscription_arn, base));
  with_attributes = false;
  return true;
}

}  // namespace polymq::sns
