#include "sns/topic_arguments.h"

#include "sns/subscription_arguments.h"

namespace polymq::sns {

StringMap prefixed_arguments(const core::Table& arguments, std::string_view prefix) {
  StringMap out;
  for (const auto& [key, value] : arguments) {
    if (key.starts_with(prefix) && value.is_string()) {
      out[key.substr(prefix.size())] = *value.as_string();
    }
  }
  return out;
}

core::Table with_prefixed_arguments(const core::Table& arguments, std::string_view prefix,
                                    const StringMap& values) {
  core::Table out;
  for (const auto& [key, value] : arguments) {
    if (!key.starts_with(prefix)) out.emplace_back(key, value);
  }
  for (const auto& [key, value] : values) {
    out.emplace_back(std::string(prefix) + key, core::Value::String(value));
  }
  return out;
}

StringMap topic_attributes(const core::Exchange& topic) {
  return prefixed_arguments(topic.options().arguments, kTopicAttributePrefix);
}

StringMap topic_tags(const core::Exchange& topic) {
  return prefixed_arguments(topic.options().arguments, kTopicTagPrefix);
}

StringMap shown_topic_attributes(const core::Exchange& topic) {
  StringMap attributes = topic_attributes(topic);
  attributes.try_emplace("DisplayName", "");
  if (is_fifo_topic(topic)) attributes.try_emplace("ContentBasedDeduplication", "false");
  return attributes;
}

SubscriptionCounts subscription_counts(const core::Exchange& topic) {
  SubscriptionCounts counts;
  for (const core::Binding* b : topic.bindings()) {
    if (subscription_id(*b) == nullptr) continue;
    if (core::find_bool(b->arguments, kPendingArgument).value_or(false)) {
      ++counts.pending;
    } else {
      ++counts.confirmed;
    }
  }
  return counts;
}

namespace {

bool attribute_is_true(const core::Exchange& topic, std::string_view name) {
  const std::string* v = core::find_string(topic.options().arguments,
                                           std::string(kTopicAttributePrefix) + std::string(name));
  return v != nullptr && *v == "true";
}

}  // namespace

bool is_fifo_topic(const core::Exchange& topic) { return attribute_is_true(topic, "FifoTopic"); }

bool content_based_deduplication(const core::Exchange& topic) {
  return attribute_is_true(topic, "ContentBasedDeduplication");
}

}  // namespace polymq::sns
