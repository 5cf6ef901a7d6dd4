// Policies: settings applied to queues by name pattern, at run time, as RabbitMQ's policies
// and operator policies. The core stores and matches them; what a definition's keys mean (and
// which keys and values are valid) is the broker model's (core::QueueSettingsSource,
// rabbit/queue_arguments.h).
//
// A queue matches a policy when the policy's vhost is the queue's, the policy applies to queues
// ("queues" or "all") and its pattern (core/name_pattern.h) is found in the queue name (a
// search, as RabbitMQ's re:run). Of the matching policies the one with the highest priority
// applies; of equal priorities the one set first. A queue has at most one policy and one
// operator policy; how they combine with its own arguments is the model's.
//
// REQUIRES: every call on the thread that owns the broker's definitions (the event loop).
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/value.h"

namespace polymq::core {

// Policies are set by users with the policymaker tag; operator policies by administrators,
// to cap what users' arguments and policies ask for.
enum class PolicyKind { kUser, kOperator };

struct Policy {
  std::string name;
  std::string vhost = "/";
  std::string pattern;
  std::string apply_to = "queues";  // RabbitMQ's: "queues", "exchanges" or "all"
  int priority = 0;
  Table definition;  // RabbitMQ's keys, without the "x-" of queue arguments
  // Kept in the definitions; false for the config file's policies, set again at every start.
  bool durable = true;
};

class PolicyStore {
 public:
  // Adds the policy, or replaces the one of the same vhost and name (which keeps its place
  // among equal priorities). kInvalidArgument, naming the policy, for an empty name, an
  // apply-to other than the three, or a pattern that does not compile.
  Status set(Policy policy);
  // False when there was none.
  bool remove(std::string_view vhost, std::string_view name);
  // Drops every policy of the vhost (it was deleted).
  void clear_vhost(std::string_view vhost);

  const Policy* find(std::string_view vhost, std::string_view name) const;
  // The policy that applies to queue `queue` of `vhost`, or null.
  const Policy* match_queue(std::string_view vhost, std::string_view queue) const;
  // Every policy, ordered by vhost then name.
  std::vector<const Policy*> list() const;
  bool empty() const { return entries_.empty(); }

 private:
  struct Entry {
    Policy policy;
    std::regex pattern;
  };
  std::vector<Entry> entries_;  // in the order set: ties of priority go to the first
};

}  // namespace polymq::core
