// RabbitMQ's policy definitions: which keys a policy and an operator policy may set, and the
// values they take (rabbit_policies' validation). Policies are stored and matched by the core
// (core/policies.h); how a matching policy combines with a queue's own x-arguments is in
// rabbit/queue_arguments.h (apply_policy).
//
// Policy keys are RabbitMQ's, without the "x-" prefix of queue arguments: message-ttl, expires,
// max-length, max-length-bytes, overflow, dead-letter-exchange, dead-letter-routing-key,
// delivery-limit. Operator policies take only the numeric limits (message-ttl, expires,
// max-length, max-length-bytes, delivery-limit), which cap what a queue asks for.
#pragma once

#include "core/policies.h"
#include "core/status.h"

namespace polymq::rabbit {

using PolicyDefinition = core::Policy;

// kInvalidArgument with RabbitMQ's text ("policy 'p': 5 is not a valid message TTL",
// "policy 'p': [<<\"foo\">>] are not recognised policy settings") for a key the kind does not
// take or a value of the wrong type or range, or a policy without keys.
core::Status check_policy_definition(core::PolicyKind kind, const PolicyDefinition& policy);

}  // namespace polymq::rabbit
