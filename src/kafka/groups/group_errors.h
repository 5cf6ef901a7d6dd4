// The Kafka error codes of the group coordinator (Kafka's org.apache.kafka.common.protocol
// .Errors), beside the general ones in kafka/error_codes.h.
#pragma once

#include <cstdint>

#include "kafka/error_codes.h"

namespace polymq::kafka::error {

constexpr int16_t kOffsetMetadataTooLarge = 12;
constexpr int16_t kCoordinatorNotAvailable = 15;
constexpr int16_t kNotCoordinator = 16;
constexpr int16_t kIllegalGeneration = 22;
constexpr int16_t kInconsistentGroupProtocol = 23;
constexpr int16_t kInvalidGroupId = 24;
constexpr int16_t kUnknownMemberId = 25;
constexpr int16_t kInvalidSessionTimeout = 26;
constexpr int16_t kRebalanceInProgress = 27;
constexpr int16_t kNonEmptyGroup = 68;
constexpr int16_t kGroupIdNotFound = 69;
constexpr int16_t kMemberIdRequired = 79;
constexpr int16_t kFencedInstanceId = 82;
constexpr int16_t kGroupSubscribedToTopic = 86;
constexpr int16_t kUnstableOffsetCommit = 88;

}  // namespace polymq::kafka::error
