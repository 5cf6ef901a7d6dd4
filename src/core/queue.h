// A queue: messages handed out once, settled by ack, returned to their place by requeue.
//
// Invariant: `ready_` is sorted by sequence number (within each priority level). Publishing
// appends a fresh, larger sequence; requeue inserts a returning message back at its original
// position, so consumers see RabbitMQ's classic-queue order after a nack or a channel close.
//
// Storage: a durable queue (durable, not exclusive, not auto-delete) writes its persistent
// messages to its QueueStore and recovers them when it is created again after a restart. Any
// queue keeps at most `window_bytes` of ready messages in memory; beyond that, new messages
// go to the store only (the *paged* region, a contiguous run of log offsets that starts at
// paged_from_) and are read back in order as consumers drain the queue. While a queue pages,
// every new message goes to the paged region, so log order stays queue order.
//
// Delayed delivery: a message whose not-before time (Message::not_before_ms, else the
// queue's delivery_delay_ms counted from the enqueue) is still ahead is *held*: in the queue,
// stored like any other message, but not handed out. Held messages wait in memory in
// `delayed_`, ordered by due time; one timer, made on first need, is armed for the earliest.
// When it fires, the due messages join `ready_` at their place by sequence, as a requeued
// message does, so the invariant above holds. Queues that never see a delay read no wall clock
// and hold no timer. Held messages count towards the window: beyond it, a delayed message
// is paged like any other, and is held when it is read back (so, while a queue pages, held
// messages on disk count as ready and a ready message on disk may wait behind held ones in
// the window). Due times are wall-clock, stored with the record, so a restart keeps them.
//
// Message groups (QueueSettings::one_in_flight_per_group, queue_groups.cpp): a message is
// handed out only while no other message of its group (Message::group) is leased, and a
// group's messages in sequence order, so a group is served one batch at a time, in order; a
// returning message goes back to its place by sequence, the head of its group. A receive of
// several messages takes the first eligible message and then that group's next ones before
// another group's. Finding an eligible message skips the ready messages of groups in flight
// (linear in them); paged messages are read back only when nothing is ready at all, so
// groups on disk wait behind blocked groups in memory. Queues without the setting never look
// at groups.
//
// Deduplication (QueueSettings::dedup_window_ms): a message whose Message::dedup_id was
// enqueued within the window is accepted and dropped (duplicate_of tells a front-end the
// original). The window is in memory; after a restart it is rebuilt from the recovered
// messages as they are read back (each from its send time, Message::timestamp_ms), so ids of
// messages settled before the restart are forgotten.
//
// Behaviour (QueueSettings): messages expire at the head, as in RabbitMQ's classic queues (a
// message behind a longer-lived one waits for it; a held message's TTL counts from the
// enqueue, and one that expires while held is dropped when it is due); length limits count
// ready messages, in memory and paged, not held ones (a held message counts once it is due); a
// priority queue keeps every ready message in memory (no paging), so its order is exact. Messages
// that leave for a reason RabbitMQ dead-letters (rejected, expired, maxlen, delivery_limit) go to
// the QueueHost when the queue has a dead-letter exchange, and are dropped otherwise.
//
// REQUIRES: all calls on the thread that owns the queue's vhost.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/consumer.h"
#include "core/dedup_window.h"
#include "core/id_window.h"
#include "core/message.h"
#include "core/queue_settings.h"
#include "core/queue_store.h"
#include "core/ready_list.h"
#include "core/status.h"
#include "core/timer.h"
#include "core/value.h"

