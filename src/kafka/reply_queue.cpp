#include "kafka/reply_queue.h"

#include <cassert>

namespace polymq::kafka {

ReplyQueue::ReplyQueue(std::function<std::string&()> output, std::function<void()> flush,
                       std::function<void()> room, size_t limit, AppendShared append_shared)
    : output_(std::move(output)),
      flush_(std::move(flush)),
      room_(std::move(room)),
      limit_(limit),
      append_shared_(std::move(append_shared)) {}

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
  fill_spliced(slot, std::move(frame), {}, nullptr);
}

void ReplyQueue::fill_spliced(uint64_t slot, std::string frame, std::vector<Splice> splices,
                              std::shared_ptr<const void> owner) {
  if (detached_ || slot < head_ || slot >= next_) return;
  Slot& s = slots_[slot - head_];
  if (s.answered) return;
  const bool was_full = full();
  s.answered = true;
  s.frame = std::move(frame);
  s.splices = std::move(splices);
  s.owner = std::move(owner);
  ++answered_in_queue_;
  if (slot == head_) {
    write_ready_head();
    flush_();
  }
  answered_one(was_full);
}

void ReplyQueue::write_ready_head() {
  while (!slots_.empty() && slots_.front().answered) {
    write(slots_.front());
    slots_.pop_front();
    --answered_in_queue_;
    ++head_;
  }
}

void ReplyQueue::write(Slot& slot) {
  size_t at = 0;
  for (const Splice& splice : slot.splices) {
    output_().append(slot.frame, at, splice.position - at);
    if (append_shared_) {
      append_shared_(slot.owner, splice.bytes);
    } else {
      output_().append(splice.bytes);
    }
    at = splice.position;
  }
  if (at < slot.frame.size()) output_().append(slot.frame, at, std::string::npos);
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

void Reply::send_spliced(const ResponseBody& body, std::shared_ptr<const void> owner) const {
  if (queue_ == nullptr || queue_->detached()) return;
  // Encoded apart even at the head: the frame's pieces go out around the shared records.
  std::string frame;
  std::vector<Splice> splices;
  append_response(frame, version_, correlation_id_, body, &splices);
  queue_->fill_spliced(slot_, std::move(frame), std::move(splices), std::move(owner));
}

}  // namespace polymq::kafka
