#include "core/dead_lettering.h"

namespace polymq::core {

MessagePtr readdressed(const Message& message, const DeadLetterTarget& target) {
  auto out = std::make_shared<Message>(message);  // shares the body
  out->exchange = target.exchange;
  if (target.routing_key) out->routing_key = *target.routing_key;
  out->properties.expiration.reset();
  return out;
}

}  // namespace polymq::core
