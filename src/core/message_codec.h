// The core's own binary form of a message in a queue's log or a stream: not a wire format, and
// not one a client ever sees. Fixed-width little-endian fields, length-prefixed strings, every
// value with its precise kind (a frozen code, not the enum's order) so a header comes back
// with the type it was published with. docs/storage-format.md ("Stored messages") has the
// layouts.
//
// Version 2 (written): u8 version | u8 flags | u64 sequence | tagged fields, each
//   u8 tag | u32 length | bytes: exchange, routing key, properties, key, timestamp_ms,
//   not_before_ms, annotations, body. Unknown tags are skipped.
// Version 1 (read, so data directories of earlier builds still open): u8 version | u8 flags |
//   u64 sequence | str exchange | str routing_key | u16 property presence bits | present
//   properties in Properties' field order | str body
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/message.h"

namespace polymq::core {

struct StoredMessage {
  uint64_t sequence = 0;   // the queue's sequence number when it was enqueued
  bool transient = false;  // kept on disk only to page it; dropped at recovery
  MessagePtr message;
};

// `not_before_ms`, when given, is stored in place of the message's own not-before time: the
// time a queue computed from its default delay, so that a restart keeps it.
void encode_stored_message(std::string& out, uint64_t sequence, bool transient,
                           const Message& message,
                           std::optional<int64_t> not_before_ms = std::nullopt);
// False when `in` is not a well-formed record of this layout (never reads past it).
bool decode_stored_message(std::string_view in, StoredMessage& out);

// Values and tables alone, for other stored forms.
void encode_table(std::string& out, const Table& table);
bool decode_table(std::string_view& in, Table& out);

}  // namespace polymq::core
