// What a broker checks of the records a producer sends before it appends them, and the Kafka
// error each failed check is answered with (per partition, as Kafka's LogValidator does):
//
//   - whole v2 batches only: a truncated batch or one whose length does not fit its header,
//     or a CRC-32C that does not match                                   -> CORRUPT_MESSAGE
//   - a batch of an older message format (magic 0/1; Produce v3+ must carry v2) -> INVALID_RECORD
//   - a codec Kafka does not define (attribute bits 5-7)                  -> CORRUPT_MESSAGE
//   - a batch larger than message.max.bytes (Kafka's default 1048588)     -> MESSAGE_TOO_LARGE
//   - no records, a record count that is not last_offset_delta + 1, a control batch from a
//     producer                                                            -> INVALID_RECORD
//   - in an uncompressed batch: a malformed record                        -> CORRUPT_MESSAGE,
//     offset deltas other than 0, 1, 2, ...                               -> INVALID_RECORD,
//     on a compacted topic, a record without a key                       -> INVALID_RECORD
//
// Compressed batches are stored as received, so their records are not decompressed here: the
// header and CRC checks cover them. Transactional batches are refused by the caller
// (transactions are not served).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/protocol/record_batch.h"

namespace polymq::kafka {

// Kafka's default message.max.bytes: the largest batch a topic accepts.
constexpr size_t kMaxBatchBytes = 1048588;

struct ProducedBatch {
  std::string_view bytes;  // the whole batch, base offset included
  RecordBatchHeader header;
};

struct BatchCheck {
  int16_t error_code = 0;  // error::kNone when every batch passed
  std::string message;     // why not, for the log and Produce v8+'s error_message
};

// Checks every batch of a Produce partition's records field; fills `out` with them (views
// into `records`) when all pass. A null or empty field holds no batch: INVALID_RECORD.
// `require_keys`: the topic is compacted (cleanup.policy=compact).
BatchCheck check_produced_records(std::string_view records, std::vector<ProducedBatch>& out,
                                  size_t max_batch_bytes = kMaxBatchBytes,
                                  bool require_keys = false);

}  // namespace polymq::kafka
