// A consumer: subscribes to one queue on its own channel, counts deliveries and records each
// message's end-to-end latency from the send time at the front of its body.
//
// With manual acknowledgement the channel's prefetch bounds the unacknowledged deliveries and
// one basic.ack with `multiple` settles every prefetch/2 of them, as RabbitMQ's PerfTest does.
//
// REQUIRES: every call on the connection's thread.
#pragma once

#include <cstdint>
#include <string>

#include "perf/client_connection.h"

namespace polymq::perf {

class RunControl;
struct WorkerStats;

struct ConsumerConfig {
  std::string queue;
  bool auto_ack = false;
  uint16_t prefetch = 1000;
  uint64_t message_limit = 0;  // 0 = unlimited
};

class Consumer : public ChannelClient {
 public:
  Consumer(ClientConnection& connection, ConsumerConfig config, WorkerStats& stats,
           RunControl& control);

  // Opens the channel and sets the prefetch; reports RunControl::client_ready() when done.
  void prepare();
  // Subscribes to the queue.
  void start();

  void on_deliver(uint64_t delivery_tag) override;
  void on_content_header(uint64_t body_size) override;
  void on_content_body(const uint8_t* data, size_t size) override;
  void on_read_done() override;

 private:
  void on_message();
  void ack_up_to_last();

  ClientConnection& conn_;
  ConsumerConfig config_;
  WorkerStats& stats_;
  RunControl& control_;
  uint16_t channel_ = 0;
  uint32_t ack_every_;

  // The delivery being assembled.
  uint64_t delivery_tag_ = 0;
  uint64_t body_remaining_ = 0;
  bool body_started_ = false;
  uint64_t send_ns_ = 0;

  uint64_t received_ = 0;
  uint64_t unacked_ = 0;
  uint64_t unreported_ = 0;  // received but not yet added to RunControl::received()
  bool finished_ = false;
};

}  // namespace polymq::perf
