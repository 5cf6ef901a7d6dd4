// A connection's pending output: a chain of pieces written in order with gather writes.
//
// Small output (frames, small bodies) is appended to an owned buffer, the *tail*, so many
// frames coalesce into one piece. Large shared byte ranges (message bodies) are referenced, not
// copied: the chain holds their owner (a shared pointer) until their last byte is written, so a
// body delivered to many consumers exists once in memory however many outputs hold it.
//
// Invariants:
// - Bytes leave in the order they were appended (tail appends and shared ranges interleaved).
// - A piece handed to a write (gather) never changes afterwards: appends after a gather go to
//   a new tail, so the addresses a write in flight uses stay valid until consume() drops them.
//   Pieces live in a deque, which never moves its elements on push_back / pop_front.
// - size() counts every byte not yet consumed, in flight or not (congestion accounting).
//
// REQUIRES: one thread (the connection's loop).
#pragma once

#include <asio/buffer.hpp>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace polymq::net {

class OutputChain {
 public:
  // Shared ranges below this size are copied into the tail: a copy of a few KiB costs less
  // than a reference (an atomic count, a piece, an iovec, and a new tail after it).
  static constexpr size_t kMinReference = 4096;
  // Owned buffers up to this capacity are kept for reuse after they are written, so a busy
  // connection does not allocate a new tail every turn.
  static constexpr size_t kMaxSpareCapacity = 256 * 1024;

  OutputChain() = default;
  OutputChain(const OutputChain&) = delete;
  OutputChain& operator=(const OutputChain&) = delete;

  // The owned buffer to append small output to. The reference is valid until the next call
  // of any other member; callers ask for it again for every frame.
  std::string& tail() {
    if (tail_open_) return pieces_->back().owned;
    return open_tail();
  }

  // Appends `bytes`, kept alive by `owner` until they are written. Below kMinReference (or
  // without an owner) they are copied into the tail instead.
  void append_shared(std::shared_ptr<const void> owner, std::string_view bytes);

  // Bytes not yet consumed (written), including those of a write in flight.
  size_t size() const { return sealed_bytes_ + (tail_open_ ? pieces_->back().owned.size() : 0); }
  bool empty() const { return size() == 0; }

  // Replaces `out` with buffers for the first pieces (at most max_buffers of them), from the
  // first unwritten byte on, and returns their total size. The pieces described are frozen.
  size_t gather(std::vector<asio::const_buffer>& out, size_t max_buffers);
  // The first n bytes were written. REQUIRES: n <= the size of the last gather.
  void consume(size_t n);
  // Drops everything (the connection closed).
  void clear();

  // For tests: how many pieces the chain holds.
  size_t pieces() const { return pieces_ ? pieces_->size() : 0; }

 private:
  struct Piece {
    std::string owned;                  // owned bytes (an owned piece)
    std::shared_ptr<const void> owner;  // keeps `data` alive (a shared piece)
    const char* data = nullptr;         // set when the piece is sealed or shared
    size_t size = 0;
  };

  std::string& open_tail();
  // Freezes the open tail (a write or a shared piece comes after it).
  void seal_tail();
  void recycle(std::string&& buffer);

  // Allocated while output is pending and released when it is all written: a deque allocates
  // about 600 bytes even when empty, which idle connections should not hold.
  std::unique_ptr<std::deque<Piece>> pieces_;
  bool tail_open_ = false;    // pieces_.back() is an owned piece still taking appends
  size_t sealed_bytes_ = 0;   // unwritten bytes in sealed and shared pieces
  size_t front_written_ = 0;  // bytes of pieces_.front() already written
  std::vector<std::string> spares_;
};

}  // namespace polymq::net
