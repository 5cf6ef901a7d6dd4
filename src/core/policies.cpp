#include "core/policies.h"

#include <algorithm>
#include <optional>
#include <tuple>

#include "core/name_pattern.h"

namespace polymq::core {

Status PolicyStore::set(Policy policy) {
  auto invalid = [&](const std::string& why) {
    return Status{ErrorCode::kInvalidArgument, "policy '" + policy.name + "': " + why};
  };
  if (policy.name.empty()) return {ErrorCode::kInvalidArgument, "a policy needs a name"};
  if (policy.apply_to != "queues" && policy.apply_to != "exchanges" && policy.apply_to != "all") {
    return invalid("apply-to '" + policy.apply_to + "' is not one of queues, exchanges, all");
  }
  std::string error;
  std::optional<std::regex> pattern = compile_name_pattern(policy.pattern, error);
  if (!pattern) {
    return invalid("pattern '" + policy.pattern + "' is not a valid regular expression: " + error);
  }
  for (Entry& e : entries_) {
    if (e.policy.vhost == policy.vhost && e.policy.name == policy.name) {
      e = Entry{std::move(policy), std::move(*pattern)};
      return Status::Ok();
    }
  }
  entries_.push_back(Entry{std::move(policy), std::move(*pattern)});
  return Status::Ok();
}

bool PolicyStore::remove(std::string_view vhost, std::string_view name) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) {
    return e.policy.vhost == vhost && e.policy.name == name;
  });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

void PolicyStore::clear_vhost(std::string_view vhost) {
  std::erase_if(entries_, [&](const Entry& e) { return e.policy.vhost == vhost; });
}

const Policy* PolicyStore::find(std::string_view vhost, std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.policy.vhost == vhost && e.policy.name == name) return &e.policy;
  }
  return nullptr;
}

const Policy* PolicyStore::match_queue(std::string_view vhost, std::string_view queue) const {
  const Entry* best = nullptr;
  for (const Entry& e : entries_) {
    if (e.policy.vhost != vhost || e.policy.apply_to == "exchanges") continue;
    if (!std::regex_search(queue.begin(), queue.end(), e.pattern)) continue;
    if (best == nullptr || e.policy.priority > best->policy.priority) best = &e;
  }
  return best == nullptr ? nullptr : &best->policy;
}

std::vector<const Policy*> PolicyStore::list() const {
  std::vector<const Policy*> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(&e.policy);
  std::sort(out.begin(), out.end(), [](const Policy* a, const Policy* b) {
    return std::tie(a->vhost, a->name) < std::tie(b->vhost, b->name);
  });
  return out;
}

}  // namespace polymq::core
