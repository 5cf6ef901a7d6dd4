// The Kafka error codes PolyMQ answers with (Kafka's org.apache.kafka.common.protocol.Errors).
#pragma once

#include <cstdint>

namespace polymq::kafka::error {

constexpr int16_t kUnknownServerError = -1;
constexpr int16_t kNone = 0;
constexpr int16_t kOffsetOutOfRange = 1;
constexpr int16_t kCorruptMessage = 2;
constexpr int16_t kUnknownTopicOrPartition = 3;
constexpr int16_t kMessageTooLarge = 10;
constexpr int16_t kInvalidTopicException = 17;
constexpr int16_t kInvalidRequiredAcks = 21;
constexpr int16_t kTopicAuthorizationFailed = 29;
constexpr int16_t kGroupAuthorizationFailed = 30;
constexpr int16_t kUnsupportedSaslMechanism = 33;
constexpr int16_t kIllegalSaslState = 34;
constexpr int16_t kUnsupportedVersion = 35;
constexpr int16_t kTopicAlreadyExists = 36;
constexpr int16_t kInvalidPartitions = 37;
constexpr int16_t kInvalidReplicationFactor = 38;
constexpr int16_t kInvalidReplicaAssignment = 39;
constexpr int16_t kInvalidConfig = 40;
constexpr int16_t kInvalidRequest = 42;
constexpr int16_t kOutOfOrderSequenceNumber = 45;
constexpr int16_t kDuplicateSequenceNumber = 46;
constexpr int16_t kInvalidProducerEpoch = 47;
constexpr int16_t kInvalidTxnState = 48;
constexpr int16_t kInvalidProducerIdMapping = 49;
constexpr int16_t kInvalidTransactionTimeout = 50;
constexpr int16_t kConcurrentTransactions = 51;
constexpr int16_t kTransactionalIdAuthorizationFailed = 53;
constexpr int16_t kOperationNotAttempted = 55;
constexpr int16_t kKafkaStorageError = 56;
constexpr int16_t kSaslAuthenticationFailed = 58;
constexpr int16_t kFetchSessionIdNotFound = 70;
constexpr int16_t kInvalidFetchSessionEpoch = 71;
constexpr int16_t kUnknownLeaderEpoch = 75;
constexpr int16_t kInvalidRecord = 87;
constexpr int16_t kProducerFenced = 90;
constexpr int16_t kUnknownTopicId = 100;
constexpr int16_t kUnsupportedEndpointType = 115;

}  // namespace polymq::kafka::error
