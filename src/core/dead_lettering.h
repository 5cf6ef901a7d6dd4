// What a dead-lettered message looks like is a broker model's rule (RabbitMQ's x-death
// history, rabbit/dead_letter.h); where it goes and how deep dead-lettering may nest are the
// core's (VHost::dead_letter). A vhost asks this interface, handed to it through VHostHooks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/message.h"
#include "core/queue.h"
#include "core/queue_settings.h"

namespace polymq::core {

class DeadLettering {
 public:
  virtual ~DeadLettering() = default;
  // The message the dead-letter exchange receives when `queue` gives up on `message` for
  // `reason`: addressed to `target.exchange`, with `target.routing_key` when set.
  virtual MessagePtr dead_lettered(const Message& message, DeadLetterReason reason,
                                   const std::string& queue, const DeadLetterTarget& target,
                                   uint64_t now_seconds) const = 0;
  // Whether handing `dead` (as dead_lettered made it) to `queue` closes a cycle that is to be
  // dropped rather than delivered.
  virtual bool is_cycle(const Message& dead, const std::string& queue,
                        DeadLetterReason reason) const = 0;
  // The queue `message` was most recently dead-lettered from, as dead_lettered recorded it
  // (a redrive sends it back there, core/message_mover.h); nullopt when it carries no record.
  virtual std::optional<std::string> dead_lettered_from(const Message& /*message*/) const {
    return std::nullopt;
  }
};

// Without a model: the message re-addressed to the target (its own routing key unless the
// target names one), without its expiration, which would expire it again at once. The core's
// depth limit is then the only guard against cycles.
MessagePtr readdressed(const Message& message, const DeadLetterTarget& target);

}  // namespace polymq::core
