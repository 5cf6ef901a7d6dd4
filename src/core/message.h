// A message as the core sees it: routing information, properties and a body that is stored
// once and shared by every queue it is routed to (MessagePtr is reference counted and const).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/body.h"
#include "core/value.h"

namespace polymq::core {

// The properties every supported protocol can carry. Field names follow AMQP 0-9-1's basic
// properties, the richest of the set; other front-ends map onto the same fields.
struct Properties {
  std::optional<std::string> content_type;
  std::optional<std::string> content_encoding;
  std::optional<Table> headers;
  std::optional<uint8_t> delivery_mode;  // 2 = persistent
  std::optional<uint8_t> priority;
  std::optional<std::string> correlation_id;
  std::optional<std::string> reply_to;
  std::optional<std::string> expiration;  // per-message TTL in milliseconds, as text
  std::optional<std::string> message_id;
  std::optional<uint64_t> timestamp;  // seconds since the epoch
  std::optional<std::string> type;
  std::optional<std::string> user_id;
  std::optional<std::string> app_id;
  std::optional<std::string> cluster_id;  // deprecated in AMQP, carried through unchanged
};

// Protocol-neutral fields sit beside `properties`, which holds what AMQP's basic properties
// name (content type, headers, delivery mode, priority, expiration ...) and other protocols
// map onto where they have an equivalent (Kafka and SQS headers are headers too). What only
// one protocol has (SQS's message group and deduplication ids, JMS's properties beyond these)
// goes into `annotations`, keyed by a protocol prefix ("sqs.MessageGroupId"), and is carried
// through unchanged by the core.
// The fixed part of Message::footprint, measured, not derived: a 16-byte message held in a
// queue costs the broker about 670 bytes of resident memory (Message with its optional
// properties, the shared_ptr control block, the queue entry, allocator slack).
inline constexpr size_t kMessageOverheadBytes = 640;

struct Message {
  std::string exchange;     // the exchange it was published to ("" = default)
  std::string routing_key;  // the key it was published with
  Properties properties;
  std::optional<std::string> key;       // a record key (Kafka), bytes
  std::optional<int64_t> timestamp_ms;  // when it was produced, ms since the epoch (Kafka)
  // Not handed out by a queue before this wall-clock time, ms since the epoch (a delayed
  // message: SQS DelaySeconds). Unset: the queue's default delay applies (usually none).
  // Queues only; a stream serves the message at once.
  std::optional<int64_t> not_before_ms;
  // The message group it belongs to (SQS FIFO's MessageGroupId; JMS's JMSXGroupID later). A
  // queue with QueueSettings::one_in_flight_per_group hands out a group's messages in order,
  // none while another of the group is in flight; other queues ignore it.
  std::optional<std::string> group;
  // The key a queue with a deduplication window (QueueSettings::dedup_window_ms) recognises
  // a repeated send by (SQS's MessageDeduplicationId, scoped by the front-end); other queues
  // ignore it.
  std::optional<std::string> dedup_id;
  Table annotations;
  Body body;  // shared, immutable (core/body.h)

  bool persistent() const { return properties.delivery_mode.value_or(1) == 2; }
  // Bytes the message accounts for in memory limits: its variable parts plus the fixed
  // overhead (kMessageOverheadBytes).
  size_t footprint() const {
    return body.size() + routing_key.size() + exchange.size() + (key ? key->size() : 0) +
           (group ? group->size() : 0) + (dedup_id ? dedup_id->size() : 0) + kMessageOverheadBytes;
  }
};

using MessagePtr = std::shared_ptr<const Message>;

// The routing keys a header lists for sender-selected distribution ("CC", "BCC"): the string
// entries of an array (a single string counts as one key).
inline std::vector<std::string> header_routing_keys(const Message& message,
                                                    std::string_view header) {
  std::vector<std::string> keys;
  if (!message.properties.headers) return keys;
  const Value* v = find(*message.properties.headers, header);
  if (v == nullptr) return keys;
  if (const Array* a = v->as_array()) {
    for (const Value& entry : *a) {
      if (entry.is_string()) keys.push_back(*entry.as_string());
    }
  } else if (v->is_string()) {
    keys.push_back(*v->as_string());
  }
  return keys;
}

}  // namespace polymq::core
