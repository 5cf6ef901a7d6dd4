// Dead-lettering, as RabbitMQ 3.x does it: the message a queue gives up on is republished to
// the queue's dead-letter exchange with its history in the x-death header.
//
// x-death is an array of tables, newest first, one per (queue, reason): {count, exchange,
// original-expiration (when the message had an expiration), queue, reason, routing-keys,
// time}, keys sorted as RabbitMQ writes them. Dying again in the same queue for the same
// reason raises that entry's count and moves it to the front. The first death also sets
// x-first-death-exchange, -queue and -reason. The expiration property is removed (it would
// expire the message again at once).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/message.h"
#include "core/queue.h"

namespace polymq::rabbit {

// The reason as x-death names it: "rejected", "expired", "maxlen", "delivery_limit".
const char* dead_letter_reason_name(core::DeadLetterReason reason);

// The message as the dead-letter exchange receives it. Routing keys: `routing_key` when set
// (the CC header is then dropped), else the original key, CC headers kept.
core::MessagePtr make_dead_lettered(const core::Message& message, core::DeadLetterReason reason,
                                    const std::string& queue,
                                    const std::string& dead_letter_exchange,
                                    const std::optional<std::string>& routing_key,
                                    uint64_t now_seconds);

// Whether delivering a dead-lettered `message` (x-death already updated) to `queue` closes a
// cycle with no rejection in it, which RabbitMQ drops instead of looping forever.
bool dead_letter_cycle(const core::Message& message, const std::string& queue,
                       core::DeadLetterReason reason);

// The queue of the newest x-death entry (the queue the message was last dead-lettered from);
// nullopt without an x-death header of RabbitMQ's shape.
std::optional<std::string> last_dead_lettered_from(const core::Message& message);

}  // namespace polymq::rabbit
