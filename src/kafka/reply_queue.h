// Kafka answers a connection's requests in the order they arrived, but some answers come
// later than others: a produce after the group-commit sync that makes it durable, a fetch
// after its long poll, a join after the group's rebalance. ReplyQueue keeps that order: every
// request takes a slot when it arrives, its answer fills the slot whenever it is ready, and the
// filled slots at the head are written out.
//
// A Reply is a handler's handle on its slot. It may outlive the session (a commit round or a
// group ends after the client left): its queue is then detached and the answer is dropped.
//
// An answer may leave its records out of its frame (Splice): they are then sent from the
// buffers that hold them, kept alive by an owner until written, instead of being copied (a
// fetch's batches: read from storage once, never copied again).
//
// The number of unanswered slots is bounded (as Kafka's broker bounds a connection's work by
// muting it while a request is processed): when the queue is full the session stops reading,
// and the `room` callback resumes it once an answer goes out.
//
// REQUIRES: all calls on the connection's event loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/protocol/frame.h"

namespace polymq::kafka {

class ReplyQueue {
 public:
  using AppendShared = std::function<void(std::shared_ptr<const void> owner, std::string_view)>;

  // `output` is where response frames are appended (the connection's output buffer);
  // `flush` schedules a write of it; `room` is called when a full queue has room again;
  // `append_shared` appends bytes kept alive by their owner (the connection's output chain),
  // or, when null, spliced bytes are copied into `output`.
  ReplyQueue(std::function<std::string&()> output, std::function<void()> flush,
             std::function<void()> room, size_t limit, AppendShared append_shared = nullptr);

  uint64_t open();
  // Answers `slot` with a complete frame, or with nothing (an empty frame: acks=0 produce).
  void fill(uint64_t slot, std::string frame);
  // Answers `slot` with `frame` whose splices' bytes, kept alive by `owner`, go in between.
  void fill_spliced(uint64_t slot, std::string frame, std::vector<Splice> splices,
                    std::shared_ptr<const void> owner);
  // The output buffer when `slot` is the next to be written, so its answer can be encoded in
  // place instead of through a copy; null otherwise (or once detached).
  std::string* direct(uint64_t slot);
  // Marks `slot`, whose answer was just written through direct(), as answered.
  void filled_directly(uint64_t slot);

  bool full() const { return slots_.size() - answered_in_queue_ >= limit_; }
  size_t unanswered() const { return slots_.size() - answered_in_queue_; }
  // The connection is gone: later answers are dropped.
  void detach();
  bool detached() const { return detached_; }

 private:
  struct Slot {
    bool answered = false;
    std::string frame;
    std::vector<Splice> splices;
    std::shared_ptr<const void> owner;
  };
  void write_ready_head();
  void write(Slot& slot);
  void answered_one(bool was_full);

  std::function<std::string&()> output_;
  std::function<void()> flush_;
  std::function<void()> room_;
  size_t limit_;
  AppendShared append_shared_;
  bool detached_ = false;
  uint64_t head_ = 1;  // slot number of slots_.front()
  uint64_t next_ = 1;
  size_t answered_in_queue_ = 0;
  std::deque<Slot> slots_;
};

// One request's place in its connection's response order. Copyable; the first answer counts.
class Reply {
 public:
  Reply() = default;
  Reply(std::shared_ptr<ReplyQueue> queue, uint64_t slot, int16_t version, int32_t correlation_id)
      : queue_(std::move(queue)), slot_(slot), version_(version), correlation_id_(correlation_id) {}

  template <class M>
  void send(const M& body) const {
    send_body(ResponseBody(body));
  }
  void send(const ResponseBody& body) const { send_body(body); }
  // Sends `body` with its records fields sent from their own buffers, which `owner` keeps
  // alive, instead of copied into the frame.
  template <class M>
  void send_sharing_records(const M& body, std::shared_ptr<const void> owner) const {
    send_spliced(ResponseBody(body), std::move(owner));
  }
  // The request gets no response (a produce with acks=0), but later answers may go out.
  void send_nothing() const;
  int16_t version() const { return version_; }
  // The client is gone: answering would be wasted work.
  bool abandoned() const { return queue_ == nullptr || queue_->detached(); }

 private:
  void send_body(const ResponseBody& body) const;
  void send_spliced(const ResponseBody& body, std::shared_ptr<const void> owner) const;

  std::shared_ptr<ReplyQueue> queue_;
  uint64_t slot_ = 0;
  int16_t version_ = 0;
  int32_t correlation_id_ = 0;
};

}  // namespace polymq::kafka
