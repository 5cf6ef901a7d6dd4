// Counters of what the broker did with messages, since it started, for the metrics endpoint
// (RabbitMQ's rabbitmq_channel_* and rabbitmq_*_total families). Front-ends increment them
// where the event happens.
//
// Plain integers, not atomics: each set belongs to one event loop thread, which alone writes
// and reads it (a scrape runs on that loop too), so an increment costs an add to a cached
// line. With a loop per core each shard gets its own set and a scrape sums them.
#pragma once

#include <cstdint>

namespace polymq::core {

struct MessageCounters {
  // Publishes
  uint64_t published = 0;            // messages received from publishers (routed or not)
  uint64_t confirmed = 0;            // publisher confirms sent (acks and nacks, per message)
  uint64_t unroutable_returned = 0;  // mandatory publishes returned (basic.return)
  uint64_t unroutable_dropped = 0;   // publishes routed nowhere and dropped
  // Deliveries to subscribers
  uint64_t delivered_auto_ack = 0;  // without acknowledgement (no-ack)
  uint64_t delivered_ack = 0;       // awaiting an acknowledgement
  uint64_t redelivered = 0;         // of the above, messages handed out before
  // Pulls (basic.get and the like)
  uint64_t get_auto_ack = 0;
  uint64_t get_ack = 0;
  uint64_t get_empty = 0;
  // Settlements
  uint64_t acked = 0;     // acknowledged by the client
  uint64_t rejected = 0;  // rejected or nacked (requeued or not)
  // Connections and channels opened and closed (churn)
  uint64_t connections_opened = 0;
  uint64_t connections_closed = 0;
  uint64_t channels_opened = 0;
  uint64_t channels_closed = 0;
};

}  // namespace polymq::core
