// An SQS queue's settings (the CreateQueue attributes served so far) and how they live on a
// core queue: as declare arguments, so they are durable definitions like any queue's. The
// retention period is the queue's message TTL (x-message-ttl, in ms, counted from the send as
// SQS counts it), the delay is the core's queue-level delay (x-delivery-delay, in ms); the
// others are PolyMQ's own x-sqs-* arguments, which RabbitMQ's model passes over. A queue declared
// without them (by an AMQP client) has SQS's defaults.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/value.h"
#include "sqs/errors.h"

namespace polymq::sqs {

struct QueueConfig {
  int64_t visibility_timeout = 30;            // s, 0 .. 43200
  int64_t message_retention_period = 345600;  // s, 60 .. 1209600
  int64_t delay_seconds = 0;                  // s, 0 .. 900
  int64_t receive_message_wait_time = 0;      // s, 0 .. 20
  int64_t maximum_message_size = 262144;      // bytes, 1024 .. 1048576
  bool operator==(const QueueConfig&) const = default;
};

// Applies CreateQueue's Attributes over `config`: InvalidAttributeName for an unknown name,
// InvalidParameterValue for a value out of range, UnsupportedOperation for an attribute not
// served yet (FIFO queues, dead-letter redrive, policies, encryption).
std::optional<Error> apply_attributes(const std::map<std::string, std::string>& attributes,
                                      QueueConfig& config);
// Whether an existing queue's config matches the attributes a CreateQueue gave (only the
// attributes given are compared, as AWS does).
bool matches(const QueueConfig& existing, const std::map<std::string, std::string>& attributes);

core::Table to_arguments(const QueueConfig& config);
QueueConfig from_arguments(const core::Table& arguments);

// The names GetQueueAttributes knows, in the order "All" lists them.
bool is_queue_attribute_name(const std::string& name);

}  // namespace polymq::sqs
