// A queue: messages handed out once, settled by ack, returned to their place by requeue.
//
// Invariant: `ready_` is sorted by sequence number. Publishing appends a fresh, larger
// sequence; requeue inserts a returning message back at its original position, so consumers
// see RabbitMQ's classic-queue order after a nack or a channel close.
//
// Storage: a durable queue (durable, not exclusive, not auto-delete) writes its persistent
// messages to its QueueStore and recovers them when it is created again after a restart. Any
// queue keeps at most `window_bytes` of ready messages in memory; beyond that, new messages
// go to the store only (the *paged* region, a contiguous run of log offsets that starts at
// paged_from_) and are read back in order as consumers drain the queue. While a queue pages,
// every new message goes to the paged region, so log order stays queue order.
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
#include "core/queue_store.h"
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

enum class EnqueueOutcome {
  kQueued,
  kQueuedPendingSync,  // durable once the store's current group-commit round ends
  kRefused,            // the store failed: the message is not in the queue
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

  // Gives the queue storage (null: memory only). A durable queue opens its store and
  // recovers its messages; the error, if any, is also kept and refuses publishes.
  Status attach_storage(QueueStoreFactory* stores);
  bool stores_messages() const { return store_ != nullptr && store_->durable(); }
  const Status& storage_error() const { return storage_error_; }

  size_t message_count() const { return ready_.size() + paged_count_; }
  size_t consumer_count() const { return consumers_.size(); }
  size_t unacked_count() const { return unacked_; }
  uint64_t ready_bytes() const { return ready_bytes_; }
  // Memory the queue's messages account for (Message::footprint), ready and unacked; what
  // the memory watermark counts. A message routed to several queues counts in each.
  uint64_t memory_bytes() const { return ready_footprint_ + unacked_footprint_; }

  EnqueueOutcome enqueue(MessagePtr message);
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
  QueuedMessage pop_ready();
  // A delivered message left the unacked set (acked, rejected or requeued).
  void settled(const QueuedMessage& message);
  bool ensure_store();
  // Reads paged messages back while the in-memory window has room.
  void refill();
  void storage_failed(Status status);

  std::string name_;
  std::string vhost_;
  QueueOptions options_;
  OwnerId owner_;
  bool deleted_ = false;
  bool dispatching_ = false;

  std::deque<QueuedMessage> ready_;
  uint64_t ready_bytes_ = 0;      // body bytes of ready_ (in memory)
  uint64_t ready_footprint_ = 0;  // Message::footprint() of ready_, held to window_bytes_
  uint64_t next_sequence_ = 1;
  size_t unacked_ = 0;
  uint64_t unacked_footprint_ = 0;

  QueueStoreFactory* stores_ = nullptr;
  std::unique_ptr<QueueStore> store_;
  uint64_t window_bytes_ = UINT64_MAX;
  uint64_t paged_from_ = 0;   // first offset of the paged region
  uint64_t paged_count_ = 0;  // live messages in it
  uint64_t recovered_end_ = 0;             // records below were written before the restart
  uint64_t recovered_delivered_upto_ = 0;  // ... and below this, delivered before it
  Status storage_error_;

  std::vector<Consumer*> consumers_;
  bool has_exclusive_consumer_ = false;
  size_t next_consumer_ = 0;  // round-robin cursor into consumers_
};

using QueuePtr = std::shared_ptr<Queue>;

}  // namespace polymq::core