namespace polymq::core {

using OwnerId = uint64_t;  // an exclusive queue's owning connection; 0 = no owner

enum class EnqueueOutcome {
  kQueued,
  kQueuedPendingSync,  // durable once the store's current group-commit round ends
  kRefused,            // not in the queue: the store failed, or the queue is full (reject-publish)
};

// Why a message left a queue other than by ack: rejected by its taker, expired, pushed out
// by a length limit, or returned more often than the delivery limit allows.
enum class DeadLetterReason { kRejected, kExpired, kMaxLen, kDeliveryLimit };

class Queue;

// What a queue needs from the vhost around it.
class QueueHost {
 public:
  virtual ~QueueHost() = default;
  // `message` left `queue` for `reason` and the queue has a dead-letter exchange.
  virtual void dead_letter(Queue& queue, const MessagePtr& message, DeadLetterReason reason) = 0;
  // `queue` was unused for its x-expires; the host deletes it.
  virtual void queue_expired(Queue& queue) = 0;
  // A subscriber left `queue` (Queue::consumer_left): an auto-delete queue with none left goes.
  virtual void consumer_removed(Queue& /*queue*/) {}
};

// A queue's identity, unique for the process and never reused (core/shard.h).
using QueueId = uint64_t;

// What a queue did with messages since it was declared in this process, for message rates
// (the management API's message_stats). Plain integers: the queue's loop alone touches them.
struct QueueStats {
  uint64_t published = 0;    // messages enqueued (not refused, not deduplicated)
  uint64_t delivered = 0;    // handed to a consumer or a receiver (with or without an ack)
  uint64_t redelivered = 0;  // of those, handed out before
  uint64_t acked = 0;        // settled for good by an ack
};

// The names of the policy and operator policy whose settings a queue runs with ("" for
// none), as its vhost last derived them (at declare, and when policies change).
struct AppliedPolicies {
  std::string policy;
  std::string operator_policy;
};

class Queue {
 public:
  Queue(std::string name, std::string vhost, QueueOptions options, OwnerId owner);
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  QueueId id() const { return id_; }
  const std::string& name() const { return name_; }
  const std::string& vhost() const { return vhost_; }
  const QueueOptions& options() const { return options_; }
  const QueueSettings& settings() const { return settings_; }
  // Sets the behaviour (what the broker model derived from the declaration and policies),
  // the host and timers. Call once, before attach_storage.
  void configure(const QueueSettings& settings, QueueHost* host, TimerService* timers);
  // New declare arguments and the settings the model derived from them
  // (VHost::change_queue_arguments, VHost::reapply_policies), with the same priorities and
  // single active consumer as before. A lowered length limit applies at once; a new expiry
  // counts from the queue's last use.
  void reconfigure(Table arguments, const QueueSettings& settings);
  OwnerId owner() const { return owner_; }
  bool deleted() const { return deleted_; }
  const QueueStats& stats() const { return stats_; }
  const AppliedPolicies& applied_policies() const { return applied_policies_; }
  void set_applied_policies(AppliedPolicies applied) { applied_policies_ = std::move(applied); }

  // Gives the queue storage (null: memory only). A durable queue opens its store and
  // recovers its messages; the error, if any, is also kept and refuses publishes.
  Status attach_storage(QueueStoreFactory* stores);
  bool stores_messages() const { return store_ != nullptr && store_->durable(); }
  const Status& storage_error() const { return storage_error_; }

  // Messages that can be handed out now (ready, in memory and paged).
  size_t message_count() const { return ready_.size() + paged_count_; }
  // Messages held until their not-before time (in memory; see above for paging).
  size_t delayed_count() const { return delayed_.size(); }
  size_t consumer_count() const { return consumers_.size(); }
  // Messages handed out and not yet settled (leases).
  size_t unacked_count() const { return leases_.size(); }
  uint64_t ready_bytes() const { return ready_bytes_; }
  // Ready messages paged out (in the store only, read back as the queue drains), and their
  // body bytes as far as this process paged them (recovered ones count 0 bytes).
  size_t paged_count() const { return paged_count_; }
  uint64_t paged_bytes() const { return paged_bytes_; }
  // Memory the queue's messages account for (Message::footprint), ready and unacked; what
  // the memory watermark counts. A message routed to several queues counts in each.
  uint64_t memory_bytes() const {
    return ready_footprint_ + unacked_footprint_ + delayed_footprint_;
  }

  EnqueueOutcome enqueue(MessagePtr message);
  // Drops every ready and held message; returns how many.
  size_t purge();
  // The queue was used (declared again, consumed from): restarts its x-expires countdown.
  void touch();

  // --- receivers (basic.get, SQS ReceiveMessage) ---
  // Hands out the first ready message: leased to `holder` until settled or, when `deadline`
  // is given, until then (a visibility timeout: the lease ends as by requeue). With
  // `auto_settle` it is settled at once (basic.get no-ack). False when nothing is ready.
  struct ReceiveOptions {
    HolderId holder = 0;
    bool auto_settle = false;
    Clock::time_point deadline = Clock::time_point::max();
  };
  bool receive(Delivery& out, const ReceiveOptions& options);
  // Up to `max` messages, appended to `out`; returns how many.
  size_t receive(size_t max, const ReceiveOptions& options, std::vector<Delivery>& out);

  // --- message groups and deduplication (queue_groups.cpp) ---
  // The original of a message with dedup id `id` enqueued within the deduplication window,
  // or null (always null without a window).
  const Message* duplicate_of(const std::string& id);
  // Groups with a message in flight (one_in_flight_per_group only).
  size_t groups_in_flight() const { return groups_in_flight_.size(); }

