// RabbitMQ's rules for declaring exchanges and queues (rabbit_exchange, rabbit_amqqueue): the
// amq.* exchanges every vhost has, the reserved "amq." prefix, "amq.gen-" names for
// server-named queues, and which fields a redeclare must repeat, with RabbitMQ's
// "inequivalent arg" texts. rabbit::Model hands them to the core (core::DeclarationRules).
#pragma once

#include <string>
#include <vector>

#include "core/declaration_rules.h"

namespace polymq::rabbit {

// amq.direct, amq.fanout, amq.topic, amq.headers and amq.match: durable, as RabbitMQ's.
std::vector<core::BuiltinExchange> builtin_exchanges();

// kAccessRefused "exchange name 'amq.x' contains reserved prefix 'amq.*'" (or "queue name")
// for a name with the "amq." prefix; Ok otherwise.
core::Status check_client_name(core::NameKind kind, const std::string& name);

// "amq.gen-" and 22 random characters.
std::string generated_queue_name();

// An exchange's type, durable, auto_delete and internal must match:
//   inequivalent arg 'type' for exchange 'x' in vhost '/': received 'fanout' but current is
//   'direct'
core::Status exchange_redeclare(const std::string& vhost, const core::Exchange& existing,
                                core::ExchangeType type, const core::ExchangeOptions& requested);

// A queue's durable and auto_delete, and the x-arguments RabbitMQ compares (x-message-ttl,
// x-expires, x-max-length, x-dead-letter-exchange, x-queue-type, ...), must match:
//   inequivalent arg 'x-max-length' for queue 'q' in vhost '/': received '10' but current is
//   '20'
//   inequivalent arg 'x-max-length' for queue 'q' in vhost '/': received none but current is
//   the value '20' of type 'long'
// Other arguments may differ; the queue keeps the ones it was created with.
core::Status queue_redeclare(const std::string& vhost, const core::Queue& existing,
                             const core::QueueOptions& requested);

}  // namespace polymq::rabbit
