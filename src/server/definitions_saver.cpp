#include "server/definitions_saver.h"

#include <rapidjson/document.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>

#include "rabbit/definitions.h"

namespace polymq::server {
namespace {

// The snapshot's own key: the number of the last change it holds. Import ignores it, as
// RabbitMQ's import ignores keys it does not know.
constexpr char kSeqKey[] = "polymq_change_seq";
constexpr char kChangeLogPrefix[] = "definitions.changes.";

bool same_users(const std::vector<UserConfig>& a, const std::vector<UserConfig>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name || a[i].password != b[i].password ||
        a[i].loopback_only != b[i].loopback_only || a[i].tags != b[i].tags) {
      return false;
    }
  }
  return true;
}

// The snapshot of `broker` holding every change up to `seq`.
std::string snapshot(const core::Broker& broker, uint64_t seq) {
  std::string json = rabbit::export_definitions(broker);
  // export_definitions writes an object whose first member is polymq_version.
  json.insert(1, std::string("\"") + kSeqKey + "\":" + std::to_string(seq) + ",");
  return json;
}

// The change number a stored snapshot holds; 0 for a file without it (written by an older
// PolyMQ, or by RabbitMQ).
bool stored_seq(const std::string& json, uint64_t& seq) {
  seq = 0;
  if (json.empty()) return true;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return true;  // import reports it
  const rapidjson::Value& root = doc;
  auto m = root.FindMember(kSeqKey);
  if (m == root.MemberEnd()) return true;
  if (!m->value.IsUint64()) return false;
  seq = m->value.GetUint64();
  return true;
}

int64_t elapsed_us(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               since)
      .count();
}

}  // namespace

DefinitionsSaver::DefinitionsSaver(core::Broker& broker, const std::string& data_dir,
                                   storage::ChangeLog::Post post, DefinitionsSaverOptions options)
    : broker_(broker),
      data_dir_(data_dir.empty() ? "." : data_dir),
      post_(std::move(post)),
      options_(options),
      file_(data_dir_, "definitions.json", options.hooks) {}

DefinitionsSaver::~DefinitionsSaver() {
  if (broker_.hooks().definitions == this) broker_.hooks().definitions = nullptr;
  log_.reset();  // writes and syncs what is queued
}

void DefinitionsSaver::drain() {
  if (log_ != nullptr) log_->drain();
}

bool DefinitionsSaver::start(const Config& config) {
  const auto started = std::chrono::steady_clock::now();
  auto stored = file_.read();
  if (!stored.ok()) {
    spdlog::critical("cannot read definitions {}: {}; refusing to start", file_.path(),
                     stored.status().message());
    return false;
  }
  uint64_t seq = 0;
  if (!stored_seq(*stored, seq)) {
    spdlog::critical("cannot load {}: '{}' is not a change number; refusing to start", file_.path(),
                     kSeqKey);
    return false;
  }
  if (!stored->empty()) {
    if (core::Status s = rabbit::import_definitions(*stored, broker_); !s.ok()) {
      spdlog::critical("cannot load {}: {}; refusing to start (fix or move the file)", file_.path(),
                       s.message());
      return false;
    }
  }
  storage::ChangeLogOptions log_options;
  log_options.dir = data_dir_;
  log_options.prefix = kChangeLogPrefix;
  log_options.preallocate_bytes = options_.preallocate_bytes;
  log_options.hooks = options_.hooks;
  log_options.sync = options_.sync;
  auto replay = storage::replay_change_log(
      log_options, seq, [&](uint64_t n, std::string_view change) -> storage::Status {
        if (core::Status s = rabbit::apply_change(change, broker_); !s.ok()) {
          return storage::Status::Corruption("change " + std::to_string(n) + " (" +
                                             std::string(change) + "): " + s.message());
        }
        return storage::Status::Ok();
      });
  if (!replay.ok()) {
    spdlog::critical(
        "cannot replay the definitions change log in {}: {}; refusing to start "
        "(fix or move the {}* files)",
        data_dir_, replay.status().message(), kChangeLogPrefix);
    return false;
  }
  if (!replay->dropped.empty()) {
    spdlog::warn("definitions change log: skipped what was never acknowledged: {}",
                 replay->dropped);
  }
  if (!stored->empty() || replay->records > 0) {
    spdlog::info("loaded definitions from {} and {} later changes in {} ms", file_.path(),
                 replay->records, elapsed_us(started) / 1000);
  }
  apply_config(config);
  if (!apply_config_policies(config)) return false;

  // A new snapshot holds everything, so the old change log can go; skipped when unchanged.
  const std::string json = snapshot(broker_, replay->last_seq);
  if (json != *stored) {
    if (storage::Status s = file_.replace(json); !s.ok()) {
      spdlog::critical("cannot save definitions to {}: {}", file_.path(), s.message());
      return false;
    }
  }
  snapshot_bytes_ = json.size();
  for (const std::string& path : replay->files) {
    if (storage::Status s = storage::remove_file(path); !s.ok()) {
      spdlog::critical("cannot remove {}: {}", path, s.message());
      return false;
    }
  }
  auto log = storage::ChangeLog::create(log_options, replay->last_seq, post_);
  if (!log.ok()) {
    spdlog::critical("cannot create the definitions change log in {}: {}", data_dir_,
                     log.status().message());
    return false;
  }
  log_ = std::move(*log);
  broker_.hooks().definitions = this;
  return true;
}

