#include "http/response_queue.h"

namespace polymq::http {

ResponseQueue::ResponseQueue(Sink sink, size_t limit) : sink_(std::move(sink)), limit_(limit) {}

uint64_t ResponseQueue::open(const Framing& framing) {
  slots_.push_back(Slot{framing, false, {}});
  return next_++;
}

void ResponseQueue::answer(uint64_t slot, const Response& response) {
  if (detached_ || slot < head_ || slot >= next_) return;
  Slot& s = slots_[slot - head_];
  if (s.answered) return;
  const bool was_full = full();
  append_response(s.bytes, response, s.framing);
  s.answered = true;
  ++answered_in_queue_;
  if (slot == head_) write_ready_head();
  if (was_full && !full() && !detached_ && sink_.room) sink_.room();
}

void ResponseQueue::interim(std::string_view bytes) {
  if (detached_) return;
  if (slots_.empty()) {
    sink_.output() += bytes;
    sink_.flush();
    return;
  }
  slots_.push_back(Slot{Framing{}, true, std::string(bytes)});
  ++next_;
  ++answered_in_queue_;
}

void ResponseQueue::write_ready_head() {
  bool wrote = false;
  bool closing = false;
  while (!slots_.empty() && slots_.front().answered) {
    Slot& s = slots_.front();
    std::string& output = sink_.output();
    // A long answer is handed over, not copied, when nothing waits before it.
    if (output.empty()) {
      output.swap(s.bytes);
    } else {
      output += s.bytes;
    }
    wrote = true;
    closing = s.framing.close;
    slots_.pop_front();
    --answered_in_queue_;
    ++head_;
    if (closing) break;
  }
  if (wrote) sink_.flush();
  if (closing) {
    // Nothing after a closing response is sent (the session reads no further requests).
    detach();
    if (sink_.close) sink_.close();
  }
}

void ResponseQueue::detach() {
  detached_ = true;
  slots_.clear();
  answered_in_queue_ = 0;
}

void Responder::send(const Response& response) const {
  if (queue_ != nullptr) queue_->answer(slot_, response);
}

}  // namespace polymq::http
