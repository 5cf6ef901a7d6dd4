// A queue's cost allocation tags (TagQueue, UntagQueue, ListQueueTags, CreateQueue's tags):
// kept in the queue's declare arguments as the table x-sqs-tags (key to value), so they are
// durable with the queue's definition and go with it.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/value.h"
#include "sqs/errors.h"

namespace polymq::sqs {

using Tags = std::map<std::string, std::string>;

Tags tags_of(const core::Table& arguments);
// `arguments` with x-sqs-tags set to `tags` (removed when there are none).
core::Table with_tags(const core::Table& arguments, const Tags& tags);

// AWS's limits on a queue's tags once `added` are applied over `existing`: at most 50, keys of
// 1 to 128 characters, values of at most 256; InvalidParameterValue otherwise.
std::optional<Error> check_tags(const std::string& queue, const Tags& existing, const Tags& added);

}  // namespace polymq::sqs
