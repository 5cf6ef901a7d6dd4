// Where InitProducerId gets producer ids from. An id is handed out once, ever: a producer that
// got an id before a restart must not meet another producer with the same id after it, since
// the partitions remember producers by id (kafka/producer_state.h). server/ implements it over
// the data directory.
#pragma once

#include <cstdint>

namespace polymq::kafka {

class ProducerIdSource {
 public:
  virtual ~ProducerIdSource() = default;
  // A producer id (>= 0) never handed out before, or -1 when none can be had now (the
  // reservation could not be stored).
  virtual int64_t next_producer_id() = 0;
};

}  // namespace polymq::kafka