  // --- settling a lease ---
  // Each returns false when the queue holds no such lease (settled already, returned at its
  // deadline, or the queue was deleted): the caller decides whether that is an error.
  // Settles for good.
  bool ack(LeaseId lease);
  // The taker refused the message: it is dead-lettered as "rejected".
  bool reject(LeaseId lease);
  // Returns the message to its place in the queue, now or, with a `delay`, when the delay has
  // passed (the lease stays until then, held by nobody). Its delivery count is raised; past
  // the delivery limit it is dead-lettered as "delivery_limit" instead.
  bool requeue(LeaseId lease, Clock::duration delay = Clock::duration::zero());
  // Moves the lease's deadline (max(): none); SQS ChangeMessageVisibility.
  bool extend(LeaseId lease, Clock::time_point deadline);
  // Returns every lease `holder` has to the queue, as requeue does, and offers them to the
  // consumers; returns how many.
  size_t release_holder(HolderId holder);
  bool holds(LeaseId lease) const { return leases_.contains(lease); }

  // --- subscribers ---
  // kAccessRefused when the queue has an exclusive consumer, or when `exclusive` is asked
  // for a queue that already has consumers. Consumers of a higher priority (x-priority) get
  // messages while they can take them; lower ones only when those cannot. With single
  // active consumer, only the first registered consumer gets messages.
  Status add_consumer(Consumer* consumer, const ConsumerOptions& options);
  // Returns true when the consumer was registered. Its leases stay with their holder.
  bool remove_consumer(Consumer* consumer);
  // Tells the host that a consumer left, after remove_consumer and after that consumer's
  // leases were dealt with: an auto-delete queue without consumers is then deleted.
  void consumer_left() {
    if (host_ != nullptr) host_->consumer_removed(*this);
  }
  // Hands ready messages to consumers that can take them, round-robin. Call after anything
  // that may have given a consumer credit.
  void dispatch();

  // Marks the queue deleted, tells its consumers and drops its messages and leases; settling
  // a lease of a deleted queue answers false.
  void mark_deleted();

 private:
  struct ConsumerEntry {
    Consumer* consumer;
    ConsumerOptions options;
  };
  // A message handed out and not settled. `deadline` max() = until settled.
  struct Lease {
    QueuedMessage message;
    HolderId holder = 0;
    Clock::time_point deadline = Clock::time_point::max();
  };
  // The deadline of a message with a TTL paged in this process (the store does not keep it).
  struct PagedDeadline {
    uint64_t offset;
    Clock::time_point expires_at;
  };

  void deliver_to(const ConsumerEntry& entry, QueuedMessage message);
  QueuedMessage pop_ready();
  // The accounting of a message taken out of ready_ to be handed out.
  void took_ready(const QueuedMessage& m);
  void count_delivery(const QueuedMessage& m) {
    ++stats_.delivered;
    if (m.delivery_count > 0) ++stats_.redelivered;
  }
  // One receive; with `group`, only a message of that group.
  bool receive_one(Delivery& out, const ReceiveOptions& options, const std::string* group);
  // --- message groups and deduplication (queue_groups.cpp) ---
  bool grouped() const { return settings_.one_in_flight_per_group; }
  // Whether `m` may be handed out now: no message of its group is in flight.
  bool eligible(const QueuedMessage& m) const;
  // Takes the first eligible ready message (with `group`: the first of that group, in flight
  // or not) for handing out; false when there is none.
  bool pop_grouped(QueuedMessage& out, const std::string* group);
  size_t receive_grouped(size_t max, const ReceiveOptions& options, std::vector<Delivery>& out);
  // dispatch_at's loop for a grouped queue: a consumer gets a group's next messages while it
  // can take them.
  void dispatch_grouped();
  void group_leased(const Message& m);
  void group_released(const Message& m);
  // Whether `message` repeats a dedup id within the window (true: drop it).
  bool duplicate(const Message& message);
  // Remembers the dedup id of `message`, accepted at wall time `accepted_ms`.
  void remember_dedup_id(const Message& message, std::optional<int64_t> accepted_ms);
  // After a restart: the ids of every message written in the window, deleted ones included.
  void recover_dedup_window();
  // Leases `message` (just popped) to `holder`; returns its id.
  LeaseId lease(QueuedMessage message, HolderId holder, Clock::time_point deadline);
  // Removes a lease from the table (and the deadline index); false when unknown.
  bool take_lease(LeaseId id, Lease& out);
  void set_deadline(LeaseId id, Lease& lease, Clock::time_point deadline);
  // Settles a message for good (store record included).
  void settle_for_good(const QueuedMessage& message);
  // Puts a message that was handed out back in the ready list (or dead-letters it past the
  // delivery limit).
  void return_to_ready(QueuedMessage message);
  void arm_lease_timer();
  void on_lease_timer();
  // --- delayed delivery (queue_delays.cpp) ---
  int64_t wall_now() const;
  // The time `message` is due when enqueued at wall time `wall`: 0 when not in the future.
  int64_t due_at_enqueue(const Message& message, int64_t wall) const;
  // Holds `message` until wall time `due_ms`.
  void hold(QueuedMessage message, int64_t due_ms);
  // Moves the held messages that are due to ready_ (or drops the expired); true if any.
  bool release_due();
  void arm_delay_timer();
  void drop_delayed();
  // The consumer to hand the next message to, or nullptr when none can take one.
  const ConsumerEntry* next_ready_consumer();
  // dispatch() at time `t` (the enqueue that asks has read the clock already).
  void dispatch_at(Clock::time_point t);
  Clock::time_point now() const;
  Clock::time_point expiry_for(const Message& message, Clock::time_point now) const;
  // Drops (or dead-letters) expired messages at the head: those whose deadline is before
  // `now`, or at it too when `at_deadline` (a message with TTL 0 may still be delivered by
  // the enqueue that brought it, at the same instant).
  void expire_head(Clock::time_point now, bool at_deadline = false);
  void arm_ttl_timer();
  void arm_expires_timer();
  void on_expires_timer();
  // Whether a new message is refused by reject-publish(-dlx) (RabbitMQ: limit already reached).
  bool full() const;
  bool over_limit() const;
  // Removes the head message for good (store settled) and dead-letters it for `reason`;
  // false when there is no ready message to remove.
  bool drop_head(DeadLetterReason reason);
  void dead_letter(const MessagePtr& message, DeadLetterReason reason);
  uint64_t message_bytes() const { return ready_bytes_ + paged_bytes_; }
  // A delivered message left the leased set (acked, rejected or requeued).
  void settled(const QueuedMessage& message);
  bool ensure_store();
  // Reads paged messages back while the in-memory window has room, until one is ready.
  void refill();
  // Reads one chunk; true when there is more to read and the window has room.
  bool refill_chunk();
  void storage_failed(Status status);

