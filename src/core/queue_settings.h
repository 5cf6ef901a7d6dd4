// How a queue behaves, as typed settings (TTLs, limits, overflow, dead-letter target, delivery
// limit, priorities, single active consumer), and the interface a broker model implements to
// derive them from what a client declared.
//
// The core never reads a declare's arguments table: a protocol's model (RabbitMQ's x-arguments
// and policies, rabbit/) turns it into QueueSettings, refusing what it does not
// accept with its own texts. The table itself stays on the queue (QueueOptions::arguments) as
// plain data, for listing, definitions and redeclare equivalence.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/policies.h"
#include "core/status.h"
#include "core/value.h"

namespace polymq::core {

// What a full queue (max_length or max_length_bytes reached) does with a new message.
enum class Overflow {
  kDropHead,          // accepts it and drops (dead-letters) the oldest
  kRejectPublish,     // refuses it
  kRejectPublishDlx,  // refuses it and dead-letters it
};

// Where a queue's dead-lettered messages are republished.
struct DeadLetterTarget {
  std::string exchange;                    // "" is the default exchange
  std::optional<std::string> routing_key;  // unset: the message keeps its own keys
};

struct QueueSettings {
  std::optional<uint64_t> message_ttl_ms;
  // Messages without their own not-before time (Message::not_before_ms) are held back this
  // long after they are enqueued (SQS's queue DelaySeconds). Unset or 0: no delay.
  std::optional<uint64_t> delivery_delay_ms;
  std::optional<uint64_t> expires_ms;  // deleted after this long unused
  std::optional<uint64_t> max_length;
  std::optional<uint64_t> max_length_bytes;
  Overflow overflow = Overflow::kDropHead;
  std::optional<DeadLetterTarget> dead_letter;  // unset: messages given up on are dropped
  std::optional<uint64_t> delivery_limit;       // returned more often: dead-lettered
  uint8_t max_priority = 0;                     // 0: not a priority queue
  bool single_active_consumer = false;
  // Redeliveries carry their delivery count even without a delivery limit (quorum queues).
  bool always_count_deliveries = false;
  // Message groups (Message::group): a group's messages are handed out in order, and none
  // while another message of the group is in flight (leased, not settled); other groups go
  // on (SQS FIFO queues; JMS message groups). Set at creation, never changed.
  bool one_in_flight_per_group = false;
  // A message whose Message::dedup_id was enqueued in the last this-many ms is accepted and
  // dropped (SQS FIFO's 5-minute deduplication). Unset: no deduplication.
  std::optional<uint64_t> dedup_window_ms;

  bool has_length_limit() const { return max_length || max_length_bytes; }
  // Whether the front-end shows a redelivery's count (x-delivery-count in AMQP).
  bool counts_deliveries() const { return always_count_deliveries || delivery_limit.has_value(); }
};

struct QueueOptions {
  bool durable = false;
  bool exclusive = false;
  bool auto_delete = false;
  Table arguments;  // as declared; the core reads it only through a QueueSettingsSource
};

// Derives a queue's settings from its declaration; implemented by a broker model (rabbit/)
// and handed to every vhost through VHostHooks. Without one, a queue has default settings.
class QueueSettingsSource {
 public:
  virtual ~QueueSettingsSource() = default;
  // Checks the declaration of queue `queue` in `vhost` and sets `out` from its arguments. An
  // error is the declare's answer (kPreconditionFailed and the model's text). Called for
  // every active declare, of a new queue or an existing one, and for a restore.
  virtual Status parse(const std::string& vhost, const std::string& queue,
                       const QueueOptions& options, QueueSettings& out) const = 0;
  // Completes the settings `parse` gave a queue that is being created, restored or whose
  // policies changed, with what applies from outside its declaration: the policy and the
  // operator policy that match it (either may be null).
  virtual void complete(const QueueOptions& options, const Policy* policy,
                        const Policy* operator_policy, QueueSettings& settings) const = 0;
  // Checks a policy's definition (its keys and their values) before it is set; an error is
  // kInvalidArgument with the model's text.
  virtual Status check_policy(PolicyKind kind, const Policy& policy) const = 0;
};

}  // namespace polymq::core
