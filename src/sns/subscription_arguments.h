// How SNS keeps its state in the core, so that it is durable with the broker's definitions:
// - a topic is a durable fanout exchange of the SNS vhost carrying kTopicArgument; the
//   attributes and tags given at CreateTopic are exchange arguments too;
// - a subscription of an SQS queue is a durable binding from the topic's exchange to the
//   queue, keyed by the subscription's id (the last part of its ARN), whose arguments carry
//   its attributes. The core routes a publish through it (once stored, fanned out), asking
//   sns/binding_filters.h about its filter policy.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/exchange.h"
#include "core/value.h"

namespace polymq::sns {

inline constexpr std::string_view kTopicArgument = "x-sns-topic";
inline constexpr std::string_view kTopicAttributePrefix = "x-sns-attribute-";
inline constexpr std::string_view kTopicTagPrefix = "x-sns-tag-";

inline constexpr std::string_view kSubscriptionArgument = "x-sns-subscription";  // its id
inline constexpr std::string_view kRawDeliveryArgument = "x-sns-raw-message-delivery";
inline constexpr std::string_view kFilterPolicyArgument = "x-sns-filter-policy";
inline constexpr std::string_view kFilterScopeArgument = "x-sns-filter-policy-scope";
// http and https subscriptions (sns/http_deliverer.h): absent for sqs ones.
inline constexpr std::string_view kProtocolArgument = "x-sns-protocol";  // "http" or "https"
inline constexpr std::string_view kEndpointArgument = "x-sns-endpoint";  // the URL
inline constexpr std::string_view kPendingArgument = "x-sns-pending-confirmation";
inline constexpr std::string_view kTokenArgument = "x-sns-token";  // the confirmation token
// The RedrivePolicy and DeliveryPolicy JSON as given; absent when not set.
inline constexpr std::string_view kRedrivePolicyArgument = "x-sns-redrive-policy";
inline constexpr std::string_view kDeliveryPolicyArgument = "x-sns-delivery-policy";

// An http or https subscription is a binding from the topic to a durable queue of its own,
// named by this prefix and the subscription's id: the queue holds what is still to be POSTed.
// "amq." is a reserved prefix, so no client can declare, and so take, such a name.
inline constexpr std::string_view kHttpQueuePrefix = "amq.sns.http.";

// A subscription's attributes as its binding carries them.
struct SubscriptionAttributes {
  bool raw = false;
  std::string filter_policy;                       // "" when none
  std::string filter_scope = "MessageAttributes";  // or "MessageBody"
  std::string protocol = "sqs";                    // or "http", "https"
  std::string endpoint;                            // http(s): the URL
  bool pending = false;                            // http(s): not confirmed yet
  std::string token;                               // http(s): the confirmation token
  std::string redrive_policy;                      // "" when none
  std::string delivery_policy;                     // http(s): "" when none

  core::Table to_arguments(const std::string& id) const {
    core::Table t;
    t.emplace_back(std::string(kSubscriptionArgument), core::Value::String(id));
    t.emplace_back(std::string(kRawDeliveryArgument), core::Value::Bool(raw));
    if (!filter_policy.empty()) {
      t.emplace_back(std::string(kFilterPolicyArgument), core::Value::String(filter_policy));
    }
    if (!filter_policy.empty() || filter_scope != "MessageAttributes") {
      t.emplace_back(std::string(kFilterScopeArgument), core::Value::String(filter_scope));
    }
    if (protocol != "sqs") {
      t.emplace_back(std::string(kProtocolArgument), core::Value::String(protocol));
      t.emplace_back(std::string(kEndpointArgument), core::Value::String(endpoint));
      t.emplace_back(std::string(kPendingArgument), core::Value::Bool(pending));
      t.emplace_back(std::string(kTokenArgument), core::Value::String(token));
    }
    if (!redrive_policy.empty()) {
      t.emplace_back(std::string(kRedrivePolicyArgument), core::Value::String(redrive_policy));
    }
    if (!delivery_policy.empty()) {
      t.emplace_back(std::string(kDeliveryPolicyArgument), core::Value::String(delivery_policy));
    }
    return t;
  }
  static SubscriptionAttributes from_arguments(const core::Table& arguments) {
    SubscriptionAttributes a;
    a.raw = core::find_bool(arguments, kRawDeliveryArgument).value_or(false);
    if (const std::string* p = core::find_string(arguments, kFilterPolicyArgument)) {
      a.filter_policy = *p;
    }
    if (const std::string* s = core::find_string(arguments, kFilterScopeArgument)) {
      a.filter_scope = *s;
    }
    if (const std::string* p = core::find_string(arguments, kProtocolArgument)) a.protocol = *p;
    if (const std::string* e = core::find_string(arguments, kEndpointArgument)) a.endpoint = *e;
    a.pending = core::find_bool(arguments, kPendingArgument).value_or(false);
    if (const std::string* t = core::find_string(arguments, kTokenArgument)) a.token = *t;
    if (const std::string* r = core::find_string(arguments, kRedrivePolicyArgument)) {
      a.redrive_policy = *r;
    }
    if (const std::string* d = core::find_string(arguments, kDeliveryPolicyArgument)) {
      a.delivery_policy = *d;
    }
    return a;
  }
  bool operator==(const SubscriptionAttributes&) const = default;
};

// Whether the exchange is an SNS topic, and whether the binding is one of its subscriptions.
inline bool is_topic(const core::Exchange& exchange) {
  return core::find_bool(exchange.options().arguments, kTopicArgument).value_or(false);
}
inline const std::string* subscription_id(const core::Binding& binding) {
  return core::find_string(binding.arguments, kSubscriptionArgument);
}

}  // namespace polymq::sns
