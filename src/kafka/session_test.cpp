// kafka::Session over a real connection: framing, header parsing, dispatch, ApiVersions and the
// answers to bad input (docs/architecture.md, "Kafka front-end").
#include "kafka/session.h"

#include <gtest/gtest.h>

#include <map>

#include "kafka/api_versions.h"
#include "kafka/error_codes.h"
#include "kafka/kafka_test_client.h"

namespace polymq::kafka {
namespace {

using testing::KafkaTestClient;
using testing::TestBroker;

// Encodes a request header of any version number by hand (the codec only writes versions it
// knows), followed by `body`.
std::string raw_request(int16_t key, int16_t version, int32_t correlation_id,
                        int16_t header_version, const std::string& body) {
  std::string payload;
  Writer w(payload);
  w.int16(key);
  w.int16(version);
  w.int32(correlation_id);
  if (header_version >= 1) w.string("raw", false);
  if (header_version >= 2) w.uvarint(0);  // no tagged fields
  w.raw(body);
  std::string frame;
  Writer f(frame);
  f.int32(static_cast<int32_t>(payload.size()));
  f.raw(payload);
  return frame;
}

// The advertised list is supported_apis(), in order, with these ranges.
void expect_supported_list(const ApiVersionsResponse& r) {
  const std::map<int16_t, std::pair<int16_t, int16_t>> expected = {
      {api_key::kMetadata, {0, 12}},
      {api_key::kApiVersions, {0, 3}},
      // The data path (session_data.cpp).
      {api_key::kProduce, {3, 9}},
      {api_key::kFetch, {4, 12}},
      {api_key::kListOffsets, {1, 6}},
      {api_key::kOffsetForLeaderEpoch, {0, 4}},
      {api_key::kInitProducerId, {0, 4}},
      // Consumer groups (kafka/groups/).
      {api_key::kOffsetCommit, {0, 8}},
      {api_key::kOffsetFetch, {0, 8}},
      {api_key::kFindCoordinator, {0, 4}},
      {api_key::kJoinGroup, {0, 9}},
      {api_key::kHeartbeat, {0, 4}},
      {api_key::kLeaveGroup, {0, 5}},
      {api_key::kSyncGroup, {0, 5}},
      {api_key::kDescribeGroups, {0, 5}},
      {api_key::kListGroups, {0, 4}},
      {api_key::kDeleteGroups, {0, 2}},
      {api_key::kOffsetDelete, {0, 0}},
      // Topic administration (kafka/admin.h).
      {api_key::kCreateTopics, {0, 7}},
      {api_key::kDeleteTopics, {0, 6}},
      {api_key::kDeleteRecords, {0, 2}},
      {api_key::kDescribeConfigs, {0, 4}},
      {api_key::kAlterConfigs, {0, 2}},
      {api_key::kCreatePartitions, {0, 3}},
      {api_key::kIncrementalAlterConfigs, {0, 1}},
      {api_key::kDescribeCluster, {0, 1}},
      // Transactions (kafka/txn/coordinator.h).
      {api_key::kAddPartitionsToTxn, {0, 3}},
      {api_key::kAddOffsetsToTxn, {0, 3}},
      {api_key::kEndTxn, {0, 3}},
      {api_key::kTxnOffsetCommit, {0, 3}},
      // SASL (kafka/sasl.h).
      {api_key::kSaslHandshake, {0, 1}},
      {api_key::kSaslAuthenticate, {0, 2}},
  };
  ASSERT_EQ(r.api_keys.size(), expected.size());
  ASSERT_EQ(r.api_keys.size(), supported_apis().size());
  for (size_t i = 0; i < r.api_keys.size(); ++i) {
    const auto& api = r.api_keys[i];
    EXPECT_EQ(api.api_key, supported_apis()[i].key);
    auto it = expected.find(api.api_key);
    ASSERT_NE(it, expected.end()) << api.api_key;
    EXPECT_EQ(api.min_version, it->second.first) << api.api_key;
    EXPECT_EQ(api.max_version, it->second.second) << api.api_key;
  }
}

TEST(KafkaApiVersions, EveryServedRangeIsOneTheCodecReads) {
  int16_t previous_key = -1;
  for (const SupportedApi& api : supported_apis()) {
    EXPECT_GT(api.key, previous_key) << "ordered by key";
    previous_key = api.key;
    const ApiInfo* info = api_info(api.key);
    ASSERT_NE(info, nullptr) << api.key;
    EXPECT_GE(api.min_version, info->min_version) << info->name;
    EXPECT_LE(api.max_version, info->max_version) << info->name;
    EXPECT_LE(api.min_version, api.max_version) << info->name;
    EXPECT_EQ(find_supported_api(api.key), &api);
  }
  EXPECT_EQ(find_supported_api(27), nullptr);  // WriteTxnMarkers: between brokers only
}

TEST(KafkaSession, ApiVersionsInEverySupportedVersion) {
  TestBroker broker;
  KafkaTestClient client(broker);
  for (int16_t v = 0; v <= 3; ++v) {
    ApiVersionsRequest req;
    req.client_software_name = "test";
    req.client_software_version = "1.0";
    client.request(v, 100 + v, req);
    auto r = client.response<ApiVersionsResponse>(api_key::kApiVersions, v, 100 + v);
    EXPECT_EQ(r.error_code, error::kNone) << "v" << v;
    expect_supported_list(r);
  }
}

TEST(KafkaSession, ApiVersionsInAVersionTheCodecReadsButPolyMqDoesNotServe) {
  TestBroker broker;
  KafkaTestClient client(broker);
  client.request(int16_t{4}, 7, ApiVersionsRequest{});
  // Answered in v0 whatever was asked, so any client can read it.
  auto r = client.response<ApiVersionsResponse>(api_key::kApiVersions, 0, 7);
  EXPECT_EQ(r.error_code, error::kUnsupportedVersion);
  expect_supported_list(r);
}

TEST(KafkaSession, ApiVersionsInAVersionFromTheFuture) {
  TestBroker broker;
  KafkaTestClient client(broker);
  // A flexible request header (v2), then a body PolyMQ cannot know the layout of.
  client.send(raw_request(api_key::kApiVersions, 42, 9, 2, std::string("\x00\x00\x01\x02", 4)));
  auto r = client.response<ApiVersionsResponse>(api_key::kApiVersions, 0, 9);
  EXPECT_EQ(r.error_code, error::kUnsupportedVersion);
  expect_supported_list(r);
  // The connection stays usable.
  client.request(int16_t{3}, 10, ApiVersionsRequest{});
  EXPECT_EQ(client.response<ApiVersionsResponse>(api_key::kApiVersions, 3, 10).error_code, 0);
}

TEST(KafkaSession, PipelinedAndSplitRequestsAreAnsweredInOrder) {
  TestBroker broker;
  KafkaTestClient client(broker);
  std::string bytes;
  append_request(bytes, 1, 1, std::string("c"), ApiVersionsRequest{});
  MetadataRequest all;
  all.topics = std::nullopt;
  append_request(bytes, 9, 2, std::string("c"), all);
  append_request(bytes, 0, 3, std::string("c"), ApiVersionsRequest{});
  // Byte by byte for the first few, then the rest at once.
  for (size_t i = 0; i < 6; ++i) client.send(bytes.substr(i, 1));
  client.send(bytes.substr(6));
  EXPECT_EQ(client.response<ApiVersionsResponse>(api_key::kApiVersions, 1, 1).error_code, 0);
  EXPECT_EQ(client.response<MetadataResponse>(api_key::kMetadata, 9, 2).controller_id, 0);
  EXPECT_EQ(client.response<ApiVersionsResponse>(api_key::kApiVersions, 0, 3).error_code, 0);
}

TEST(KafkaSession, MetadataNamesTheBrokerAndCreatesARequestedTopic) {
  TestBroker broker;
  KafkaTestClient client(broker);
  for (int16_t v : {int16_t{1}, int16_t{9}, int16_t{12}}) {
    MetadataRequest req;
    MetadataRequest::MetadataRequestTopic t;
    t.name = "orders";
    req.topics = std::vector{t};
    client.request(v, v, req);
    auto r = client.response<MetadataResponse>(api_key::kMetadata, v, v);
    ASSERT_EQ(r.brokers.size(), 1u) << "v" << v;
    EXPECT_EQ(r.brokers[0].node_id, 0);
    EXPECT_EQ(r.brokers[0].host, "kafka.test");
    EXPECT_EQ(r.brokers[0].port, 19092);
    EXPECT_EQ(r.controller_id, 0);
    if (v >= 2) {
      EXPECT_EQ(r.cluster_id, "test-cluster-id");
    }
    ASSERT_EQ(r.topics.size(), 1u);
    EXPECT_EQ(r.topics[0].error_code, 0);
    EXPECT_EQ(r.topics[0].name, "orders");
    ASSERT_EQ(r.topics[0].partitions.size(), 1u);
  }
  EXPECT_NE(broker.broker.find_vhost("/")->find_stream("orders"), nullptr);
}

TEST(KafkaSession, UnknownApiKeyCloses) {
  TestBroker broker;
  KafkaTestClient client(broker);
  client.send(raw_request(999, 0, 1, 1, ""));
  EXPECT_TRUE(client.closed_by_server());
}

TEST(KafkaSession, AnApiTheCodecKnowsButNoHandlerServesCloses) {
  TestBroker broker;
  KafkaTestClient client(broker);
  client.request(int16_t{0}, 1, FindCoordinatorRequest{});
  EXPECT_TRUE(client.closed_by_server());
}

TEST(KafkaSession, AnUnsupportedMetadataVersionCloses) {
  TestBroker broker;
  KafkaTestClient client(broker);
  client.send(raw_request(api_key::kMetadata, 13, 1, 2, std::string(1, '\0')));
  EXPECT_TRUE(client.closed_by_server());
}

TEST(KafkaSession, AMalformedRequestCloses) {
  TestBroker broker;
  KafkaTestClient client(broker);
  // Metadata v1 whose topic array claims one element and ends.
  client.send(raw_request(api_key::kMetadata, 1, 1, 1, std::string("\x00\x00\x00\x01", 4)));
  EXPECT_TRUE(client.closed_by_server());
}

TEST(KafkaSession, ARequestOverTheSizeLimitClosesBeforeItArrives) {
  TestBroker broker;
  KafkaTestClient client(broker, /*max_request_bytes=*/1024);
  std::string prefix;
  Writer(prefix).int32(1025);
  client.send(prefix);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(KafkaSession, ARequestOfExactlyTheSizeLimitIsRead) {
  TestBroker broker;
  std::string frame;
  append_request(frame, 0, 5, std::string("c"), ApiVersionsRequest{});
  KafkaTestClient client(broker, static_cast<uint32_t>(frame.size() - kSizePrefixBytes));
  client.send(frame);
  EXPECT_EQ(client.response<ApiVersionsResponse>(api_key::kApiVersions, 0, 5).error_code, 0);
}

TEST(KafkaSession, ANegativeSizeCloses) {
  TestBroker broker;
  KafkaTestClient client(broker);
  client.send(std::string("\xff\xff\xff\xfe", 4));
  EXPECT_TRUE(client.closed_by_server());
}

}  // namespace
}  // namespace polymq::kafka
