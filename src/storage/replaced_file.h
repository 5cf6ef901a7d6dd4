// A small file replaced as a whole and atomically: the broker's definitions (exchanges, queues,
// bindings, vhosts, users) live in one such file, the Kafka producer-id reservation in
// another. The storage layer only moves bytes; it knows nothing of their format.
//
// Replacing writes `<path>.tmp`, fdatasyncs it, renames it over `<path>` and fsyncs the
// directory, so after a crash at any point the file holds either the old or the new contents,
// never a mix; a stale `<path>.tmp` left by a crash is overwritten by the next replace.
//
// REQUIRES: one writer per path (the broker's event loop thread).
#pragma once

#include <string>
#include <string_view>

#include "storage/file.h"
#include "storage/status.h"

namespace polymq::storage {

class ReplacedFile {
 public:
  // Larger files are refused as corrupt rather than read into memory.
  static constexpr uint64_t kMaxSize = 256ull * 1024 * 1024;

  // The file `name` in `dir`. `hooks` (may be null) must outlive the object.
  ReplacedFile(const std::string& dir, const std::string& name, const FaultHooks* hooks = nullptr);

  const std::string& path() const { return path_; }

  // The whole file. A missing file reads as empty; an existing empty (or oversized) file is
  // kCorruption, since replace() never leaves one and treating it as "nothing stored" would
  // silently drop every definition.
  Result<std::string> read() const;

  // Replaces the contents atomically and durably (see above). On failure the previous
  // contents are intact.
  Status replace(std::string_view contents);

 private:
  std::string dir_;
  std::string path_;
  const FaultHooks* hooks_;
};

}  // namespace polymq::storage
