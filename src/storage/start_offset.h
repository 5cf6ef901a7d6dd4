// A log's start offset checkpoint (format in log_format.h): its one writer and one reader.
// Log::set_start_offset writes it, Log::open reads it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "storage/file.h"
#include "storage/status.h"

namespace polymq::storage {

// Replaces the checkpoint in `dir` atomically and durably (a storage::ReplacedFile): once
// this returns ok the start offset survives a crash. `hooks` may be null.
Status write_start_offset(const std::string& dir, uint64_t offset, const FaultHooks* hooks);

// The checkpointed start offset, nullopt when `dir` has none. kCorruption for a file of the
// wrong size, magic or CRC.
Result<std::optional<uint64_t>> read_start_offset(const std::string& dir);

}  // namespace polymq::storage
