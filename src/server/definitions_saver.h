// Keeps the broker's durable definitions on disk: a snapshot, <data-dir>/definitions.json, and a
// change log after it, <data-dir>/definitions.changes.<20 digits> (storage/change_log.h). The
// layout and the measured costs are in docs/architecture.md, "Durable definitions".
//
// Startup (start): the snapshot is loaded, then the changes recorded after it are replayed
// over it, then the configuration's vhosts and users are applied:
//   * every configured vhost is added if missing (stored vhosts stay);
//   * a user given in the config file ([[users]]) is added, or replaces the stored user of that
//     name (password, tags, loopback_only), so a password changed in the file takes effect;
//   * the built-in default user guest/guest (no [[users]] in the file) is added only when no
//     user is stored at all, as RabbitMQ creates its default user only on first boot: a stored
//     guest keeps its stored password.
// The result is written as a new snapshot (when it differs) and the old change log removed,
// before any listener starts. A snapshot that cannot be read or parsed, or a change that
// cannot be applied, stops the start: definitions are never dropped silently. A torn or
// corrupt tail of the change log (a crash while writing it) was never acknowledged: it is
// skipped with a warning.
//
// Changes (core::DefinitionsLog): each durable change is encoded (core::export_change, a few
// hundred bytes) and appended to the change log on the event loop, without touching the disk;
// the change log's thread writes and fdatasyncs the changes in batches and the front-end holds
// the reply (declare-ok, bind-ok, delete-ok) until when_durable() says the change is on disk,
// so a kill -9 right after a reply loses nothing. Nothing here blocks the loop on the disk.
//
// Compaction: when the change log has grown past max(compact_bytes, the snapshot's size), the
// loop serialises the definitions (the one O(definitions) step, amortised over as many
// changes), starts a new change-log generation, and the change log's thread writes the
// snapshot (tmp, fdatasync, rename, directory fsync; it carries "polymq_change_seq", the last
// change it holds) and then removes the generations it holds. A failed write is logged, the
// waiting replies fail (AMQP 541), and the next change tries a compaction again.
//
// REQUIRES: all calls on the event loop thread; the broker outlives the saver; callables
// handed to `post` are not run after the saver is destroyed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/broker.h"
#include "core/definitions_log.h"
#include "server/config.h"
#include "storage/change_log.h"
#include "storage/replaced_file.h"

namespace polymq::server {

struct DefinitionsSaverOptions {
  // Compact once the change log holds this much and more than the snapshot's size.
  uint64_t compact_bytes = 4 * 1024 * 1024;
  // Change-log generations are preallocated by this much (0: plain appends).
  uint64_t preallocate_bytes = 1024 * 1024;
  // false (sync_policy "never"): a change is written before its reply, but not fdatasynced.
  bool sync = true;
  const storage::FaultHooks* hooks = nullptr;  // tests only
};

class DefinitionsSaver final : public core::DefinitionsLog {
 public:
  DefinitionsSaver(core::Broker& broker, const std::string& data_dir, storage::ChangeLog::Post post,
                   DefinitionsSaverOptions options = {});
  // Disconnects the hook, then waits for the change log's thread to finish its writes.
  ~DefinitionsSaver() override;
  DefinitionsSaver(const DefinitionsSaver&) = delete;
  DefinitionsSaver& operator=(const DefinitionsSaver&) = delete;

  // Loads, applies the config, writes the result, starts the change log and connects the
  // broker's hook. False after logging why the broker must not start.
  bool start(const Config& config);

  // core::DefinitionsLog
  uint64_t record(const core::DefinitionChange& change) override;
  uint64_t last_recorded() const override;
  void when_durable(uint64_t seq, std::function<void(bool ok)> done) override;

  uint64_t compactions() const { return compactions_; }
  // Waits until everything recorded is written (tests, shutdown).
  void drain();

 private:
  void apply_config(const Config& config);
  // False (logged) when the broker refuses one of the config file's [[policies]].
  bool apply_config_policies(const Config& config);
  void maybe_compact();
  void compact();

  core::Broker& broker_;
  std::string data_dir_;
  storage::ChangeLog::Post post_;
  DefinitionsSaverOptions options_;
  storage::ReplacedFile file_;  // the change log's thread writes it after start()
  std::unique_ptr<storage::ChangeLog> log_;
  uint64_t snapshot_bytes_ = 0;
  bool compacting_ = false;
  bool retry_compaction_ = false;
  uint64_t compactions_ = 0;
};

}  // namespace polymq::server
