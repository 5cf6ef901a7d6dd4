#include "storage/read_ahead.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <utility>

namespace polymq::storage {

ReadRange::~ReadRange() {
  if (fd_ >= 0) ::close(fd_);
}

ReadRange::ReadRange(ReadRange&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), position_(other.position_), length_(other.length_) {}

ReadRange& ReadRange::operator=(ReadRange&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    position_ = other.position_;
    length_ = other.length_;
  }
  return *this;
}

void ReadRange::run() const {
  if (empty()) return;
  // readahead(2) waits for the pages to be read, which is what this thread is for; a plain
  // pread of the same range does the same where readahead is not supported (EINVAL).
  if (::readahead(fd_, static_cast<off64_t>(position_), length_) == 0) return;
  std::string scratch(std::min<uint64_t>(length_, 1 << 20), '\0');
  for (uint64_t done = 0; done < length_;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(scratch.size(), length_ - done));
    const ssize_t got = ::pread(fd_, scratch.data(), n, static_cast<off_t>(position_ + done));
    if (got <= 0) return;
    done += static_cast<uint64_t>(got);
  }
}

ReadAhead::ReadAhead() : thread_([this] { run(); }) {}

ReadAhead::~ReadAhead() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ReadAhead::request(ReadRange range) {
  if (range.empty()) return;
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= kMaxQueued) {
      ++dropped_;
      return;  // `range` closes its descriptor
    }
    queue_.push_back(std::move(range));
  }
  cv_.notify_all();
}

void ReadAhead::wait_idle() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return (queue_.empty() && !busy_) || stop_; });
}

uint64_t ReadAhead::completed() const {
  std::lock_guard lock(mu_);
  return completed_;
}

uint64_t ReadAhead::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

void ReadAhead::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return !queue_.empty() || stop_; });
    if (stop_) return;
    ReadRange range = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    range.run();
    range = ReadRange();  // closes the descriptor off the lock
    lock.lock();
    busy_ = false;
    ++completed_;
    cv_.notify_all();
  }
}

}  // namespace polymq::storage
