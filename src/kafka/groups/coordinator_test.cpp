// The group coordinator over real storage: commits answered after their round, fetched back,
// and replayed from __consumer_offsets by a new coordinator (a broker restart).
#include "kafka/groups/coordinator.h"

#include <gtest/gtest.h>

#include "core/fake_timers.h"
#include "core/test_storage.h"
#include "kafka/error_codes.h"
#include "kafka/groups/group_errors.h"
#include "kafka/groups/group_test_util.h"

namespace polymq::kafka::groups {
namespace {

using testing::Answer;
using testing::join_request;
using testing::kClient;
using testing::sync_request;

OffsetCommitRequest commit_request(const std::string& group, const std::string& topic,
                                   std::vector<std::pair<int32_t, int64_t>> offsets,
                                   int32_t generation = -1, const std::string& member = "") {
  OffsetCommitRequest r;
  r.group_id = group;
  r.generation_id_or_member_epoch = generation;
  r.member_id = member;
  OffsetCommitRequest::OffsetCommitRequestTopic t;
  t.name = topic;
  for (auto [partition, offset] : offsets) {
    OffsetCommitRequest::OffsetCommitRequestPartition p;
    p.partition_index = partition;
    p.committed_offset = offset;
    p.committed_metadata = "meta-" + std::to_string(offset);
    t.partitions.push_back(p);
  }
  r.topics.push_back(t);
  return r;
}

OffsetFetchRequest fetch_request(const std::string& group, const std::string& topic,
                                 std::vector<int32_t> partitions) {
  OffsetFetchRequest r;
  r.group_id = group;
  r.topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>{{topic, partitions}};
  return r;
}

class CoordinatorTest : public ::testing::Test {
 protected:
  CoordinatorTest() {
    hooks_.queue_stores = &storage_.stores();
    start();
  }

  // A broker start over the same storage: a new vhost (reopening the streams) and coordinator.
  void start() {
    coordinator_.reset();
    vhost_ = std::make_unique<core::VHost>("/", &hooks_);
    core::Stream* topic = nullptr;
    core::StreamSettings settings;
    settings.partitions = 4;
    ASSERT_TRUE(vhost_->declare_stream("orders", settings, topic).ok());
    coordinator_ = std::make_unique<GroupCoordinator>(timers_, commits_);
    ASSERT_TRUE(coordinator_->load(*vhost_).ok());
  }

  OffsetCommitResponse commit(const OffsetCommitRequest& request, int16_t version = 8) {
    Answer<OffsetCommitResponse> answer;
    coordinator_->commit(request, version, answer.callback());
    wait_for(answer.calls);
    return answer.value.value_or(OffsetCommitResponse{});
  }

  OffsetFetchResponse fetch(const OffsetFetchRequest& request, int16_t version = 7) {
    Answer<OffsetFetchResponse> answer;
    coordinator_->fetch(request, version, answer.callback());
    wait_for(answer.calls);
    return answer.value.value_or(OffsetFetchResponse{});
  }

  // Runs the loop (group-commit rounds) until an answer came.
  void wait_for(const int& calls) {
    EXPECT_TRUE(storage_.loop().run_until([&] { return calls > 0; }));
    EXPECT_EQ(calls, 1);
  }

