// RabbitMQ's model of queues, exchanges and messages, as the core is handed it: the rules a
// protocol-neutral vhost asks for where RabbitMQ, not the core, decides. The AMQP front-end and
// the server use it; the core only sees the interfaces it implements (VHostHooks).
//
// Today: queue settings from x-arguments, policies and operator policies (rabbit/queue_arguments.h,
// rabbit/policy.h), with RabbitMQ's checks and texts; dead-lettered messages with their
// x-death history, and the dead-letter cycles RabbitMQ drops (rabbit/dead_letter.h); the
// amq.* built-in exchanges, the reserved "amq." prefix, "amq.gen-" queue names and redeclare
// equivalence with its texts (rabbit/declarations.h); the x-match check of headers bindings
// (rabbit/headers_binding.h).
//
// REQUIRES: outlives every vhost whose hooks point at it (install()).
#pragma once

#include <string>

#include "core/dead_lettering.h"
#include "core/declaration_rules.h"
#include "core/queue_settings.h"
#include "core/vhost.h"
#include "rabbit/policy.h"

namespace polymq::rabbit {

class Model final : public core::QueueSettingsSource,
                    public core::DeadLettering,
                    public core::DeclarationRules {
 public:
  // Points `hooks` at this model's rules. Call before the first vhost is added.
  void install(core::VHostHooks& hooks) const;

  // --- core::QueueSettingsSource ---
  // The x-arguments, RabbitMQ's checks and texts, and a quorum queue's required properties.
  core::Status parse(const std::string& vhost, const std::string& queue,
                     const core::QueueOptions& options, core::QueueSettings& out) const override;
  // The policy, then the operator policy, over the queue's own arguments (apply_policy).
  void complete(const core::QueueOptions& options, const core::Policy* policy,
                const core::Policy* operator_policy, core::QueueSettings& settings) const override;
  // RabbitMQ's policy keys and values (rabbit/policy.h).
  core::Status check_policy(core::PolicyKind kind, const core::Policy& policy) const override;

  // --- core::DeadLettering ---
  core::MessagePtr dead_lettered(const core::Message& message, core::DeadLetterReason reason,
                                 const std::string& queue, const core::DeadLetterTarget& target,
                                 uint64_t now_seconds) const override;
  bool is_cycle(const core::Message& dead, const std::string& queue,
                core::DeadLetterReason reason) const override;
  // The queue of the newest x-death entry.
  std::optional<std::string> dead_lettered_from(const core::Message& message) const override;

  // --- core::DeclarationRules ---
  std::vector<core::BuiltinExchange> builtin_exchanges() const override;
  core::Status check_client_name(core::NameKind kind, const std::string& vhost,
                                 const std::string& name) const override;
  std::string generated_queue_name() const override;
  core::Status exchange_redeclare(const std::string& vhost, const core::Exchange& existing,
                                  core::ExchangeType type,
                                  const core::ExchangeOptions& requested) const override;
  core::Status queue_redeclare(const std::string& vhost, const core::Queue& existing,
                               const core::QueueOptions& requested) const override;
  core::Status check_binding(const std::string& vhost, const core::Exchange& source,
                             const core::Table& arguments) const override;
};

}  // namespace polymq::rabbit
