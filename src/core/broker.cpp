#include "core/broker.h"

namespace polymq::core {

VHost& Broker::add_vhost(const std::string& name) {
  auto it = vhosts_.find(name);
  if (it != vhosts_.end()) return *it->second;
  return *vhosts_.emplace(name, std::make_unique<VHost>(name, &hooks_)).first->second;
}

VHost* Broker::find_vhost(std::string_view name) {
  auto it = vhosts_.find(name);
  return it == vhosts_.end() ? nullptr : it->second.get();
}

bool Broker::remove_vhost(std::string_view name) {
  auto it = vhosts_.find(name);
  if (it == vhosts_.end()) return false;
  permissions_.clear_vhost(name);
  policies_.clear_vhost(name);
  operator_policies_.clear_vhost(name);
  vhosts_.erase(it);
  return true;
}

bool Broker::retire_vhost(std::string_view name) {
  auto it = vhosts_.find(name);
  if (it == vhosts_.end()) return false;
  retired_hooks_ = hooks_;
  retired_hooks_.definitions = nullptr;
  retired_hooks_.queue_stores = nullptr;
  it->second->retire(&retired_hooks_);
  retired_.push_back(std::move(it->second));
  permissions_.clear_vhost(name);
  policies_.clear_vhost(name);
  operator_policies_.clear_vhost(name);
  vhosts_.erase(it);
  return true;
}

Status Broker::set_policy(PolicyKind kind, Policy policy) {
  auto it = vhosts_.find(policy.vhost);
  if (it == vhosts_.end()) return {ErrorCode::kNotFound, "no vhost '" + policy.vhost + "'"};
  if (hooks_.queue_settings != nullptr) {
    if (Status s = hooks_.queue_settings->check_policy(kind, policy); !s.ok()) return s;
  }
  const std::string name = policy.name;
  const bool durable = policy.durable;
  PolicyStore& store = policies(kind);
  if (Status s = store.set(std::move(policy)); !s.ok()) return s;
  VHost& vhost = *it->second;
  vhost.reapply_policies();
  if (hooks_.definitions != nullptr && durable) {
    hooks_.definitions->record({.kind = DefinitionChange::Kind::kPolicySet,
                                .vhost = &vhost,
                                .policy_kind = kind,
                                .policy = store.find(vhost.name(), name)});
  }
  return Status::Ok();
}

bool Broker::clear_policy(PolicyKind kind, std::string_view vhost_name, std::string_view name) {
  auto it = vhosts_.find(vhost_name);
  if (it == vhosts_.end() || !policies(kind).remove(vhost_name, name)) return false;
  VHost& vhost = *it->second;
  vhost.reapply_policies();
  if (hooks_.definitions != nullptr) {
    hooks_.definitions->record({.kind = DefinitionChange::Kind::kPolicyCleared,
                                .vhost = &vhost,
                                .policy_kind = kind,
                                .policy_name = name});
  }
  return true;
}

uint64_t Broker::message_memory() const {
  uint64_t total = 0;
  for (const auto& [name, vhost] : vhosts_) {
    for (const Queue* queue : vhost->queues()) total += queue->memory_bytes();
  }
  return total;
}

}  // namespace polymq::core
