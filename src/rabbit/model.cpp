#include "rabbit/model.h"

#include "rabbit/dead_letter.h"
#include "rabbit/declarations.h"
#include "rabbit/headers_binding.h"
#include "rabbit/queue_arguments.h"

namespace polymq::rabbit {

void Model::install(core::VHostHooks& hooks) const {
  hooks.queue_settings = this;
  hooks.dead_lettering = this;
  hooks.declarations = this;
}

core::Status Model::parse(const std::string& vhost, const std::string& queue,
                          const core::QueueOptions& options, core::QueueSettings& out) const {
  if (core::Status s = parse_queue_arguments(options.arguments, queue, vhost, out); !s.ok()) {
    return s;
  }
  if (is_quorum(options.arguments)) {
    // RabbitMQ's quorum queues are durable and shared; so are PolyMQ's (same texts).
    const char* invalid = !options.durable      ? "non-durable"
                          : options.exclusive   ? "exclusive-owner"
                          : options.auto_delete ? "auto-delete"
                                                : nullptr;
    if (invalid != nullptr) {
      return {core::ErrorCode::kPreconditionFailed, "invalid property '" + std::string(invalid) +
                                                        "' for queue '" + queue + "' in vhost '" +
                                                        vhost + "'"};
    }
  }
  return core::Status::Ok();
}

void Model::complete(const core::QueueOptions& options, const core::Policy* policy,
                     const core::Policy* operator_policy, core::QueueSettings& settings) const {
  if (policy != nullptr) apply_policy(*policy, options.arguments, settings);
  // Operator policies hold only limits, of which the smaller wins (apply_policy).
  if (operator_policy != nullptr) apply_policy(*operator_policy, options.arguments, settings);
}

core::Status Model::check_policy(core::PolicyKind kind, const core::Policy& policy) const {
  return check_policy_definition(kind, policy);
}

core::MessagePtr Model::dead_lettered(const core::Message& message, core::DeadLetterReason reason,
                                      const std::string& queue,
                                      const core::DeadLetterTarget& target,
                                      uint64_t now_seconds) const {
  return make_dead_lettered(message, reason, queue, target.exchange, target.routing_key,
                            now_seconds);
}

bool Model::is_cycle(const core::Message& dead, const std::string& queue,
                     core::DeadLetterReason reason) const {
  return dead_letter_cycle(dead, queue, reason);
}

std::optional<std::string> Model::dead_lettered_from(const core::Message& message) const {
  return last_dead_lettered_from(message);
}

std::vector<core::BuiltinExchange> Model::builtin_exchanges() const {
  return rabbit::builtin_exchanges();
}

core::Status Model::check_client_name(core::NameKind kind, const std::string& /*vhost*/,
                                      const std::string& name) const {
  return rabbit::check_client_name(kind, name);
}

std::string Model::generated_queue_name() const { return rabbit::generated_queue_name(); }

core::Status Model::exchange_redeclare(const std::string& vhost, const core::Exchange& existing,
                                       core::ExchangeType type,
                                       const core::ExchangeOptions& requested) const {
  return rabbit::exchange_redeclare(vhost, existing, type, requested);
}

core::Status Model::queue_redeclare(const std::string& vhost, const core::Queue& existing,
                                    const core::QueueOptions& requested) const {
  return rabbit::queue_redeclare(vhost, existing, requested);
}

core::Status Model::check_binding(const std::string& /*vhost*/, const core::Exchange& source,
                                  const core::Table& arguments) const {
  return rabbit::check_binding(source, arguments);
}

}  // namespace polymq::rabbit
