// A topic's attributes and tags as its exchange's arguments (sns/subscription_arguments.h):
// each attribute an argument kTopicAttributePrefix + its name, each tag kTopicTagPrefix + its
// key, with a string value. A change (SetTopicAttributes, TagResource, UntagResource) gives the
// exchange the arguments these functions compute (core::VHost::change_exchange_arguments),
// which the broker records as a durable definition change: they survive a restart as the ones
// given at CreateTopic do.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/exchange.h"
#include "core/value.h"

namespace polymq::sns {

using StringMap = std::map<std::string, std::string>;

// The values of the string arguments whose names start with `prefix`, by the rest of the name.
StringMap prefixed_arguments(const core::Table& arguments, std::string_view prefix);
// `arguments` with those of `prefix` replaced by `values`, the others kept in their order.
core::Table with_prefixed_arguments(const core::Table& arguments, std::string_view prefix,
                                    const StringMap& values);

StringMap topic_attributes(const core::Exchange& topic);
StringMap topic_tags(const core::Exchange& topic);

// The attributes GetTopicAttributes shows of what the topic keeps: those given at CreateTopic
// and SetTopicAttributes, with AWS's defaults for DisplayName ("") and, on a FIFO topic,
// ContentBasedDeduplication ("false"). Not the ones it derives per request (TopicArn, Owner,
// the default Policy, which names the ARN) nor the subscription counts.
StringMap shown_topic_attributes(const core::Exchange& topic);

// The topic's subscriptions: confirmed (every sqs one, an http(s) one once confirmed) and
// pending confirmation.
struct SubscriptionCounts {
  size_t confirmed = 0;
  size_t pending = 0;
};
SubscriptionCounts subscription_counts(const core::Exchange& topic);

// Whether the topic is a FIFO topic (created with FifoTopic "true"), and whether it derives
// deduplication ids from the message body (ContentBasedDeduplication "true").
bool is_fifo_topic(const core::Exchange& topic);
bool content_based_deduplication(const core::Exchange& topic);

}  // namespace polymq::sns
