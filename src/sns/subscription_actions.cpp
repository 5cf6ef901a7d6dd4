// Subscribe, Unsubscribe, ListSubscriptions(ByTopic), Get/SetSubscriptionAttributes: the
// bindings of topics to SQS queues (sns/subscription_arguments.h).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <variant>

#include "aws/query_protocol.h"
#include "sns/delivery_policy.h"
#include "sns/filter_policy.h"
#include "sns/http_deliverer.h"
#include "sns/http_post.h"
#include "sns/notification_view.h"
#include "sns/query_input.h"
#include "sns/redrive_policy.h"
#include "sns/service.h"
#include "sns/subscription_arguments.h"
#include "sns/topic_arguments.h"
#include "sqs/queue_attributes.h"

namespace polymq::sns {
namespace {

constexpr size_t kSubscriptionsPerPage = 100;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Applies one attribute to `a`; an error when AWS would refuse it. `reason` starts the
// error's text after "Invalid parameter: " as AWS's does: "Attributes Reason: " at Subscribe,
// nothing at SetSubscriptionAttributes.
std::optional<Error> apply_attribute(SubscriptionAttributes& a, const std::string& name,
                                     const std::string& value, std::string_view reason) {
  if (name == "RawMessageDelivery") {
    const std::string v = lower(value);
    if (v != "true" && v != "false") {
      return invalid_parameter("Attributes Reason: RawMessageDelivery: Invalid value [" + value +
                               "]. Must be true or false.");
    }
    a.raw = v == "true";
  } else if (name == "FilterPolicy") {
    a.filter_policy = value;
  } else if (name == "FilterPolicyScope") {
    if (value != "MessageAttributes" && value != "MessageBody") {
      return invalid_parameter("Attributes Reason: FilterPolicyScope: Invalid value [" + value +
                               "]. Please use either MessageBody or MessageAttributes");
    }
    a.filter_scope = value;
  } else if (name == "RedrivePolicy") {
    // An empty value removes it.
    if (!value.empty()) {
      if (std::optional<std::string> e = check_redrive_policy(value)) {
        return invalid_parameter(std::string(reason) + "RedrivePolicy: " + *e);
      }
    }
    a.redrive_policy = value;
  } else if (name == "DeliveryPolicy") {
    // Only http and https subscriptions take one (checked by the callers); "" removes it.
    if (!value.empty()) {
      auto parsed = parse_subscription_delivery_policy(value);
      if (const std::string* e = std::get_if<std::string>(&parsed)) {
        return invalid_parameter(std::string(reason) + "DeliveryPolicy: " + *e);
      }
    }
    a.delivery_policy = value;
  } else {
    return invalid_parameter("Attributes Reason: Unknown or unsupported attribute " + name);
  }
  return std::nullopt;
}

std::optional<Error> check_filter_policy(const SubscriptionAttributes& a) {
  if (a.filter_policy.empty()) return std::nullopt;
  if (a.filter_policy.size() > 256 * 1024) {
    return invalid_parameter("FilterPolicy: Filter policy is too long");
  }
  auto parsed = FilterPolicy::parse(a.filter_policy, a.filter_scope == "MessageBody"
                                                         ? FilterScope::kMessageBody
                                                         : FilterScope::kMessageAttributes);
  if (const std::string* e = std::get_if<std::string>(&parsed)) {
    return invalid_parameter("FilterPolicy: " + *e);
  }
  return std::nullopt;
}

// "arn:aws:sqs:<region>:<account>:<name>" -> name; "" when it is not one of `account`'s.
std::string queue_of_arn(const std::string& arn, const std::string& account) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t colon; (colon = arn.find(':', start)) != std::string::npos; start = colon + 1) {
    parts.push_back(arn.substr(start, colon - start));
  }
  parts.push_back(arn.substr(start));
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "sqs" || parts[4] != account) {
    return "";
  }
  return parts[5];
}

// A DeliveryPolicy is for http and https subscriptions only.
std::optional<Error> check_protocol_takes(const SubscriptionAttributes& a,
                                          std::string_view reason) {
  if (a.protocol == "sqs" && !a.delivery_policy.empty()) {
    return invalid_parameter(std::string(reason) +
                             "DeliveryPolicy: only http and https subscriptions take one");
  }
  return std::nullopt;
}

}  // namespace

