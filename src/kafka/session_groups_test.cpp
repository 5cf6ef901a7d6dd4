// The group APIs through a real kafka::Session and connection: FindCoordinator, a join/sync
// round, commits and fetches in flexible versions, the admin APIs, and a connection that goes
// away while its JoinGroup waits.
#include <gtest/gtest.h>

#include "core/fake_timers.h"
#include "kafka/error_codes.h"
#include "kafka/groups/coordinator.h"
#include "kafka/groups/group_errors.h"
#include "kafka/kafka_test_client.h"

namespace polymq::kafka {
namespace {

using testing::KafkaTestClient;
using testing::TestBroker;

// A broker whose sessions reach a coordinator. Commits are not waited for (no commit
// tracker): the test's loop is the connection's, not the group committer's.
struct GroupsBroker : TestBroker {
  core::FakeTimers timers;
  core::CommitTracker no_commits{nullptr};
  groups::GroupCoordinator coordinator{timers, no_commits};

  GroupsBroker() {
    core::Stream* topic = nullptr;
    core::StreamSettings settings;
    settings.partitions = 2;
    EXPECT_TRUE(broker.find_vhost("/")->declare_stream("orders", settings, topic).ok());
    EXPECT_TRUE(coordinator.load(*broker.find_vhost("/")).ok());
    config.groups = &coordinator;
  }
};

JoinGroupRequest join_request(const std::string& member_id) {
  JoinGroupRequest r;
  r.group_id = "g";
  r.member_id = member_id;
  r.session_timeout_ms = 10000;
  r.rebalance_timeout_ms = 30000;
  r.protocol_type = "consumer";
  r.protocols = {{"range", "subscription"}};
  return r;
}

TEST(KafkaGroupsSession, FindCoordinatorNamesThisBrokerForGroups) {
  GroupsBroker b;
  KafkaTestClient client(b);
  FindCoordinatorRequest v0;
  v0.key = "g";
  client.request(int16_t{0}, 1, v0);
  auto r0 = client.response<FindCoordinatorResponse>(api_key::kFindCoordinator, 0, 1);
  EXPECT_EQ(r0.error_code, error::kNone);
  EXPECT_EQ(r0.host, "kafka.test");
  EXPECT_EQ(r0.port, 19092);
  EXPECT_EQ(r0.node_id, 0);

  FindCoordinatorRequest v4;
  v4.key_type = 0;
  v4.coordinator_keys = {"a", "b"};
  client.request(int16_t{4}, 2, v4);
  auto r4 = client.response<FindCoordinatorResponse>(api_key::kFindCoordinator, 4, 2);
  ASSERT_EQ(r4.coordinators.size(), 2u);
  EXPECT_EQ(r4.coordinators[1].key, "b");
  EXPECT_EQ(r4.coordinators[1].port, 19092);

  FindCoordinatorRequest txn;
  txn.key = "transactional-id";
  txn.key_type = 1;
  client.request(int16_t{3}, 3, txn);
  auto r3 = client.response<FindCoordinatorResponse>(api_key::kFindCoordinator, 3, 3);
  EXPECT_EQ(r3.error_code, error::kTransactionalIdAuthorizationFailed);
  EXPECT_NE(r3.error_message.value_or("").find("transactions"), std::string::npos);
}

TEST(KafkaGroupsSession, JoinSyncCommitFetchDescribeLeaveDelete) {
  GroupsBroker b;
  KafkaTestClient client(b);
  client.request(int16_t{9}, 1, join_request(""));
  auto first = client.response<JoinGroupResponse>(api_key::kJoinGroup, 9, 1);
  ASSERT_EQ(first.error_code, error::kMemberIdRequired);
  client.request(int16_t{9}, 2, join_request(first.member_id));
  auto joined = client.response<JoinGroupResponse>(api_key::kJoinGroup, 9, 2);
  ASSERT_EQ(joined.error_code, error::kNone);
  EXPECT_EQ(joined.generation_id, 1);
  EXPECT_EQ(joined.protocol_type, "consumer");
  ASSERT_EQ(joined.members.size(), 1u);
  const std::string member = joined.member_id;

  SyncGroupRequest sync;
  sync.group_id = "g";
  sync.member_id = member;
  sync.generation_id = 1;
  sync.protocol_type = "consumer";
  sync.protocol_name = "range";
  sync.assignments = {{member, "all of it"}};
  client.request(int16_t{5}, 3, sync);
  auto synced = client.response<SyncGroupResponse>(api_key::kSyncGroup, 5, 3);
  EXPECT_EQ(synced.error_code, error::kNone);
  EXPECT_EQ(synced.assignment, "all of it");

  HeartbeatRequest beat;
  beat.group_id = "g";
  beat.member_id = member;
  beat.generation_id = 1;
  client.request(int16_t{4}, 4, beat);
  EXPECT_EQ(client.response<HeartbeatResponse>(api_key::kHeartbeat, 4, 4).error_code, 0);

  OffsetCommitRequest commit;
  commit.group_id = "g";
  commit.generation_id_or_member_epoch = 1;
  commit.member_id = member;
  commit.topics = {{"orders", {{1, 99, 4, -1, std::string("m")}}}};
  client.request(int16_t{8}, 5, commit);
  auto committed = client.response<OffsetCommitResponse>(api_key::kOffsetCommit, 8, 5);
  ASSERT_EQ(committed.topics.size(), 1u);
  EXPECT_EQ(committed.topics[0].partitions[0].error_code, error::kNone);

  OffsetFetchRequest fetch;
  fetch.groups.resize(1);
  fetch.groups[0].group_id = "g";
  fetch.groups[0].topics = std::nullopt;  // every partition with an offset
  client.request(int16_t{8}, 6, fetch);
  auto fetched = client.response<OffsetFetchResponse>(api_key::kOffsetFetch, 8, 6);
  ASSERT_EQ(fetched.groups.size(), 1u);
  ASSERT_EQ(fetched.groups[0].topics.size(), 1u);
  EXPECT_EQ(fetched.groups[0].topics[0].partitions[0].partition_index, 1);
  EXPECT_EQ(fetched.groups[0].topics[0].partitions[0].committed_offset, 99);
  EXPECT_EQ(fetched.groups[0].topics[0].partitions[0].committed_leader_epoch, 4);

  ListGroupsRequest list;
  list.states_filter = {"stable"};
  client.request(int16_t{4}, 7, list);
  auto listed = client.response<ListGroupsResponse>(api_key::kListGroups, 4, 7);
  ASSERT_EQ(listed.groups.size(), 1u);
  EXPECT_EQ(listed.groups[0].group_state, "Stable");

  DescribeGroupsRequest describe;
  describe.groups = {"g", "unknown"};
  client.request(int16_t{5}, 8, describe);
  auto described = client.response<DescribeGroupsResponse>(api_key::kDescribeGroups, 5, 8);
  ASSERT_EQ(described.groups.size(), 2u);
  EXPECT_EQ(described.groups[0].protocol_data, "range");
  ASSERT_EQ(described.groups[0].members.size(), 1u);
  EXPECT_EQ(described.groups[0].members[0].client_id, "test-client");
  EXPECT_EQ(described.groups[0].members[0].client_host, "/127.0.0.1");
  EXPECT_EQ(described.groups[0].members[0].member_assignment, "all of it");
  EXPECT_EQ(described.groups[1].group_state, "Dead");

  DeleteGroupsRequest del;
  del.groups_names = {"g"};
  client.request(int16_t{2}, 9, del);
  EXPECT_EQ(
      client.response<DeleteGroupsResponse>(api_key::kDeleteGroups, 2, 9).results[0].error_code,
      error::kNonEmptyGroup);

  LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.members = {{member, std::nullopt, std::string("done")}, {"stranger", std::nullopt, {}}};
  client.request(int16_t{5}, 10, leave);
  auto left = client.response<LeaveGroupResponse>(api_key::kLeaveGroup, 5, 10);
  ASSERT_EQ(left.members.size(), 2u);
  EXPECT_EQ(left.members[0].error_code, error::kNone);
  EXPECT_EQ(left.members[1].error_code, error::kUnknownMemberId);

  client.request(int16_t{2}, 11, del);
  EXPECT_EQ(
      client.response<DeleteGroupsResponse>(api_key::kDeleteGroups, 2, 11).results[0].error_code,
      error::kNone);
}

TEST(KafkaGroupsSession, TheOffsetsStreamIsListedOnlyWhenAskedForByName) {
  GroupsBroker b;
  KafkaTestClient client(b);
  MetadataRequest all;
  all.topics = std::nullopt;
  client.request(int16_t{12}, 1, all);
  auto listed = client.response<MetadataResponse>(api_key::kMetadata, 12, 1);
  ASSERT_EQ(listed.topics.size(), 1u);
  EXPECT_EQ(listed.topics[0].name, "orders");
  EXPECT_FALSE(listed.topics[0].is_internal);

  MetadataRequest named;
  named.topics = std::vector<MetadataRequest::MetadataRequestTopic>(1);
  named.topics->at(0).name = std::string(groups::kOffsetsTopic);
  client.request(int16_t{12}, 2, named);
  auto described = client.response<MetadataResponse>(api_key::kMetadata, 12, 2);
  ASSERT_EQ(described.topics.size(), 1u);
  EXPECT_EQ(described.topics[0].error_code, error::kNone);
  EXPECT_TRUE(described.topics[0].is_internal);
}

TEST(KafkaGroupsSession, AConnectionClosedWhileItsJoinWaitsLeavesNothingDangling) {
  GroupsBroker b;
  KafkaTestClient first(b);
  first.request(int16_t{3}, 1, join_request(""));
  auto joined = first.response<JoinGroupResponse>(api_key::kJoinGroup, 3, 1);
  ASSERT_EQ(joined.error_code, error::kNone);
  {
    // A second member's join waits for the first to rejoin; its connection goes first.
    KafkaTestClient second(b);
    second.request(int16_t{3}, 1, join_request(""));
    // The first member's heartbeat shows the second's join arrived: a rebalance began.
    HeartbeatRequest beat;
    beat.group_id = "g";
    beat.member_id = joined.member_id;
    beat.generation_id = 1;
    first.request(int16_t{0}, 9, beat);
    EXPECT_EQ(first.response<HeartbeatResponse>(api_key::kHeartbeat, 0, 9).error_code,
              error::kRebalanceInProgress);
  }
  first.request(int16_t{3}, 2, join_request(joined.member_id));
  auto rejoined = first.response<JoinGroupResponse>(api_key::kJoinGroup, 3, 2);
  EXPECT_EQ(rejoined.error_code, error::kNone);
  EXPECT_EQ(rejoined.generation_id, 2);
  EXPECT_EQ(rejoined.members.size(), 2u);
  // The member whose connection is gone expires with its session (fake clock).
  b.timers.advance(std::chrono::seconds(11));
  const groups::Group* g = b.coordinator.find_group("g");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->member_count(), 0u);
}

}  // namespace
}  // namespace polymq::kafka

