// Reading a Fetch's partitions from the topics' streams, once: what a Fetch answers now, and
// what a long-polling one rereads when its partitions grew (kafka/fetch.h).
//
// Visibility is Kafka's high watermark: only durable records (Stream::durable_offset) are
// served, so a consumer never sees a record a crash could lose. A read_committed fetch stops
// at the last stable offset, before the oldest open transaction, and is told which aborted
// transactions lie in what it gets (kafka/txn/partition_txns.h); control batches (the
// transaction markers) are served as stored, and clients skip them. Entries are served as stored
// (the batch a producer sent, offsets assigned); a core message appended by an exchange is
// served as a one-record batch (kafka/message_records.h). Limits as Kafka's: about
// partition_max_bytes per partition and max_bytes in all, but the first entry of the first
// partition with data goes out whatever its size, so a consumer always makes progress.
// Record bytes are copied once, from storage into `data`; the answer is sent with its records
// spliced in from there (Reply::send_sharing_records), not copied into the frame.
#pragma once

#include <cstddef>
#include <deque>
#include <string>

#include "core/broker.h"
#include "kafka/config.h"
#include "kafka/protocol/generated/fetch.h"
#include "kafka/topic_access.h"

namespace polymq::kafka {

struct FetchRead {
  FetchResponse response;        // its records are views into `data`
  std::deque<std::string> data;  // the records of each partition (stable addresses)
  size_t bytes = 0;              // record bytes in the answer
  bool error = false;            // a partition or the request failed: answer at once
};

// A topic the user may not read (kafka/topic_access.h) is answered TOPIC_AUTHORIZATION_FAILED
// for each of its partitions.
void read_fetch(core::Broker& broker, const Config& config, const TopicAccess& access,
                const FetchRequest& request, FetchRead& out);

// Whether new durable records in `partition` of topic `topic` could add to the fetch's answer.
bool fetch_wants(const FetchRequest& request, const core::Stream& stream, uint32_t partition);

}  // namespace polymq::kafka
