// The x-arguments that change how a queue behaves (TTLs, limits, dead-lettering, priorities,
// single active consumer), validated with RabbitMQ's rules and texts, and merged with the
// operator policy that applies to the queue.
//
// Precedence, as RabbitMQ's: for the numeric limits (message-ttl, expires, max-length,
// max-length-bytes, delivery-limit) the smaller of argument and policy applies; for the rest
// (overflow, dead-letter-exchange, dead-letter-routing-key) the queue's own argument wins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/policy.h"
#include "core/status.h"
#include "core/value.h"

namespace polymq::core {

enum class Overflow { kDropHead, kRejectPublish, kRejectPublishDlx };

struct QueueArguments {
  std::optional<uint64_t> message_ttl_ms;
  std::optional<uint64_t> expires_ms;
  std::optional<uint64_t> max_length;
  std::optional<uint64_t> max_length_bytes;
  Overflow overflow = Overflow::kDropHead;
  std::optional<std::string> dead_letter_exchange;
  std::optional<std::string> dead_letter_routing_key;
  std::optional<uint64_t> delivery_limit;
  uint8_t max_priority = 0;  // 0: not a priority queue
  bool single_active_consumer = false;
  bool quorum = false;  // x-queue-type "quorum": adds x-delivery-count on redelivery

  bool has_length_limit() const { return max_length || max_length_bytes; }
  // Whether redeliveries carry the x-delivery-count header (quorum queues, delivery limits).
  bool counts_deliveries() const { return quorum || delivery_limit.has_value(); }
};

// Validates `args` of queue `queue` in `vhost`; kPreconditionFailed with RabbitMQ's text
// ("invalid arg 'x-message-ttl' for queue 'q' in vhost '/': {value_negative,-1}").
Status parse_queue_arguments(const Table& args, const std::string& queue, const std::string& vhost,
                             QueueArguments& out);

// Applies a policy's definition over arguments parsed from the queue's own x-arguments.
// `own` are those x-arguments, to tell "set by the queue" from a default.
void apply_policy(const PolicyDefinition& policy, const Table& own, QueueArguments& out);

// A per-message TTL from the `expiration` property: milliseconds as decimal digits. Returns
// kPreconditionFailed with RabbitMQ's text for anything else.
Status parse_expiration(const std::string& text, uint64_t& ms);

}  // namespace polymq::core
