// One consumer group's membership under Kafka's classic group protocol: the state machine
// Empty -> PreparingRebalance -> CompletingRebalance -> Stable (and back), generations, the
// leader, the selected protocol, static members (group.instance.id), session and rebalance
// timeouts; and the group's committed offsets, which the coordinator keeps here so a group
// lives as long as it has members or offsets.
//
// JoinGroup and SyncGroup answers may come later (when the rebalance completes, when the
// leader sends the assignment): they are callbacks, held by the member until answered. Every
// held callback is answered exactly once, with an error when its member goes away, so that no
// client connection is left waiting for a response that never comes.
//
// Timers: a member's session timer (its session timeout after its last heartbeat, join or
// sync) removes it when it fires, unless the member is waiting for a join or sync answer;
// the rebalance timer (the largest rebalance timeout of the members) completes a join phase
// with the members that rejoined. Both come from a core::TimerService (the event loop's, or
// a fake clock in tests).
//
// REQUIRES: all calls on the event loop thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/timer.h"
#include "kafka/groups/group_records.h"
#include "kafka/protocol/generated/describe_groups.h"
#include "kafka/protocol/generated/heartbeat.h"
#include "kafka/protocol/generated/join_group.h"
#include "kafka/protocol/generated/sync_group.h"

namespace polymq::kafka::groups {

enum class GroupState { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable, kDead };
// Kafka's names, as DescribeGroups and ListGroups show them.
const char* state_name(GroupState state);

struct GroupLimits {
  // Kafka's group.min.session.timeout.ms and group.max.session.timeout.ms.
  int32_t min_session_timeout_ms = 6000;
  int32_t max_session_timeout_ms = 1800000;
};

// Who sent a JoinGroup, for DescribeGroups.
struct ClientInfo {
  std::string client_id;
  std::string client_host;
};

using JoinDone = std::function<void(const JoinGroupResponse&)>;
using SyncDone = std::function<void(const SyncGroupResponse&)>;

class Group {
 public:
  // `changed` is called when the membership worth keeping across a restart changed (a
  // generation was completed or the group emptied): the coordinator stores snapshot().
  Group(std::string id, core::TimerService& timers, const GroupLimits& limits,
        std::function<void(Group&)> changed);
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  const std::string& id() const { return id_; }
  GroupState state() const { return state_; }
  int32_t generation() const { return generation_; }
  // "" for a group that only ever had offsets committed (no group management).
  const std::string& protocol_type() const { return protocol_type_; }
  const std::optional<std::string>& protocol_name() const { return protocol_name_; }
  const std::string& leader() const { return leader_; }
  size_t member_count() const { return members_.size(); }
  bool has_member(const std::string& member_id) const { return members_.count(member_id) != 0; }

  void join(const JoinGroupRequest& request, int16_t version, const ClientInfo& client,
            JoinDone done);
  void sync(const SyncGroupRequest& request, int16_t version, SyncDone done);
  int16_t heartbeat(const HeartbeatRequest& request);
  // Removes one member (LeaveGroup), named by member id or, for static members, instance id.
  int16_t leave(const std::string& member_id, const std::optional<std::string>& instance_id);
  // Whether an OffsetCommit (or OffsetDelete of a member) of `generation` from `member_id` may
  // commit: kNone, or Kafka's error. generation < 0 on an Empty group is a simple commit.
  int16_t check_commit(int32_t generation, const std::string& member_id,
                       const std::optional<std::string>& instance_id);
  // A successful commit by a member counts as a heartbeat (as in Kafka).
  void touch(const std::string& member_id);
  // True when a consumer-protocol member subscribes to `topic` (OffsetDelete refuses it).
  bool subscribed_to(const std::string& topic) const;

  DescribeGroupsResponse::DescribedGroup describe() const;
  StoredGroup snapshot() const;
  // Gives back a stored membership (broker start): Stable with those members, or Empty.
  void restore(const StoredGroup& stored);
  // The group is being deleted: answers whatever is held, stops every timer.
  void mark_dead();

  std::map<TopicPartition, CommittedOffset>& offsets() { return offsets_; }
  const std::map<TopicPartition, CommittedOffset>& offsets() const { return offsets_; }

 private:
  struct Protocol {
    std::string name;
    std::string metadata;
    bool operator==(const Protocol&) const = default;
  };
  struct Member {
    std::string id;
    std::optional<std::string> instance_id;
    ClientInfo client;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;
    std::vector<Protocol> protocols;
    std::string assignment;
    JoinDone awaiting_join;
    SyncDone awaiting_sync;
    std::unique_ptr<core::Timer> session_timer;
    const std::string* metadata_for(const std::optional<std::string>& protocol) const;
  };

  static std::vector<Protocol> protocols_of(const JoinGroupRequest& request);
  JoinGroupResponse join_error(const std::string& member_id, int16_t error) const;
  // The current generation as a member that needs no new one sees it (no member list unless
  // `with_members`).
  JoinGroupResponse current_generation(const std::string& member_id, bool with_members) const;
  std::vector<JoinGroupResponse::JoinGroupResponseMember> member_list() const;
  bool supports(const std::string& protocol_type, const std::vector<Protocol>& protocols,
                const std::string& except_member) const;
  std::string new_member_id(const std::string& prefix);
  bool fenced(const std::string& member_id, const std::optional<std::string>& instance_id) const;

  void join_new_member(const JoinGroupRequest& request, int16_t version, const ClientInfo& client,
                       JoinDone done);
  void join_known_member(const JoinGroupRequest& request, const ClientInfo& client, JoinDone done);
  void replace_static_member(const std::string& old_id, const JoinGroupRequest& request,
                             int16_t version, const ClientInfo& client, JoinDone done);
  void add_member_and_rebalance(const std::string& member_id, const JoinGroupRequest& request,
                                const ClientInfo& client, JoinDone done);
  void update_member(Member& member, const JoinGroupRequest& request, JoinDone done);
  void remove_member(const std::string& member_id);
  // Answers the member's waiting JoinGroup and SyncGroup, if any, with `error`.
  void fail_waiting(Member& member, int16_t error);

  void prepare_rebalance();
  void maybe_complete_join();
  void complete_join();
  std::optional<std::string> select_protocol() const;
  void answer_syncs_with_error(int16_t error);
  void arm_session_timer(Member& member);
  void session_expired(const std::string& member_id);

  std::string id_;
  core::TimerService& timers_;
  GroupLimits limits_;
  std::function<void(Group&)> changed_;

  GroupState state_ = GroupState::kEmpty;
  int32_t generation_ = 0;
  std::string protocol_type_;
  std::optional<std::string> protocol_name_;
  std::string leader_;
  std::map<std::string, Member> members_;
  // Member ids handed out with MEMBER_ID_REQUIRED, valid until their deadline.
  std::map<std::string, core::Clock::time_point> pending_members_;
  std::map<std::string, std::string> static_members_;  // instance id -> member id
  std::unique_ptr<core::Timer> rebalance_timer_;
  std::map<TopicPartition, CommittedOffset> offsets_;
};

}  // namespace polymq::kafka::groups
