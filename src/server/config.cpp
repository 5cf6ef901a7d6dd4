#include "server/config.h"

#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <iostream>

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

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// Splits "1.5 GiB" into the number ("1.5") and the unit ("GiB"); false when there is no
// leading number.
bool split_number(std::string_view text, std::string_view& number, std::string_view& unit) {
  text = trim(text);
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    ++i;
  }
  number = text.substr(0, i);
  unit = trim(text.substr(i));
  return !number.empty() && std::isdigit(static_cast<unsigned char>(number.front()));
}

bool parse_double(std::string_view text, double& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// [[policies]] entries: RabbitMQ's policy fields, with its definition keys.
std::string read_policies(const toml::array& entries, std::vector<rabbit::PolicyDefinition>& out) {
  size_t index = 0;
  for (const toml::node& entry : entries) {
    ++index;
    const toml::table* t = entry.as_table();
    const std::string where = "policies entry " + std::to_string(index);
    if (t == nullptr) return "'policies' must be an array of tables ([[policies]])";
    rabbit::PolicyDefinition policy;
    auto name = (*t)["name"].value<std::string>();
    if (!name || name->empty()) return where + " needs a 'name' string";
    policy.name = *name;
    const std::string named = "policy '" + policy.name + "'";
    auto pattern = (*t)["pattern"].value<std::string>();
    if (!pattern) return named + " needs a 'pattern' string";
    policy.pattern = *pattern;
    if (const toml::node* n = t->get("apply-to")) {
      auto v = n->value<std::string>();
      if (!v) return named + ": 'apply-to' must be a string";
      policy.apply_to = *v;
    }
    if (const toml::node* n = t->get("vhost")) {
      auto v = n->value<std::string>();
      if (!v) return named + ": 'vhost' must be a string";
      policy.vhost = *v;
    }
    if (const toml::node* n = t->get("priority")) {
      auto v = n->value<int64_t>();
      if (!n->is_integer() || !v || *v < std::numeric_limits<int>::min() ||
          *v > std::numeric_limits<int>::max()) {
        return named + ": 'priority' must be an integer";
      }
      policy.priority = static_cast<int>(*v);
    }
    const toml::table* definition = (*t)["definition"].as_table();
    if (definition == nullptr) return named + " needs a [policies.definition] table";
    for (const auto& [key, value] : *definition) {
      const std::string k(key.str());
      if (auto v = value.as_integer()) {
        policy.definition.emplace_back(k, core::Value::Int64(v->get()));
      } else if (auto s = value.as_string()) {
        policy.definition.emplace_back(k, core::Value::String(s->get()));
      } else if (auto b = value.as_boolean()) {
        policy.definition.emplace_back(k, core::Value::Bool(b->get()));
      } else if (auto f = value.as_floating_point()) {
        policy.definition.emplace_back(k, core::Value::Double(f->get()));
      } else {
        return named + ": definition key '" + k + "' must be an integer, string, boolean or float";
      }
    }
    // Pattern, apply-to, keys and values are checked by Broker::set_policy when the broker
    // starts.
    out.push_back(std::move(policy));
  }
  return {};
}

}  // namespace

std::string parse_byte_size(std::string_view text, uint64_t& out) {
  const std::string quoted = "'" + std::string(text) + "'";
  std::string_view number;
  std::string_view unit;
  if (!split_number(text, number, unit)) return quoted + " is not a size in bytes";
  const std::string u = lower(unit);
  uint64_t multiplier = 0;
  if (u.empty() || u == "b") {
    multiplier = 1;
  } else {
    static constexpr std::string_view kPrefixes = "kmgt";
    const size_t power = u.size() <= 3 ? kPrefixes.find(u[0]) : std::string_view::npos;
    const std::string_view rest = std::string_view(u).substr(1);
    if (power == std::string_view::npos) {
      return quoted + ": unknown unit '" + std::string(unit) + "'";
    }
    uint64_t base = 0;
    if (rest.empty() || rest == "ib") {
      base = 1024;
    } else if (rest == "b") {
      base = 1000;
    } else {
      return quoted + ": unknown unit '" + std::string(unit) + "'";
    }
    multiplier = 1;
    for (size_t i = 0; i <= power; ++i) multiplier *= base;
  }
  if (number.find('.') == std::string_view::npos) {
    uint64_t n = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (ec != std::errc() || end != number.data() + number.size() ||
        (n != 0 && multiplier > std::numeric_limits<uint64_t>::max() / n)) {
      return quoted + " is out of range";
    }
    out = n * multiplier;
    return {};
  }
  double value = 0;
  if (!parse_double(number, value)) return quoted + " is not a size in bytes";
  const double bytes = std::floor(value * static_cast<double>(multiplier));
  if (multiplier == 1 && bytes != value) return quoted + " is not a whole number of bytes";
  if (bytes >= 18446744073709551616.0) return quoted + " is out of range";
  out = static_cast<uint64_t>(bytes);
  return {};
}

