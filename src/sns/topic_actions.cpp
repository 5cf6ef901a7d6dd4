// CreateTopic, DeleteTopic, ListTopics, Get/SetTopicAttributes and the tagging actions.
#include <algorithm>
#include <cctype>
#include <optional>
#include <set>

#include "aws/query_protocol.h"
#include "sns/delivery_policy.h"
#include "sns/http_deliverer.h"
#include "sns/query_input.h"
#include "sns/service.h"
#include "sns/subscription_arguments.h"
#include "sns/topic_arguments.h"

namespace polymq::sns {
namespace {

constexpr size_t kTopicsPerPage = 100;
constexpr size_t kMaxTags = 50;

// The topic attributes a client may set (FifoTopic only at creation; ContentBasedDeduplication
// on FIFO topics only).
const std::set<std::string, std::less<>>& settable_attributes() {
  static const std::set<std::string, std::less<>> kNames = {
      "ContentBasedDeduplication",
      "DisplayName",
      "Policy",
      "DeliveryPolicy",
      "KmsMasterKeyId",
      "SignatureVersion",
      "TracingConfig",
      "DataProtectionPolicy",
      "ArchivePolicy",
      "HTTPSuccessFeedbackRoleArn",
      "HTTPFailureFeedbackRoleArn",
      "HTTPSuccessFeedbackSampleRate",
      "SQSSuccessFeedbackRoleArn",
      "SQSFailureFeedbackRoleArn",
      "SQSSuccessFeedbackSampleRate",
  };
  return kNames;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// A "true"/"false" attribute, kept in lower case; an error for any other value.
std::optional<Error> normalize_boolean(StringMap& attributes, const std::string& name) {
  auto it = attributes.find(name);
  if (it == attributes.end()) return std::nullopt;
  it->second = lower(it->second);
  if (it->second == "true" || it->second == "false") return std::nullopt;
  return invalid_parameter("Attributes Reason: " + name + ": Invalid value [" + it->second +
                           "]. Must be true or false.");
}

Error content_based_deduplication_of_standard_topic() {
  return invalid_parameter(
      "ContentBasedDeduplication Reason: Content-based deduplication can "
      "only be set for FIFO topics");
}

bool valid_topic_name(std::string_view name) {
  if (name.empty() || name.size() > 256) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

void entries(std::string& out, const std::map<std::string, std::string>& map) {
  out += "<Attributes>";
  for (const auto& [key, value] : map) {
    out += "<entry>";
    aws::xml_element(out, "key", key);
    aws::xml_element(out, "value", value);
    out += "</entry>";
  }
  out += "</Attributes>";
}

std::string default_policy(const std::string& arn, const std::string& account) {
  return "{\"Version\":\"2008-10-17\",\"Id\":\"__default_policy_ID\",\"Statement\":[{\"Sid\":"
         "\"__default_statement_ID\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},"
         "\"Action\":[\"SNS:GetTopicAttributes\",\"SNS:SetTopicAttributes\",\"SNS:AddPermission\","
         "\"SNS:RemovePermission\",\"SNS:DeleteTopic\",\"SNS:Subscribe\","
         "\"SNS:ListSubscriptionsByTopic\",\"SNS:Publish\"],\"Resource\":\"" +
         arn + "\",\"Condition\":{\"StringEquals\":{\"AWS:SourceOwner\":\"" + account + "\"}}}]}";
}

// A DeliveryPolicy AWS would refuse, as InvalidParameter with `reason` before its name.
std::optional<Error> check_topic_delivery_policy(const std::string& value,
                                                 std::string_view reason) {
  if (value.empty()) return std::nullopt;
  auto parsed = parse_topic_delivery_policy(value);
  if (const std::string* e = std::get_if<std::string>(&parsed)) {
    return invalid_parameter(std::string(reason) + "DeliveryPolicy: " + *e);
  }
  return std::nullopt;
}

}  // namespace

void Service::create_topic(const CallPtr& call) {
  const std::string name = call->get("Name").value_or("");
  std::map<std::string, std::string> attributes = query_map(call->params, "Attributes");
  std::map<std::string, std::string> tags;
  for (const http::Params& tag : query_members(call->params, "Tags")) {
    tags[std::string(http::find_param(tag, "Key").value_or(""))] =
        std::string(http::find_param(tag, "Value").value_or(""));
  }
  for (const char* flag : {"FifoTopic", "ContentBasedDeduplication"}) {
    if (auto e = normalize_boolean(attributes, flag)) return fail(*call, *e);
  }
  // A FIFO topic needs both FifoTopic "true" and the .fifo suffix; a standard one has neither
  // (AWS keeps no FifoTopic "false"), so a .fifo name alone fails the name's own check.
  if (attributes.contains("FifoTopic") && attributes["FifoTopic"] == "true") {
    constexpr std::string_view kSuffix = ".fifo";
    if (!name.ends_with(kSuffix) ||
        !valid_topic_name(name.substr(0, name.size() - kSuffix.size())) || name.size() > 256) {
      return fail(*call, make_error("InvalidParameter", 400,
                                    "Fifo Topic names must end with .fifo and must be made up of "
                                    "only uppercase and lowercase ASCII letters, numbers, "
                                    "underscores, and hyphens, and must be between 1 and 256 "
                                    "characters long."));
    }
  } else {
    attributes.erase("FifoTopic");
    if (!valid_topic_name(name)) return fail(*call, invalid_parameter("Topic Name"));
    if (attributes.contains("ContentBasedDeduplication")) {
      return fail(*call, content_based_deduplication_of_standard_topic());
    }
  }
  // A declare that is never passive: configure, even when the topic exists.
  if (auto e = check_access(*call, core::Permission::kConfigure, name, topic_arn(*call, name))) {
    return fail(*call, *e);
  }
  for (const auto& [key, value] : attributes) {
    if (!settable_attributes().contains(key) && key != "FifoTopic") {
      return fail(*call, invalid_parameter("Attributes Reason: Unknown attribute " + key));
    }
  }
  if (auto it = attributes.find("DeliveryPolicy"); it != attributes.end()) {
    if (auto e = check_topic_delivery_policy(it->second, "Attributes Reason: ")) {
      return fail(*call, *e);
    }
  }
  if (tags.size() > kMaxTags) {
    return fail(*call, make_error("TagLimitExceeded", 400,
                                  "Could not complete request: tag quota of per resource "
                                  "exceeded"));
  }
  const std::string arn = topic_arn(*call, name);
  std::string result;
  aws::xml_element(result, "TopicArn", arn);
  if (core::Exchange* existing = vhost()->find_exchange(name)) {
    if (!is_topic(*existing)) {
      return fail(*call, invalid_parameter("Name Reason: an exchange named " + name +
                                           " that is not a topic exists"));
    }
    // Idempotent: the same name and attributes name the same topic.
    const StringMap current = topic_attributes(*existing);
    for (const auto& [key, value] : attributes) {
      auto it = current.find(key);
      if (it == current.end() || it->second != value) {
        return fail(*call, invalid_parameter("Attributes Reason: Topic already exists with "
                                             "different attributes"));
      }
    }
    const StringMap current_tags = topic_tags(*existing);
    for (const auto& [key, value] : tags) {
      auto it = current_tags.find(key);
      if (it == current_tags.end() || it->second != value) {
        return fail(*call, invalid_parameter("Tags Reason: Topic already exists with different "
                                             "tags"));
      }
    }
    return reply(*call, result);
  }
  core::ExchangeOptions options;
  options.durable = true;
  options.arguments.emplace_back(std::string(kTopicArgument), core::Value::Bool(true));
  for (const auto& [key, value] : attributes) {
    options.arguments.emplace_back(std::string(kTopicAttributePrefix) + key,
                                   core::Value::String(value));
  }
  for (const auto& [key, value] : tags) {
    options.arguments.emplace_back(std::string(kTopicTagPrefix) + key, core::Value::String(value));
  }
  const uint64_t before = definitions_seq();
  core::Status s = vhost()->declare_exchange(name, "fanout", options, false);
  if (!s.ok()) return fail(*call, invalid_parameter("Name Reason: " + s.message()));
  reply_when_durable(*call, before, result);
}

void Service::delete_topic(const CallPtr& call) {
  const std::optional<std::string> arn = call->get("TopicArn");
  if (!arn || arn->empty()) {
    return fail(*call, invalid_parameter("TopicArn Reason: no value for required parameter"));
  }
  const std::string name = arn->substr(arn->rfind(':') + 1);
  if (auto e = check_access(*call, core::Permission::kConfigure, name, *arn)) {
    return fail(*call, *e);
  }
  core::Exchange* topic = vhost()->find_exchange(name);
  // Deleting a topic that does not exist succeeds, as in AWS.
  if (topic == nullptr || !is_topic(*topic)) return reply(*call, "");
  const uint64_t before = definitions_seq();
  // The queues of its http(s) subscriptions go with it.
  std::vector<std::string> http_queues;
  for (const core::Binding* b : topic->bindings()) {
    if (subscription_id(*b) != nullptr && b->queue() != nullptr &&
        b->queue()->name().starts_with(kHttpQueuePrefix)) {
      http_queues.push_back(b->queue()->name());
    }
  }
  core::Status s = vhost()->delete_exchange(name, false);
  if (!s.ok()) return fail(*call, internal_error(s.message()));
  dedup_windows_.erase(name);
  for (const std::string& queue : http_queues) {
    if (deliverer_ != nullptr) deliverer_->detach(queue);
    size_t dropped = 0;
    (void)vhost()->delete_queue(queue, false, false, 0, dropped);
  }
  reply_when_durable(*call, before, "");
}

void Service::list_topics(const CallPtr& call) {
  const std::string token = call->get("NextToken").value_or("");
  std::vector<std::string> names;
  for (const core::Exchange* x : vhost()->exchanges()) {
    if (is_topic(*x)) names.push_back(x->name());
  }
  std::sort(names.begin(), names.end());
  // The token is the name of the first topic of the next page.
  auto it = token.empty() ? names.begin() : std::lower_bound(names.begin(), names.end(), token);
  std::string result = "<Topics>";
  size_t n = 0;
  for (; it != names.end() && n < kTopicsPerPage; ++it, ++n) {
    result += "<member>";
    aws::xml_element(result, "TopicArn", topic_arn(*call, *it));
    result += "</member>";
  }
  result += "</Topics>";
  if (it != names.end()) aws::xml_element(result, "NextToken", *it);
  reply(*call, result);
}

void Service::get_topic_attributes(const CallPtr& call) {
  core::Exchange* topic = resolve_topic(*call, "TopicArn", std::nullopt);
  if (topic == nullptr) return;
  const std::string arn = topic_arn(*call, topic->name());
  StringMap attributes = shown_topic_attributes(*topic);
  const SubscriptionCounts counts = subscription_counts(*topic);
  attributes["TopicArn"] = arn;
  attributes["Owner"] = config_.account_id;
  attributes.try_emplace("Policy", default_policy(arn, config_.account_id));
  attributes["SubscriptionsConfirmed"] = std::to_string(counts.confirmed);
  attributes["SubscriptionsPending"] = std::to_string(counts.pending);
  attributes["SubscriptionsDeleted"] = "0";
  attributes["EffectiveDeliveryPolicy"] =
      "{\"http\":{\"defaultHealthyRetryPolicy\":{\"minDelayTarget\":20,\"maxDelayTarget\":20,"
      "\"numRetries\":3,\"numMaxDelayRetries\":0,\"numNoDelayRetries\":0,\"numMinDelayRetries\":"
      "0,\"backoffFunction\":\"linear\"},\"disableSubscriptionOverrides\":false,"
      "\"defaultRequestPolicy\":{\"headerContentType\":\"text/plain; charset=UTF-8\"}}}";
  std::string result;
  entries(result, attributes);
  reply(*call, result);
}

void Service::set_topic_attributes(const CallPtr& call) {
  core::Exchange* topic = resolve_topic(*call, "TopicArn", core::Permission::kConfigure);
  if (topic == nullptr) return;
  const std::optional<std::string> name = call->get("AttributeName");
  if (!name || name->empty()) {
    return fail(*call, invalid_parameter("AttributeName Reason: no value for required parameter"));
  }
  if (!settable_attributes().contains(*name)) {
    return fail(*call, invalid_parameter("AttributeName"));
  }
  StringMap attributes = topic_attributes(*topic);
  std::string value = call->get("AttributeValue").value_or("");
  if (*name == "ContentBasedDeduplication") {
    if (!is_fifo_topic(*topic)) return fail(*call, content_based_deduplication_of_standard_topic());
    StringMap given = {{*name, value}};
    if (auto e = normalize_boolean(given, *name)) return fail(*call, *e);
    value = given[*name];
  }
  if (*name == "DeliveryPolicy") {
    if (auto e = check_topic_delivery_policy(value, "")) return fail(*call, *e);
  }
  if (value.empty()) {
    attributes.erase(*name);
  } else {
    attributes[*name] = value;
  }
  change_topic(
      *call, *topic,
      with_prefixed_arguments(topic->options().arguments, kTopicAttributePrefix, attributes));
}

void Service::tag_resource(const CallPtr& call) {
  core::Exchange* topic =
      resolve_topic(*call, "ResourceArn", core::Permission::kConfigure, "ResourceNotFound");
  if (topic == nullptr) return;
  const StringMap tags = topic_tags(*topic);
  StringMap added;
  for (const http::Params& tag : query_members(call->params, "Tags")) {
    const std::string key(http::find_param(tag, "Key").value_or(""));
    if (key.empty() || key.size() > 128) {
      return fail(*call, invalid_parameter("Tags Reason: a tag key must have 1 to 128 "
                                           "characters"));
    }
    added[key] = std::string(http::find_param(tag, "Value").value_or(""));
  }
  StringMap merged = tags;
  for (auto& [key, value] : added) merged[key] = value;
  if (merged.size() > kMaxTags) {
    return fail(*call, make_error("TagLimitExceeded", 400,
                                  "Could not complete request: tag quota of per resource "
                                  "exceeded"));
  }
  change_topic(*call, *topic,
               with_prefixed_arguments(topic->options().arguments, kTopicTagPrefix, merged));
}

void Service::untag_resource(const CallPtr& call) {
  core::Exchange* topic =
      resolve_topic(*call, "ResourceArn", core::Permission::kConfigure, "ResourceNotFound");
  if (topic == nullptr) return;
  StringMap tags = topic_tags(*topic);
  for (const std::string& key : query_list(call->params, "TagKeys")) tags.erase(key);
  change_topic(*call, *topic,
               with_prefixed_arguments(topic->options().arguments, kTopicTagPrefix, tags));
}

void Service::list_tags_for_resource(const CallPtr& call) {
  core::Exchange* topic = resolve_topic(*call, "ResourceArn", std::nullopt, "ResourceNotFound");
  if (topic == nullptr) return;
  std::string result = "<Tags>";
  for (const auto& [key, value] : topic_tags(*topic)) {
    result += "<member>";
    aws::xml_element(result, "Key", key);
    aws::xml_element(result, "Value", value);
    result += "</member>";
  }
  result += "</Tags>";
  reply(*call, result);
}

}  // namespace polymq::sns
