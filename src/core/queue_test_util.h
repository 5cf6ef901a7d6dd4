// Shorthands for the core's queue tests.
#pragma once

#include "core/queue.h"

namespace polymq::core::testing {

// basic.get without a holder or a deadline: the message stays leased until settled.
inline bool take(Queue& q, Delivery& out) { return q.receive(out, Queue::ReceiveOptions{}); }

inline ConsumerOptions consumer_options(bool exclusive, int32_t priority = 0) {
  ConsumerOptions o;
  o.exclusive = exclusive;
  o.priority = priority;
  return o;
}

}  // namespace polymq::core::testing
