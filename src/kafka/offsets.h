// The offset queries of the data path:
//
// ListOffsets (v1-v6): earliest (-2) is the partition's first offset, latest (-1) its high
// watermark (the durable end, kafka/fetch_read.h), a timestamp the first record at or after
// it (Stream::offset_for_time, refined to the record inside an uncompressed batch; for a
// compressed batch the batch's first offset), -1/-1 when there is none. Max timestamp (-3,
// v7) is not served.
//
// OffsetForLeaderEpoch (v0-v4): every partition has had one leader epoch, 0, which ends at
// the high watermark.
//
// Both need read on the topic (kafka/topic_access.h), else TOPIC_AUTHORIZATION_FAILED for
// each of its partitions.
#pragma once

#include "core/broker.h"
#include "kafka/config.h"
#include "kafka/protocol/generated/list_offsets.h"
#include "kafka/protocol/generated/offset_for_leader_epoch.h"
#include "kafka/topic_access.h"

namespace polymq::kafka {

ListOffsetsResponse handle_list_offsets(core::Broker& broker, const Config& config,
                                        const TopicAccess& access,
                                        const ListOffsetsRequest& request);
OffsetForLeaderEpochResponse handle_offset_for_leader_epoch(
    core::Broker& broker, const Config& config, const TopicAccess& access,
    const OffsetForLeaderEpochRequest& request);

}  // namespace polymq::kafka
