// The exchange, queues and bindings a run publishes through and consumes from.
//
//   default exchange:  producers publish to "" with the queue name as routing key
//   --exchange E:      E is declared with --type (passively if it is one of the broker's amq.*
//                      exchanges) and every queue is bound to it with the routing key
//
// Queues are durable with --durable; otherwise they are auto-delete, so a run's leftovers go
// with its consumers.
#pragma once

#include <functional>

#include "perf/client_connection.h"
#include "perf/options.h"

namespace polymq::perf {

// Declares everything on `channel` of `conn`, then runs `done`. A refusal from the broker
// (channel.close) ends the run through RunControl like any other.
void declare_topology(ClientConnection& conn, uint16_t channel, const Options& options,
                      std::function<void()> done);

}  // namespace polymq::perf
