// RabbitMQ's queue x-arguments: the ones that change how a queue behaves (TTLs, limits,
// dead-lettering, priorities, single active consumer, and PolyMQ's x-delivery-delay), validated
// with RabbitMQ's rules and texts into the core's typed QueueSettings, and merged with the operator
// policy that applies to the queue.
//
// Precedence, as RabbitMQ's: for the numeric limits (message-ttl, expires, max-length,
// max-length-bytes, delivery-limit) the smaller of argument and policy applies; for the rest
// (overflow, dead-letter-exchange, dead-letter-routing-key) the queue's own argument wins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/queue_settings.h"
#include "core/status.h"
#include "core/value.h"
#include "rabbit/policy.h"

namespace polymq::rabbit {

// PolyMQ's own argument, for every protocol: messages without a not-before time of their own
// are held this many milliseconds after they are enqueued (QueueSettings::delivery_delay_ms;
// SQS's queue DelaySeconds is stored as this).
inline constexpr const char* kDeliveryDelayArgument = "x-delivery-delay";
// PolyMQ's own, for every protocol: a bool, one message in flight per message group
// (QueueSettings::one_in_flight_per_group; SQS FIFO queues set it).
inline constexpr const char* kMessageGroupsArgument = "x-single-active-group";
// PolyMQ's own: ms, the deduplication window (QueueSettings::dedup_window_ms).
inline constexpr const char* kDedupWindowArgument = "x-deduplication-window";

// Whether `args` declare a quorum queue (x-queue-type "quorum"): durable and shared only, and
// its redeliveries carry x-delivery-count (QueueSettings::always_count_deliveries).
bool is_quorum(const core::Table& args);

// Validates `args` of queue `queue` in `vhost`; kPreconditionFailed with RabbitMQ's text
// ("invalid arg 'x-message-ttl' for queue 'q' in vhost '/': {value_negative,-1}").
// `out` is left as it was on a refusal.
core::Status parse_queue_arguments(const core::Table& args, const std::string& queue,
                                   const std::string& vhost, core::QueueSettings& out);

// The dead-letter exchange that `args` name (x-dead-letter-exchange), read as RabbitMQ's channel
// reads it before it declares a new queue, to check the user's write permission on it: `out` is
// null when there is none; kPreconditionFailed ("invalid type 'long' for arg
// 'x-dead-letter-exchange' in queue 'q' in vhost '/'") when it is not a string.
core::Status dead_letter_exchange_argument(const core::Table& args, const std::string& queue,
                                           const std::string& vhost, const std::string*& out);

// Applies a policy's definition over arguments parsed from the queue's own x-arguments.
// `own` are those x-arguments, to tell "set by the queue" from a default.
void apply_policy(const PolicyDefinition& policy, const core::Table& own, core::QueueSettings& out);

// A per-message TTL from the `expiration` property: milliseconds as decimal digits. Returns
// kPreconditionFailed with RabbitMQ's text for anything else.
core::Status parse_expiration(const std::string& text, uint64_t& ms);

}  // namespace polymq::rabbit