std::string parse_memory_watermark(std::string_view text, MemoryWatermark& out) {
  std::string_view number;
  std::string_view unit;
  double value = 0;
  if (split_number(text, number, unit) && unit.empty() && parse_double(number, value) &&
      value < 1.0) {
    out = MemoryWatermark{false, value, 0};
    return {};
  }
  uint64_t bytes = 0;
  std::string err = parse_byte_size(text, bytes);
  if (!err.empty()) {
    return err + " (a memory watermark is a fraction of RAM below 1, or a size in bytes)";
  }
  out = MemoryWatermark{true, 0, bytes};
  return {};
}

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
  if (const toml::node* n = amqp["product"].node(); err.empty() && n != nullptr) {
    auto v = n->value<std::string>();
    if (!v || v->empty()) {
      err = "'amqp.product' must be a non-empty string";
    } else {
      config.amqp_product = *v;
    }
  }
  if (err.empty()) {
    err = read_int(doc["max_message_size"], "max_message_size", config.max_message_size);
  }
  auto kafka = doc["kafka"];
  if (err.empty()) err = read_int(kafka["port"], "kafka.port", config.kafka_port);
  if (const toml::node* n = kafka["advertised_host"].node(); err.empty() && n != nullptr) {
    auto v = n->value<std::string>();
    if (!v) {
      err = "'kafka.advertised_host' must be a string";
    } else {
      config.kafka_advertised_host = *v;
    }
  }
  if (const toml::node* n = kafka["vhost"].node(); err.empty() && n != nullptr) {
    auto v = n->value<std::string>();
    if (!v || v->empty()) {
      err = "'kafka.vhost' must be a non-empty string";
    } else {
      config.kafka_vhost = *v;
    }
  }
  if (const toml::node* n = kafka["auto_create_topics"].node(); err.empty() && n != nullptr) {
    auto v = n->value<bool>();
    if (!n->is_boolean() || !v) {
      err = "'kafka.auto_create_topics' must be true or false";
    } else {
      config.kafka_auto_create_topics = *v;
    }
  }
  if (err.empty()) {
    err = read_int(kafka["num_partitions"], "kafka.num_partitions", config.kafka_num_partitions);
    if (err.empty() && config.kafka_num_partitions == 0) {
      err = "'kafka.num_partitions' must be at least 1";
    }
  }
  auto sqs = doc["sqs"];
  if (err.empty()) err = read_int(sqs["port"], "sqs.port", config.sqs_port);
  if (const toml::node* n = sqs["vhost"].node(); err.empty() && n != nullptr) {
    auto v = n->value<std::string>();
    if (!v || v->empty()) {
      err = "'sqs.vhost' must be a non-empty string";
    } else {
      config.sqs_vhost = *v;
    }
  }
  if (const toml::node* n = sqs["account_id"].node(); err.empty() && n != nullptr) {
    auto v = n->value<std::string>();
    if (!v || v->size() != 12 || v->find_first_not_of("0123456789") != std::string::npos) {
      err = "'sqs.account_id' must be a string of 12 digits";
    } else {
      config.sqs_account_id = *v;
    }
  }
  if (const toml::node* n = doc["sns"]["https_ca_file"].node(); err.empty() && n != nullptr) {
    auto v = n->value<std::string>();
    if (!v) {
      err = "'sns.https_ca_file' must be a string";
    } else {
      config.sns_https_ca_file = *v;
    }
  }
  if (err.empty()) {
    err = read_int(doc["management"]["port"], "management.port", config.management_port);
  }
  auto storage = doc["storage"];
  if (auto v = storage["sync_policy"].value<std::string>()) config.sync_policy = *v;
  if (err.empty()) {
    err =
        read_int(storage["sync_interval_ms"], "storage.sync_interval_ms", config.sync_interval_ms);
  }
  if (err.empty()) {
    err = read_int(storage["queue_window_bytes"], "storage.queue_window_bytes",
                   config.queue_window_bytes);
  }
  if (err.empty()) {
    err = read_int(storage["segment_bytes"], "storage.segment_bytes", config.segment_bytes);
  }
  if (err.empty()) {
    err = read_int(storage["retention_check_interval_ms"], "storage.retention_check_interval_ms",
                   config.retention_check_interval_ms);
    if (err.empty() && config.retention_check_interval_ms == 0) {
      err = "'storage.retention_check_interval_ms' must be at least 1";
    }
  }
  if (err.empty()) {
    err = read_int(storage["compaction_check_interval_ms"], "storage.compaction_check_interval_ms",
                   config.compaction_check_interval_ms);
    if (err.empty() && config.compaction_check_interval_ms == 0) {
      err = "'storage.compaction_check_interval_ms' must be at least 1";
    }
  }
  if (err.empty() && config.sync_policy != "batch" && config.sync_policy != "interval" &&
      config.sync_policy != "never") {
    err = "'storage.sync_policy' must be batch, interval or never";
  }
  if (const toml::node* n = doc.get("memory_high_watermark"); err.empty() && n != nullptr) {
    if (auto f = n->as_floating_point()) {
      if (!(f->get() >= 0 && f->get() < 1)) {
        err = "'memory_high_watermark' as a number must be a fraction of RAM below 1";
      } else {
        config.memory_high_watermark = MemoryWatermark{false, f->get(), 0};
      }
    } else if (auto i = n->as_integer()) {
      if (i->get() < 0) {
        err = "'memory_high_watermark' must not be negative";
      } else {
        config.memory_high_watermark = MemoryWatermark{true, 0, static_cast<uint64_t>(i->get())};
      }
    } else if (auto s = n->as_string()) {
      err = parse_memory_watermark(s->get(), config.memory_high_watermark);
      if (!err.empty()) err = "'memory_high_watermark': " + err;
    } else {
      err = "'memory_high_watermark' must be a number or a string";
    }
  }
  if (const toml::node* n = doc.get("disk_free_limit"); err.empty() && n != nullptr) {
    if (auto i = n->as_integer()) {
      if (i->get() < 0) {
        err = "'disk_free_limit' must not be negative";
      } else {
        config.disk_free_limit = static_cast<uint64_t>(i->get());
      }
    } else if (auto s = n->as_string()) {
      err = parse_byte_size(s->get(), config.disk_free_limit);
      if (!err.empty()) err = "'disk_free_limit': " + err;
    } else {
      err = "'disk_free_limit' must be an integer or a string";
    }
  }
  if (const toml::node* n = doc.get("policies"); err.empty() && n != nullptr) {
    if (const toml::array* entries = n->as_array()) {
      config.policies.clear();
      err = read_policies(*entries, config.policies);
    } else {
      err = "'policies' must be an array of tables ([[policies]])";
    }
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

std::string kafka_advertised_host(const Config& config) {
  if (!config.kafka_advertised_host.empty()) return config.kafka_advertised_host;
  if (config.bind == "0.0.0.0" || config.bind == "::" || config.bind.empty()) return "127.0.0.1";
  return config.bind;
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
  uint16_t kafka_port = 0;
  std::string kafka_host;
  auto* o_kafka_port =
      app.add_option("--kafka-port", kafka_port, "Kafka port (default 9092, 0: off)")
          ->envname("POLYMQ_KAFKA_PORT");
  auto* o_kafka_host = app.add_option("--kafka-advertised-host", kafka_host,
                                      "Host Kafka clients are told to connect to (default: the "
                                      "bind address, 127.0.0.1 when bound to 0.0.0.0)")
                           ->envname("POLYMQ_KAFKA_ADVERTISED_HOST");
  uint16_t sqs_port = 0;
  auto* o_sqs_port = app.add_option("--sqs-port", sqs_port, "SQS port (default 9324, 0: off)")
                         ->envname("POLYMQ_SQS_PORT");
  std::string sns_ca_file;
  auto* o_sns_ca_file =
      app.add_option("--sns-https-ca-file", sns_ca_file,
                     "PEM file of CAs (or self-signed certificates) that SNS https subscription "
                     "endpoints may also be signed by, besides the system's")
          ->envname("POLYMQ_SNS_HTTPS_CA_FILE");
  uint16_t management_port = 0;
  auto* o_management_port = app.add_option("--management-port", management_port,
                                           "Management HTTP API port (default 15672, 0: off)")
                                ->envname("POLYMQ_MANAGEMENT_PORT");
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
  uint32_t retention_check_interval_ms = 0;
  auto* o_retention =
      app.add_option("--retention-check-interval-ms", retention_check_interval_ms,
                     "How often streams delete segments past their retention (default 300000)")
          ->envname("POLYMQ_RETENTION_CHECK_INTERVAL_MS")
          ->check(CLI::Range(uint32_t{1}, UINT32_MAX));
  uint32_t compaction_check_interval_ms = 0;
  auto* o_compaction =
      app.add_option("--compaction-check-interval-ms", compaction_check_interval_ms,
                     "How often compacted topics are checked for a compaction pass (default "
                     "15000)")
          ->envname("POLYMQ_COMPACTION_CHECK_INTERVAL_MS")
          ->check(CLI::Range(uint32_t{1}, UINT32_MAX));
  auto* o_segment = app.add_option("--segment-bytes", segment_bytes,
                                   "Size of a queue log segment (default 64 MiB)")
                        ->envname("POLYMQ_SEGMENT_BYTES")
                        ->check(CLI::Range(uint64_t{4096}, uint64_t{1} << 30));
  // Validated here so a bad value is a usage error naming the flag (or its variable).
  const CLI::Validator watermark_check(
      [](std::string& text) {
        MemoryWatermark ignored;
        return parse_memory_watermark(text, ignored);
      },
      "FRACTION|SIZE");
  const CLI::Validator size_check(
      [](std::string& text) {
        uint64_t ignored = 0;
        return parse_byte_size(text, ignored);
      },
      "SIZE");
  std::string memory_watermark;
  std::string disk_free_limit;
  auto* o_memory = app.add_option("--memory-high-watermark", memory_watermark,
                                  "Block publishers while messages use more memory than this: "
                                  "a fraction of physical RAM (default 0.4) or a size "
                                  "(512MB, 1GiB, bytes)")
                       ->envname("POLYMQ_MEMORY_HIGH_WATERMARK")
                       ->check(watermark_check);
  auto* o_disk = app.add_option("--disk-free-limit", disk_free_limit,
                                "Block publishers while the data directory's filesystem has "
                                "less free space than this (default 50MB)")
                     ->envname("POLYMQ_DISK_FREE_LIMIT")
                     ->check(size_check);
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
  if (o_kafka_port->count() > 0) config.kafka_port = kafka_port;
  if (o_kafka_host->count() > 0) config.kafka_advertised_host = kafka_host;
  if (o_sqs_port->count() > 0) config.sqs_port = sqs_port;
  if (o_management_port->count() > 0) config.management_port = management_port;
  if (o_sns_ca_file->count() > 0) config.sns_https_ca_file = sns_ca_file;
  if (o_level->count() > 0) config.log_level = log_level;
  if (o_max->count() > 0) config.max_message_size = max_message_size;
  if (o_sync->count() > 0) config.sync_policy = sync_policy;
  if (o_interval->count() > 0) config.sync_interval_ms = sync_interval_ms;
  if (o_window->count() > 0) config.queue_window_bytes = queue_window_bytes;
  if (o_segment->count() > 0) config.segment_bytes = segment_bytes;
  if (o_retention->count() > 0) config.retention_check_interval_ms = retention_check_interval_ms;
  if (o_compaction->count() > 0) {
    config.compaction_check_interval_ms = compaction_check_interval_ms;
  }
  if (o_memory->count() > 0) {
    (void)parse_memory_watermark(memory_watermark, config.memory_high_watermark);
  }
  if (o_disk->count() > 0) (void)parse_byte_size(disk_free_limit, config.disk_free_limit);
  exit_code = 0;
  return config;
}

}  // namespace polymq::server
