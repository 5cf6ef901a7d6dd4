#include "rabbit/policy_json.h"

#include <cstdlib>
#include <limits>

namespace polymq::rabbit {

namespace {

void write_string(JsonWriter& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

void write_policy_json(JsonWriter& w, const core::Policy& policy) {
  w.StartObject();
  w.Key("vhost");
  write_string(w, policy.vhost);
  w.Key("name");
  write_string(w, policy.name);
  w.Key("pattern");
  write_string(w, policy.pattern);
  w.Key("apply-to");
  write_string(w, policy.apply_to);
  w.Key("definition");
  write_json_table(w, policy.definition);
  w.Key("priority");
  w.Int(policy.priority);
  w.EndObject();
}

core::Status read_policy_json(const rapidjson::Value& object, const std::string& where,
                              core::Policy& out) {
  auto invalid = [&](const std::string& what) {
    return core::Status{core::ErrorCode::kInvalidArgument, where + ": " + what};
  };
  if (!object.IsObject()) return invalid("must be a JSON object");
  auto text = [&](const char* key, std::string& field, bool required) -> core::Status {
    auto m = object.FindMember(key);
    if (m == object.MemberEnd() || m->value.IsNull()) {
      return required ? invalid("missing '" + std::string(key) + "'") : core::Status::Ok();
    }
    if (!m->value.IsString()) return invalid("'" + std::string(key) + "' must be a string");
    field.assign(m->value.GetString(), m->value.GetStringLength());
    return core::Status::Ok();
  };
  if (core::Status s = text("vhost", out.vhost, false); !s.ok()) return s;
  if (core::Status s = text("name", out.name, false); !s.ok()) return s;
  if (core::Status s = text("pattern", out.pattern, true); !s.ok()) return s;
  out.apply_to = "all";
  if (core::Status s = text("apply-to", out.apply_to, false); !s.ok()) return s;
  out.priority = 0;
  if (auto m = object.FindMember("priority"); m != object.MemberEnd() && !m->value.IsNull()) {
    // RabbitMQ's API takes the priority as a number or a string of digits.
    int64_t priority = 0;
    if (m->value.IsInt64()) {
      priority = m->value.GetInt64();
    } else if (m->value.IsString()) {
      const std::string digits(m->value.GetString(), m->value.GetStringLength());
      char* end = nullptr;
      priority = std::strtoll(digits.c_str(), &end, 10);
      if (digits.empty() || *end != '\0') return invalid("'priority' must be an integer");
    } else {
      return invalid("'priority' must be an integer");
    }
    if (priority < std::numeric_limits<int>::min() || priority > std::numeric_limits<int>::max()) {
      return invalid("'priority' is out of range");
    }
    out.priority = static_cast<int>(priority);
  }
  auto definition = object.FindMember("definition");
  if (definition == object.MemberEnd() || !definition->value.IsObject()) {
    return invalid("'definition' must be an object");
  }
  out.definition.clear();
  return json_to_table(definition->value, out.definition, where + ": definition");
}

}  // namespace polymq::rabbit