void Service::subscribe(const CallPtr& call) {
  core::Exchange* topic = resolve_topic(*call, "TopicArn", core::Permission::kRead);
  if (topic == nullptr) return;
  const std::string protocol = call->get("Protocol").value_or("");
  if (protocol.empty()) {
    return fail(*call, invalid_parameter("Protocol Reason: no value for required parameter"));
  }
  // A FIFO topic delivers to FIFO SQS queues only.
  if (protocol != "sqs" && is_fifo_topic(*topic)) {
    return fail(*call, invalid_parameter("Invalid parameter: Endpoint Reason: Please use FIFO "
                                         "SQS queue"));
  }
  if ((protocol == "http" || protocol == "https") && deliverer_ != nullptr) {
    return subscribe_http(call, *topic, protocol);
  }
  if (protocol != "sqs") {
    return fail(*call, invalid_parameter("Protocol Reason: the protocol " + protocol +
                                         " is not served by this server (only sqs, http and "
                                         "https are)"));
  }
  const std::string endpoint = call->get("Endpoint").value_or("");
  const std::string queue_name = queue_of_arn(endpoint, config_.account_id);
  if (queue_name.empty()) {
    return fail(*call, invalid_parameter("SQS endpoint ARN"));
  }
  // The queue is the binding's destination (AMQP's queue.bind: write on it).
  if (auto e = check_access(*call, core::Permission::kWrite, queue_name, endpoint)) {
    return fail(*call, *e);
  }
  core::Queue* queue = vhost()->find_queue(queue_name);
  if (queue == nullptr || queue->options().exclusive) {
    return fail(*call,
                invalid_parameter("Endpoint Reason: the queue " + queue_name + " does not exist"));
  }
  // AWS's texts, "Invalid parameter:" twice included.
  const bool fifo_queue = sqs::from_arguments(queue->options().arguments).fifo_queue;
  if (fifo_queue && !is_fifo_topic(*topic)) {
    return fail(*call, invalid_parameter("Invalid parameter: Endpoint Reason: FIFO SQS Queues can "
                                         "not be subscribed to standard SNS topics"));
  }
  if (!fifo_queue && is_fifo_topic(*topic)) {
    return fail(*call, invalid_parameter("Invalid parameter: Endpoint Reason: Please use FIFO "
                                         "SQS queue"));
  }
  SubscriptionAttributes attributes;
  for (const auto& [name, value] : query_map(call->params, "Attributes")) {
    if (auto e = apply_attribute(attributes, name, value, "Attributes Reason: ")) {
      return fail(*call, *e);
    }
  }
  if (auto e = check_filter_policy(attributes)) return fail(*call, *e);
  if (auto e = check_protocol_takes(attributes, "Attributes Reason: ")) return fail(*call, *e);

  const std::string arn = topic_arn(*call, topic->name());
  std::string result;
  for (const core::Binding* b : topic->bindings()) {
    const std::string* id = subscription_id(*b);
    if (id == nullptr || b->queue() != queue) continue;
    // Subscribing an endpoint again names the same subscription, if nothing differs.
    if (!(SubscriptionAttributes::from_arguments(b->arguments) == attributes)) {
      return fail(*call, invalid_parameter("Attributes Reason: Subscription already exists with "
                                           "different attributes"));
    }
    aws::xml_element(result, "SubscriptionArn", arn + ":" + *id);
    return reply(*call, result);
  }
  const std::string id = aws::random_uuid(random_);
  const uint64_t before = definitions_seq();
  core::Status s =
      vhost()->bind_queue(queue_name, topic->name(), id, attributes.to_arguments(id), 0);
  if (!s.ok()) return fail(*call, invalid_parameter("Attributes Reason: " + s.message()));
  // An SQS subscription needs no confirmation: the ARN is answered whatever
  // ReturnSubscriptionArn says.
  aws::xml_element(result, "SubscriptionArn", arn + ":" + id);
  reply_when_durable(*call, before, result);
}

