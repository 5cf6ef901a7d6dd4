// handle_metadata: the one-node cluster, the vhost's streams as topics, auto-creation and its
// switches, and the per-topic errors.
#include "kafka/metadata.h"

#include <gtest/gtest.h>

#include "kafka/error_codes.h"
#include "kafka/kafka_test_client.h"

namespace polymq::kafka {
namespace {

using testing::TestBroker;

MetadataRequest asking_for(std::vector<std::string> names, bool allow_auto_create = true) {
  MetadataRequest req;
  req.topics.emplace();
  for (std::string& n : names) {
    MetadataRequest::MetadataRequestTopic t;
    t.name = std::move(n);
    req.topics->push_back(std::move(t));
  }
  req.allow_auto_topic_creation = allow_auto_create;
  return req;
}

class MetadataTest : public ::testing::Test {
 protected:
  core::VHost& vhost() { return *broker_.broker.find_vhost("/"); }
  void declare(const std::string& name, uint32_t partitions) {
    core::StreamSettings settings;
    settings.partitions = partitions;
    core::Stream* stream = nullptr;
    ASSERT_TRUE(vhost().declare_stream(name, settings, stream).ok());
  }
  MetadataResponse run(const MetadataRequest& req, int16_t version) {
    return handle_metadata(broker_.broker, broker_.config, TopicAccess::everything(), req, version);
  }

  TestBroker broker_;
};

TEST_F(MetadataTest, EveryTopicIsListedSortedWithItsPartitions) {
  declare("zeta", 1);
  declare("alpha", 3);
  MetadataRequest all;
  all.topics = std::nullopt;
  for (int16_t v : {int16_t{1}, int16_t{12}}) {
    MetadataResponse r = run(all, v);
    ASSERT_EQ(r.topics.size(), 2u);
    EXPECT_EQ(r.topics[0].name, "alpha");
    EXPECT_EQ(r.topics[1].name, "zeta");
    ASSERT_EQ(r.topics[0].partitions.size(), 3u);
    for (int32_t p = 0; p < 3; ++p) {
      const auto& part = r.topics[0].partitions[static_cast<size_t>(p)];
      EXPECT_EQ(part.partition_index, p);
      EXPECT_EQ(part.leader_id, 0);
      EXPECT_EQ(part.replica_nodes, std::vector<int32_t>{0});
      EXPECT_EQ(part.isr_nodes, std::vector<int32_t>{0});
      EXPECT_EQ(part.error_code, 0);
    }
  }
  // v0 has no null array: empty means every topic. From v1 empty means none.
  EXPECT_EQ(run(asking_for({}), 0).topics.size(), 2u);
  EXPECT_EQ(run(asking_for({}), 1).topics.size(), 0u);
}

TEST_F(MetadataTest, AMissingTopicIsCreatedWithTheDefaultPartitionCount) {
  broker_.config.default_partitions = 2;
  MetadataResponse r = run(asking_for({"new-topic"}), 9);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].error_code, 0);
  EXPECT_EQ(r.topics[0].partitions.size(), 2u);
  core::Stream* s = vhost().find_stream("new-topic");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->partition_count(), 2u);
}

TEST_F(MetadataTest, TheRequestCanRefuseCreation) {
  MetadataResponse r = run(asking_for({"absent"}, /*allow_auto_create=*/false), 4);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].error_code, error::kUnknownTopicOrPartition);
  EXPECT_EQ(vhost().find_stream("absent"), nullptr);
  // Before v4 the request has no say (the field is not on the wire), as in Kafka.
  EXPECT_EQ(run(asking_for({"absent"}, false), 3).topics[0].error_code, 0);
  EXPECT_NE(vhost().find_stream("absent"), nullptr);
}

TEST_F(MetadataTest, TheBrokerCanRefuseCreation) {
  broker_.config.auto_create_topics = false;
  declare("present", 1);
  MetadataResponse r = run(asking_for({"absent", "present"}), 1);
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[0].error_code, error::kUnknownTopicOrPartition);
  EXPECT_EQ(r.topics[1].error_code, 0);
  EXPECT_EQ(vhost().find_stream("absent"), nullptr);
}

TEST_F(MetadataTest, InvalidNamesAreRefusedAndNotCreated) {
  for (const std::string& name :
       std::vector<std::string>{"", ".", "..", "has space", "slash/", std::string(250, 'a')}) {
    MetadataResponse r = run(asking_for({name}), 9);
    ASSERT_EQ(r.topics.size(), 1u);
    EXPECT_EQ(r.topics[0].error_code, error::kInvalidTopicException) << name;
  }
  EXPECT_TRUE(vhost().streams().empty());
  EXPECT_TRUE(valid_topic_name(std::string(249, 'a')));
  EXPECT_TRUE(valid_topic_name("A-z_0.9"));
}

TEST_F(MetadataTest, ANameHeldByAQueueIsNotATopic) {
  core::QueueDeclareOutcome out;
  ASSERT_TRUE(vhost().declare_queue("jobs", {}, false, 1, out).ok());
  MetadataResponse r = run(asking_for({"jobs"}), 9);
  EXPECT_EQ(r.topics[0].error_code, error::kUnknownTopicOrPartition);
}

TEST_F(MetadataTest, ATopicNamedByIdOnlyIsUnknown) {
  MetadataRequest req;
  req.topics.emplace();
  MetadataRequest::MetadataRequestTopic t;
  t.name = std::nullopt;
  t.topic_id.bytes[15] = 1;
  req.topics->push_back(t);
  MetadataResponse r = run(req, 12);
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].error_code, error::kUnknownTopicId);
  EXPECT_EQ(r.topics[0].topic_id, t.topic_id);
}

}  // namespace
}  // namespace polymq::kafka
