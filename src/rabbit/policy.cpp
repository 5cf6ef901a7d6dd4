#include "rabbit/policy.h"

#include <algorithm>
#include <array>

#include "core/name_pattern.h"

namespace polymq::rabbit {

using core::ErrorCode;
using core::Status;

namespace {

constexpr std::array<std::string_view, 8> kQueueKeys = {"message-ttl",
                                                        "expires",
                                                        "max-length",
                                                        "max-length-bytes",
                                                        "overflow",
                                                        "dead-letter-exchange",
                                                        "dead-letter-routing-key",
                                                        "delivery-limit"};

}  // namespace

Status Policies::add(PolicyDefinition policy) {
  auto invalid = [&](const std::string& why) {
    return Status{ErrorCode::kInvalidArgument, "policy '" + policy.name + "': " + why};
  };
  if (policy.name.empty()) return {ErrorCode::kInvalidArgument, "a policy needs a name"};
  if (policy.apply_to != "queues" && policy.apply_to != "all") {
    return invalid("apply-to '" + policy.apply_to + "' is not supported (queues, all)");
  }
  for (const auto& [key, value] : policy.definition) {
    if (std::find(kQueueKeys.begin(), kQueueKeys.end(), key) == kQueueKeys.end()) {
      return invalid("unsupported definition key '" + key + "'");
    }
  }
  std::string error;
  std::optional<std::regex> pattern = core::compile_name_pattern(policy.pattern, error);
  if (!pattern) {
    return invalid("pattern '" + policy.pattern + "' is not a valid regular expression: " + error);
  }
  entries_.push_back(Entry{std::move(policy), std::move(*pattern)});
  return Status::Ok();
}

const PolicyDefinition* Policies::match(std::string_view vhost, std::string_view queue) const {
  const Entry* best = nullptr;
  for (const Entry& e : entries_) {
    if (e.policy.vhost != vhost) continue;
    if (!std::regex_search(queue.begin(), queue.end(), e.pattern)) continue;
    if (best == nullptr || e.policy.priority > best->policy.priority) best = &e;
  }
  return best == nullptr ? nullptr : &best->policy;
}

}  // namespace polymq::rabbit
