// A subscription's RedrivePolicy: {"deadLetterTargetArn":"arn:aws:sqs:<region>:<account>:<queue>"},
// the SQS queue that gets what an http(s) subscription could not deliver once its delivery
// policy is exhausted (sns/http_deliverer.h). Kept on the subscription's binding as given
// (sns/subscription_arguments.h); checked here when it is set.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace polymq::sns {

// Why `json` is not a RedrivePolicy AWS accepts, in AWS's words after "RedrivePolicy: ";
// nullopt when it is one.
std::optional<std::string> check_redrive_policy(std::string_view json);

// The deadLetterTargetArn of a checked policy ("" when it has none).
std::string dead_letter_target(std::string_view json);
// The name of the queue an SQS queue ARN names, "" when it is not one of `account`'s queues
// (a queue of another account never exists here).
std::string queue_of_sqs_arn(std::string_view arn, std::string_view account);

}  // namespace polymq::sns
