#include "core/declaration_rules.h"

#include "core/names.h"
#include "core/routing/headers_match.h"

namespace polymq::core {
namespace {

Status differs(std::string_view what, const std::string& name, const std::string& vhost,
               std::string_view field) {
  return {ErrorCode::kPreconditionFailed, std::string(what) + " '" + name + "' in vhost '" + vhost +
                                              "' exists with a different " + std::string(field)};
}

}  // namespace

const NeutralDeclarationRules& NeutralDeclarationRules::instance() {
  static const NeutralDeclarationRules rules;
  return rules;
}

std::string NeutralDeclarationRules::generated_queue_name() const { return random_name("gen-"); }

Status NeutralDeclarationRules::exchange_redeclare(const std::string& vhost,
                                                   const Exchange& existing, ExchangeType type,
                                                   const ExchangeOptions& requested) const {
  const ExchangeOptions& current = existing.options();
  const char* field = existing.type() != type                        ? "type"
                      : current.durable != requested.durable         ? "durable"
                      : current.auto_delete != requested.auto_delete ? "auto_delete"
                      : current.internal != requested.internal       ? "internal"
                                                                     : nullptr;
  return field == nullptr ? Status::Ok() : differs("exchange", existing.name(), vhost, field);
}

Status NeutralDeclarationRules::queue_redeclare(const std::string& vhost, const Queue& existing,
                                                const QueueOptions& requested) const {
  const QueueOptions& current = existing.options();
  const char* field = current.durable != requested.durable           ? "durable"
                      : current.auto_delete != requested.auto_delete ? "auto_delete"
                                                                     : nullptr;
  return field == nullptr ? Status::Ok() : differs("queue", existing.name(), vhost, field);
}

Status NeutralDeclarationRules::check_binding(const std::string& /*vhost*/, const Exchange& source,
                                              const Table& arguments) const {
  if (source.type() != ExchangeType::kHeaders || known_x_match(arguments)) return Status::Ok();
  return {ErrorCode::kPreconditionFailed,
          "x-match of a headers binding must be all, any, all-with-x or any-with-x"};
}

}  // namespace polymq::core
