// Where the core reports changes to durable definitions, and how a front-end learns that they
// reached the disk.
//
// A VHost calls DefinitionsLog::record() right after each change to something that survives a
// restart (core::survives_restart): an exchange, a queue, a stream (always on disk) or a binding
// added or removed, including cascades (an auto-deleted exchange, the bindings of a removed
// queue or stream go with it). Whoever adds or removes a vhost, adds, changes or removes a
// user, sets or clears a user's permissions or a policy at run time (the management API) records
// that too; the broker's own start does not. Changes are numbered 1, 2, 3 ... in the order they
// happen. A front-end that must not answer before a change is durable (AMQP's declare-ok, bind-ok,
// delete-ok) compares last_recorded() before and after the operation: when it moved, the operation
// recorded changes, and the reply waits for when_durable(last_recorded()).
//
// REQUIRES: every call on the owner thread of the vhosts (the event loop).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "core/policies.h"
#include "core/value.h"

namespace polymq::core {

class VHost;
class Exchange;
class Queue;
class Stream;
struct User;
struct PermissionPatterns;

// One change, described by the objects involved; valid only during record().
struct DefinitionChange {
  enum class Kind {
    kExchangeAdded,      // exchange
    kExchangeRemoved,    // exchange (its bindings, as source or destination, went with it)
    kExchangeChanged,    // exchange (its arguments now: VHost::change_exchange_arguments)
    kQueueAdded,         // queue
    kQueueRemoved,       // queue (its bindings went with it)
    kQueueChanged,       // queue (its arguments now: VHost::change_queue_arguments)
    kStreamAdded,        // stream
    kStreamChanged,      // stream (its settings now)
    kStreamRemoved,      // stream (its bindings went with it)
    kBindingAdded,       // exchange = source; queue, stream or destination_exchange; key; arguments
    kBindingRemoved,     // as kBindingAdded
    kVhostAdded,         // vhost
    kVhostRemoved,       // vhost (what it held was removed, and recorded, before)
    kUserAdded,          // user (added or changed: its credentials, tags, loopback_only)
    kUserRemoved,        // user_name (its grants went with it)
    kPermissionSet,      // vhost, user_name, permissions (a grant added or replaced)
    kPermissionCleared,  // vhost, user_name
    kPolicySet,          // vhost, policy_kind, policy (added or replaced)
    kPolicyCleared,      // vhost, policy_kind, policy_name
  };
  Kind kind;
  const VHost* vhost = nullptr;
  const Exchange* exchange = nullptr;
  const Queue* queue = nullptr;
  const Stream* stream = nullptr;
  const Exchange* destination_exchange = nullptr;
  std::string_view key;
  const Table* arguments = nullptr;
  const User* user = nullptr;
  std::string_view user_name;
  const PermissionPatterns* permissions = nullptr;
  PolicyKind policy_kind = PolicyKind::kUser;
  const Policy* policy = nullptr;
  std::string_view policy_name;
};

class DefinitionsLog {
 public:
  virtual ~DefinitionsLog() = default;
  // The change has happened (the vhost shows its outcome); returns its number.
  virtual uint64_t record(const DefinitionChange& change) = 0;
  // The number of the last change recorded (0: none yet).
  virtual uint64_t last_recorded() const = 0;
  // Calls done(true) on the owner thread once every change up to `seq` is on disk, or
  // done(false) if they could not be written; at once (before returning) when they already
  // are. `done` may be called after the caller has gone: it must guard itself.
  virtual void when_durable(uint64_t seq, std::function<void(bool ok)> done) = 0;
};

}  // namespace polymq::core
