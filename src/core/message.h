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

struct Message {
  std::string exchange;     // the exchange it was published to ("" = default)
  std::string routing_key;  // the key it was published with
  Properties properties;
  Body body;  // shared, immutable (core/body.h)

  bool persistent() const { return properties.delivery_mode.value_or(1) == 2; }
  // Bytes the message accounts for in memory limits: body plus a fixed overhead estimate.
  // The overhead is measured, not derived: a 16-byte message held in a queue costs the broker
  // about 670 bytes of resident memory (Message with its optional properties, the shared_ptr
  // control block, the queue entry, allocator slack).
  size_t footprint() const { return body.size() + routing_key.size() + exchange.size() + 640; }
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
