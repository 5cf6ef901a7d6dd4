// The broker's durable definitions as JSON, in the layout of RabbitMQ's definitions export
// (`rabbitmqctl export_definitions`), so a file moves between PolyMQ and RabbitMQ:
//
//   {"polymq_version": "0.1.0",
//    "users":       [{"name", "password_hash", "hashing_algorithm", "tags": [...],
//                     "polymq_loopback_only"}],
//    "vhosts":      [{"name"}],
//    "permissions": [{"user", "vhost", "configure", "write", "read"}],
//    "policies":    [{"vhost", "name", "pattern", "apply-to", "definition", "priority"}],
//    "polymq_operator_policies": [same as policies],
//    "exchanges":   [{"name", "vhost", "type", "durable", "auto_delete", "internal",
//                     "arguments"}],
//    "queues":      [{"name", "vhost", "durable", "auto_delete", "arguments"}],
//    "bindings":    [{"source", "vhost", "destination", "destination_type", "routing_key",
//                     "arguments"}]}
//
// What is exported is what survives a restart (core::survives_restart): durable exchanges
// except the built-in amq.* ones, durable queues that are neither exclusive nor auto-delete,
// bindings whose two ends are exported or built in; every vhost and user.
//
// password_hash is RabbitMQ's: base64 of the 4-byte salt followed by SHA-256(salt + password)
// (hashing_algorithm "rabbit_password_hashing_sha256"). Arguments are JSON as RabbitMQ writes
// them: strings, numbers, booleans, objects for tables, arrays; integers come back as 64-bit
// integers and numbers with a fraction or exponent as doubles; void is null.
#pragma once

#include <string>
#include <string_view>

#include "core/broker.h"
#include "core/definitions_log.h"
#include "core/status.h"

namespace polymq::rabbit {

// The JSON document of `broker`'s durable definitions, deterministic for a given state
// (entities ordered by name, bindings by source then creation).
std::string export_definitions(const core::Broker& broker);

// Adds the definitions in `json` to `broker`: users (replacing ones of the same name), vhosts,
// permissions (replacing the grant of the same pair), policies and operator policies
// (replacing the one of the same vhost and name, applied at once to existing queues),
// exchanges, queues, bindings, in that order. Missing sections are empty; unknown keys
// (RabbitMQ's parameters, limits) are ignored, as are the built-in
// amq.* and default exchanges. A missing "durable" means true (the file lists what is kept),
// a missing "auto_delete"/"internal" false, and a missing "polymq_loopback_only" is true only
// for "guest" (RabbitMQ's default loopback_users).
//
// Malformed JSON, a wrong type, a missing name, an unknown hashing algorithm, a reference to a
// vhost, user, exchange or queue that does not exist, a permission pattern that is not a valid
// regular expression, a policy the broker's model refuses, or a definition the vhost refuses
// give
// kInvalidArgument naming the entry; `broker` may then hold the entries before it.
core::Status import_definitions(std::string_view json, core::Broker& broker);

// One change as a small document of the same layout, for the definitions change log:
// {"op": "add", "<section>": [entry]} with the entry as export_definitions writes it, or
// {"op": "remove", ...} naming the exchange or queue ({"name", "vhost"}), the user ({"name"},
// its grants go with it), the grant ({"user", "vhost"}), the policy ({"vhost", "name"}) or
// the full binding. A vhost added or
// removed is {"op": "add"/"remove", "vhosts": [{"name"}]}, a user added or changed {"op": "add",
// "users": [entry]}, a queue's or an exchange's new arguments
// {"op": "change", "queues"/"exchanges": [entry]}.
std::string export_change(const core::DefinitionChange& change);

// Applies a document written by export_change: "add" imports the entry (as
// import_definitions), "remove" deletes the exchange or queue (with its bindings, as a delete
// does) or the binding; removing what is not there is not an error; "change" gives the
// existing queue or exchange the entry's arguments (VHost::change_queue_arguments,
// change_exchange_arguments). Replaying the changes
// recorded after a snapshot, in order, over that snapshot rebuilds the state they led to.
core::Status apply_change(std::string_view json, core::Broker& broker);

}  // namespace polymq::rabbit
