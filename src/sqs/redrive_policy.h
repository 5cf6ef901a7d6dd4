// SQS's dead-letter attributes as values: RedrivePolicy (where a queue's messages go after
// maxReceiveCount receives) and RedriveAllowPolicy (which queues may use a queue as their
// dead-letter queue), parsed from and rendered to the JSON text AWS exchanges, and queue ARNs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sqs/errors.h"

namespace polymq::sqs {

// arn:aws:sqs:<region>:<account>:<name>
struct QueueArn {
  std::string region;
  std::string account;
  std::string name;
};
std::optional<QueueArn> parse_queue_arn(std::string_view arn);

struct RedrivePolicy {
  std::string dead_letter_target_arn;
  std::string dead_letter_queue;  // the ARN's queue name
  int64_t max_receive_count = 0;  // 1 .. 1000
  bool operator==(const RedrivePolicy&) const = default;
};
// {"deadLetterTargetArn": "<queue ARN>", "maxReceiveCount": <1..1000, number or text>}:
// InvalidParameterValue for anything else.
std::variant<RedrivePolicy, Error> parse_redrive_policy(std::string_view json);
// As AWS renders it: {"deadLetterTargetArn":"...","maxReceiveCount":N}
std::string render(const RedrivePolicy& policy);

struct RedriveAllowPolicy {
  enum class Permission { kAllowAll, kDenyAll, kByQueue };
  Permission permission = Permission::kAllowAll;
  std::vector<std::string> source_queue_arns;  // kByQueue: 1 .. 10
  bool operator==(const RedriveAllowPolicy&) const = default;
  // Whether the queue `source` (its ARN) may use this queue as its dead-letter queue; ARNs
  // compare by account and name (PolyMQ's queues are the same in every region).
  bool allows(std::string_view source_arn) const;
};
// {"redrivePermission": "allowAll" | "denyAll" | "byQueue", "sourceQueueArns": [...]}, the
// list given exactly for byQueue: InvalidParameterValue for anything else.
std::variant<RedriveAllowPolicy, Error> parse_redrive_allow_policy(std::string_view json);
std::string render(const RedriveAllowPolicy& policy);

}  // namespace polymq::sqs
