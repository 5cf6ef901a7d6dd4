// A stream's settings as queue arguments, the way RabbitMQ describes a stream queue in its
// definitions: {"x-queue-type": "stream", "x-max-length-bytes": ..., "x-max-age": "7D",
// "x-stream-max-segment-size-bytes": ...}. What RabbitMQ has no argument for (a partitioned
// stream, a retention age in milliseconds) uses PolyMQ's own keys, which RabbitMQ ignores.
//
// PolyMQ's retention by size is per partition (Kafka's retention.bytes); a RabbitMQ stream is
// one partition, so there the two agree.
#pragma once

#include "core/status.h"
#include "core/stream.h"
#include "core/value.h"

namespace polymq::rabbit {

inline constexpr const char* kStreamQueueType = "stream";

// Whether queue arguments describe a stream ("x-queue-type": "stream").
bool is_stream_queue(const core::Table& arguments);

// The arguments that give `settings` back through stream_settings().
core::Table stream_arguments(const core::StreamSettings& settings);

// The first of the arguments RabbitMQ's stream queues refuse (rabbit_stream_queue's
// unsupported_args: dead-lettering, length limits but bytes, priorities, TTLs, expiry, single
// active consumer, the classic and quorum queues' own), or null when there is none. RabbitMQ
// answers it with 406 "invalid arg '<arg>' for queue '<q>' in vhost '<v>' of queue type
// rabbit_stream_queue" (kStreamQueueTypeName).
const char* unsupported_stream_argument(const core::Table& arguments);
inline constexpr const char* kStreamQueueTypeName = "rabbit_stream_queue";

// Reads the settings from a stream queue's arguments; missing ones keep their defaults.
// kInvalidArgument (naming the argument) for a value of the wrong type or out of range.
core::Status stream_settings(const core::Table& arguments, core::StreamSettings& out);

}  // namespace polymq::rabbit
