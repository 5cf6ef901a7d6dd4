#include "sns/redrive_policy.h"

#include <rapidjson/document.h>

#include <vector>

namespace polymq::sns {
namespace {

constexpr std::string_view kTargetKey = "deadLetterTargetArn";

// "arn:<partition>:sqs:<region>:<account>:<name>" split at its colons; empty when the text
// is not an SQS queue ARN.
std::vector<std::string_view> sqs_arn_parts(std::string_view arn) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t colon; (colon = arn.find(':', start)) != std::string_view::npos; start = colon + 1) {
    parts.push_back(arn.substr(start, colon - start));
  }
  parts.push_back(arn.substr(start));
  if (parts.size() != 6 || parts[0] != "arn" || parts[1].empty() || parts[2] != "sqs" ||
      parts[3].empty() || parts[4].empty() || parts[5].empty()) {
    return {};
  }
  return parts;
}

}  // namespace

std::optional<std::string> check_redrive_policy(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return "failed to parse JSON.";
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string_view key(it->name.GetString(), it->name.GetStringLength());
    if (key != kTargetKey) {
      return "invalid JSON. Attribute " + std::string(key) + " is unknown.";
    }
  }
  auto target = doc.FindMember(kTargetKey.data());
  if (target == doc.MemberEnd() || !target->value.IsString() ||
      sqs_arn_parts(std::string_view(target->value.GetString(), target->value.GetStringLength()))
          .empty()) {
    return "deadLetterTargetArn is an invalid arn";
  }
  return std::nullopt;
}

std::string dead_letter_target(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return "";
  auto target = doc.FindMember(kTargetKey.data());
  if (target == doc.MemberEnd() || !target->value.IsString()) return "";
  return std::string(target->value.GetString(), target->value.GetStringLength());
}

std::string queue_of_sqs_arn(std::string_view arn, std::string_view account) {
  const std::vector<std::string_view> parts = sqs_arn_parts(arn);
  if (parts.empty() || parts[4] != account) return "";
  return std::string(parts[5]);
}

}  // namespace polymq::sns
