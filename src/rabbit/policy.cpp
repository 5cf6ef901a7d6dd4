#include "rabbit/policy.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace polymq::rabbit {

using core::ErrorCode;
using core::Status;
using core::Value;

namespace {

// One key a policy may set, and the check of its value.
struct KeyRule {
  std::string_view key;
  bool operator_policy;  // operator policies may set it too
  std::string_view wanted;
  bool (*valid)(const Value&);
};

// An integer value (of any width; a uint64 past int64's range is not one).
std::optional<int64_t> integer_of(const Value& v) {
  if (!v.is_integer()) return std::nullopt;
  if (const auto* u = std::get_if<uint64_t>(&v.data)) {
    if (*u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(*u);
  }
  return v.as_int();
}

bool non_negative_integer(const Value& v) {
  std::optional<int64_t> n = integer_of(v);
  return n && *n >= 0;
}
bool positive_integer(const Value& v) {
  std::optional<int64_t> n = integer_of(v);
  return n && *n > 0;
}
bool a_string(const Value& v) { return v.kind == core::ValueKind::kString; }
bool an_overflow(const Value& v) {
  const std::string* s = v.kind == core::ValueKind::kString ? v.as_string() : nullptr;
  return s != nullptr &&
         (*s == "drop-head" || *s == "reject-publish" || *s == "reject-publish-dlx");
}

constexpr std::array<KeyRule, 8> kRules = {{
    {"message-ttl", true, "message TTL", non_negative_integer},
    {"expires", true, "queue expiry", positive_integer},
    {"max-length", true, "maximum length", non_negative_integer},
    {"max-length-bytes", true, "maximum length in bytes", non_negative_integer},
    {"delivery-limit", true, "delivery limit", non_negative_integer},
    {"overflow", false, "overflow value", an_overflow},
    {"dead-letter-exchange", false, "dead letter exchange", a_string},
    {"dead-letter-routing-key", false, "dead letter routing key", a_string},
}};

// The value as RabbitMQ prints it in its texts (Erlang terms, roughly).
std::string printed(const Value& v) {
  if (const std::string* s = v.as_string()) return "<<\"" + *s + "\">>";
  if (std::optional<int64_t> n = integer_of(v)) return std::to_string(*n);
  if (std::optional<bool> b = v.as_bool()) return *b ? "true" : "false";
  if (std::optional<double> d = v.as_double()) return std::to_string(*d);
  return "the value";
}

}  // namespace

Status check_policy_definition(core::PolicyKind kind, const PolicyDefinition& policy) {
  auto invalid = [&](const std::string& why) {
    return Status{ErrorCode::kInvalidArgument, "policy '" + policy.name + "': " + why};
  };
  if (policy.definition.empty()) return invalid("no policy settings in the definition");
  std::string unknown;
  for (const auto& entry : policy.definition) {
    const std::string& key = entry.first;
    const Value& value = entry.second;
    auto rule =
        std::find_if(kRules.begin(), kRules.end(), [&](const KeyRule& r) { return r.key == key; });
    if (rule == kRules.end() || (kind == core::PolicyKind::kOperator && !rule->operator_policy)) {
      unknown += (unknown.empty() ? "" : ",") + std::string("<<\"") + key + "\">>";
      continue;
    }
    if (!rule->valid(value)) {
      return invalid(printed(value) + " is not a valid " + std::string(rule->wanted));
    }
  }
  if (!unknown.empty()) return invalid("[" + unknown + "] are not recognised policy settings");
  return Status::Ok();
}

}  // namespace polymq::rabbit