  core::testing::TestStorage storage_{"kafka-groups"};
  core::VHostHooks hooks_;
  core::CommitTracker commits_{&storage_.committer()};
  core::FakeTimers timers_;
  std::unique_ptr<core::VHost> vhost_;
  std::unique_ptr<GroupCoordinator> coordinator_;
};

TEST_F(CoordinatorTest, CommitIsAnsweredOnceDurableAndFetchedBack) {
  Answer<OffsetCommitResponse> answer;
  coordinator_->commit(commit_request("g", "orders", {{0, 42}, {2, 7}}), 8, answer.callback());
  EXPECT_EQ(answer.calls, 0);  // waits for the group-commit round
  storage_.run_round();
  ASSERT_EQ(answer.calls, 1);
  ASSERT_EQ(answer.value->topics.size(), 1u);
  EXPECT_EQ(answer.value->topics[0].partitions[0].error_code, error::kNone);
  EXPECT_EQ(answer.value->topics[0].partitions[1].error_code, error::kNone);

  const OffsetFetchResponse r = fetch(fetch_request("g", "orders", {0, 1, 2}));
  ASSERT_EQ(r.topics.size(), 1u);
  ASSERT_EQ(r.topics[0].partitions.size(), 3u);
  EXPECT_EQ(r.topics[0].partitions[0].committed_offset, 42);
  EXPECT_EQ(r.topics[0].partitions[0].metadata, "meta-42");
  EXPECT_EQ(r.topics[0].partitions[1].committed_offset, -1);  // nothing committed
  EXPECT_EQ(r.topics[0].partitions[2].committed_offset, 7);
}

TEST_F(CoordinatorTest, FetchWhileACommitIsInFlightSeesIt) {
  Answer<OffsetCommitResponse> committed;
  Answer<OffsetFetchResponse> fetched;
  coordinator_->commit(commit_request("g", "orders", {{1, 5}}), 8, committed.callback());
  coordinator_->fetch(fetch_request("g", "orders", {1}), 7, fetched.callback());
  EXPECT_EQ(fetched.calls, 0);
  storage_.run_round();
  ASSERT_EQ(fetched.calls, 1);
  EXPECT_EQ(fetched.value->topics[0].partitions[0].committed_offset, 5);
}

TEST_F(CoordinatorTest, FetchOfEveryPartitionAndOfSeveralGroups) {
  commit(commit_request("g1", "orders", {{3, 30}, {1, 10}}));
  commit(commit_request("g2", "orders", {{0, 1}}));
  OffsetFetchRequest all;
  all.group_id = "g1";
  all.topics = std::nullopt;
  const OffsetFetchResponse r = fetch(all);
  ASSERT_EQ(r.topics.size(), 1u);
  ASSERT_EQ(r.topics[0].partitions.size(), 2u);
  EXPECT_EQ(r.topics[0].partitions[0].partition_index, 1);
  EXPECT_EQ(r.topics[0].partitions[1].committed_offset, 30);

  OffsetFetchRequest batched;
  batched.groups.resize(3);
  batched.groups[0].group_id = "g1";
  batched.groups[0].topics = std::nullopt;
  batched.groups[1].group_id = "g2";
  batched.groups[1].topics =
      std::vector<OffsetFetchRequest::OffsetFetchRequestTopics>{{"orders", {0}}};
  batched.groups[2].group_id = "unknown";
  batched.groups[2].topics = std::nullopt;
  const OffsetFetchResponse v8 = fetch(batched, 8);
  ASSERT_EQ(v8.groups.size(), 3u);
  EXPECT_EQ(v8.groups[0].topics[0].partitions.size(), 2u);
  EXPECT_EQ(v8.groups[1].topics[0].partitions[0].committed_offset, 1);
  EXPECT_TRUE(v8.groups[2].topics.empty());
}

TEST_F(CoordinatorTest, CommitErrors) {
  auto r = commit(commit_request("g", "absent", {{0, 1}}));
  EXPECT_EQ(r.topics[0].partitions[0].error_code, error::kUnknownTopicOrPartition);
  r = commit(commit_request("g", "orders", {{9, 1}}));
  EXPECT_EQ(r.topics[0].partitions[0].error_code, error::kUnknownTopicOrPartition);
  // A generation of a group the coordinator does not know.
  r = commit(commit_request("other", "orders", {{0, 1}}, 3, "member"));
  EXPECT_EQ(r.topics[0].partitions[0].error_code, error::kIllegalGeneration);
  r = commit(commit_request("", "orders", {{0, 1}}));
  EXPECT_EQ(r.topics[0].partitions[0].error_code, error::kInvalidGroupId);
  OffsetCommitRequest big = commit_request("g", "orders", {{0, 1}});
  big.topics[0].partitions[0].committed_metadata = std::string(5000, 'x');
  r = commit(big);
  EXPECT_EQ(r.topics[0].partitions[0].error_code, error::kOffsetMetadataTooLarge);
}

TEST_F(CoordinatorTest, MemberCommitsAreCheckedAgainstItsGeneration) {
  Answer<JoinGroupResponse> join;
  coordinator_->join(join_request("g", ""), 3, kClient, join.callback());
  const std::string member = join.value->member_id;
  Answer<SyncGroupResponse> sync;
  coordinator_->sync(sync_request("g", member, 1), 3, sync.callback());
  ASSERT_EQ(sync.value->error_code, error::kNone);
  auto r = commit(commit_request("g", "orders", {{0, 1}}, 1, member));
  EXPECT_EQ(r.topics[0].partitions[0].error_code, error::kNone);
  r = commit(commit_request("g", "orders", {{0, 2}}, 0, member));
  EXPECT_EQ(r.topics[0].partitions[0].error_code, error::kIllegalGeneration);
  r = commit(commit_request("g", "orders", {{0, 3}}));
  EXPECT_EQ(r.topics[0].partitions[0].error_code, error::kUnknownMemberId);

  // An active group cannot be deleted; an empty one can.
  DeleteGroupsRequest del;
  del.groups_names = {"g", "nope"};
  Answer<DeleteGroupsResponse> deleted;
  coordinator_->delete_groups(del, deleted.callback());
  wait_for(deleted.calls);
  ASSERT_EQ(deleted.value->results.size(), 2u);
  EXPECT_EQ(deleted.value->results[0].error_code, error::kNonEmptyGroup);
  EXPECT_EQ(deleted.value->results[1].error_code, error::kGroupIdNotFound);
  LeaveGroupRequest leave;
  leave.group_id = "g";
  leave.member_id = member;
  EXPECT_EQ(coordinator_->leave(leave, 1).error_code, error::kNone);
  Answer<DeleteGroupsResponse> deleted_now;
  coordinator_->delete_groups(del, deleted_now.callback());
  wait_for(deleted_now.calls);
  EXPECT_EQ(deleted_now.value->results[0].error_code, error::kNone);
  EXPECT_EQ(coordinator_->find_group("g"), nullptr);
}

TEST_F(CoordinatorTest, ARestartReplaysTheLastCommitOfEachPartitionAndTheGroups) {
  for (int64_t offset = 1; offset <= 300; ++offset) {
    commit(commit_request("g", "orders", {{0, offset}, {1, 1000 + offset}}));
  }
  commit(commit_request("doomed", "orders", {{0, 9}}));
  DeleteGroupsRequest del;
  del.groups_names = {"doomed"};
  Answer<DeleteGroupsResponse> deleted;
  coordinator_->delete_groups(del, deleted.callback());
  wait_for(deleted.calls);
  // A group with a stable generation.
  Answer<JoinGroupResponse> join;
  coordinator_->join(join_request("members", ""), 3, kClient, join.callback());
  const std::string member = join.value->member_id;
  SyncGroupRequest leader_sync = sync_request("members", member, 1);
  leader_sync.assignments = {{member, "assigned"}};
  Answer<SyncGroupResponse> sync;
  coordinator_->sync(leader_sync, 3, sync.callback());
  storage_.run_round();

  start();
  EXPECT_EQ(coordinator_->skipped_records(), 0u);
  const OffsetFetchResponse r = fetch(fetch_request("g", "orders", {0, 1}));
  EXPECT_EQ(r.topics[0].partitions[0].committed_offset, 300);
  EXPECT_EQ(r.topics[0].partitions[1].committed_offset, 1300);
  EXPECT_EQ(r.topics[0].partitions[1].metadata, "meta-1300");
  EXPECT_EQ(coordinator_->find_group("doomed"), nullptr);
  const Group* members = coordinator_->find_group("members");
  ASSERT_NE(members, nullptr);
  EXPECT_EQ(members->state(), GroupState::kStable);
  EXPECT_EQ(members->generation(), 1);
  EXPECT_TRUE(members->has_member(member));
  // The internal stream is a stream of the vhost, as every topic.
  EXPECT_NE(vhost_->find_stream(std::string(kOffsetsTopic)), nullptr);
}

TEST_F(CoordinatorTest, ALogOfManyCommitsIsRewrittenAsItsStateAndReplaysTheSame) {
  // 30 rounds of 100 commits of 4 partitions: 12000 records, a rewrite due after 10000.
  int64_t offset = 0;
  for (int round = 0; round < 30; ++round) {
    for (int i = 0; i < 100; ++i) {
      ++offset;
      coordinator_->commit(commit_request("g", "orders", {{0, offset}, {1, offset}, {2, offset},
                                                          {3, offset}}),
                           8, [](const OffsetCommitResponse&) {});
    }
    storage_.run_round();
  }
  EXPECT_EQ(coordinator_->log_rewrites(), 1u);
  start();
  EXPECT_LT(coordinator_->replayed_records(), 3000u);  // not 12000
  const OffsetFetchResponse r = fetch(fetch_request("g", "orders", {0, 1, 2, 3}));
  ASSERT_EQ(r.topics.size(), 1u);
  for (const auto& p : r.topics[0].partitions) EXPECT_EQ(p.committed_offset, 3000);
}


}  // namespace
}  // namespace polymq::kafka::groups
