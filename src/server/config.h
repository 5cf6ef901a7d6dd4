// Broker configuration: defaults, then the TOML file (--config), then POLYMQ_* environment
// variables, then command-line flags, each overriding the one before.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rabbit/policy.h"

namespace polymq::server {

struct UserConfig {
  std::string name;
  std::string password;
  bool loopback_only = false;
  std::vector<std::string> tags;
};

// The memory high watermark: a fraction of physical RAM (RabbitMQ's vm_memory_high_watermark)
// or an absolute number of bytes (vm_memory_high_watermark.absolute).
struct MemoryWatermark {
  bool absolute = false;
  double fraction = 0.4;  // RabbitMQ's default
  uint64_t bytes = 0;
  uint64_t resolve(uint64_t physical_ram) const {
    return absolute ? bytes : static_cast<uint64_t>(fraction * static_cast<double>(physical_ram));
  }
};

struct Config {
  std::string data_dir = "./data";
  std::string bind = "0.0.0.0";
  std::string log_level = "info";

  uint16_t amqp_port = 5672;
  uint16_t amqp_heartbeat = 60;
  uint32_t amqp_frame_max = 131072;
  uint16_t amqp_channel_max = 2047;
  // The `product` of connection.start's server-properties. Some clients and test suites check
  // for "RabbitMQ"; an operator can announce that (or any name) for them.
  std::string amqp_product = "PolyMQ";
  uint64_t max_message_size = 128ull * 1024 * 1024;

  // Kafka: 0 disables the listener. Metadata tells clients to connect to
  // kafka_advertised_host (empty: the bind address; 127.0.0.1 when bound to every address).
  uint16_t kafka_port = 9092;
  std::string kafka_advertised_host;
  // Topics are the streams of this vhost (which must exist).
  std::string kafka_vhost = "/";
  // Kafka's auto.create.topics.enable and num.partitions.
  bool kafka_auto_create_topics = true;
  uint32_t kafka_num_partitions = 1;

  // SQS (the AWS query and JSON 1.0 protocols over HTTP/1.1): 0 disables the listener. Queues
  // are the queues of sqs_vhost (which must exist); QueueUrls and ARNs name sqs_account_id.
  uint16_t sqs_port = 9324;
  std::string sqs_vhost = "/";
  std::string sqs_account_id = "000000000000";
  // SNS https subscriptions verify endpoints' certificates against the system's CAs and, when
  // set, this PEM file too (a private CA or a self-signed certificate).
  std::string sns_https_ca_file;
  // The management HTTP API (RabbitMQ's management plugin API, src/management): 0 disables it.
  uint16_t management_port = 15672;

  // Storage: when publisher confirms of persistent messages wait for fdatasync.
  std::string sync_policy = "batch";  // batch | interval | never
  uint32_t sync_interval_ms = 10;     // for "interval"
  uint64_t queue_window_bytes = 16ull * 1024 * 1024;
  uint64_t segment_bytes = 64ull * 1024 * 1024;
  // How often streams (Kafka topics) delete the segments past their retention (Kafka's
  // log.retention.check.interval.ms).
  uint32_t retention_check_interval_ms = 300'000;
  // How often compacted topics are checked for a pass (Kafka's log.cleaner.backoff.ms).
  uint32_t compaction_check_interval_ms = 15'000;

  // Flow control: publishers are blocked above the memory mark or below the free-disk limit.
  MemoryWatermark memory_high_watermark;
  uint64_t disk_free_limit = 50'000'000;  // RabbitMQ's default disk_free_limit, "50MB"

  std::vector<std::string> vhosts = {"/"};
  std::vector<UserConfig> users = {{"guest", "guest", true, {"administrator"}}};
  // [[policies]] of the config file, added to the broker before definitions are loaded.
  std::vector<rabbit::PolicyDefinition> policies;
};

// Parses argv (and the environment and config file it names). On --help or an error, returns
// nullopt with `exit_code` set and the text already printed.
std::optional<Config> load_config(int argc, char** argv, int& exit_code);

// A size in bytes with RabbitMQ's information units: a plain integer is bytes; k, K, KiB, M,
// MiB, G, GiB, T, TiB are powers of 1024; kB, KB, MB, GB, TB powers of 1000; "B" is allowed
// ("512MB", "1GiB", "1.5GB"). Returns an error text, empty on success.
std::string parse_byte_size(std::string_view text, uint64_t& out);
// A number below 1 is a fraction of physical RAM ("0.4"); anything else is a byte size as
// parse_byte_size ("1073741824", "512MB"). Returns an error text, empty on success.
std::string parse_memory_watermark(std::string_view text, MemoryWatermark& out);

// The host Kafka clients are told to connect to: the configured one, else the bind address,
// with 127.0.0.1 for the wildcard addresses (a client cannot connect to 0.0.0.0).
std::string kafka_advertised_host(const Config& config);

// Applies a TOML document to `config`; returns an error text, empty on success.
std::string apply_toml(const std::string& path, Config& config);

}  // namespace polymq::server
