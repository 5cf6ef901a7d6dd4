// Kafka's DeleteRecords (api key 21): moves a partition's log start offset up, so that the
// records below it are never served again (core::Stream::delete_records). The new start is on
// disk when the handler returns, so the answer can go at once.
//
// As Kafka: an offset of -1 means the high watermark (PolyMQ's durable offset); one above the
// high watermark, or below -1, gets OFFSET_OUT_OF_RANGE; one at or below the current start
// changes nothing and succeeds. low_watermark is the partition's start offset afterwards, -1
// with an error. The internal topic (__consumer_offsets) is refused with
// INVALID_TOPIC_EXCEPTION, as Kafka refuses DeleteRecords on internal topics: the group
// coordinator holds it open and reads it from its start. timeout_ms is not needed: nothing
// waits for other replicas. A topic the user may not configure (kafka/topic_access.h; Kafka's
// Delete) gets TOPIC_AUTHORIZATION_FAILED for each partition.
#pragma once

#include "core/broker.h"
#include "kafka/config.h"
#include "kafka/protocol/generated/delete_records.h"
#include "kafka/topic_access.h"

namespace polymq::kafka {

DeleteRecordsResponse handle_delete_records(core::Broker& broker, const Config& config,
                                            const TopicAccess& access,
                                            const DeleteRecordsRequest& request);

}  // namespace polymq::kafka
