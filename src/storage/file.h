// The storage layer's only contact with the file system: an owned fd with whole-buffer
// pread/pwrite, and the fault-injection seam that tests use to make writes fail.
#pragma once

#include <sys/types.h>

#include <cerrno>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "storage/status.h"

namespace polymq::storage {

// A write that stores `written` bytes (clamped to the request) and then fails with `error`.
struct WriteFault {
  size_t written = 0;
  int error = ENOSPC;
};

// Tests set these to simulate a full or failing disk; production leaves them empty. Each is
// called before the real system call; a fault (or a non-zero errno) replaces its outcome.
struct FaultHooks {
  std::function<std::optional<WriteFault>(std::string_view path, size_t len)> on_write;
  std::function<int(std::string_view path)> on_sync;
  std::function<int(std::string_view path)> on_truncate;
};

class File {
 public:
  enum class Mode { kRead, kReadWrite, kCreate /* read-write, must not exist */, kReplace };

  File() = default;
  ~File();
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // `hooks` may be null; when set it must outlive the File.
  static Result<File> open(std::string path, Mode mode, const FaultHooks* hooks = nullptr);

  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  Result<uint64_t> size() const;
  // Reads up to n bytes at pos; fewer only at end of file.
  Result<size_t> read_at(uint64_t pos, char* buf, size_t n) const;
  // Writes all n bytes at pos (looping over short writes) or fails; after a failure a prefix
  // of the bytes may have reached the file.
  Status write_at(uint64_t pos, const char* buf, size_t n);
  Status truncate(uint64_t size);
  Status sync();  // fdatasync
  Status close();
  // A second descriptor for the same open file, for an fdatasync on another thread that must
  // not race with close(). The caller owns it.
  Result<int> duplicate_fd() const;

 private:
  File(int fd, std::string path, const FaultHooks* hooks)
      : fd_(fd), path_(std::move(path)), hooks_(hooks) {}
  Status write_at_unhooked(uint64_t pos, const char* buf, size_t n);

  int fd_ = -1;
  std::string path_;
  const FaultHooks* hooks_ = nullptr;
};

// Makes the directory's entries (created, renamed, removed files) durable.
Status sync_dir(const std::string& dir);
// Removes a file; a file that does not exist is not an error.
Status remove_file(const std::string& path);

// An exclusive flock() on a file in a directory, held for the lifetime of the object.
class DirLock {
 public:
  DirLock() = default;
  ~DirLock();
  DirLock(DirLock&& other) noexcept;
  DirLock& operator=(DirLock&& other) noexcept;
  static Result<DirLock> acquire(const std::string& path);

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace polymq::storage
