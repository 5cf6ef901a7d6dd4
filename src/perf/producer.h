// A producer: publishes timestamped messages on its own channel, as fast as the connection
// takes them or at a fixed rate, optionally with publisher confirms and a bounded window.
//
// Publishing is batched: each turn appends messages to the connection's output until about
// kBatchBytes are pending (or the rate, the confirm window or the message limit says stop),
// and the connection sends them in one write. The next turn starts when that write completes,
// when confirms free the window, or when the rate timer fires.
//
// REQUIRES: every call on the connection's thread.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <string>

#include "amqp/codec/generated/amqp_spec.h"
#include "core/message.h"
#include "perf/client_connection.h"
#include "perf/confirm_window.h"

namespace polymq::perf {

class RunControl;
struct WorkerStats;

struct ProducerConfig {
  std::string exchange;
  std::string routing_key;
  uint32_t body_size = 16;
  double rate = 0;  // messages per second; 0 = unlimited
  bool persistent = false;
  uint32_t confirm_window = 0;  // 0 = no confirms
  uint64_t message_limit = 0;   // 0 = unlimited
};

class Producer : public ChannelClient {
 public:
  Producer(ClientConnection& connection, ProducerConfig config, WorkerStats& stats,
           RunControl& control);

  // Opens the channel (and selects confirms); reports RunControl::client_ready() when done.
  void prepare();
  // Starts publishing; `start_ns` is the run's start on the steady clock.
  void start(uint64_t start_ns);
  void stop();

  void on_confirm(uint64_t delivery_tag, bool multiple, bool nack) override;
  void on_writable() override { pump(); }

 private:
  void pump();
  void finish_if_done();

  ClientConnection& conn_;
  ProducerConfig config_;
  WorkerStats& stats_;
  RunControl& control_;
  asio::steady_timer rate_timer_;
  uint16_t channel_ = 0;

  amqp::spec::BasicPublish publish_;
  core::Properties properties_;
  std::string body_;
  size_t batch_bytes_;
  ConfirmWindow confirms_;

  bool running_ = false;
  bool finished_ = false;
  bool timer_armed_ = false;
  uint64_t start_ns_ = 0;
  uint64_t published_ = 0;
};

}  // namespace polymq::perf
