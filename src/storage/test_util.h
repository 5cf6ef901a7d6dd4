// Helpers shared by the storage tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "storage/log.h"

namespace polymq::storage::testing {

// A fresh directory under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/polymq-storage-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct StoredRecord {
  uint64_t offset;
  int64_t timestamp;
  std::string payload;
  bool operator==(const StoredRecord&) const = default;
};

// A payload that names its record, padded to `size` bytes.
inline std::string payload_for(uint64_t i, size_t size) {
  std::string p = "record-" + std::to_string(i) + "-";
  p.resize(std::max(size, p.size()), static_cast<char>('a' + i % 26));
  p.resize(size);
  return p;
}

// Reads [offset, next_offset) in one call; the status of a failed read in *status.
inline std::vector<StoredRecord> read_from(const Log& log, uint64_t offset,
                                           Status* status = nullptr) {
  std::vector<StoredRecord> out;
  auto r = log.read(offset, UINT64_MAX, [&](const RecordView& rec) {
    out.push_back({rec.offset, rec.timestamp, std::string(rec.payload)});
    return true;
  });
  if (status != nullptr) *status = r.ok() ? Status::Ok() : r.status();
  return out;
}

inline std::unique_ptr<Log> open_log(const std::string& dir, const LogOptions& options,
                                     RecoveryReport* report = nullptr) {
  auto log = Log::open(dir, options, report);
  EXPECT_TRUE(log.ok()) << log.status().message();
  return log.ok() ? std::move(*log) : nullptr;
}

// An entry as a read returns it: a plain record (batch_count 0) or a batch entry.
struct Entry {
  uint64_t offset;
  uint32_t batch_count;
  std::string payload;
  bool operator==(const Entry&) const = default;
};

// The entries a read from `from` delivers within max_bytes.
inline std::vector<Entry> read_entries(const Log& log, uint64_t from,
                                       uint64_t max_bytes = 1 << 20) {
  std::vector<Entry> out;
  auto r = log.read(from, max_bytes, [&](const RecordView& v) {
    out.push_back({v.offset, v.batch_count, std::string(v.payload)});
    return true;
  });
  EXPECT_TRUE(r.ok()) << r.status().message();
  return out;
}

inline uint64_t file_size(const std::string& path) { return std::filesystem::file_size(path); }

inline void truncate_file(const std::string& path, uint64_t size) {
  std::filesystem::resize_file(path, size);
}

// Flips one bit of the byte at `pos`.
inline void flip_byte(const std::string& path, uint64_t pos) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(pos));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x10);
  f.seekp(static_cast<std::streamoff>(pos));
  f.write(&c, 1);
  ASSERT_TRUE(f.good()) << path;
}

// Names of the files in `dir` that end with `suffix`, sorted.
inline std::vector<std::string> files_with_suffix(const std::string& dir,
                                                  const std::string& suffix) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() >= suffix.size() && name.ends_with(suffix)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace polymq::storage::testing
