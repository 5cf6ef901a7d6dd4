// The broker-wide group coordinator: every consumer group of the Kafka front-end, its
// membership (kafka/groups/group.h) and committed offsets, kept durable in the internal stream
// __consumer_offsets of the Kafka vhost (kafka/groups/group_records.h) and replayed when the
// broker starts. This broker is the coordinator of every group (FindCoordinator names it).
//
// One instance, owned by server/ and reached by sessions through kafka::Config::groups. It
// keeps no pointer to a session: answers that come later are callbacks holding the request's
// Reply, which outlives its connection safely, so a closing connection needs no cleanup here.
//
// Durability: an OffsetCommit (and an OffsetDelete, a DeleteGroups) appends its records, and
// is answered once the group-commit round covering the append has ended (with an error if the
// round failed); the offsets are visible to OffsetFetch from then on, and an OffsetFetch that
// arrives while commits are in flight waits for them, so a client reads its own commits.
// Group metadata (the membership of each completed generation) is appended without waiting:
// losing the last of it in a crash only makes members rejoin.
//
// REQUIRES: all calls on the event loop thread.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/queue_store.h"
#include "core/state_log.h"
#include "core/status.h"
#include "core/timer.h"
#include "core/vhost.h"
#include "kafka/groups/group.h"
#include "kafka/protocol/generated/delete_groups.h"
#include "kafka/protocol/generated/leave_group.h"
#include "kafka/protocol/generated/list_groups.h"
#include "kafka/protocol/generated/offset_commit.h"
#include "kafka/protocol/generated/offset_delete.h"
#include "kafka/protocol/generated/offset_fetch.h"

namespace polymq::kafka::groups {

template <class Response>
using Respond = std::function<void(const Response&)>;

// Offsets a transaction has sent for a group (TxnOffsetCommit) and not yet committed or
// aborted; the transaction coordinator knows them. An OffsetFetch with require_stable (v7+)
// answers such a partition UNSTABLE_OFFSET_COMMIT (88) instead of its committed offset, as
// Kafka does, so a read_committed consumer does not start from an offset an open transaction
// is about to move (the client retries).
class PendingOffsets {
 public:
  virtual ~PendingOffsets() = default;
  virtual bool pending(const std::string& group, const TopicPartition& partition) const = 0;
};

class GroupCoordinator final {
 public:
  // `timers` and `commits` outlive the coordinator.
  GroupCoordinator(core::TimerService& timers, core::CommitTracker& commits,
                   const GroupLimits& limits = {});
  ~GroupCoordinator();
  GroupCoordinator(const GroupCoordinator&) = delete;
  GroupCoordinator& operator=(const GroupCoordinator&) = delete;

  // Opens (or creates) __consumer_offsets in `vhost`, which outlives the coordinator, and
  // replays it: the groups and offsets it records are back. Without a call to load(),
  // offsets live in memory only and commits are not checked against the vhost's topics.
  core::Status load(core::VHost& vhost);
  // Records replayed by load(), and records it skipped (unknown format or malformed).
  uint64_t replayed_records() const { return replayed_; }
  uint64_t skipped_records() const { return skipped_; }

  void join(const JoinGroupRequest& request, int16_t version, const ClientInfo& client,
            JoinDone done);
  void sync(const SyncGroupRequest& request, int16_t version, SyncDone done);
  HeartbeatResponse heartbeat(const HeartbeatRequest& request);
  LeaveGroupResponse leave(const LeaveGroupRequest& request, int16_t version);
  ListGroupsResponse list(const ListGroupsRequest& request, int16_t version) const;
  DescribeGroupsResponse describe(const DescribeGroupsRequest& request) const;
  void delete_groups(const DeleteGroupsRequest& request, Respond<DeleteGroupsResponse> done);

  // coordinator_offsets.cpp
  void commit(const OffsetCommitRequest& request, int16_t version,
              Respond<OffsetCommitResponse> done);
  void fetch(const OffsetFetchRequest& request, int16_t version, Respond<OffsetFetchResponse> done);
  void delete_offsets(const OffsetDeleteRequest& request, Respond<OffsetDeleteResponse> done);
  // A transaction's offsets (TxnOffsetCommit v3+): whether the member may commit for the
  // group in its generation (an unknown group may: it is made at the commit).
  int16_t check_transactional_commit(const std::string& group_id, int32_t generation,
                                     const std::string& member_id,
                                     const std::optional<std::string>& instance_id);
  // Writes committed offsets (kOffset records) that a transaction's commit decided, visible
  // once durable; done(ok) then.
  void commit_records(const std::vector<GroupRecord>& records, std::function<void(bool ok)> done);

  // Null: no transactions. REQUIRES: `pending` outlives the coordinator or is unset first.
  void set_pending_offsets(const PendingOffsets* pending) { pending_ = pending; }

  // The group, or null (tests, DescribeGroups).
  const Group* find_group(const std::string& group_id) const;
  // Every group, by id.
  std::vector<const Group*> groups() const;

  // How often __consumer_offsets was rewritten as its current state (core/state_log.h).
  uint64_t log_rewrites() const { return log_.rewrites(); }

 private:
  Group& group(const std::string& group_id);
  Group* find(const std::string& group_id);
  // Drops a group that has neither members nor offsets (nothing to list or describe).
  void forget_if_unused(const std::string& group_id);
  void store_membership(Group& group);
  // Appends records to __consumer_offsets; false (logged) when the stream refuses them. Now
  // and then the log is rewritten as the current state (every group's last stored membership
  // and its offsets), which drops the records before.
  bool append(const std::vector<GroupRecord>& records);
  std::vector<std::string> current_state() const;
  // Runs `then(ok)` once what was appended so far is durable (at once without storage).
  void after_durable(std::function<void(bool ok)> then) { log_.after_durable(std::move(then)); }
  void apply(const GroupRecord& record);
  // `require_stable`: a partition with offsets pending in a transaction gets
  // UNSTABLE_OFFSET_COMMIT.
  OffsetFetchResponse::OffsetFetchResponseGroup fetch_group(
      const std::string& group_id,
      const std::optional<std::vector<OffsetFetchRequest::OffsetFetchRequestTopics>>& topics,
      bool require_stable) const;

  core::TimerService& timers_;
  GroupLimits limits_;
  core::VHost* vhost_ = nullptr;
  core::StateLog log_;
  std::map<std::string, std::unique_ptr<Group>> groups_;
  // Each group's membership as last written: what a rewrite of the log writes again.
  std::map<std::string, StoredGroup> stored_;
  const PendingOffsets* pending_ = nullptr;
  uint64_t replayed_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace polymq::kafka::groups
