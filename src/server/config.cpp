#include "server/config.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <toml++/toml.h>

namespace polymq::server {
namespace {

template <class T>
std::string read_int(const toml::node_view<toml::node>& node, const char* key, T& out) {
  if (!node) return {};
  auto v = node.value<int64_t>();
  if (!v || *v < 0 || static_cast<uint64_t>(*v) > std::numeric_limits<T>::max()) {
    return std::string("'") + key + "' must be an integer in range";
  }
  out = static_cast<T>(*v);
  return {};
}

}  // namespace

std::string apply_toml(const std::string& path, Config& config) {
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return "cannot read config file " + path + ": " + std::string(e.description());
  }
  if (auto v = doc["data_dir"].value<std::string>()) config.data_dir = *v;
  if (auto v = doc["bind"].value<std::string>()) config.bind = *v;
  if (auto v = doc["log_level"].value<std::string>()) config.log_level = *v;
  std::string err;
  auto amqp = doc["amqp"];
  if (err.empty()) err = read_int(amqp["port"], "amqp.port", config.amqp_port);
  if (err.empty()) err = read_int(amqp["heartbeat"], "amqp.heartbeat", config.amqp_heartbeat);
  if (err.empty()) err = read_int(amqp["frame_max"], "amqp.frame_max", config.amqp_frame_max);
  if (err.empty()) {
    err = read_int(amqp["channel_max"], "amqp.channel_max", config.amqp_channel_max);
  }
  if (err.empty()) {
    err = read_int(doc["max_message_size"], "max_message_size", config.max_message_size);
  }
  auto storage = doc["storage"];
  if (auto v = storage["sync_policy"].value<std::string>()) config.sync_policy = *v;
  if (err.empty()) {
    err = read_int(storage["sync_interval_ms"], "storage.sync_interval_ms",
                   config.sync_interval_ms);
  }
  if (err.empty()) {
    err = read_int(storage["queue_window_bytes"], "storage.queue_window_bytes",
                   config.queue_window_bytes);
  }
  if (err.empty()) {
    err = read_int(storage["segment_bytes"], "storage.segment_bytes", config.segment_bytes);
  }
  if (err.empty() && config.sync_policy != "batch" && config.sync_policy != "interval" &&
      config.sync_policy != "never") {
    err = "'storage.sync_policy' must be batch, interval or never";
  }
  if (!err.empty()) return path + ": " + err;
  if (auto* vhosts = doc["vhosts"].as_array()) {
    config.vhosts.clear();
    for (auto& v : *vhosts) {
      auto name = v.value<std::string>();
      if (!name) return path + ": 'vhosts' must be an array of strings";
      config.vhosts.push_back(*name);
    }
  }
  if (auto* users = doc["users"].as_array()) {
    config.users.clear();
    for (auto& entry : *users) {
      auto* t = entry.as_table();
      if (t == nullptr) return path + ": 'users' must be an array of tables";
      UserConfig user;
      auto name = (*t)["name"].value<std::string>();
      auto password = (*t)["password"].value<std::string>();
      if (!name || !password) return path + ": each user needs 'name' and 'password'";
      user.name = *name;
      user.password = *password;
      user.loopback_only = (*t)["loopback_only"].value_or(false);
      if (auto* tags = (*t)["tags"].as_array()) {
        for (auto& tag : *tags) {
          if (auto s = tag.value<std::string>()) user.tags.push_back(*s);
        }
      }
      config.users.push_back(std::move(user));
    }
  }
  return {};
}

std::optional<Config> load_config(int argc, char** argv, int& exit_code) {
  Config config;
  CLI::App app{"PolyMQ: one broker for AMQP 0-9-1 (RabbitMQ) clients, and more to come", "polymq"};
  std::string config_file;
  std::string data_dir, bind, log_level;
  uint16_t amqp_port = 0;
  uint64_t max_message_size = 0;
  app.add_option("-c,--config", config_file, "TOML configuration file")
      ->envname("POLYMQ_CONFIG")
      ->check(CLI::ExistingFile);
  auto* o_data = app.add_option("--data-dir", data_dir, "Data directory (default ./data)")
                     ->envname("POLYMQ_DATA_DIR");
  auto* o_bind = app.add_option("--bind", bind, "Address to listen on (default 0.0.0.0)")
                     ->envname("POLYMQ_BIND");
  auto* o_port = app.add_option("--amqp-port", amqp_port, "AMQP 0-9-1 port (default 5672)")
                     ->envname("POLYMQ_AMQP_PORT");
  auto* o_level = app.add_option("--log-level", log_level,
                                 "trace, debug, info, warn, error or off (default info)")
                      ->envname("POLYMQ_LOG_LEVEL")
                      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  auto* o_max = app.add_option("--max-message-size", max_message_size,
                               "Largest accepted message body in bytes (default 128 MiB)")
                    ->envname("POLYMQ_MAX_MESSAGE_SIZE");
  std::string sync_policy;
  uint32_t sync_interval_ms = 0;
  uint64_t queue_window_bytes = 0;
  uint64_t segment_bytes = 0;
  auto* o_sync = app.add_option("--sync-policy", sync_policy,
                                "When confirms of persistent messages wait for fdatasync: "
                                "batch (group commit, default), interval, never")
                     ->envname("POLYMQ_SYNC_POLICY")
                     ->check(CLI::IsMember({"batch", "interval", "never"}));
  auto* o_interval = app.add_option("--sync-interval-ms", sync_interval_ms,
                                    "Milliseconds between syncs with --sync-policy interval "
                                    "(default 10)")
                         ->envname("POLYMQ_SYNC_INTERVAL_MS");
  auto* o_window = app.add_option("--queue-window-bytes", queue_window_bytes,
                                  "Bytes of ready messages a queue keeps in memory before "
                                  "paging the rest to disk (default 16 MiB)")
                       ->envname("POLYMQ_QUEUE_WINDOW_BYTES");
  auto* o_segment = app.add_option("--segment-bytes", segment_bytes,
                                   "Size of a queue log segment (default 64 MiB)")
                        ->envname("POLYMQ_SEGMENT_BYTES")
                        ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 30));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_code = app.exit(e);
    return std::nullopt;
  }
  if (!config_file.empty()) {
    if (std::string err = apply_toml(config_file, config); !err.empty()) {
      std::cerr << err << "\n";
      exit_code = 2;
      return std::nullopt;
    }
  }
  if (o_data->count() > 0) config.data_dir = data_dir;
  if (o_bind->count() > 0) config.bind = bind;
  if (o_port->count() > 0) config.amqp_port = amqp_port;
  if (o_level->count() > 0) config.log_level = log_level;
  if (o_max->count() > 0) config.max_message_size = max_message_size;
  if (o_sync->count() > 0) config.sync_policy = sync_policy;
  if (o_interval->count() > 0) config.sync_interval_ms = sync_interval_ms;
  if (o_window->count() > 0) config.queue_window_bytes = queue_window_bytes;
  if (o_segment->count() > 0) config.segment_bytes = segment_bytes;
  exit_code = 0;
  return config;
}

}  // namespace polymq::server
