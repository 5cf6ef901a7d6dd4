// Command-line options of polymq-perf and the AMQP URI they may carry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace polymq::perf {

// amqp://user:password@host:port/vhost, as RabbitMQ's URI spec has it (percent-encoding in the
// user, password and vhost). An empty path or "/" means the default vhost "/".
struct AmqpUri {
  std::string host = "127.0.0.1";
  uint16_t port = 5672;
  std::string user = "guest";
  std::string password = "guest";
  std::string vhost = "/";
};

// Returns an error text, empty on success.
std::string parse_amqp_uri(const std::string& text, AmqpUri& out);

struct Options {
  AmqpUri server;

  int producers = 1;
  int consumers = 1;
  int connections = 0;  // 0: one per producer and per consumer
  int threads = 2;
  int idle_connections = 0;

  uint32_t body_size = 16;  // at least kTimestampSize: bodies start with the send time
  double rate = 0;          // per producer, messages per second; 0 = as fast as possible
  bool persistent = false;
  uint32_t confirm_window = 0;  // 0 = no publisher confirms
  bool auto_ack = false;
  uint16_t prefetch = 1000;  // manual ack only; acks go out with `multiple` every prefetch/2

  std::string queue = "polymq-perf";
  int queue_count = 1;   // > 1: queue-1 … queue-N, each bound to the exchange
  std::string exchange;  // "" = the default exchange (publish straight to the queue)
  std::string exchange_type = "direct";
  std::string routing_key;  // defaults to the queue name
  bool durable = false;

  double time_limit = 0;   // seconds; 0 = none
  uint64_t pmessages = 0;  // per producer; 0 = unlimited
  uint64_t cmessages = 0;  // per consumer; 0 = unlimited
  int heartbeat = 60;      // requested; the smaller of this and the broker's wins; 0 = off

  bool json = false;

  // Names of the queues the run declares and consumes from.
  std::string queue_name(int index) const;
};

// Parses argv. On --help or an error, returns nullopt with `exit_code` set and the text printed.
std::optional<Options> parse_options(int argc, char** argv, int& exit_code);

}  // namespace polymq::perf
