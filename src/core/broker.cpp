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
  vhosts_.erase(it);
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
