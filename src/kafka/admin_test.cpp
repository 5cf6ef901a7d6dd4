// Kafka's administration APIs over a real session: topics created with configs, refused as
// Kafka refuses them, described, altered, grown and deleted.
#include "kafka/admin.h"

#include <gtest/gtest.h>

#include "kafka/error_codes.h"
#include "kafka/kafka_test_client.h"
#include "kafka/topic_configs.h"

namespace polymq::kafka {
namespace {

using testing::KafkaTestClient;
using testing::TestBroker;

CreateTopicsRequest::CreatableTopic topic(const std::string& name, int32_t partitions,
                                          int16_t replication = -1) {
  CreateTopicsRequest::CreatableTopic t;
  t.name = name;
  t.num_partitions = partitions;
  t.replication_factor = replication;
  return t;
}

class KafkaAdminTest : public ::testing::Test {
 protected:
  core::VHost& vhost() { return *broker_.broker.find_vhost("/"); }

  CreateTopicsResponse create(std::vector<CreateTopicsRequest::CreatableTopic> topics,
                              int16_t version = 7, bool validate_only = false) {
    CreateTopicsRequest req;
    req.topics = std::move(topics);
    req.validate_only = validate_only;
    client_.request(version, ++id_, req);
    return client_.response<CreateTopicsResponse>(api_key::kCreateTopics, version, id_);
  }
  std::map<std::string, DescribeConfigsResponse::DescribeConfigsResourceResult> describe(
      const std::string& name, int16_t& error) {
    DescribeConfigsRequest req;
    DescribeConfigsRequest::DescribeConfigsResource r;
    r.resource_type = resource_type::kTopic;
    r.resource_name = name;
    r.configuration_keys = std::nullopt;
    req.resources.push_back(r);
    client_.request(int16_t{4}, ++id_, req);
    auto resp = client_.response<DescribeConfigsResponse>(api_key::kDescribeConfigs, 4, id_);
    std::map<std::string, DescribeConfigsResponse::DescribeConfigsResourceResult> out;
    error = resp.results.empty() ? int16_t{-99} : resp.results[0].error_code;
    if (!resp.results.empty()) {
      for (const auto& c : resp.results[0].configs) out[c.name] = c;
    }
    return out;
  }

