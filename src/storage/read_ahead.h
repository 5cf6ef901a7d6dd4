// Read-ahead: brings ranges of log files into the page cache on a thread of its own, so that
// the owner thread's next read of them (a queue paging messages back in) is a copy from memory
// instead of a wait for the disk.
//
// Fire and forget: a request carries its own descriptor (a duplicate, closed once read), so a
// segment deleted or a log closed in the meantime is harmless. Requests beyond a bound are
// dropped (the reads they would have sped up still work, only slower).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

namespace polymq::storage {

// A range of a log's file to read ahead (Log::read_ahead_range). Owns its descriptor.
class ReadRange {
 public:
  ReadRange() = default;
  ReadRange(int fd, uint64_t position, uint64_t length)
      : fd_(fd), position_(position), length_(length) {}
  ~ReadRange();
  ReadRange(ReadRange&& other) noexcept;
  ReadRange& operator=(ReadRange&& other) noexcept;
  ReadRange(const ReadRange&) = delete;
  ReadRange& operator=(const ReadRange&) = delete;

  bool empty() const { return fd_ < 0 || length_ == 0; }
  uint64_t position() const { return position_; }
  uint64_t length() const { return length_; }
  // Reads the range (into the page cache; the bytes are discarded). Any thread.
  void run() const;

 private:
  int fd_ = -1;
  uint64_t position_ = 0;
  uint64_t length_ = 0;
};

class ReadAhead {
 public:
  static constexpr size_t kMaxQueued = 256;

  ReadAhead();
  ~ReadAhead();
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // Queues the range; an empty one is ignored.
  void request(ReadRange range);
  // Blocks until every request made so far was read (tests, shutdown).
  void wait_idle();
  // Requests read so far, and dropped because too many were queued.
  uint64_t completed() const;
  uint64_t dropped() const;

 private:
  void run();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<ReadRange> queue_;
  bool busy_ = false;
  bool stop_ = false;
  uint64_t completed_ = 0;
  uint64_t dropped_ = 0;
  std::thread thread_;
};

}  // namespace polymq::storage
