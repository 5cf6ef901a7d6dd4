// Produce (v3-v9): validate each partition's record batches (kafka/batch_validation.h), give
// them offsets (the stored batch's base offset is rewritten; the CRC does not cover it) and
// append them as received, one stream entry per batch, without recompressing. acks 1 and -1
// are answered once the group-commit round covering the appends has ended (a failed round:
// KAFKA_STORAGE_ERROR); acks 0 gets no answer. With one replica, acks 1 and -1 are the same
// promise: on disk.
//
// A topic the user may not write to (kafka/topic_access.h) gets TOPIC_AUTHORIZATION_FAILED
// for each of its partitions; so does a missing topic that auto-creation would create when
// the user may not configure it (it is not created).
#pragma once

#include "core/broker.h"
#include "kafka/config.h"
#include "kafka/durable_answers.h"
#include "kafka/protocol/generated/produce.h"
#include "kafka/reply_queue.h"
#include "kafka/topic_access.h"

namespace polymq::kafka {

// Answers `request` through `reply` (now or after the round). Returns false when the
// connection is to be closed: an acks=0 produce that failed, which Kafka's broker answers by
// closing (the client has no other way to learn of it).
bool handle_produce(core::Broker& broker, const Config& config, const TopicAccess& access,
                    DurableAnswers& durable, const ProduceRequest& request, const Reply& reply);

}  // namespace polymq::kafka
