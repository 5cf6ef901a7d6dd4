// Operator policies: queue arguments applied by queue-name pattern, as RabbitMQ's policies.
//
// A queue matches a policy when the policy's vhost is the queue's and its pattern (an
// ECMAScript regular expression) is found in the queue name (a search, not a full match, as
// RabbitMQ's re:run). Of the matching policies the one with the highest priority applies (ties:
// the one added first). Its definition uses RabbitMQ's policy keys without the "x-" prefix:
// message-ttl, expires, max-length, max-length-bytes, overflow, dead-letter-exchange,
// dead-letter-routing-key, delivery-limit. How a policy and a queue's own arguments combine is
// in rabbit/queue_arguments.h.
#pragma once

#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/value.h"

namespace polymq::rabbit {

struct PolicyDefinition {
  std::string name;
  std::string vhost = "/";
  std::string pattern;
  std::string apply_to = "queues";  // "queues" or "all"; exchanges take no policy keys here
  int priority = 0;
  core::Table definition;
};

class Policies {
 public:
  // kInvalidArgument (with a text naming the policy) for a bad pattern, apply-to or key.
  core::Status add(PolicyDefinition policy);
  // The policy that applies to queue `queue` in `vhost`, or nullptr.
  const PolicyDefinition* match(std::string_view vhost, std::string_view queue) const;
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    PolicyDefinition policy;
    std::regex pattern;
  };
  std::vector<Entry> entries_;
};

}  // namespace polymq::rabbit
