// An SQS queue's settings (the CreateQueue attributes served so far) and how they live on a
// core queue: as declare arguments, so they are durable definitions like any queue's. The
// retention period is the queue's message TTL (x-message-ttl, in ms, counted from the send as
// SQS counts it), the delay is the core's queue-level delay (x-delivery-delay, in ms); the
// others are PolyMQ's own x-sqs-* arguments, which RabbitMQ's model passes over. A queue declared
// without them (by an AMQP client) has SQS's defaults.
//
// A FIFO queue (FifoQueue true, x-sqs-fifo-queue) is the core's message groups
// (x-single-active-group: one in flight per MessageGroupId) with a 5-minute deduplication
// window (x-deduplication-window); ContentBasedDeduplication, DeduplicationScope and
// FifoThroughputLimit are x-sqs-* arguments the front-end reads when it sends.
//
// A RedrivePolicy is also the core's dead-lettering: x-dead-letter-exchange "" (the default
// exchange) with the dead-letter queue's name as x-dead-letter-routing-key, and
// x-delivery-limit maxReceiveCount - 1 (the core dead-letters a message returned more often
// than its delivery limit: after maxReceiveCount receives, at the end of the last one's
// visibility timeout, it goes to the dead-letter queue instead of becoming visible again).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/value.h"
#include "sqs/errors.h"
#include "sqs/redrive_policy.h"

namespace polymq::core {
class Queue;
}

namespace polymq::sqs {

struct QueueConfig {
  int64_t visibility_timeout = 30;            // s, 0 .. 43200
  int64_t message_retention_period = 345600;  // s, 60 .. 1209600
  int64_t delay_seconds = 0;                  // s, 0 .. 900
  int64_t receive_message_wait_time = 0;      // s, 0 .. 20
  int64_t maximum_message_size = 262144;      // bytes, 1024 .. 1048576
  std::optional<RedrivePolicy> redrive_policy;
  std::optional<RedriveAllowPolicy> redrive_allow_policy;  // unset: allowAll
  bool fifo_queue = false;                                 // fixed at creation
  // FIFO queues only:
  bool content_based_deduplication = false;
  std::string deduplication_scope = "queue";       // or "messageGroup"
  std::string fifo_throughput_limit = "perQueue";  // or "perMessageGroupId"
  bool operator==(const QueueConfig&) const = default;
};

// Applies CreateQueue's Attributes over `config`: InvalidAttributeName for an unknown name
// (and, as AWS, for a FIFO-only attribute of a standard queue), InvalidParameterValue for a
// value out of range, UnsupportedOperation for an attribute not served yet (policies,
// encryption). FifoQueue is taken first, so `config.fifo_queue` decides the FIFO-only ones;
// SetQueueAttributes refuses FifoQueue before calling this. An empty RedrivePolicy or
// RedriveAllowPolicy removes it (SetQueueAttributes). Whether a dead-letter queue exists and
// allows the queue is for the caller to check.
std::optional<Error> apply_attributes(const std::map<std::string, std::string>& attributes,
                                      QueueConfig& config);
// Whether an existing queue's config matches the attributes a CreateQueue gave (only the
// attributes given are compared, as AWS does).
bool matches(const QueueConfig& existing, const std::map<std::string, std::string>& attributes);

core::Table to_arguments(const QueueConfig& config);
QueueConfig from_arguments(const core::Table& arguments);
// The settings of `queue`, from its declare arguments.
QueueConfig queue_config(const core::Queue& queue);
// Whether SQS lists `queue` (ListQueues, the management catalog): not an exclusive queue,
// which belongs to its AMQP connection, and not an "amq." one, the broker's own (server-named
// queues, the delivery queues of SNS http subscriptions), which no client may declare.
bool is_listed_queue(const core::Queue& queue);
// `existing` (a queue's arguments) with those of the attributes named in `attributes` set
// from `config` (SetQueueAttributes): arguments of attributes not named stay as they are,
// whoever declared them.
core::Table updated_arguments(const core::Table& existing,
                              const std::map<std::string, std::string>& attributes,
                              const QueueConfig& config);

// The names GetQueueAttributes knows, in the order "All" lists them.
bool is_queue_attribute_name(const std::string& name);

// The attributes GetQueueAttributes with All answers for `queue` (whose settings are
// `config`), by name, in the order it answers them: all but QueueArn, whose region is the
// request's. The message counts are the queue's now; RedrivePolicy and RedriveAllowPolicy
// only when set, the FIFO attributes only for a FIFO queue, as AWS answers them.
using AttributeValues = std::vector<std::pair<std::string, std::string>>;
AttributeValues queue_attribute_values(const core::Queue& queue, const QueueConfig& config);

}  // namespace polymq::sqs
