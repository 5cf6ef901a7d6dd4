// Keeps <data-dir>/definitions.json in step with the broker's durable definitions.
//
// Startup (start): the stored definitions are loaded first; then the configuration's vhosts and
// users are applied over them:
//   * every configured vhost is added if missing (stored vhosts stay);
//   * a user given in the config file ([[users]]) is added, or replaces the stored user of that
//     name (password, tags, loopback_only), so a password changed in the file takes effect;
//   * the built-in default user guest/guest (no [[users]] in the file) is added only when no
//     user is stored at all, as RabbitMQ creates its default user only on first boot: a stored
//     guest keeps its stored password.
// A file that cannot be read or parsed stops the start: definitions are never dropped silently.
//
// Saving: the broker's definitions_changed hook writes the whole file synchronously, on the
// event loop, inside the operation that changed a durable definition, so the file is on disk
// before the declare-ok (bind-ok, delete-ok ...) is sent, as RabbitMQ answers after its
// Mnesia write. Each save costs a serialisation of every definition plus two fsyncs; see
// docs/architecture.md for the measured cost. A failed save is logged and retried at the next
// change and on shutdown.
//
// REQUIRES: all calls on the event loop thread; the broker outlives the saver.
#pragma once

#include <cstdint>
#include <string>

#include "core/broker.h"
#include "server/config.h"
#include "storage/definitions_file.h"

namespace polymq::server {

class DefinitionsSaver {
 public:
  DefinitionsSaver(core::Broker& broker, const std::string& data_dir);
  // Saves a pending change and disconnects the hook.
  ~DefinitionsSaver();
  DefinitionsSaver(const DefinitionsSaver&) = delete;
  DefinitionsSaver& operator=(const DefinitionsSaver&) = delete;

  // Loads, applies the config, writes the result and connects the broker's hook. False after
  // logging why the broker must not start.
  bool start(const Config& config);

  // Writes the broker's definitions now; false (logged) on failure, which leaves the save
  // pending.
  bool save();

  uint64_t save_count() const { return saves_; }

 private:
  void apply_config(const Config& config);

  core::Broker& broker_;
  storage::DefinitionsFile file_;
  bool pending_ = false;
  uint64_t saves_ = 0;
};

}  // namespace polymq::server
