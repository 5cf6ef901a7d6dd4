// A filter a binding may carry beyond its exchange type's match: a broker model (sns/: SNS
// subscription filter policies) reads it from the binding's arguments, and the exchange asks
// it about each message that reaches the binding. The core never reads the arguments itself,
// so it knows nothing of the model's filter language.
//
// REQUIRES: the owner thread of the vhosts (filters are compiled at bind, asked while routing).
#pragma once

#include <memory>

#include "core/message.h"
#include "core/status.h"
#include "core/value.h"

namespace polymq::core {

// A binding's compiled filter; immutable, shared by the binding and nothing else.
class BindingPredicate {
 public:
  virtual ~BindingPredicate() = default;
  // Whether `message`, which the exchange matched to the binding, goes through it.
  virtual bool matches(const Message& message) const = 0;
};

// Implemented by a broker model and handed to every vhost through VHostHooks.
class BindingFilters {
 public:
  virtual ~BindingFilters() = default;
  // The filter `arguments` carry, or null when they carry none (most bindings). An error
  // refuses the bind (kPreconditionFailed and the model's text); it is also how a restore
  // learns that a stored filter no longer compiles.
  virtual Status compile(const Table& arguments,
                         std::shared_ptr<const BindingPredicate>& out) const = 0;
};

}  // namespace polymq::core