  QueueId id_;
  std::string name_;
  std::string vhost_;
  QueueOptions options_;
  OwnerId owner_;
  bool deleted_ = false;
  bool dispatching_ = false;

  QueueSettings settings_;
  QueueStats stats_;
  AppliedPolicies applied_policies_;
  QueueHost* host_ = nullptr;
  TimerService* timers_ = nullptr;
  std::unique_ptr<Timer> ttl_timer_;
  Clock::time_point ttl_armed_for_ = Clock::time_point::max();
  std::unique_ptr<Timer> expires_timer_;
  Clock::time_point last_used_{};  // for x-expires only
  // Some ready or paged message may have a deadline. While false, nothing reads the clock:
  // expiry costs nothing to queues without TTLs.
  bool timed_ = false;

  ReadyList ready_;
  uint64_t ready_bytes_ = 0;      // body bytes of ready_ (in memory)
  uint64_t ready_footprint_ = 0;  // Message::footprint() of ready_, held to window_bytes_
  uint64_t next_sequence_ = 1;
  uint64_t unacked_footprint_ = 0;  // of the leased messages and those settled at delivery

  IdWindow<Lease> leases_;
  LeaseId next_lease_ = 1;
  // Leases with a deadline, earliest first; the timer is made on first need, so AMQP
  // consumers (no deadlines) never pay for it.
  std::set<std::pair<Clock::time_point, LeaseId>> lease_deadlines_;
  std::unique_ptr<Timer> lease_timer_;
  Clock::time_point lease_timer_at_ = Clock::time_point::max();

  // Held messages by due time (wall ms); equal times in enqueue order.
  std::multimap<int64_t, QueuedMessage> delayed_;
  uint64_t delayed_footprint_ = 0;
  std::unique_ptr<Timer> delay_timer_;  // made on first need, as lease_timer_
  int64_t delay_timer_at_ = INT64_MAX;  // the due time it is armed for

  QueueStoreFactory* stores_ = nullptr;
  std::unique_ptr<QueueStore> store_;
  uint64_t window_bytes_ = UINT64_MAX;
  uint64_t paged_from_ = 0;   // first offset of the paged region
  uint64_t paged_count_ = 0;  // live messages in it
  uint64_t paged_bytes_ = 0;  // body bytes paged in this process (recovered ones: unknown)
  std::deque<PagedDeadline> paged_deadlines_;  // by offset
  uint64_t recovered_end_ = 0;                 // records below were written before the restart
  uint64_t recovered_delivered_upto_ = 0;      // ... and below this, delivered before it
  Status storage_error_;

  // one_in_flight_per_group: leases per group with at least one.
  std::unordered_map<std::string, uint32_t> groups_in_flight_;
  std::unique_ptr<DedupWindow> dedup_;  // made by configure when dedup_window_ms is set

  // Sorted by priority, highest first; registration order within a priority.
  std::vector<ConsumerEntry> consumers_;
  bool has_exclusive_consumer_ = false;
  bool uniform_priority_ = true;  // every consumer has the same priority: plain round-robin
  size_t next_consumer_ = 0;      // round-robin cursor into consumers_
};

using QueuePtr = std::shared_ptr<Queue>;

}  // namespace polymq::core
