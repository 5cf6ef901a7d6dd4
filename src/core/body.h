// A message body: immutable bytes in a reference-counted buffer. Copying a Body copies a
// pointer, never the bytes, so a message, every queue it is routed to, a dead-lettered copy of
// it and every delivery in a connection's output share one buffer. A front-end that writes a
// body to a socket keeps the buffer alive through owner() until the bytes are written.
//
// Bodies are built once (BodyBuilder, or copied from bytes) and never changed afterwards;
// that is what makes sharing them across deliveries and connections safe without locks (the
// reference count is atomic, the bytes are read only).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace polymq::core {

class Body {
 public:
  Body() = default;
  // Copies the bytes. Implicit so that code and tests can assign text to a body; on the
  // message path bodies come from a BodyBuilder instead.
  Body(std::string_view bytes) { assign(bytes); }  // NOLINT(google-explicit-constructor)
  Body(const std::string& bytes) : Body(std::string_view(bytes)) {}  // NOLINT
  Body(const char* text) : Body(std::string_view(text)) {}           // NOLINT
  // Shares `size` bytes at `data`, kept alive by `owner` (a slice of a larger buffer).
  Body(std::shared_ptr<const void> owner, const char* data, size_t size)
      : owner_(std::move(owner)), data_(data), size_(size) {}

  const char* data() const { return size_ == 0 ? "" : data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data(), size_}; }
  // What keeps data() valid; null for an empty body.
  const std::shared_ptr<const void>& owner() const { return owner_; }

  friend bool operator==(const Body& a, const Body& b) { return a.view() == b.view(); }
  friend std::ostream& operator<<(std::ostream& os, const Body& b) { return os << b.view(); }

 private:
  void assign(std::string_view bytes) {
    if (bytes.empty()) return;
    std::shared_ptr<char[]> buffer = std::make_shared_for_overwrite<char[]>(bytes.size());
    std::memcpy(buffer.get(), bytes.data(), bytes.size());
    data_ = buffer.get();
    size_ = bytes.size();
    owner_ = std::move(buffer);
  }

  std::shared_ptr<const void> owner_;
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// Assembles a body from pieces (AMQP body frames) into one buffer, then freezes it. The
// buffer grows geometrically up to `limit` (the declared size), so a body whose size is known
// in advance but which arrives in pieces is copied into place once, plus the regrowths the
// caller chose by reserving less than `limit` up front.
class BodyBuilder {
 public:
  BodyBuilder() = default;
  // Reserves `reserve` bytes; the body will never exceed `limit` (REQUIRES: reserve <= limit).
  BodyBuilder(size_t reserve, size_t limit) : limit_(limit) { grow_to(reserve); }

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }

  // REQUIRES: size() + n <= limit.
  void append(const void* bytes, size_t n) {
    if (n == 0) return;
    if (size_ + n > capacity_) {
      grow_to(std::min(limit_, std::max(size_ + n, capacity_ * 2)));
    }
    std::memcpy(buffer_.get() + size_, bytes, n);
    size_ += n;
  }

  // The bytes appended so far, as an immutable body; the builder is empty afterwards.
  Body finish() {
    Body body(std::shared_ptr<const void>(std::move(buffer_)), buffer_ptr_, size_);
    buffer_.reset();
    buffer_ptr_ = nullptr;
    size_ = capacity_ = 0;
    return body;
  }

 private:
  void grow_to(size_t capacity) {
    if (capacity <= capacity_) return;
    std::shared_ptr<char[]> bigger = std::make_shared_for_overwrite<char[]>(capacity);
    if (size_ > 0) std::memcpy(bigger.get(), buffer_.get(), size_);
    buffer_ = std::move(bigger);
    buffer_ptr_ = buffer_.get();
    capacity_ = capacity;
  }

  std::shared_ptr<char[]> buffer_;
  char* buffer_ptr_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
  size_t limit_ = 0;
};

}  // namespace polymq::core
