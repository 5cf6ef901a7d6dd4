// A queue: messages handed out once, settled by ack, returned to their place by requeue.
//
// Invariant: `ready_` is sorted by sequence number. Publishing appends a fresh, larger
// sequence; requeue inserts a returning message back at its original position, so consumers
// see RabbitMQ's classic-queue order after a nack or a channel close.
//
// REQUIRES: all calls on the thread that owns the queue's vhost.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/consumer.h"
#include "core/message.h"
#include "core/status.h"
#include "core/value.h"

namespace polymq::core {

using OwnerId = uint64_t;  // an exclusive queue's owning connection; 0 = no owner

struct QueueOptions {
  bool durable = false;
  bool exclusive = false;
  bool auto_delete = false;
  Table arguments;
};

class Queue {
 public:
  Queue(std::string name, std::string vhost, QueueOptions options, OwnerId owner);
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  const std::string& name() const { return name_; }
  const std::string& vhost() const { return vhost_; }
  const QueueOptions& options() const { return options_; }
  OwnerId owner() const { return owner_; }
  bool deleted() const { return deleted_; }

  size_t message_count() const { return ready_.size(); }
  size_t consumer_count() const { return consumers_.size(); }
  size_t unacked_count() const { return unacked_; }
  uint64_t ready_bytes() const { return ready_bytes_; }

  void enqueue(MessagePtr message);
  // Takes the first ready message for a pull (basic.get); false when empty.
  bool take(QueuedMessage& out);
  // Settles a delivered message for good.
  void ack(const QueuedMessage& message);
  // Returns a delivered message to its place; its delivery count is raised.
  void requeue(QueuedMessage message);
  // Drops every ready message; returns how many.
  size_t purge();

  // kAccessRefused when the queue has an exclusive consumer, or when `exclusive` is asked
  // for a queue that already has consumers.
  Status add_consumer(Consumer* consumer, bool exclusive);
  // Returns true when the consumer was registered.
  bool remove_consumer(Consumer* consumer);
  // Hands ready messages to consumers that can take them, round-robin. Call after anything
  // that may have given a consumer credit.
  void dispatch();

  // Marks the queue deleted, tells its consumers and drops its messages. Messages still
  // unacked in channels settle against a deleted queue as no-ops.
  void mark_deleted();

 private:
  void deliver_to(Consumer& consumer, QueuedMessage message);

  std::string name_;
  std::string vhost_;
  QueueOptions options_;
  OwnerId owner_;
  bool deleted_ = false;
  bool dispatching_ = false;

  std::deque<QueuedMessage> ready_;
  uint64_t ready_bytes_ = 0;
  uint64_t next_sequence_ = 1;
  size_t unacked_ = 0;

  std::vector<Consumer*> consumers_;
  bool has_exclusive_consumer_ = false;
  size_t next_consumer_ = 0;  // round-robin cursor into consumers_
};

using QueuePtr = std::shared_ptr<Queue>;

}  // namespace polymq::core
