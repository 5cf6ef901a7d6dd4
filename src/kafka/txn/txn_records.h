// The records of the internal stream __transaction_state, where the transaction coordinator
// keeps each transactional id's state so that it survives a restart (and kill -9), as Kafka's
// own __transaction_state topic (whose schemas PolyMQ does not copy: nothing outside the
// coordinator reads the stream).
//
//   - kState: a transactional id's whole state (producer id and epoch, timeout, state, the
//     partitions of its transaction with the offset each was added at, its groups, and at
//     PrepareCommit the offsets it commits). The last one per id wins on replay.
//   - kAborted: an abort marker written to a partition, with the transaction's first offset:
//     what read_committed fetches are told of (kafka/txn/partition_txns.h).
//   - kRemoved: a transactional id expired (idle past transactional.id.expiration.ms).
//
// Every record starts with a format byte and its kind; a record of an unknown format or kind
// is skipped on replay.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/groups/group_records.h"

namespace polymq::kafka::txn {

inline constexpr std::string_view kTransactionTopic = "__transaction_state";

// Kafka's TransactionState.
enum class TxnState : int8_t {
  kEmpty = 0,
  kOngoing = 1,
  kPrepareCommit = 2,
  kPrepareAbort = 3,
  kCompleteCommit = 4,
  kCompleteAbort = 5,
};
const char* txn_state_name(TxnState state);

struct TxnPartition {
  groups::TopicPartition partition;
  int64_t first_offset = 0;  // the partition's end when it joined the transaction
  bool operator==(const TxnPartition&) const = default;
};

struct TxnMetadata {
  std::string transactional_id;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t timeout_ms = 60000;
  TxnState state = TxnState::kEmpty;
  int64_t started_ms = 0;  // wall clock, when the transaction began (kOngoing and later)
  int64_t updated_ms = 0;  // wall clock, the last change (transactional.id.expiration.ms)
  std::vector<TxnPartition> partitions;
  std::vector<std::string> groups;
  // TxnOffsetCommit's offsets (kOffset group records), pending until the commit: written to
  // __consumer_offsets with the markers, dropped at an abort.
  std::vector<groups::GroupRecord> offsets;
};

struct AbortedRecord {
  groups::TopicPartition partition;
  int64_t producer_id = -1;
  int64_t first_offset = 0;
  int64_t last_offset = 0;
  bool operator==(const AbortedRecord&) const = default;
};

enum class TxnRecordKind : int8_t { kState = 1, kAborted = 2, kRemoved = 3 };

struct TxnRecord {
  TxnRecordKind kind = TxnRecordKind::kState;
  TxnMetadata state;      // kState; kRemoved: its transactional_id only
  AbortedRecord aborted;  // kAborted
};

std::string encode_txn_record(const TxnRecord& record);
// False for a record of another format, an unknown kind or a malformed one.
bool decode_txn_record(std::string_view payload, TxnRecord& out);

}  // namespace polymq::kafka::txn
