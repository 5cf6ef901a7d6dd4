#include "kafka/reply_queue.h"

#include <cassert>

namespace polymq::kafka {

ReplyQueue::ReplyQueue(std::function<std::string&()> output, std::function<void()> flush,
                       std::function<void()> room, size_t limit)
    : output_(std::move(output)), flush_(std::move(flush)), room_(std::move(room)), limit_(limit) {}

uint64_t ReplyQueue::open() {
  slots_.emplace_back();
  return next_++;
}

std::string* ReplyQueue::direct(uint64_t slot) {
  if (detached_ || slot != head_ || slots_.empty()) return nullptr;
  return &output_();
}

void ReplyQueue::filled_directly(uint64_t slot) {
  assert(slot == head_ && !slots_.empty());
  (void)slot;
  const bool was_full = full();
  slots_.pop_front();
  ++head_;
  write_ready_head();
  flush_();
  answered_one(was_full);
}

void ReplyQueue::fill(uint64_t slot, std::string frame) {
  if (detached_ || slot < head_ || slot >= next_) return;
  Slot& s = slots_[slot - head_];
  if (s.answered) return;
  const bool was_full = full();
  s.answered = true;
  s.frame = std::move(frame);
  ++answered_in_queue_;
  if (slot == head_) {
    write_ready_head();
    flush_();
  }
  answered_one(was_full);
}

void ReplyQueue::write_ready_head() {
  while (!slots_.empty() && slots_.front().answered) {
    if (!slots_.front().frame.empty()) output_().append(slots_.front().frame);
    slots_.pop_front();
    --answered_in_queue_;
    ++head_;
  }
}

void ReplyQueue::answered_one(bool was_full) {
  if (was_full && !full() && !detached_) room_();
}

void ReplyQueue::detach() {
  detached_ = true;
  slots_.clear();
  answered_in_queue_ = 0;
  output_ = nullptr;
  flush_ = nullptr;
  room_ = nullptr;
}

void Reply::send_nothing() const {
  if (queue_ != nullptr) queue_->fill(slot_, std::string());
}

void Reply::send_body(const ResponseBody& body) const {
  if (queue_ == nullptr || queue_->detached()) return;
  if (std::string* out = queue_->direct(slot_)) {
    append_response(*out, version_, correlation_id_, body);
    queue_->filled_directly(slot_);
    return;
  }
  std::string frame;
  append_response(frame, version_, correlation_id_, body);
  queue_->fill(slot_, std::move(frame));
}

}  // namespace polymq::kafka
