// /api/policies and /api/operator-policies: RabbitMQ's policies, set and cleared at run time
// (core::Broker::set_policy applies them at once to the vhost's queues and records them in the
// definitions), listed as RabbitMQ lists them.
//
// Policies need the policymaker (or administrator) tag, operator policies administrator, as in
// RabbitMQ. A PUT answers 201 when it created the policy and 204 when it replaced one; a
// refused policy is 400 with RabbitMQ's "Validation failed" reason.
#include <algorithm>

#include "management/json_body.h"
#include "management/json_output.h"
#include "management/service.h"
#include "rabbit/json_values.h"
#include "rabbit/policy_json.h"

namespace polymq::management {

namespace {

bool policymaker(const Call& call) {
  return call.access == Access::kAdministrator ||
         std::find(call.tags.begin(), call.tags.end(), "policymaker") != call.tags.end();
}

}  // namespace

void Service::policies(const CallPtr& call) { policy_call(call, core::PolicyKind::kUser); }

void Service::operator_policies(const CallPtr& call) {
  policy_call(call, core::PolicyKind::kOperator);
}

void Service::policy_call(const CallPtr& call, core::PolicyKind kind) {
  const Call& c = *call;
  const std::string& method = c.request.method;
  // As RabbitMQ: a vhost in the path must be one the user sees; every management user reads
  // policies, changing them takes policymaker; operator policies are administrators' alone.
  if (c.path.size() >= 2 && vhost_at(c, 1) == nullptr) return;
  if (kind == core::PolicyKind::kUser && method != "GET" && !policymaker(c)) {
    return send(c, error(401, "not_authorised", "Not policymaker user"));
  }
  if (kind == core::PolicyKind::kOperator && !require(c, Access::kAdministrator)) return;
  const core::PolicyStore& store = broker_.policies(kind);
  if (c.path.size() <= 2) {
    if (method != "GET") return send(c, error(405, "method_not_allowed", method));
    rapidjson::StringBuffer buffer;
    rabbit::JsonWriter w(buffer);
    w.StartArray();
    for (const core::Policy* policy : store.list()) {
      if (c.path.size() == 2 && policy->vhost != c.path[1]) continue;
      if (!sees_vhost(c, policy->vhost)) continue;
      rabbit::write_policy_json(w, *policy);
    }
    w.EndArray();
    return send_list(c, std::string(buffer.GetString(), buffer.GetSize()));
  }
  if (c.path.size() != 3) return send(c, not_found());
  const std::string& vhost_name = c.path[1];
  const std::string& name = c.path[2];
  if (method == "GET") {
    const core::Policy* policy = store.find(vhost_name, name);
    if (policy == nullptr) return send(c, not_found());
    rapidjson::StringBuffer buffer;
    rabbit::JsonWriter w(buffer);
    rabbit::write_policy_json(w, *policy);
    return send(c, json(200, std::string(buffer.GetString(), buffer.GetSize())));
  }
  if (method == "DELETE") {
    const uint64_t before = definitions_seq();
    if (!broker_.clear_policy(kind, vhost_name, name)) return send(c, not_found());
    return send_when_durable(c, before, no_content(204));
  }
  if (method != "PUT") return send(c, error(405, "method_not_allowed", method));
  JsonBody body;
  if (!parse_body(c, body)) return;
  core::Policy policy;
  if (core::Status st = rabbit::read_policy_json(body.doc, "policy", policy); !st.ok()) {
    return send(c, bad_request(st.message()));
  }
  // The path names the policy; a body's own vhost and name (rabbitmqadmin sends them) agree
  // or are overridden, as RabbitMQ takes the path's.
  policy.vhost = vhost_name;
  policy.name = name;
  const bool created = store.find(vhost_name, name) == nullptr;
  const uint64_t before = definitions_seq();
  if (core::Status st = broker_.set_policy(kind, std::move(policy)); !st.ok()) {
    return send(c, bad_request("Validation failed\n\n" + st.message() + "\n"));
  }
  send_when_durable(c, before, no_content(created ? 201 : 204));
}

}  // namespace polymq::management
