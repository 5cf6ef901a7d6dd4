// What a broker model decides about declaring exchanges and queues, where the vhost keeps the
// mechanics: the exchanges every vhost starts with, the names clients may not take, the name a
// server-named queue gets, and whether declaring an existing exchange or queue again asks for
// what it is, and which arguments a binding may carry. RabbitMQ's answers (amq.* built-ins and
// prefix, amq.gen- names, the "inequivalent arg" texts, x-match texts in Erlang terms) are
// rabbit::Model's; a vhost without a model follows NeutralDeclarationRules. A vhost asks through
// VHostHooks::declarations.
#pragma once

#include <string>
#include <vector>

#include "core/exchange.h"
#include "core/queue.h"
#include "core/queue_settings.h"
#include "core/status.h"

namespace polymq::core {

struct BuiltinExchange {
  std::string name;
  ExchangeType type;
  ExchangeOptions options;
};

enum class NameKind { kExchange, kQueue };

class DeclarationRules {
 public:
  virtual ~DeclarationRules() = default;

  // The exchanges a new vhost has before anything is declared in it.
  virtual std::vector<BuiltinExchange> builtin_exchanges() const = 0;

  // Ok when a client may create an exchange or queue called `name` in `vhost`, and delete an
  // exchange of that name; otherwise the status the operation answers with. Queues restored
  // from storage are not asked (a server-named queue may have a name clients may not take).
  virtual Status check_client_name(NameKind kind, const std::string& vhost,
                                   const std::string& name) const = 0;

  // A name for a queue declared without one. The vhost asks again while the name is taken.
  virtual std::string generated_queue_name() const = 0;

  // Whether an active declare of `type` and `requested` in `vhost` matches the existing
  // exchange: Ok, or the declare's answer (the exchange is left as it is).
  virtual Status exchange_redeclare(const std::string& vhost, const Exchange& existing,
                                    ExchangeType type, const ExchangeOptions& requested) const = 0;

  // Whether an active declare of `requested` matches the existing queue, whose owner and
  // exclusivity the vhost has already checked: Ok, or the declare's answer.
  virtual Status queue_redeclare(const std::string& vhost, const Queue& existing,
                                 const QueueOptions& requested) const = 0;

  // Whether a binding from `source` may carry `arguments` (queue.bind, exchange.bind): Ok, or
  // the bind's answer. Asked before the binding is added, for every source type.
  virtual Status check_binding(const std::string& vhost, const Exchange& source,
                               const Table& arguments) const = 0;
};

// Without a broker model: no built-in exchanges, no reserved names, "gen-" and 22 random
// characters for a server-named queue; a redeclare must ask for the same exchange type and the
// same durable, auto-delete and internal flags. Declared arguments are not compared: without a
// model the core does not read them. A headers binding's x-match must be absent or one of the
// four modes (core/routing/headers_match.h).
class NeutralDeclarationRules final : public DeclarationRules {
 public:
  std::vector<BuiltinExchange> builtin_exchanges() const override { return {}; }
  Status check_client_name(NameKind, const std::string&, const std::string&) const override {
    return Status::Ok();
  }
  std::string generated_queue_name() const override;
  Status exchange_redeclare(const std::string& vhost, const Exchange& existing, ExchangeType type,
                            const ExchangeOptions& requested) const override;
  Status queue_redeclare(const std::string& vhost, const Queue& existing,
                         const QueueOptions& requested) const override;
  Status check_binding(const std::string& vhost, const Exchange& source,
                       const Table& arguments) const override;

  static const NeutralDeclarationRules& instance();
};

}  // namespace polymq::core
