#include "net/output_chain.h"

#include <cassert>

namespace polymq::net {
namespace {

constexpr size_t kMaxSpares = 2;

}  // namespace

std::string& OutputChain::open_tail() {
  if (!pieces_) pieces_ = std::make_unique<std::deque<Piece>>();
  Piece& piece = pieces_->emplace_back();
  if (!spares_.empty()) {
    piece.owned = std::move(spares_.back());
    spares_.pop_back();
  }
  tail_open_ = true;
  return piece.owned;
}

void OutputChain::seal_tail() {
  if (!tail_open_) return;
  Piece& piece = pieces_->back();
  tail_open_ = false;
  if (piece.owned.empty()) {
    // Nothing was appended to it: drop it rather than write an empty buffer.
    recycle(std::move(piece.owned));
    pieces_->pop_back();
    return;
  }
  piece.data = piece.owned.data();
  piece.size = piece.owned.size();
  sealed_bytes_ += piece.size;
}

void OutputChain::append_shared(std::shared_ptr<const void> owner, std::string_view bytes) {
  if (bytes.empty()) return;
  if (bytes.size() < kMinReference || owner == nullptr) {
    tail().append(bytes);
    return;
  }
  seal_tail();
  if (!pieces_) pieces_ = std::make_unique<std::deque<Piece>>();
  Piece& piece = pieces_->emplace_back();
  piece.owner = std::move(owner);
  piece.data = bytes.data();
  piece.size = bytes.size();
  sealed_bytes_ += piece.size;
}

size_t OutputChain::gather(std::vector<asio::const_buffer>& out, size_t max_buffers) {
  out.clear();
  seal_tail();
  if (!pieces_) return 0;
  size_t total = 0;
  size_t skip = front_written_;
  for (const Piece& piece : *pieces_) {
    if (out.size() == max_buffers) break;
    out.emplace_back(piece.data + skip, piece.size - skip);
    total += piece.size - skip;
    skip = 0;
  }
  return total;
}

void OutputChain::consume(size_t n) {
  assert(n <= sealed_bytes_);
  sealed_bytes_ -= n;
  while (n > 0) {
    Piece& front = pieces_->front();
    const size_t left = front.size - front_written_;
    if (n < left) {
      front_written_ += n;
      return;
    }
    n -= left;
    front_written_ = 0;
    // Only sealed pieces are ever written, so the front is never the open tail.
    if (front.owner == nullptr) recycle(std::move(front.owned));
    pieces_->pop_front();
  }
  if (pieces_ && pieces_->empty()) pieces_.reset();
}

void OutputChain::clear() {
  pieces_.reset();
  tail_open_ = false;
  sealed_bytes_ = 0;
  front_written_ = 0;
}

void OutputChain::recycle(std::string&& buffer) {
  if (spares_.size() >= kMaxSpares || buffer.capacity() > kMaxSpareCapacity) return;
  buffer.clear();
  spares_.push_back(std::move(buffer));
}

}  // namespace polymq::net