void DefinitionsSaver::apply_config(const Config& config) {
  core::UserStore& users = broker_.users();
  // The configured users may use the configured vhosts, as RabbitMQ's default user may use its
  // default vhost: on a vhost the config brings, and for a user it brings or changes, unless a
  // grant was set at run time (the management API), which is kept as it is.
  auto grant = [this](const std::string& vhost, const std::string& user) {
    if (broker_.permissions().find(vhost, user) == nullptr) {
      broker_.permissions().set_full(vhost, user);
    }
  };
  for (const auto& vhost : config.vhosts) {
    if (broker_.find_vhost(vhost) != nullptr) continue;
    broker_.add_vhost(vhost);
    for (const auto& u : config.users) grant(vhost, u.name);
  }
  const bool defaults = same_users(config.users, Config{}.users);
  if (defaults && !users.list().empty()) {
    // The stored users stay as they are; a default user whose stored password is still the
    // default one gets its SCRAM credentials and SigV4 password back (users.h).
    for (const auto& u : config.users) users.remember_password(u.name, u.password);
    return;
  }
  for (const auto& u : config.users) {
    const core::User* existing = users.find(u.name);
    if (existing != nullptr && users.authenticate(u.name, u.password, true).ok()) {
      // Same password: keep the stored salt so the file does not change at every start.
      core::User updated = *existing;
      updated.tags = u.tags;
      updated.loopback_only = u.loopback_only;
      users.insert(std::move(updated));
      // SCRAM credentials are not stored: made again from the configured password.
      users.remember_password(u.name, u.password);
    } else {
      users.add(u.name, u.password, u.loopback_only, u.tags);
    }
    for (const std::string& vhost : config.vhosts) grant(vhost, u.name);
  }
}

bool DefinitionsSaver::apply_config_policies(const Config& config) {
  // After the stored definitions: the config file's policies win over stored ones of the same
  // name, as its users do, and they apply at once to the queues just restored. They are not
  // written to the definitions (durable = false): the file brings them at every start, so one
  // taken out of the file is gone after the next restart.
  for (rabbit::PolicyDefinition policy : config.policies) {
    policy.durable = false;
    if (core::Status st = broker_.set_policy(core::PolicyKind::kUser, policy); !st.ok()) {
      spdlog::critical("cannot start with the configured policies: {}", st.message());
      return false;
    }
    spdlog::info("policy '{}' (pattern '{}', vhost '{}', priority {}) applies to {}", policy.name,
                 policy.pattern, policy.vhost, policy.priority, policy.apply_to);
  }
  return true;
}

uint64_t DefinitionsSaver::record(const core::DefinitionChange& change) {
  const uint64_t seq = log_->append(rabbit::export_change(change));
  maybe_compact();
  return seq;
}

uint64_t DefinitionsSaver::last_recorded() const { return log_ != nullptr ? log_->last_seq() : 0; }

void DefinitionsSaver::when_durable(uint64_t seq, std::function<void(bool ok)> done) {
  log_->when_durable(seq, [this, seq, done = std::move(done)](bool ok) {
    if (!ok) {
      // The change log failed; a snapshot of the state in memory restores durability.
      spdlog::error("definitions change {} could not be written to {}; writing a snapshot", seq,
                    data_dir_);
      retry_compaction_ = true;
      post_([this] { maybe_compact(); });
    }
    done(ok);
  });
}

void DefinitionsSaver::maybe_compact() {
  if (compacting_) return;
  const bool grown = log_->generation_bytes() > std::max(options_.compact_bytes, snapshot_bytes_);
  if (grown || retry_compaction_ || log_->failed()) compact();
}

void DefinitionsSaver::compact() {
  compacting_ = true;
  retry_compaction_ = false;
  const auto started = std::chrono::steady_clock::now();
  const uint64_t seq = log_->last_seq();
  auto json = std::make_shared<std::string>(snapshot(broker_, seq));
  snapshot_bytes_ = json->size();
  spdlog::debug("definitions snapshot of change {} ({} bytes) serialised in {} us", seq,
                json->size(), elapsed_us(started));
  log_->rotate();
  log_->run([this, json] { return file_.replace(*json); },
            [this, seq](storage::Status st) {
              compacting_ = false;
              if (!st.ok()) {
                spdlog::error("cannot save definitions to {}: {} (retried at the next change)",
                              file_.path(), st.message());
                retry_compaction_ = true;
                return;
              }
              ++compactions_;
              log_->mark_durable(seq);
              log_->remove_through(seq);
            });
}

}  // namespace polymq::server
