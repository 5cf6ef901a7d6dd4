// RabbitMQ's message_stats object, as /api/overview shows the broker's counters and
// /api/channels a channel's: publish, confirm, return_unroutable, drop_unroutable, deliver,
// deliver_no_ack, get, get_no_ack, get_empty, deliver_get, redeliver and ack, each with its
// "<name>_details": {"rate": r} when rates are given.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "core/message_counters.h"
#include "management/json_output.h"

namespace polymq::management {

inline constexpr size_t kMessageStatCount = 12;
using MessageStatValues = std::array<uint64_t, kMessageStatCount>;
using MessageStatRates = std::array<double, kMessageStatCount>;

// The counters in the order of the names above.
MessageStatValues message_stat_values(const core::MessageCounters& counters);

// Writes "message_stats": {...}; `rates` null: without *_details.
void write_message_stats(JsonWriter& w, const MessageStatValues& values,
                         const MessageStatRates* rates);

}  // namespace polymq::management
