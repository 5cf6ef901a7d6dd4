// Broker configuration: defaults, then the TOML file (--config), then POLYMQ_* environment
// variables, then command-line flags, each overriding the one before.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace polymq::server {

struct UserConfig {
  std::string name;
  std::string password;
  bool loopback_only = false;
  std::vector<std::string> tags;
};

struct Config {
  std::string data_dir = "./data";
  std::string bind = "0.0.0.0";
  std::string log_level = "info";

  uint16_t amqp_port = 5672;
  uint16_t amqp_heartbeat = 60;
  uint32_t amqp_frame_max = 131072;
  uint16_t amqp_channel_max = 2047;
  uint64_t max_message_size = 128ull * 1024 * 1024;

  // Storage: when publisher confirms of persistent messages wait for fdatasync.
  std::string sync_policy = "batch";  // batch | interval | never
  uint32_t sync_interval_ms = 10;     // for "interval"
  uint64_t queue_window_bytes = 16ull * 1024 * 1024;
  uint64_t segment_bytes = 64ull * 1024 * 1024;

  std::vector<std::string> vhosts = {"/"};
  std::vector<UserConfig> users = {{"guest", "guest", true, {"administrator"}}};
};

// Parses argv (and the environment and config file it names). On --help or an error, returns
// nullopt with `exit_code` set and the text already printed.
std::optional<Config> load_config(int argc, char** argv, int& exit_code);

// Applies a TOML document to `config`; returns an error text, empty on success.
std::string apply_toml(const std::string& path, Config& config);

}  // namespace polymq::server
