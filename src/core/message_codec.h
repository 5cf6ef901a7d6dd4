// The core's own binary form of a message in a queue's log: not a wire format, and not one a
// client ever sees. Fixed-width little-endian fields, length-prefixed strings, every value
// with its precise kind so a header comes back with the type it was published with.
//
// Layout: u8 version | u8 flags | u64 sequence | str exchange | str routing_key |
//         u16 property presence bits | present properties in Properties' field order | str body
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/message.h"

namespace polymq::core {

struct StoredMessage {
  uint64_t sequence = 0;   // the queue's sequence number when it was enqueued
  bool transient = false;  // kept on disk only to page it; dropped at recovery
  MessagePtr message;
};

void encode_stored_message(std::string& out, uint64_t sequence, bool transient,
                           const Message& message);
// False when `in` is not a well-formed record of this layout (never reads past it).
bool decode_stored_message(std::string_view in, StoredMessage& out);

// Values and tables alone, for other stored forms.
void encode_table(std::string& out, const Table& table);
bool decode_table(std::string_view& in, Table& out);

}  // namespace polymq::core