  TestBroker broker_;
  KafkaTestClient client_{broker_};
  int32_t id_ = 0;
};

TEST_F(KafkaAdminTest, CreateTopicsMakesStreamsWithTheirConfigs) {
  auto t = topic("orders", 3, 1);
  t.configs.push_back({"retention.ms", "60000"});
  t.configs.push_back({"cleanup.policy", "delete"});
  auto r = create({t, topic("audit", -1)});
  ASSERT_EQ(r.topics.size(), 2u);
  EXPECT_EQ(r.topics[0].error_code, error::kNone) << r.topics[0].error_message.value_or("");
  EXPECT_EQ(r.topics[0].num_partitions, 3);
  EXPECT_EQ(r.topics[0].replication_factor, 1);
  EXPECT_EQ(r.topics[1].error_code, error::kNone);
  EXPECT_EQ(r.topics[1].num_partitions, 1) << "the broker's num.partitions";
  core::Stream* orders = vhost().find_stream("orders");
  ASSERT_NE(orders, nullptr);
  EXPECT_EQ(orders->partition_count(), 3u);
  EXPECT_EQ(orders->settings().retention_ms, 60000);

  int16_t error = 0;
  auto configs = describe("orders", error);
  EXPECT_EQ(error, error::kNone);
  EXPECT_EQ(configs["retention.ms"].value, "60000");
  EXPECT_FALSE(configs["retention.ms"].is_default);
  EXPECT_EQ(configs["retention.bytes"].value, "-1");
  EXPECT_FALSE(configs["cleanup.policy"].read_only);
  EXPECT_EQ(configs["cleanup.policy"].value, "delete");
  EXPECT_EQ(configs["cleanup.policy"].config_source, config_source::kDefault);
  EXPECT_EQ(configs["min.cleanable.dirty.ratio"].value, "0.5");
  core::StreamSettings checked;
  for (const char* bad : {"nan", "-0.1", "1.5", "inf"}) {
    EXPECT_TRUE(set_topic_config("min.cleanable.dirty.ratio", std::string(bad), checked)) << bad;
  }
  EXPECT_FALSE(set_topic_config("min.cleanable.dirty.ratio", std::string("0.01"), checked));
  describe("missing", error);
  EXPECT_EQ(error, error::kUnknownTopicOrPartition);
}

TEST_F(KafkaAdminTest, CreateTopicsRefusesAsKafkaDoes) {
  ASSERT_EQ(create({topic("taken", 1)}).topics[0].error_code, error::kNone);
  core::QueueDeclareOutcome out;
  ASSERT_TRUE(vhost().declare_queue("a-queue", {}, false, 1, out).ok());
  auto compacted = topic("compacted", 1);
  compacted.configs.push_back({"cleanup.policy", "compact,shrink"});
  auto unknown_config = topic("odd", 1);
  unknown_config.configs.push_back({"no.such.config", "1"});
  auto bad_number = topic("bad-number", 1);
  bad_number.configs.push_back({"retention.ms", "soon"});
  auto r = create({topic("taken", 1), topic("three-copies", 1, 3), topic("bad name!", 1),
                   topic("zero", 0), compacted, unknown_config, bad_number, topic("a-queue", 1),
                   topic("twice", 1), topic("twice", 1)});
  std::vector<int16_t> codes;
  for (const auto& t : r.topics) codes.push_back(t.error_code);
  EXPECT_EQ(codes,
            (std::vector<int16_t>{error::kTopicAlreadyExists, error::kInvalidReplicationFactor,
                                  error::kInvalidTopicException, error::kInvalidPartitions,
                                  error::kInvalidConfig, error::kInvalidConfig,
                                  error::kInvalidConfig, error::kInvalidTopicException,
                                  error::kInvalidRequest, error::kInvalidRequest}));
  EXPECT_NE(r.topics[4].error_message.value_or("").find("cleanup.policy"), std::string::npos);
  for (const char* name : {"three-copies", "zero", "compacted", "odd", "bad-number", "twice"}) {
    EXPECT_EQ(vhost().find_stream(name), nullptr) << name;
  }
  // validate_only checks without creating.
  auto checked = create({topic("dry-run", 2)}, 7, true);
  EXPECT_EQ(checked.topics[0].error_code, error::kNone);
  EXPECT_EQ(vhost().find_stream("dry-run"), nullptr);
}

TEST_F(KafkaAdminTest, AlterConfigsReplacesAndIncrementalAlterChangesOne) {
  auto t = topic("t", 1);
  t.configs.push_back({"retention.ms", "60000"});
  t.configs.push_back({"retention.bytes", "1000000"});
  ASSERT_EQ(create({t}).topics[0].error_code, error::kNone);

  IncrementalAlterConfigsRequest inc;
  IncrementalAlterConfigsRequest::AlterConfigsResource res;
  res.resource_type = resource_type::kTopic;
  res.resource_name = "t";
  res.configs.push_back({"retention.ms", 0, "120000"});    // SET
  res.configs.push_back({"segment.bytes", 0, "1048576"});  // SET
  inc.resources.push_back(res);
  client_.request(int16_t{1}, ++id_, inc);
  auto ir =
      client_.response<IncrementalAlterConfigsResponse>(api_key::kIncrementalAlterConfigs, 1, id_);
  ASSERT_EQ(ir.responses.size(), 1u);
  EXPECT_EQ(ir.responses[0].error_code, error::kNone);
  const core::StreamSettings after_inc = vhost().find_stream("t")->settings();
  EXPECT_EQ(after_inc.retention_ms, 120000);
  EXPECT_EQ(after_inc.retention_bytes, 1000000) << "left alone by an incremental change";
  EXPECT_EQ(after_inc.segment_bytes, 1048576u);

  // APPEND and SUBTRACT change the one list config, cleanup.policy, item by item.
  inc.resources[0].configs = {{"cleanup.policy", 2, "compact"}};
  client_.request(int16_t{1}, ++id_, inc);
  client_.response<IncrementalAlterConfigsResponse>(api_key::kIncrementalAlterConfigs, 1, id_);
  EXPECT_TRUE(vhost().find_stream("t")->settings().cleanup_compact);
  EXPECT_TRUE(vhost().find_stream("t")->settings().cleanup_delete);
  inc.resources[0].configs = {{"cleanup.policy", 3, "delete"}};
  client_.request(int16_t{1}, ++id_, inc);
  client_.response<IncrementalAlterConfigsResponse>(api_key::kIncrementalAlterConfigs, 1, id_);
  EXPECT_FALSE(vhost().find_stream("t")->settings().cleanup_delete);
  inc.resources[0].configs = {{"cleanup.policy", 3, "compact"}};  // would leave none
  client_.request(int16_t{1}, ++id_, inc);
  auto emptied =
      client_.response<IncrementalAlterConfigsResponse>(api_key::kIncrementalAlterConfigs, 1, id_);
  EXPECT_EQ(emptied.responses[0].error_code, error::kInvalidConfig);
  EXPECT_TRUE(vhost().find_stream("t")->settings().cleanup_compact);

  // A DELETE returns one config to its default.
  inc.resources[0].configs = {{"retention.bytes", 1, std::nullopt}};
  client_.request(int16_t{1}, ++id_, inc);
  client_.response<IncrementalAlterConfigsResponse>(api_key::kIncrementalAlterConfigs, 1, id_);
  EXPECT_EQ(vhost().find_stream("t")->settings().retention_bytes, -1);

  // AlterConfigs replaces them all: what it leaves out returns to its default.
  AlterConfigsRequest alter;
  AlterConfigsRequest::AlterConfigsResource ares;
  ares.resource_type = resource_type::kTopic;
  ares.resource_name = "t";
  ares.configs.push_back({"retention.bytes", "5000"});
  alter.resources.push_back(ares);
  client_.request(int16_t{2}, ++id_, alter);
  auto ar = client_.response<AlterConfigsResponse>(api_key::kAlterConfigs, 2, id_);
  ASSERT_EQ(ar.responses.size(), 1u);
  EXPECT_EQ(ar.responses[0].error_code, error::kNone);
  const core::StreamSettings after_alter = vhost().find_stream("t")->settings();
  EXPECT_EQ(after_alter.retention_bytes, 5000);
  EXPECT_EQ(after_alter.retention_ms, core::StreamSettings{}.retention_ms);
  EXPECT_EQ(after_alter.segment_bytes, core::StreamSettings{}.segment_bytes);

  // Refusals leave the topic as it was.
  alter.resources[0].configs = {{"retention.bytes", "-7"}};
  alter.resources.push_back(ares);
  alter.resources[1].resource_name = "missing";
  client_.request(int16_t{2}, ++id_, alter);
  ar = client_.response<AlterConfigsResponse>(api_key::kAlterConfigs, 2, id_);
  ASSERT_EQ(ar.responses.size(), 2u);
  EXPECT_EQ(ar.responses[0].error_code, error::kInvalidConfig);
  EXPECT_EQ(ar.responses[1].error_code, error::kUnknownTopicOrPartition);
  EXPECT_EQ(vhost().find_stream("t")->settings().retention_bytes, 5000);
}

TEST_F(KafkaAdminTest, CreatePartitionsGrowsATopicOnly) {
  ASSERT_EQ(create({topic("grow", 2)}).topics[0].error_code, error::kNone);
  CreatePartitionsRequest req;
  req.topics.push_back({"grow", 5, std::nullopt});
  req.topics.push_back({"missing", 5, std::nullopt});
  client_.request(int16_t{3}, ++id_, req);
  auto r = client_.response<CreatePartitionsResponse>(api_key::kCreatePartitions, 3, id_);
  ASSERT_EQ(r.results.size(), 2u);
  EXPECT_EQ(r.results[0].error_code, error::kNone);
  EXPECT_EQ(r.results[1].error_code, error::kUnknownTopicOrPartition);
  EXPECT_EQ(vhost().find_stream("grow")->partition_count(), 5u);

  req.topics = {{"grow", 3, std::nullopt}};
  client_.request(int16_t{0}, ++id_, req);
  r = client_.response<CreatePartitionsResponse>(api_key::kCreatePartitions, 0, id_);
  EXPECT_EQ(r.results[0].error_code, error::kInvalidPartitions);
  EXPECT_EQ(vhost().find_stream("grow")->partition_count(), 5u);
}

TEST_F(KafkaAdminTest, DeleteTopicsByNameAndUnknownIds) {
  ASSERT_EQ(create({topic("gone", 1)}).topics[0].error_code, error::kNone);
  DeleteTopicsRequest old;
  old.topic_names = {"gone", "never"};
  client_.request(int16_t{5}, ++id_, old);
  auto r = client_.response<DeleteTopicsResponse>(api_key::kDeleteTopics, 5, id_);
  ASSERT_EQ(r.responses.size(), 2u);
  EXPECT_EQ(r.responses[0].error_code, error::kNone);
  EXPECT_EQ(r.responses[1].error_code, error::kUnknownTopicOrPartition);
  EXPECT_EQ(vhost().find_stream("gone"), nullptr);

  ASSERT_EQ(create({topic("by-name", 1)}).topics[0].error_code, error::kNone);
  DeleteTopicsRequest v6;
  DeleteTopicsRequest::DeleteTopicState by_name;
  by_name.name = "by-name";
  DeleteTopicsRequest::DeleteTopicState by_id;
  by_id.topic_id.bytes[0] = 1;
  v6.topics = {by_name, by_id};
  client_.request(int16_t{6}, ++id_, v6);
  r = client_.response<DeleteTopicsResponse>(api_key::kDeleteTopics, 6, id_);
  ASSERT_EQ(r.responses.size(), 2u);
  EXPECT_EQ(r.responses[0].error_code, error::kNone);
  EXPECT_EQ(r.responses[1].error_code, error::kUnknownTopicId);
  EXPECT_EQ(vhost().find_stream("by-name"), nullptr);
}

TEST_F(KafkaAdminTest, TheOffsetsTopicIsNotChangedFromOutside) {
  core::Stream* offsets = nullptr;
  ASSERT_TRUE(vhost().declare_stream("__consumer_offsets", {}, offsets).ok());
  DeleteTopicsRequest del;
  del.topic_names = {"__consumer_offsets"};
  client_.request(int16_t{4}, ++id_, del);
  auto r = client_.response<DeleteTopicsResponse>(api_key::kDeleteTopics, 4, id_);
  ASSERT_EQ(r.responses.size(), 1u);
  EXPECT_EQ(r.responses[0].error_code, error::kInvalidRequest);
  CreatePartitionsRequest grow;
  grow.topics.push_back({"__consumer_offsets", 4, std::nullopt});
  client_.request(int16_t{3}, ++id_, grow);
  auto g = client_.response<CreatePartitionsResponse>(api_key::kCreatePartitions, 3, id_);
  EXPECT_EQ(g.results[0].error_code, error::kInvalidRequest);
  AlterConfigsRequest alter;
  AlterConfigsRequest::AlterConfigsResource res;
  res.resource_type = resource_type::kTopic;
  res.resource_name = "__consumer_offsets";
  res.configs.push_back({"retention.ms", "1"});
  alter.resources.push_back(res);
  client_.request(int16_t{2}, ++id_, alter);
  auto a = client_.response<AlterConfigsResponse>(api_key::kAlterConfigs, 2, id_);
  EXPECT_EQ(a.responses[0].error_code, error::kInvalidRequest);
  EXPECT_EQ(vhost().find_stream("__consumer_offsets"), offsets);
  EXPECT_EQ(offsets->partition_count(), 1u);
  EXPECT_EQ(offsets->settings().retention_ms, -1);
}

TEST_F(KafkaAdminTest, DescribeClusterNamesTheOneBroker) {
  client_.request(int16_t{1}, ++id_, DescribeClusterRequest{});
  auto r = client_.response<DescribeClusterResponse>(api_key::kDescribeCluster, 1, id_);
  EXPECT_EQ(r.error_code, error::kNone);
  EXPECT_EQ(r.cluster_id, "test-cluster-id");
  EXPECT_EQ(r.controller_id, 0);
  ASSERT_EQ(r.brokers.size(), 1u);
  EXPECT_EQ(r.brokers[0].host, "kafka.test");
  EXPECT_EQ(r.brokers[0].port, 19092);
}

}  // namespace
}  // namespace polymq::kafka
