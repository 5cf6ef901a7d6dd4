// Kafka producer ids that stay unique across restarts: ids are reserved in blocks, and the
// end of the last reserved block is kept in <data-dir>/kafka_producer_ids (replaced
// atomically and synced before an id of the block is handed out). A restart starts after the
// stored end, so ids of a block cut short by a crash are skipped, never reused; Kafka's
// controller hands out producer-id blocks the same way.
//
// REQUIRES: calls on the Kafka sessions' event loop. Reserving a block blocks that loop for
// one small synced write, once per kBlockSize ids.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "kafka/producer_ids.h"
#include "storage/replaced_file.h"

namespace polymq::server {

class KafkaProducerIds final : public kafka::ProducerIdSource {
 public:
  static constexpr int64_t kBlockSize = 1000;

  // Reads the stored reservation (none: ids start at 0). false, with `error`, when the file
  // cannot be read or holds no valid number: handing out ids again from 0 could give a
  // producer the id of one whose batches are still in the log.
  static bool open(const std::string& data_dir, std::unique_ptr<KafkaProducerIds>& out,
                   std::string& error);

  int64_t next_producer_id() override;

 private:
  KafkaProducerIds(const std::string& data_dir, int64_t reserved_end);

  storage::ReplacedFile file_;
  int64_t next_;          // the next id to hand out
  int64_t reserved_end_;  // ids below it (and from next_) are reserved durably
};

}  // namespace polymq::server
