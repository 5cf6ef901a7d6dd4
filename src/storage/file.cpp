#include "storage/file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace polymq::storage {

File::~File() { (void)close(); }

File::File(File&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)), hooks_(other.hooks_) {}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    (void)close();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
    hooks_ = other.hooks_;
  }
  return *this;
}

Result<File> File::open(std::string path, Mode mode, const FaultHooks* hooks) {
  int flags = O_CLOEXEC;
  switch (mode) {
    case Mode::kRead:
      flags |= O_RDONLY;
      break;
    case Mode::kReadWrite:
      flags |= O_RDWR;
      break;
    case Mode::kCreate:
      flags |= O_RDWR | O_CREAT | O_EXCL;
      break;
    case Mode::kReplace:
      flags |= O_RDWR | O_CREAT | O_TRUNC;
      break;
  }
  int fd;
  do {
    fd = ::open(path.c_str(), flags, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return Status::NotFound("open " + path + ": no such file");
    return Status::IOError("open " + path, err);
  }
  return File(fd, std::move(path), hooks);
}

Result<uint64_t> File::size() const {
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Status::IOError("fstat " + path_, errno);
  return static_cast<uint64_t>(st.st_size);
}

Result<size_t> File::read_at(uint64_t pos, char* buf, size_t n) const {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd_, buf + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("pread " + path_, errno);
    }
    if (r == 0) break;
    done += static_cast<size_t>(r);
  }
  return done;
}

Status File::write_at(uint64_t pos, const char* buf, size_t n) {
  if (hooks_ != nullptr && hooks_->on_write) {
    if (const auto fault = hooks_->on_write(path_, n)) {
      const size_t partial = std::min(fault->written, n);
      if (partial > 0) {
        Status st = write_at_unhooked(pos, buf, partial);
        if (!st.ok()) return st;
      }
      return Status::IOError("pwrite " + path_, fault->error);
    }
  }
  return write_at_unhooked(pos, buf, n);
}

Status File::write_at_unhooked(uint64_t pos, const char* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pwrite(fd_, buf + done, n - done, static_cast<off_t>(pos + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::IOError("pwrite " + path_, errno);
    }
    done += static_cast<size_t>(r);
  }
  return Status::Ok();
}

Status File::truncate(uint64_t size) {
  if (hooks_ != nullptr && hooks_->on_truncate) {
    if (const int err = hooks_->on_truncate(path_); err != 0) {
      return Status::IOError("ftruncate " + path_, err);
    }
  }
  int r;
  do {
    r = ::ftruncate(fd_, static_cast<off_t>(size));
  } while (r != 0 && errno == EINTR);
  if (r != 0) return Status::IOError("ftruncate " + path_, errno);
  return Status::Ok();
}

Status File::sync() {
  if (hooks_ != nullptr && hooks_->on_sync) {
    if (const int err = hooks_->on_sync(path_); err != 0) {
      return Status::IOError("fdatasync " + path_, err);
    }
  }
  if (::fdatasync(fd_) != 0) return Status::IOError("fdatasync " + path_, errno);
  return Status::Ok();
}

Result<int> File::duplicate_fd() const {
  const int fd = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return Status::IOError("dup " + path_, errno);
  return fd;
}

Status File::close() {
  if (fd_ < 0) return Status::Ok();
  // close() is not retried on EINTR: on Linux the descriptor is released either way.
  const int r = ::close(std::exchange(fd_, -1));
  if (r != 0 && errno != EINTR) return Status::IOError("close " + path_, errno);
  return Status::Ok();
}

Status sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IOError("open " + dir, errno);
  Status st;
  if (::fsync(fd) != 0) st = Status::IOError("fsync " + dir, errno);
  ::close(fd);
  return st;
}

Status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::IOError("unlink " + path, errno);
  }
  return Status::Ok();
}

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

DirLock::DirLock(DirLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

DirLock& DirLock::operator=(DirLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Result<DirLock> DirLock::acquire(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("open " + path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    return Status::IOError("lock " + path + " (is the log open elsewhere?)", err);
  }
  return DirLock(fd);
}

}  // namespace polymq::storage