void Service::subscribe_http(const CallPtr& call, core::Exchange& topic,
                             const std::string& protocol) {
  const std::string endpoint = call->get("Endpoint").value_or("");
  std::optional<Url> url = parse_url(endpoint);
  if (!url || url->https != (protocol == "https")) {
    return fail(*call, invalid_parameter("Endpoint must match the specified protocol"));
  }
  SubscriptionAttributes attributes;
  for (const auto& [name, value] : query_map(call->params, "Attributes")) {
    if (auto e = apply_attribute(attributes, name, value, "Attributes Reason: ")) {
      return fail(*call, *e);
    }
  }
  if (auto e = check_filter_policy(attributes)) return fail(*call, *e);
  attributes.protocol = protocol;
  attributes.endpoint = endpoint;
  const bool return_arn = lower(call->get("ReturnSubscriptionArn").value_or("")) == "true";
  const std::string arn = topic_arn(*call, topic.name());
  std::string result;
  for (const core::Binding* b : topic.bindings()) {
    const std::string* id = subscription_id(*b);
    if (id == nullptr) continue;
    const SubscriptionAttributes old = SubscriptionAttributes::from_arguments(b->arguments);
    if (old.protocol != protocol || old.endpoint != endpoint) continue;
    if (old.raw != attributes.raw || old.filter_policy != attributes.filter_policy ||
        old.filter_scope != attributes.filter_scope ||
        old.redrive_policy != attributes.redrive_policy ||
        old.delivery_policy != attributes.delivery_policy) {
      return fail(*call, invalid_parameter("Attributes Reason: Subscription already exists with "
                                           "different attributes"));
    }
    aws::xml_element(result, "SubscriptionArn",
                     old.pending && !return_arn ? "pending confirmation" : arn + ":" + *id);
    return reply(*call, result);
  }
  const std::string id = aws::random_uuid(random_);
  for (int i = 0; i < 4; ++i) {
    const std::string part = aws::random_uuid(random_);
    for (char c : part) {
      if (c != '-') attributes.token += c;
    }
  }
  attributes.pending = true;
  const std::string queue_name = std::string(kHttpQueuePrefix) + id;
  const uint64_t before = definitions_seq();
  // restore_queue: the reserved prefix is refused to declares (see kHttpQueuePrefix).
  core::QueueOptions options;
  options.durable = true;
  core::Status s = vhost()->restore_queue(queue_name, options);
  if (s.ok()) s = vhost()->bind_queue(queue_name, topic.name(), id, attributes.to_arguments(id), 0);
  if (!s.ok()) {
    size_t ignored = 0;
    (void)vhost()->delete_queue(queue_name, false, false, 0, ignored);
    return fail(*call, invalid_parameter("Attributes Reason: " + s.message()));
  }
  // The confirmation goes through the subscription's queue, so it is retried and durable as
  // any notification.
  auto m = std::make_shared<core::Message>();
  m->body = core::Body(std::string("SubscriptionConfirmation"));
  m->properties.message_id = aws::random_uuid(random_);
  m->timestamp_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
  m->routing_key = queue_name;
  m->annotations.emplace_back(std::string(kTopicArnAnnotation), core::Value::String(arn));
  m->annotations.emplace_back(std::string(kTypeAnnotation),
                              core::Value::String("SubscriptionConfirmation"));
  m->annotations.emplace_back(std::string(kHostAnnotation), core::Value::String(call->host));
  core::PublishResult published = publisher_.publish(*vhost(), "", m, nullptr, false);
  if (!published.status.ok()) return fail(*call, internal_error(published.status.message()));
  deliverer_->attach(queue_name);
  aws::xml_element(result, "SubscriptionArn", return_arn ? arn + ":" + id : "pending confirmation");
  reply_when_durable(*call, before, result);
}

