#include "sqs/redrive_policy.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>

namespace polymq::sqs {
namespace {

constexpr int64_t kMaxReceiveCount = 1000;
constexpr size_t kMaxSourceQueueArns = 10;

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

Error invalid(std::string_view attribute, std::string_view value, std::string_view reason) {
  return invalid_parameter_value("Value " + std::string(value) + " for parameter " +
                                 std::string(attribute) +
                                 " is invalid. Reason: " + std::string(reason));
}

std::string text(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

void str(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace

std::optional<QueueArn> parse_queue_arn(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:sqs:";
  if (arn.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  arn.remove_prefix(kPrefix.size());
  const size_t a = arn.find(':');
  if (a == std::string_view::npos) return std::nullopt;
  const size_t b = arn.find(':', a + 1);
  if (b == std::string_view::npos) return std::nullopt;
  QueueArn out{std::string(arn.substr(0, a)), std::string(arn.substr(a + 1, b - a - 1)),
               std::string(arn.substr(b + 1))};
  if (out.account.empty() || out.name.empty() || out.name.find(':') != std::string::npos) {
    return std::nullopt;
  }
  return out;
}

std::variant<RedrivePolicy, Error> parse_redrive_policy(std::string_view json) {
  constexpr std::string_view kName = "RedrivePolicy";
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return invalid(kName, json, "Redrive policy is not a valid JSON map.");
  }
  RedrivePolicy p;
  bool have_arn = false;
  bool have_count = false;
  for (const auto& m : doc.GetObject()) {
    const std::string name = text(m.name);
    if (name == "deadLetterTargetArn" && m.value.IsString()) {
      p.dead_letter_target_arn = text(m.value);
      have_arn = true;
    } else if (name == "maxReceiveCount") {
      // AWS takes the count as a number or as its decimal text.
      if (m.value.IsInt64()) {
        p.max_receive_count = m.value.GetInt64();
      } else if (m.value.IsString()) {
        const std::string t = text(m.value);
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), p.max_receive_count);
        if (ec != std::errc() || end != t.data() + t.size() || t.empty()) {
          return invalid(kName, json, "Invalid value for maxReceiveCount: " + t + ".");
        }
      } else {
        return invalid(kName, json, "Invalid value for maxReceiveCount.");
      }
      have_count = true;
    } else {
      return invalid(kName, json, "Only deadLetterTargetArn and maxReceiveCount are allowed.");
    }
  }
  if (!have_arn) return invalid(kName, json, "Redrive policy needs a deadLetterTargetArn.");
  if (!have_count) return invalid(kName, json, "Redrive policy needs a maxReceiveCount.");
  if (p.max_receive_count < 1 || p.max_receive_count > kMaxReceiveCount) {
    return invalid(kName, json,
                   "Invalid value for maxReceiveCount: " + std::to_string(p.max_receive_count) +
                       ", valid values are from 1 to 1000 both inclusive.");
  }
  std::optional<QueueArn> arn = parse_queue_arn(p.dead_letter_target_arn);
  if (!arn) return invalid(kName, json, "Invalid value for deadLetterTargetArn.");
  p.dead_letter_queue = arn->name;
  return p;
}

std::string render(const RedrivePolicy& policy) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("deadLetterTargetArn");
  str(w, policy.dead_letter_target_arn);
  w.Key("maxReceiveCount");
  w.Int64(policy.max_receive_count);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

bool RedriveAllowPolicy::allows(std::string_view source_arn) const {
  switch (permission) {
    case Permission::kAllowAll:
      return true;
    case Permission::kDenyAll:
      return false;
    case Permission::kByQueue:
      break;
  }
  std::optional<QueueArn> source = parse_queue_arn(source_arn);
  if (!source) return false;
  for (const std::string& allowed : source_queue_arns) {
    std::optional<QueueArn> a = parse_queue_arn(allowed);
    if (a && a->account == source->account && a->name == source->name) return true;
  }
  return false;
}

std::variant<RedriveAllowPolicy, Error> parse_redrive_allow_policy(std::string_view json) {
  constexpr std::string_view kName = "RedriveAllowPolicy";
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return invalid(kName, json, "Redrive allow policy is not a valid JSON map.");
  }
  RedriveAllowPolicy p;
  std::optional<std::string> permission;
  bool have_arns = false;
  for (const auto& m : doc.GetObject()) {
    const std::string name = text(m.name);
    if (name == "redrivePermission" && m.value.IsString()) {
      permission = text(m.value);
    } else if (name == "sourceQueueArns" && m.value.IsArray()) {
      have_arns = true;
      for (const auto& item : m.value.GetArray()) {
        if (!item.IsString() || !parse_queue_arn(text(item))) {
          return invalid(kName, json, "sourceQueueArns must be a list of queue ARNs.");
        }
        p.source_queue_arns.push_back(text(item));
      }
    } else {
      return invalid(kName, json,
                     "Only redrivePermission and sourceQueueArns are allowed, as a string and "
                     "a list.");
    }
  }
  if (permission == "allowAll") {
    p.permission = RedriveAllowPolicy::Permission::kAllowAll;
  } else if (permission == "denyAll") {
    p.permission = RedriveAllowPolicy::Permission::kDenyAll;
  } else if (permission == "byQueue") {
    p.permission = RedriveAllowPolicy::Permission::kByQueue;
  } else {
    return invalid(kName, json, "redrivePermission must be allowAll, denyAll or byQueue.");
  }
  const bool by_queue = p.permission == RedriveAllowPolicy::Permission::kByQueue;
  if (by_queue &&
      (p.source_queue_arns.empty() || p.source_queue_arns.size() > kMaxSourceQueueArns)) {
    return invalid(kName, json, "byQueue needs 1 to 10 sourceQueueArns.");
  }
  if (!by_queue && have_arns) {
    return invalid(kName, json, "sourceQueueArns is only allowed with byQueue.");
  }
  return p;
}

std::string render(const RedriveAllowPolicy& policy) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  w.Key("redrivePermission");
  switch (policy.permission) {
    case RedriveAllowPolicy::Permission::kAllowAll:
      w.String("allowAll");
      break;
    case RedriveAllowPolicy::Permission::kDenyAll:
      w.String("denyAll");
      break;
    case RedriveAllowPolicy::Permission::kByQueue:
      w.String("byQueue");
      w.Key("sourceQueueArns");
      w.StartArray();
      for (const std::string& arn : policy.source_queue_arns) str(w, arn);
      w.EndArray();
      break;
  }
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace polymq::sqs
