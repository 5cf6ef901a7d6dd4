// The broker's protocol-neutral state: virtual hosts, users and the limits every front-end
// enforces. It knows no wire format; front-ends hold a reference and call in on the owner
// thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/connections.h"
#include "core/message_counters.h"
#include "core/permissions.h"
#include "core/resource_alarms.h"
#include "core/shard.h"
#include "core/users.h"
#include "core/vhost.h"

namespace polymq::core {

struct Limits {
  uint64_t max_message_size = 128ull * 1024 * 1024;  // RabbitMQ's default max_message_size
};

class Broker {
 public:
  explicit Broker(Limits limits = {}) : limits_(limits) {
    hooks_.shard = &shard_;
    hooks_.policies = &policies_;
    hooks_.operator_policies = &operator_policies_;
    alarms_.set_memory_probe([this] { return message_memory(); });
  }

  const Limits& limits() const { return limits_; }
  UserStore& users() { return users_; }
  // Who may use which vhost and its resources; a vhost's grants go with it.
  PermissionStore& permissions() { return permissions_; }
  const PermissionStore& permissions() const { return permissions_; }
  // Policies and operator policies (core/policies.h), as set at start (the config file,
  // stored definitions); set_policy changes them at run time.
  PolicyStore& policies(PolicyKind kind) {
    return kind == PolicyKind::kUser ? policies_ : operator_policies_;
  }
  const PolicyStore& policies(PolicyKind kind) const {
    return kind == PolicyKind::kUser ? policies_ : operator_policies_;
  }
  // Adds or replaces a policy of an existing vhost, checked by the model's rules
  // (QueueSettingsSource::check_policy), applies it at once to the vhost's queues and records
  // it when it is durable. kNotFound for a missing vhost, kInvalidArgument for a policy
  // refused.
  Status set_policy(PolicyKind kind, Policy policy);
  // Removes a policy, re-applies the vhost's policies and records it; false if there was none.
  bool clear_policy(PolicyKind kind, std::string_view vhost, std::string_view name);
  // Set before the first vhost is added; every vhost keeps a pointer to them.
  VHostHooks& hooks() { return hooks_; }
  // The operations on queues (core/shard.h): one shard, on the one event loop.
  Shard& shard() { return shard_; }
  // Group-commit rounds that publisher confirms of persistent messages wait for. Without
  // storage, nothing is ever waited for.
  CommitTracker& commits() { return *commits_; }
  void set_commits(CommitTracker* commits) {
    commits_ = commits != nullptr ? commits : &no_commits_;
  }
  const UserStore& users() const { return users_; }

  VHost& add_vhost(const std::string& name);
  VHost* find_vhost(std::string_view name);
  bool remove_vhost(std::string_view name);
  // Takes the vhost out of the broker (find_vhost and vhosts() no longer see it) but keeps the
  // object until the broker goes: connections opened on it hold pointers to it. From here on
  // it records no definition changes and stores no messages (its hooks lose the definitions
  // log and the queue stores), so nothing it does reaches the disk. False if there is none.
  bool retire_vhost(std::string_view name);
  size_t vhost_count() const { return vhosts_.size(); }
  // Every vhost, ordered by name.
  std::vector<const VHost*> vhosts() const {
    std::vector<const VHost*> out;
    for (const auto& [name, vhost] : vhosts_) out.push_back(vhost.get());
    return out;
  }

  // Bytes of messages held in memory by every queue (Queue::memory_bytes), summed now.
  uint64_t message_memory() const;

  // Memory and disk alarms (flow control); memory is measured as message_memory().
  ResourceAlarms& alarms() { return alarms_; }

  // Connections that own exclusive queues are identified by ids unique for the process.
  uint64_t next_owner_id() { return ++owner_ids_; }

  // What happened to messages since start (core/message_counters.h), for the metrics.
  MessageCounters& counters() { return counters_; }
  const MessageCounters& counters() const { return counters_; }
  // The open client connections of every front-end (core/connections.h).
  ConnectionRegistry& connections() { return connections_; }

 private:
  Limits limits_;
  Shard shard_;  // before the vhosts, which register their queues in it
  VHostHooks hooks_;
  CommitTracker no_commits_{nullptr};
  CommitTracker* commits_ = &no_commits_;
  UserStore users_;
  PermissionStore permissions_;
  PolicyStore policies_;
  PolicyStore operator_policies_;
  std::map<std::string, std::unique_ptr<VHost>, std::less<>> vhosts_;
  VHostHooks retired_hooks_;  // hooks_ without the definitions log and the queue stores
  std::vector<std::unique_ptr<VHost>> retired_;
  uint64_t owner_ids_ = 0;
  MessageCounters counters_;
  ConnectionRegistry connections_;
  ResourceAlarms alarms_;  // last: its probe reads the vhosts
};

}  // namespace polymq::core