void Service::confirm_subscription(const CallPtr& call) {
  core::Exchange* topic = resolve_topic(*call, "TopicArn", core::Permission::kRead);
  if (topic == nullptr) return;
  const std::string token = call->get("Token").value_or("");
  if (token.empty()) {
    return fail(*call, invalid_parameter("Token Reason: no value for required parameter"));
  }
  const std::string arn = topic_arn(*call, topic->name());
  for (const core::Binding* b : topic->bindings()) {
    const std::string* id = subscription_id(*b);
    if (id == nullptr || b->queue() == nullptr) continue;
    SubscriptionAttributes a = SubscriptionAttributes::from_arguments(b->arguments);
    if (a.protocol == "sqs" || a.token != token) continue;
    std::string result;
    aws::xml_element(result, "SubscriptionArn", arn + ":" + *id);
    if (!a.pending) return reply(*call, result);
    const std::string queue = b->queue()->name();
    const std::string key = *id;
    const core::Table old_arguments = b->arguments;
    a.pending = false;
    const uint64_t before = definitions_seq();
    // Bound anew without the pending mark (first, as in SetSubscriptionAttributes).
    core::Status s = vhost()->bind_queue(queue, topic->name(), key, a.to_arguments(key), 0);
    if (s.ok()) s = vhost()->unbind_queue(queue, topic->name(), key, old_arguments, 0);
    if (!s.ok()) return fail(*call, internal_error(s.message()));
    return reply_when_durable(*call, before, result);
  }
  fail(*call, invalid_parameter("Token"));
}

void Service::unsubscribe(const CallPtr& call) {
  core::Exchange* topic = nullptr;
  const core::Binding* b = resolve_subscription(*call, topic);
  if (b == nullptr) return;
  if (auto e = check_subscription_access(*call, *topic, *b)) return fail(*call, *e);
  const std::string queue = b->queue()->name();
  const std::string key = b->key;
  const core::Table arguments = b->arguments;
  const uint64_t before = definitions_seq();
  core::Status s = vhost()->unbind_queue(queue, topic->name(), key, arguments, 0);
  if (!s.ok()) return fail(*call, internal_error(s.message()));
  if (queue.starts_with(kHttpQueuePrefix)) {
    // The subscription's own queue goes with it, and what it still held.
    if (deliverer_ != nullptr) deliverer_->detach(queue);
    size_t dropped = 0;
    (void)vhost()->delete_queue(queue, false, false, 0, dropped);
  }
  reply_when_durable(*call, before, "");
}

void Service::list_subscriptions(const CallPtr& call) {
  std::vector<const core::Exchange*> topics;
  for (const core::Exchange* x : vhost()->exchanges()) {
    if (is_topic(*x)) topics.push_back(x);
  }
  std::sort(topics.begin(), topics.end(),
            [](const core::Exchange* a, const core::Exchange* b) { return a->name() < b->name(); });
  list_subscriptions_of(call, topics);
}

void Service::list_subscriptions_by_topic(const CallPtr& call) {
  core::Exchange* topic = resolve_topic(*call, "TopicArn", std::nullopt);
  if (topic == nullptr) return;
  list_subscriptions_of(call, {topic});
}

void Service::list_subscriptions_of(const CallPtr& call,
                                    const std::vector<const core::Exchange*>& topics) {
  // The token is the position of the first subscription of the next page.
  size_t skip = 0;
  if (std::optional<std::string> token = call->get("NextToken"); token && !token->empty()) {
    const bool digits = token->size() < 10 && std::all_of(token->begin(), token->end(), [](char c) {
                          return c >= '0' && c <= '9';
                        });
    if (!digits) return fail(*call, invalid_parameter("NextToken"));
    skip = std::stoul(*token);
  }
  std::string result = "<Subscriptions>";
  size_t position = 0, listed = 0;
  bool more = false;
  for (const core::Exchange* topic : topics) {
    const std::string arn = topic_arn(*call, topic->name());
    for (const core::Binding* b : topic->bindings()) {
      const std::string* id = subscription_id(*b);
      if (id == nullptr || b->queue() == nullptr) continue;
      if (position++ < skip) continue;
      if (listed == kSubscriptionsPerPage) {
        more = true;
        break;
      }
      ++listed;
      const SubscriptionAttributes a = SubscriptionAttributes::from_arguments(b->arguments);
      result += "<member>";
      aws::xml_element(result, "SubscriptionArn",
                       a.pending ? "PendingConfirmation" : arn + ":" + *id);
      aws::xml_element(result, "Owner", config_.account_id);
      aws::xml_element(result, "Protocol", a.protocol);
      aws::xml_element(result, "Endpoint",
                       a.protocol != "sqs" ? a.endpoint
                                           : "arn:aws:sqs:" + call->region + ":" +
                                                 config_.account_id + ":" + b->queue()->name());
      aws::xml_element(result, "TopicArn", arn);
      result += "</member>";
    }
    if (more) break;
  }
  result += "</Subscriptions>";
  if (more) aws::xml_element(result, "NextToken", std::to_string(skip + listed));
  reply(*call, result);
}

