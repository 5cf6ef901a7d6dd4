// HTTP/1.1 answers a connection's requests in the order they arrived (pipelining), but a
// service may answer later than it was asked: an SQS ReceiveMessage long-polls for up to 20 s
// while the requests behind it are answered at once. ResponseQueue keeps the order: every
// request takes a slot when it arrives, its answer is serialized into the slot whenever it
// comes, and the answered slots at the head are appended to the connection's output.
//
// A Responder is a service's handle on its slot. It may outlive the connection (a long poll
// ends after the client left): the queue is then detached and the answer is dropped.
//
// The number of unanswered slots is bounded: when the queue is full the session stops
// reading, and `room` resumes it once an answer goes out.
//
// REQUIRES: all calls on the connection's event loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>

#include "http/message.h"
#include "http/response_writer.h"

namespace polymq::http {

class ResponseQueue {
 public:
  struct Sink {
    std::function<std::string&()> output;  // where responses are appended
    std::function<void()> flush;           // schedules a write of the output
    std::function<void()> close;           // a response that ends the connection was appended
    std::function<void()> room;            // a full queue has room again
  };

  ResponseQueue(Sink sink, size_t limit);

  // A slot for the next request; its answer is framed by `framing`.
  uint64_t open(const Framing& framing);
  // Answers `slot`; ignored if it was answered already, or the queue is detached.
  void answer(uint64_t slot, const Response& response);
  // Bytes that answer no request ("100 Continue"), sent after the answers queued before them.
  void interim(std::string_view bytes);

  bool full() const { return unanswered() >= limit_; }
  size_t unanswered() const { return slots_.size() - answered_in_queue_; }
  // The connection is gone or closing: later answers are dropped.
  void detach();
  bool detached() const { return detached_; }

 private:
  struct Slot {
    Framing framing;
    bool answered = false;
    std::string bytes;
  };
  // Appends the answered slots at the head, up to and including one that closes the
  // connection (then the queue detaches and `close` is called).
  void write_ready_head();

  Sink sink_;
  size_t limit_;
  bool detached_ = false;
  uint64_t head_ = 1;  // slot number of slots_.front()
  uint64_t next_ = 1;
  size_t answered_in_queue_ = 0;
  std::deque<Slot> slots_;
};

// One request's place in its connection's response order. Copyable; the first answer counts.
class Responder {
 public:
  Responder() = default;
  Responder(std::shared_ptr<ResponseQueue> queue, uint64_t slot)
      : queue_(std::move(queue)), slot_(slot) {}

  void send(const Response& response) const;
  // The client is gone: answering would be wasted work (a long poll may stop early).
  bool abandoned() const { return queue_ == nullptr || queue_->detached(); }

 private:
  std::shared_ptr<ResponseQueue> queue_;
  uint64_t slot_ = 0;
};

}  // namespace polymq::http
