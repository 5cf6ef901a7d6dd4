// A policy as JSON, in RabbitMQ's shape, shared by the definitions file (rabbit/definitions.h)
// and the management API's /api/policies and /api/operator-policies:
//
//   {"vhost": "/", "name": "ttl", "pattern": "^orders\\.", "apply-to": "queues",
//    "definition": {"message-ttl": 60000}, "priority": 0}
#pragma once

#include <rapidjson/document.h>

#include <string>

#include "core/policies.h"
#include "core/status.h"
#include "rabbit/json_values.h"

namespace polymq::rabbit {

void write_policy_json(JsonWriter& w, const core::Policy& policy);

// Reads `object` into `out`: "pattern" (a string) and "definition" (an object) are required;
// "apply-to" defaults to "all" and "priority" to 0, as RabbitMQ's; "vhost" and "name" are read
// when present (the API gives them in the path). kInvalidArgument with a text that starts with
// `where` for a wrong type or a missing field; the pattern and keys are checked when the policy
// is set (core::Broker::set_policy).
core::Status read_policy_json(const rapidjson::Value& object, const std::string& where,
                              core::Policy& out);

}  // namespace polymq::rabbit
