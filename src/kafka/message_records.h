// The cross-protocol promise of a topic: a stream entry that is not a Kafka batch (a message
// an AMQP publish routed into the stream through an exchange binding, stored in the core's
// layout by Stream::append_message) reaches a Kafka consumer as a one-record batch:
//
//   key       the message's record key, else its routing key
//   value     the body
//   headers   the message's headers whose values are strings or bytes (others have no
//             Kafka form)
//   timestamp the entry's timestamp (the message's own, or when it was routed)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace polymq::kafka {

// Appends to `out` the batch for the stored message `stored` at `offset`; false (and nothing
// appended) when `stored` is not a well-formed stored message.
bool append_message_as_batch(std::string_view stored, uint64_t offset, int64_t timestamp_ms,
                             std::string& out);

// The key a Kafka consumer sees for the stored message `stored` (above); nullopt when `stored`
// is not a well-formed stored message.
std::optional<std::string> stored_message_key(std::string_view stored);

}  // namespace polymq::kafka