void Service::get_subscription_attributes(const CallPtr& call) {
  core::Exchange* topic = nullptr;
  const core::Binding* b = resolve_subscription(*call, topic);
  if (b == nullptr) return;
  const SubscriptionAttributes a = SubscriptionAttributes::from_arguments(b->arguments);
  const std::string arn = topic_arn(*call, topic->name());
  std::map<std::string, std::string> attributes = {
      {"SubscriptionArn", arn + ":" + *subscription_id(*b)},
      {"TopicArn", arn},
      {"Owner", config_.account_id},
      {"Protocol", a.protocol},
      {"Endpoint", a.protocol != "sqs" ? a.endpoint
                                       : "arn:aws:sqs:" + call->region + ":" + config_.account_id +
                                             ":" + b->queue()->name()},
      {"ConfirmationWasAuthenticated", a.protocol == "sqs" ? "true" : "false"},
      {"PendingConfirmation", a.pending ? "true" : "false"},
      {"RawMessageDelivery", a.raw ? "true" : "false"},
  };
  if (!a.redrive_policy.empty()) attributes["RedrivePolicy"] = a.redrive_policy;
  if (!a.delivery_policy.empty()) attributes["DeliveryPolicy"] = a.delivery_policy;
  if (!a.filter_policy.empty()) {
    attributes["FilterPolicy"] = a.filter_policy;
    attributes["FilterPolicyScope"] = a.filter_scope;
  }
  std::string result = "<Attributes>";
  for (const auto& [key, value] : attributes) {
    result += "<entry>";
    aws::xml_element(result, "key", key);
    aws::xml_element(result, "value", value);
    result += "</entry>";
  }
  result += "</Attributes>";
  reply(*call, result);
}

void Service::set_subscription_attributes(const CallPtr& call) {
  core::Exchange* topic = nullptr;
  const core::Binding* b = resolve_subscription(*call, topic);
  if (b == nullptr) return;
  if (auto e = check_subscription_access(*call, *topic, *b)) return fail(*call, *e);
  const std::string name = call->get("AttributeName").value_or("");
  if (name.empty()) {
    return fail(*call, invalid_parameter("AttributeName Reason: no value for required parameter"));
  }
  SubscriptionAttributes a = SubscriptionAttributes::from_arguments(b->arguments);
  if (auto e = apply_attribute(a, name, call->get("AttributeValue").value_or(""), "")) {
    return fail(*call, *e);
  }
  if (auto e = check_filter_policy(a)) return fail(*call, *e);
  if (auto e = check_protocol_takes(a, "")) return fail(*call, *e);
  const std::string queue = b->queue()->name();
  const std::string id = *subscription_id(*b);
  const core::Table old_arguments = b->arguments;
  const core::Table new_arguments = a.to_arguments(id);
  if (a == SubscriptionAttributes::from_arguments(old_arguments)) return reply(*call, "");
  const uint64_t before = definitions_seq();
  // The subscription is rebound with its new attributes: bound first, so that no publish
  // meanwhile misses the queue (both run on this thread; nothing is routed in between).
  core::Status s = vhost()->bind_queue(queue, topic->name(), id, new_arguments, 0);
  if (s.ok()) s = vhost()->unbind_queue(queue, topic->name(), id, old_arguments, 0);
  if (!s.ok()) return fail(*call, invalid_parameter("Attributes Reason: " + s.message()));
  reply_when_durable(*call, before, "");
}

}  // namespace polymq::sns
