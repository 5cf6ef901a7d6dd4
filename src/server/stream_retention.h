// Deletes, every interval, the whole segments of every stream (Kafka topic) that are past its
// retention.ms or retention.bytes, as Kafka's log cleaner does every
// log.retention.check.interval.ms. Unlinking segment files is cheap enough for the loop; the
// check itself only compares each segment's newest timestamp and size.
//
// REQUIRES: all calls on the thread running `io`; the broker outlives this.
#pragma once

#include <asio.hpp>
#include <chrono>

#include "core/broker.h"

namespace polymq::server {

class StreamRetention {
 public:
  StreamRetention(asio::io_context& io, core::Broker& broker, std::chrono::milliseconds interval);
  StreamRetention(const StreamRetention&) = delete;
  StreamRetention& operator=(const StreamRetention&) = delete;

  void start();
  void stop();
  // One pass now; returns the bytes reclaimed.
  uint64_t run_once();

 private:
  void schedule();

  core::Broker& broker_;
  std::chrono::milliseconds interval_;
  asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace polymq::server