namespace polymq::kafka {
namespace {

// Permissions (kafka/topic_access.h): offsets need read on their topic; the group APIs only a
// grant in the vhost.
TEST(KafkaGroupsSession, OffsetsNeedReadOnTheTopicAndGroupsAGrantInTheVhost) {
  GroupsBroker b;
  core::Stream* audit = nullptr;
  ASSERT_TRUE(b.broker.find_vhost("/")->declare_stream("audit", {}, audit).ok());
  ASSERT_TRUE(b.broker.permissions().set("/", "guest", {"", "", "^orders$"}).ok());
  KafkaTestClient client(b);

  // A simple commit (no member): the readable topic is committed, the other refused.
  OffsetCommitRequest commit;
  commit.group_id = "g";
  commit.topics = {{"orders", {{0, 7, -1, -1, std::string()}}},
                   {"audit", {{0, 3, -1, -1, std::string()}}}};
  client.request(int16_t{8}, 1, commit);
  auto committed = client.response<OffsetCommitResponse>(api_key::kOffsetCommit, 8, 1);
  ASSERT_EQ(committed.topics.size(), 2u);
  EXPECT_EQ(committed.topics[0].name, "orders");
  EXPECT_EQ(committed.topics[0].partitions[0].error_code, error::kNone);
  EXPECT_EQ(committed.topics[1].name, "audit");
  EXPECT_EQ(committed.topics[1].partitions[0].error_code, error::kTopicAuthorizationFailed);

  // Once audit is readable too, its offset can be committed; then read is taken away again.
  ASSERT_TRUE(b.broker.permissions().set("/", "guest", {"", "", "^(orders|audit)$"}).ok());
  commit.topics = {{"audit", {{0, 3, -1, -1, std::string()}}}};
  client.request(int16_t{8}, 2, commit);
  auto again = client.response<OffsetCommitResponse>(api_key::kOffsetCommit, 8, 2);
  ASSERT_EQ(again.topics.size(), 1u);
  EXPECT_EQ(again.topics[0].partitions[0].error_code, error::kNone);
  ASSERT_TRUE(b.broker.permissions().set("/", "guest", {"", "", "^orders$"}).ok());

  // Fetching all offsets leaves audit out; naming it gets the refusal.
  OffsetFetchRequest all;
  all.groups.resize(1);
  all.groups[0].group_id = "g";
  all.groups[0].topics = std::nullopt;
  client.request(int16_t{8}, 3, all);
  auto fetched = client.response<OffsetFetchResponse>(api_key::kOffsetFetch, 8, 3);
  ASSERT_EQ(fetched.groups.size(), 1u);
  ASSERT_EQ(fetched.groups[0].topics.size(), 1u);
  EXPECT_EQ(fetched.groups[0].topics[0].name, "orders");
  EXPECT_EQ(fetched.groups[0].topics[0].partitions[0].committed_offset, 7);

  OffsetFetchRequest named;
  named.group_id = "g";
  named.topics =
      std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>{{"audit", {0}}, {"orders", {0}}};
  client.request(int16_t{5}, 4, named);
  auto v5 = client.response<OffsetFetchResponse>(api_key::kOffsetFetch, 5, 4);
  ASSERT_EQ(v5.topics.size(), 2u);
  EXPECT_EQ(v5.topics[0].name, "orders");
  EXPECT_EQ(v5.topics[0].partitions[0].committed_offset, 7);
  EXPECT_EQ(v5.topics[1].name, "audit");
  EXPECT_EQ(v5.topics[1].partitions[0].error_code, error::kTopicAuthorizationFailed);
  EXPECT_EQ(v5.topics[1].partitions[0].committed_offset, -1);

  // Without any grant the group APIs are refused.
  b.broker.permissions().clear("/", "guest");
  FindCoordinatorRequest find;
  find.key = "g";
  client.request(int16_t{3}, 5, find);
  auto found = client.response<FindCoordinatorResponse>(api_key::kFindCoordinator, 3, 5);
  EXPECT_EQ(found.error_code, error::kGroupAuthorizationFailed);
  client.request(int16_t{9}, 6, join_request(""));
  EXPECT_EQ(client.response<JoinGroupResponse>(api_key::kJoinGroup, 9, 6).error_code,
            error::kGroupAuthorizationFailed);
}

}  // namespace
}  // namespace polymq::kafka
