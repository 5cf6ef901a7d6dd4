// The classic group protocol's state machine (kafka/groups/group.h) on a fake clock.
#include "kafka/groups/group.h"

#include <gtest/gtest.h>

#include <random>

#include "core/fake_timers.h"
#include "kafka/error_codes.h"
#include "kafka/groups/group_errors.h"
#include "kafka/groups/group_test_util.h"

namespace polymq::kafka::groups {
namespace {

using namespace std::chrono_literals;
using testing::Answer;
using testing::heartbeat_request;
using testing::join_request;
using testing::kClient;
using testing::sync_request;

class GroupTest : public ::testing::Test {
 protected:
  GroupTest() : group_("g", timers_, GroupLimits{}, [this](Group&) { ++stored_; }) {}

  // A v4+ dynamic member's two joins: MEMBER_ID_REQUIRED, then the join with its id (whose
  // answer may come later).
  std::string member_id_for(const std::string& protocols = "range") {
    Answer<JoinGroupResponse> first;
    group_.join(join_request("g", "", {protocols}), 5, kClient, first.callback());
    EXPECT_EQ(first.value->error_code, error::kMemberIdRequired);
    EXPECT_FALSE(first.value->member_id.empty());
    return first.value->member_id;
  }

  core::FakeTimers timers_;
  int stored_ = 0;
  Group group_;
};

TEST_F(GroupTest, V4JoinWithoutMemberIdIsAskedToComeBackWithOne) {
  Answer<JoinGroupResponse> join;
  group_.join(join_request("g", ""), 4, kClient, join.callback());
  ASSERT_TRUE(join.value);
  EXPECT_EQ(join.value->error_code, error::kMemberIdRequired);
  EXPECT_EQ(join.value->member_id.rfind("client-", 0), 0u);
  EXPECT_EQ(group_.member_count(), 0u);
  EXPECT_EQ(group_.state(), GroupState::kEmpty);
}

TEST_F(GroupTest, V3JoinWithoutMemberIdJoinsAtOnce) {
  Answer<JoinGroupResponse> join;
  group_.join(join_request("g", ""), 3, kClient, join.callback());
  ASSERT_TRUE(join.value);
  EXPECT_EQ(join.value->error_code, error::kNone);
  EXPECT_EQ(join.value->generation_id, 1);
  EXPECT_EQ(join.value->leader, join.value->member_id);
  EXPECT_EQ(group_.state(), GroupState::kCompletingRebalance);
}

TEST_F(GroupTest, TwoMembersJoinAndSyncTheLeadersAssignment) {
  const std::string a = member_id_for();
  Answer<JoinGroupResponse> join_a;
  group_.join(join_request("g", a), 5, kClient, join_a.callback());
  ASSERT_TRUE(join_a.value);  // alone: the rebalance completes at once
  EXPECT_EQ(join_a.value->generation_id, 1);

  // b joins: a learns of the rebalance from its heartbeat and rejoins.
  const std::string b = member_id_for();
  Answer<JoinGroupResponse> join_b;
  group_.join(join_request("g", b), 5, kClient, join_b.callback());
  EXPECT_FALSE(join_b.value);
  EXPECT_EQ(group_.state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(group_.heartbeat(heartbeat_request("g", a, 1)), error::kRebalanceInProgress);
  Answer<JoinGroupResponse> rejoin_a;
  group_.join(join_request("g", a), 5, kClient, rejoin_a.callback());
  ASSERT_TRUE(rejoin_a.value);
  ASSERT_TRUE(join_b.value);
  EXPECT_EQ(rejoin_a.value->generation_id, 2);
  EXPECT_EQ(join_b.value->generation_id, 2);
  EXPECT_EQ(rejoin_a.value->protocol_name, "range");
  // The leader (the first member) gets the member list with their metadata; b gets none.
  EXPECT_EQ(rejoin_a.value->leader, a);
  EXPECT_EQ(join_b.value->leader, a);
  ASSERT_EQ(rejoin_a.value->members.size(), 2u);
  EXPECT_EQ(rejoin_a.value->members[0].metadata, "subscription/range");
  EXPECT_TRUE(join_b.value->members.empty());

  // The follower waits for the leader's assignment.
  Answer<SyncGroupResponse> sync_b;
  group_.sync(sync_request("g", b, 2), 5, sync_b.callback());
  EXPECT_FALSE(sync_b.value);
  SyncGroupRequest leader_sync = sync_request("g", a, 2);
  leader_sync.assignments = {{a, "partitions-of-a"}, {b, "partitions-of-b"}};
  Answer<SyncGroupResponse> sync_a;
  group_.sync(leader_sync, 5, sync_a.callback());
  ASSERT_TRUE(sync_a.value);
  ASSERT_TRUE(sync_b.value);
  EXPECT_EQ(sync_a.value->assignment, "partitions-of-a");
  EXPECT_EQ(sync_b.value->assignment, "partitions-of-b");
  EXPECT_EQ(sync_b.value->protocol_name, "range");
  EXPECT_EQ(group_.state(), GroupState::kStable);
  EXPECT_EQ(group_.heartbeat(heartbeat_request("g", b, 2)), error::kNone);
  EXPECT_GE(stored_, 1);
}

TEST_F(GroupTest, ProtocolIsOneEveryMemberSupports) {
  const std::string a = member_id_for();
  Answer<JoinGroupResponse> join_a;
  group_.join(join_request("g", a, {"cooperative-sticky", "range"}), 5, kClient, join_a.callback());
  EXPECT_EQ(join_a.value->protocol_name, "cooperative-sticky");
  const std::string b = member_id_for();
  Answer<JoinGroupResponse> join_b, rejoin_a;
  group_.join(join_request("g", b, {"range"}), 5, kClient, join_b.callback());
  group_.join(join_request("g", a, {"cooperative-sticky", "range"}), 5, kClient,
              rejoin_a.callback());
  ASSERT_TRUE(join_b.value);
  EXPECT_EQ(join_b.value->protocol_name, "range");
  // A member with nothing in common is refused.
  Answer<JoinGroupResponse> odd;
  group_.join(join_request("g", "", {"roundrobin"}), 5, kClient, odd.callback());
  EXPECT_EQ(odd.value->error_code, error::kInconsistentGroupProtocol);
}

TEST_F(GroupTest, HeartbeatErrors) {
  EXPECT_EQ(group_.heartbeat(heartbeat_request("g", "nobody", 0)), error::kUnknownMemberId);
  const std::string a = member_id_for();
  Answer<JoinGroupResponse> join_a;
  group_.join(join_request("g", a), 5, kClient, join_a.callback());
  EXPECT_EQ(group_.heartbeat(heartbeat_request("g", a, 7)), error::kIllegalGeneration);
  // In CompletingRebalance a heartbeat of the right generation is fine (Kafka 2.x).
  EXPECT_EQ(group_.heartbeat(heartbeat_request("g", a, 1)), error::kNone);
  // A sync during a rebalance is told to rejoin.
  const std::string b = member_id_for();
  Answer<JoinGroupResponse> join_b;
  group_.join(join_request("g", b), 5, kClient, join_b.callback());
  Answer<SyncGroupResponse> sync_a;
  group_.sync(sync_request("g", a, 1), 5, sync_a.callback());
  EXPECT_EQ(sync_a.value->error_code, error::kRebalanceInProgress);
  EXPECT_EQ(group_.heartbeat(heartbeat_request("g", a, 1)), error::kRebalanceInProgress);
}

TEST_F(GroupTest, SessionExpiryRemovesTheMemberAndRebalances) {
  const std::string a = member_id_for();
  Answer<JoinGroupResponse> join_a;
  group_.join(join_request("g", a), 5, kClient, join_a.callback());
  const std::string b = member_id_for();
  Answer<JoinGroupResponse> join_b, rejoin_a;
  group_.join(join_request("g", b), 5, kClient, join_b.callback());
  group_.join(join_request("g", a), 5, kClient, rejoin_a.callback());
  SyncGroupRequest leader_sync = sync_request("g", a, 2);
  leader_sync.assignments = {{a, "x"}, {b, "y"}};
  Answer<SyncGroupResponse> sync_a, sync_b;
  group_.sync(sync_request("g", b, 2), 5, sync_b.callback());
  group_.sync(leader_sync, 5, sync_a.callback());
  ASSERT_EQ(group_.state(), GroupState::kStable);

  // a keeps heartbeating; b goes silent for longer than its 10 s session.
  for (int i = 0; i < 3; ++i) {
    timers_.advance(3s);
    EXPECT_EQ(group_.heartbeat(heartbeat_request("g", a, 2)), error::kNone) << i;
  }
  EXPECT_TRUE(group_.has_member(b));
  timers_.advance(2s);
  EXPECT_FALSE(group_.has_member(b));
  EXPECT_EQ(group_.state(), GroupState::kPreparingRebalance);
  EXPECT_EQ(group_.heartbeat(heartbeat_request("g", a, 2)), error::kRebalanceInProgress);
  Answer<JoinGroupResponse> alone;
  group_.join(join_request("g", a), 5, kClient, alone.callback());
  ASSERT_TRUE(alone.value);
  EXPECT_EQ(alone.value->generation_id, 3);
  EXPECT_EQ(alone.value->members.size(), 1u);
}

TEST_F(GroupTest, RebalanceTimeoutDropsMembersThatDidNotRejoin) {
  const std::string a = member_id_for();
  Answer<JoinGroupResponse> join_a;
  group_.join(join_request("g", a), 5, kClient, join_a.callback());
  const std::string b = member_id_for();
  Answer<JoinGroupResponse> join_b;
  group_.join(join_request("g", b), 5, kClient, join_b.callback());
  EXPECT_FALSE(join_b.value);
  // a never rejoins (nor heartbeats); b's join is answered once a is gone.
  timers_.advance(31s);
  ASSERT_TRUE(join_b.value);
  EXPECT_EQ(join_b.value->error_code, error::kNone);
  EXPECT_EQ(join_b.value->leader, b);
  EXPECT_FALSE(group_.has_member(a));
}

TEST_F(GroupTest, LeavingMembersEmptyTheGroup) {
  const std::string a = member_id_for();
  Answer<JoinGroupResponse> join_a;
  group_.join(join_request("g", a), 5, kClient, join_a.callback());
  EXPECT_EQ(group_.leave("nobody", std::nullopt), error::kUnknownMemberId);
  EXPECT_EQ(group_.leave(a, std::nullopt), error::kNone);
  EXPECT_EQ(group_.state(), GroupState::kEmpty);
  EXPECT_EQ(group_.member_count(), 0u);
  EXPECT_EQ(group_.generation(), 2);
}

TEST_F(GroupTest, StaticMemberRejoiningWithTheSameProtocolsReplacesTheOldOneWithoutRebalance) {
  Answer<JoinGroupResponse> join_a, join_b;
  group_.join(join_request("g", "", {"range"}, "instance-a"), 5, kClient, join_a.callback());
  ASSERT_EQ(join_a.value->error_code, error::kNone);  // no MEMBER_ID_REQUIRED for static members
  const std::string old_a = join_a.value->member_id;
  EXPECT_EQ(old_a.rfind("instance-a-", 0), 0u);
  SyncGroupRequest leader_sync = sync_request("g", old_a, 1);
  leader_sync.assignments = {{old_a, "assignment-a"}};
  Answer<SyncGroupResponse> sync_a;
  group_.sync(leader_sync, 5, sync_a.callback());
  ASSERT_EQ(group_.state(), GroupState::kStable);

  // The same instance restarts (a new member id is given), same subscription.
  Answer<JoinGroupResponse> again;
  group_.join(join_request("g", "", {"range"}, "instance-a"), 5, kClient, again.callback());
  ASSERT_TRUE(again.value);
  EXPECT_EQ(again.value->error_code, error::kNone);
  EXPECT_NE(again.value->member_id, old_a);
  EXPECT_EQ(again.value->generation_id, 1);
  EXPECT_EQ(group_.state(), GroupState::kStable);
  EXPECT_EQ(group_.member_count(), 1u);
  Answer<SyncGroupResponse> resync;
  group_.sync(sync_request("g", again.value->member_id, 1), 5, resync.callback());
  EXPECT_EQ(resync.value->assignment, "assignment-a");
  // The old incarnation is fenced.
  HeartbeatRequest old_beat = heartbeat_request("g", old_a, 1);
  old_beat.group_instance_id = "instance-a";
  EXPECT_EQ(group_.heartbeat(old_beat), error::kFencedInstanceId);
  // With another subscription, it rebalances.
  Answer<JoinGroupResponse> changed;
  group_.join(join_request("g", "", {"range"}, "instance-a", "other-topics"), 5, kClient,
              changed.callback());
  ASSERT_TRUE(changed.value);
  EXPECT_EQ(changed.value->generation_id, 2);
}

TEST_F(GroupTest, CommitChecks) {
  // An empty group takes simple commits (generation -1).
  EXPECT_EQ(group_.check_commit(-1, "", std::nullopt), error::kNone);
  const std::string a = member_id_for();
  Answer<JoinGroupResponse> join_a;
  group_.join(join_request("g", a), 5, kClient, join_a.callback());
  EXPECT_EQ(group_.check_commit(1, a, std::nullopt), error::kRebalanceInProgress);
  SyncGroupRequest leader_sync = sync_request("g", a, 1);
  Answer<SyncGroupResponse> sync_a;
  group_.sync(leader_sync, 5, sync_a.callback());
  EXPECT_EQ(group_.check_commit(1, a, std::nullopt), error::kNone);
  EXPECT_EQ(group_.check_commit(0, a, std::nullopt), error::kIllegalGeneration);
  EXPECT_EQ(group_.check_commit(1, "stranger", std::nullopt), error::kUnknownMemberId);
  EXPECT_EQ(group_.check_commit(-1, "", std::nullopt), error::kUnknownMemberId);
}

TEST_F(GroupTest, SnapshotRestoresAStableGroup) {
  const std::string a = member_id_for();
  Answer<JoinGroupResponse> join_a;
  group_.join(join_request("g", a), 5, kClient, join_a.callback());
  SyncGroupRequest leader_sync = sync_request("g", a, 1);
  leader_sync.assignments = {{a, "mine"}};
  Answer<SyncGroupResponse> sync_a;
  group_.sync(leader_sync, 5, sync_a.callback());
  const StoredGroup stored = group_.snapshot();
  ASSERT_EQ(stored.members.size(), 1u);

  Group restored("g", timers_, GroupLimits{}, nullptr);
  restored.restore(stored);
  EXPECT_EQ(restored.state(), GroupState::kStable);
  EXPECT_EQ(restored.generation(), 1);
  EXPECT_EQ(restored.heartbeat(heartbeat_request("g", a, 1)), error::kNone);
  Answer<SyncGroupResponse> resync;
  restored.sync(sync_request("g", a, 1), 5, resync.callback());
  EXPECT_EQ(resync.value->assignment, "mine");
  // Silent past its session timeout, the restored member goes.
  timers_.advance(11s);
  EXPECT_EQ(restored.state(), GroupState::kEmpty);
}

TEST_F(GroupTest, SessionTimeoutOutsideTheLimitsIsRefused) {
  JoinGroupRequest r = join_request("g", "");
  r.session_timeout_ms = 1000;
  Answer<JoinGroupResponse> join;
  group_.join(r, 5, kClient, join.callback());
  EXPECT_EQ(join.value->error_code, error::kInvalidSessionTimeout);
}

}  // namespace
}  // namespace polymq::kafka::groups

namespace polymq::kafka::groups {
namespace {

// Random sequences of joins, syncs, heartbeats, leaves and clock moves by a few members:
// nothing crashes (the sanitizers watch), no join or sync is answered twice, and once every
// member has left and the clock passed every timeout, every held request has been answered.
TEST(GroupRandomTest, EveryHeldRequestIsAnsweredExactlyOnce) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    core::FakeTimers timers;
    Group group("g", timers, GroupLimits{}, nullptr);
    std::mt19937 random(seed);
    std::vector<std::string> ids(4);  // "" until a member id was handed out
    std::vector<std::unique_ptr<int>> join_calls, sync_calls;
    auto join = [&](size_t who, int16_t version, std::optional<std::string> instance) {
      join_calls.push_back(std::make_unique<int>(0));
      int* calls = join_calls.back().get();
      JoinGroupRequest r = testing::join_request("g", ids[who], {"range"}, instance);
      group.join(r, version, testing::kClient, [&ids, who, calls](const JoinGroupResponse& a) {
        ++*calls;
        if (!a.member_id.empty() && a.error_code != error::kUnknownMemberId &&
            a.error_code != error::kFencedInstanceId) {
          ids[who] = a.member_id;
        }
      });
    };
    for (int step = 0; step < 300; ++step) {
      const size_t who = random() % ids.size();
      const std::optional<std::string> instance =
          who == 0 ? std::optional<std::string>("static-0") : std::nullopt;
      switch (random() % 6) {
        case 0:
          join(who, static_cast<int16_t>(random() % 10), instance);
          break;
        case 1: {
          sync_calls.push_back(std::make_unique<int>(0));
          int* calls = sync_calls.back().get();
          SyncGroupRequest r = testing::sync_request("g", ids[who], group.generation());
          r.group_instance_id = instance;
          if (random() % 2 == 0) r.assignments = {{ids[who], "a"}};
          group.sync(r, 5, [calls](const SyncGroupResponse&) { ++*calls; });
          break;
        }
        case 2: {
          HeartbeatRequest r = testing::heartbeat_request("g", ids[who], group.generation());
          r.group_instance_id = instance;
          group.heartbeat(r);
          break;
        }
        case 3:
          group.leave(ids[who], instance);
          break;
        case 4:
          group.check_commit(group.generation(), ids[who], instance);
          break;
        case 5:
          timers.advance(std::chrono::milliseconds(random() % 12000));
          break;
      }
      for (const auto& c : join_calls) ASSERT_LE(*c, 1) << "seed " << seed;
      for (const auto& c : sync_calls) ASSERT_LE(*c, 1) << "seed " << seed;
    }
    for (size_t who = 0; who < ids.size(); ++who) {
      group.leave(ids[who], who == 0 ? std::optional<std::string>("static-0") : std::nullopt);
    }
    timers.advance(std::chrono::minutes(10));
    for (const auto& c : join_calls) EXPECT_EQ(*c, 1) << "seed " << seed;
    for (const auto& c : sync_calls) EXPECT_EQ(*c, 1) << "seed " << seed;
    EXPECT_EQ(group.member_count(), 0u) << "seed " << seed;
    EXPECT_EQ(group.state(), GroupState::kEmpty) << "seed " << seed;
  }
}

}  // namespace
}  // namespace polymq::kafka::groups
