// When an http or https delivery that failed (no 2xx answer in time) is tried again, how fast a
// subscription is POSTed to and with which Content-Type: AWS's DeliveryPolicy.
//
// - A subscription's DeliveryPolicy: {"healthyRetryPolicy":{...},"throttlePolicy":
//   {"maxReceivesPerSecond":n},"requestPolicy":{"headerContentType":"..."}}; a topic's:
//   {"http":{"defaultHealthyRetryPolicy":{...},"defaultThrottlePolicy":{...},
//   "defaultRequestPolicy":{...},"disableSubscriptionOverrides":bool}}, the default of its http
//   and https subscriptions. Each of the three parts a subscription gives overrides the
//   topic's, unless the topic disables overrides.
// - A retry policy has AWS's four phases after the first try: numNoDelayRetries at once,
//   numMinDelayRetries minDelayTarget apart, the backoff phase (the retries left over) from
//   minDelayTarget to maxDelayTarget by the backoff function, numMaxDelayRetries
//   maxDelayTarget apart; numRetries in all. No jitter.
// - Without any retry policy, PolyMQ's own schedule (default_retry_delay) applies.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace polymq::sns {

// PolyMQ's schedule when no retry policy is set: the first try and 3 immediate retries, then
// a backoff from 1 s doubling up to 20 s between tries, until kMaxDeliveryAttempts tries in
// all (about 30 minutes), after which the message is given up.
inline constexpr uint32_t kImmediateRetries = 3;
inline constexpr uint32_t kMaxDeliveryAttempts = 100;
inline constexpr std::chrono::milliseconds kFirstBackoff{1000};
inline constexpr std::chrono::milliseconds kMaxBackoff{20000};

// The delay before the next try after `attempts` tries have failed (1 = the first one);
// nullopt when the message is given up.
inline std::optional<std::chrono::milliseconds> default_retry_delay(uint32_t attempts) {
  if (attempts >= kMaxDeliveryAttempts) return std::nullopt;
  if (attempts <= kImmediateRetries) return std::chrono::milliseconds{0};
  const uint32_t doublings = std::min<uint32_t>(attempts - kImmediateRetries - 1, 16);
  return std::min(kMaxBackoff, kFirstBackoff * (int64_t{1} << doublings));
}

// AWS's limits.
inline constexpr uint32_t kMaxRetries = 100;
inline constexpr uint32_t kMaxDelaySeconds = 3600;
inline constexpr uint32_t kMaxTotalRetrySeconds = 3600;

enum class Backoff { kLinear, kArithmetic, kGeometric, kExponential };

// A healthyRetryPolicy; the fields a policy leaves out have AWS's defaults.
struct RetryPolicy {
  uint32_t min_delay_s = 20;
  uint32_t max_delay_s = 20;
  uint32_t num_retries = 3;
  uint32_t num_no_delay_retries = 0;
  uint32_t num_min_delay_retries = 0;
  uint32_t num_max_delay_retries = 0;
  Backoff backoff = Backoff::kLinear;

  // The delay before retry `retry` (1 = the first retry); nullopt past the last one.
  std::optional<std::chrono::milliseconds> delay_before(uint32_t retry) const;
  bool operator==(const RetryPolicy&) const = default;
};

struct DeliveryPolicy {
  std::optional<RetryPolicy> retry;
  std::optional<uint32_t> max_receives_per_second;
  std::optional<std::string> content_type;  // of notifications
  bool operator==(const DeliveryPolicy&) const = default;
};

struct TopicDeliveryPolicy {
  DeliveryPolicy defaults;
  bool disable_subscription_overrides = false;
};

// A subscription's and a topic's DeliveryPolicy, or why it is refused (the text after
// "DeliveryPolicy: " in the InvalidParameter error).
std::variant<DeliveryPolicy, std::string> parse_subscription_delivery_policy(std::string_view json);
std::variant<TopicDeliveryPolicy, std::string> parse_topic_delivery_policy(std::string_view json);

// What the deliverer applies to a subscription: its policy's parts over the topic's defaults
// (either "" when not set; one that no longer parses counts as not set).
DeliveryPolicy effective_delivery_policy(std::string_view topic_json,
                                         std::string_view subscription_json);

// The delay before the next try after `attempts` tries have failed, by `policy` (PolyMQ's
// schedule without one); nullopt when the message is given up.
inline std::optional<std::chrono::milliseconds> retry_delay(
    const std::optional<RetryPolicy>& policy, uint32_t attempts) {
  return policy ? policy->delay_before(attempts) : default_retry_delay(attempts);
}

}  // namespace polymq::sns
