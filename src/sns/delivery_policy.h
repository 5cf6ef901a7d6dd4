// When an http or https delivery that failed (no 2xx answer in time) is tried again: AWS's
// delivery policy phases with fixed values. The first try and 3 immediate retries, then a
// backoff from 1 s doubling up to 20 s (AWS's default maxDelayTarget) between tries, until
// kMaxDeliveryAttempts tries in all (about 30 minutes), after which the message is dropped.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>

namespace polymq::sns {

inline constexpr uint32_t kImmediateRetries = 3;
inline constexpr uint32_t kMaxDeliveryAttempts = 100;
inline constexpr std::chrono::milliseconds kFirstBackoff{1000};
inline constexpr std::chrono::milliseconds kMaxBackoff{20000};

// The delay before the next try after `attempts` tries have failed (1 = the first one);
// nullopt when the message is given up.
inline std::optional<std::chrono::milliseconds> retry_delay(uint32_t attempts) {
  if (attempts >= kMaxDeliveryAttempts) return std::nullopt;
  if (attempts <= kImmediateRetries) return std::chrono::milliseconds{0};
  const uint32_t doublings = std::min<uint32_t>(attempts - kImmediateRetries - 1, 16);
  return std::min(kMaxBackoff, kFirstBackoff * (int64_t{1} << doublings));
}

}  // namespace polymq::sns
