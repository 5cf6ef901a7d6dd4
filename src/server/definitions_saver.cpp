#include "server/definitions_saver.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "core/definitions.h"

namespace polymq::server {
namespace {

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

}  // namespace

DefinitionsSaver::DefinitionsSaver(core::Broker& broker, const std::string& data_dir)
    : broker_(broker), file_(data_dir) {}

DefinitionsSaver::~DefinitionsSaver() {
  broker_.hooks().definitions_changed = nullptr;
  if (pending_) (void)save();
}

bool DefinitionsSaver::start(const Config& config) {
  auto stored = file_.read();
  if (!stored.ok()) {
    spdlog::critical("cannot read definitions {}: {}; refusing to start", file_.path(),
                     stored.status().message());
    return false;
  }
  if (!stored->empty()) {
    if (core::Status s = core::import_definitions(*stored, broker_); !s.ok()) {
      spdlog::critical("cannot load {}: {}; refusing to start (fix or move the file)", file_.path(),
                       s.message());
      return false;
    }
    spdlog::info("loaded definitions from {}", file_.path());
  }
  apply_config(config);
  // Written at once so the file also holds what the config added; skipped when unchanged.
  if (core::export_definitions(broker_) != *stored && !save()) return false;
  broker_.hooks().definitions_changed = [this] { (void)save(); };
  return true;
}

void DefinitionsSaver::apply_config(const Config& config) {
  for (const auto& vhost : config.vhosts) broker_.add_vhost(vhost);
  core::UserStore& users = broker_.users();
  const bool defaults = same_users(config.users, Config{}.users);
  if (defaults && !users.list().empty()) return;
  for (const auto& u : config.users) {
    const core::User* existing = users.find(u.name);
    if (existing != nullptr && users.authenticate(u.name, u.password, true).ok()) {
      // Same password: keep the stored salt so the file does not change at every start.
      core::User updated = *existing;
      updated.tags = u.tags;
      updated.loopback_only = u.loopback_only;
      users.insert(std::move(updated));
    } else {
      users.add(u.name, u.password, u.loopback_only, u.tags);
    }
  }
}

bool DefinitionsSaver::save() {
  const auto started = std::chrono::steady_clock::now();
  const std::string json = core::export_definitions(broker_);
  if (storage::Status s = file_.replace(json); !s.ok()) {
    pending_ = true;
    spdlog::error("cannot save definitions to {}: {} (retried at the next change)", file_.path(),
                  s.message());
    return false;
  }
  pending_ = false;
  ++saves_;
  spdlog::debug("saved definitions ({} bytes) in {} us", json.size(),
                std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count());
  return true;
}

}  // namespace polymq::server
