// Permissions in a Kafka session (kafka/topic_access.h): the user's grant in the Kafka vhost
// checked per topic and per request, SASL logins refused without a grant, and the group APIs
// refused to a user without one (session_groups_test.cpp).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kafka/error_codes.h"
#include "kafka/kafka_test_client.h"
#include "kafka/session.h"

namespace polymq::kafka {
namespace {

using testing::KafkaTestClient;
using testing::TestBroker;

constexpr int16_t kDenied = error::kTopicAuthorizationFailed;

MetadataRequest metadata_for(std::vector<std::string> names) {
  MetadataRequest req;
  if (names.empty()) {
    req.topics.reset();  // every topic
  } else {
    req.topics.emplace();
    for (std::string& n : names) {
      MetadataRequest::MetadataRequestTopic t;
      t.name = std::move(n);
      req.topics->push_back(std::move(t));
    }
  }
  req.allow_auto_topic_creation = true;
  return req;
}

// A produce to partition 0 of `topic` with no records: refused before its records are read.
ProduceRequest empty_produce(const std::string& topic) {
  ProduceRequest req;
  req.acks = 1;
  req.timeout_ms = 1000;
  ProduceRequest::TopicProduceData t;
  t.name = topic;
  ProduceRequest::PartitionProduceData p;
  p.index = 0;
  p.records = std::string_view();
  t.partition_data.push_back(p);
  req.topic_data.push_back(t);
  return req;
}

class KafkaPermissions : public ::testing::Test {
 protected:
  void SetUp() override {
    declare("orders");
    declare("audit");
  }
  void declare(const std::string& name) {
    core::Stream* stream = nullptr;
    ASSERT_TRUE(broker_.broker.find_vhost("/")->declare_stream(name, {}, stream).ok());
  }
  void grant_guest(const core::PermissionPatterns& patterns) {
    ASSERT_TRUE(broker_.broker.permissions().set("/", "guest", patterns).ok());
  }
  MetadataResponse metadata(KafkaTestClient& client, std::vector<std::string> names) {
    client.request(9, ++correlation_, metadata_for(std::move(names)));
    return client.response<MetadataResponse>(api_key::kMetadata, 9, correlation_);
  }
  int16_t produce_error(KafkaTestClient& client, const std::string& topic) {
    client.request(7, ++correlation_, empty_produce(topic));
    auto r = client.response<ProduceResponse>(api_key::kProduce, 7, correlation_);
    if (r.responses.size() != 1 || r.responses[0].partition_responses.size() != 1) return -100;
    return r.responses[0].partition_responses[0].error_code;
  }
  int16_t fetch_error(KafkaTestClient& client, const std::string& topic) {
    FetchRequest req;
    req.max_wait_ms = 0;
    req.max_bytes = 1 << 20;
    FetchRequest::FetchTopic t;
    t.topic = topic;
    FetchRequest::FetchPartition p;
    p.partition_max_bytes = 1 << 20;
    t.partitions.push_back(p);
    req.topics.push_back(t);
    client.request(11, ++correlation_, req);
    auto r = client.response<FetchResponse>(api_key::kFetch, 11, correlation_);
    if (r.responses.size() != 1 || r.responses[0].partitions.size() != 1) return -100;
    return r.responses[0].partitions[0].error_code;
  }
  int16_t create_error(KafkaTestClient& client, const std::string& topic) {
    CreateTopicsRequest req;
    CreateTopicsRequest::CreatableTopic t;
    t.name = topic;
    t.num_partitions = 1;
    t.replication_factor = 1;
    req.topics.push_back(t);
    client.request(5, ++correlation_, req);
    auto r = client.response<CreateTopicsResponse>(api_key::kCreateTopics, 5, correlation_);
    return r.topics.size() == 1 ? r.topics[0].error_code : -100;
  }

  TestBroker broker_;
  int32_t correlation_ = 0;
};

TEST_F(KafkaPermissions, MetadataListsAndDescribesOnlyTopicsWithSomePermission) {
  grant_guest({"", "^orders$", ""});
  KafkaTestClient client(broker_);
  auto all = metadata(client, {});
  ASSERT_EQ(all.topics.size(), 1u);
  EXPECT_EQ(all.topics[0].name, "orders");
  auto named = metadata(client, {"orders", "audit"});
  ASSERT_EQ(named.topics.size(), 2u);
  EXPECT_EQ(named.topics[0].error_code, error::kNone);
  EXPECT_EQ(named.topics[1].error_code, kDenied);
}

TEST_F(KafkaPermissions, AutoCreationNeedsConfigure) {
  grant_guest({"", ".*", ".*"});
  KafkaTestClient client(broker_);
  auto r = metadata(client, {"fresh"});
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].error_code, kDenied);
  EXPECT_EQ(produce_error(client, "fresh2"), kDenied);
  EXPECT_EQ(broker_.broker.find_vhost("/")->find_stream("fresh"), nullptr);
  EXPECT_EQ(broker_.broker.find_vhost("/")->find_stream("fresh2"), nullptr);

  grant_guest({"^fresh$", ".*", ".*"});
  r = metadata(client, {"fresh"});
  ASSERT_EQ(r.topics.size(), 1u);
  EXPECT_EQ(r.topics[0].error_code, error::kNone);
  EXPECT_NE(broker_.broker.find_vhost("/")->find_stream("fresh"), nullptr);
}

TEST_F(KafkaPermissions, EachApiNeedsItsPermissionAndAChangedGrantAppliesToTheNextRequest) {
  grant_guest({"", "^orders$", "^audit$"});
  KafkaTestClient client(broker_);
  EXPECT_EQ(produce_error(client, "audit"), kDenied);
  EXPECT_EQ(fetch_error(client, "orders"), kDenied);
  EXPECT_EQ(fetch_error(client, "audit"), error::kNone);
  EXPECT_EQ(create_error(client, "new-topic"), kDenied);
  EXPECT_EQ(broker_.broker.find_vhost("/")->find_stream("new-topic"), nullptr);

  grant_guest({"^new-", "", "^orders$"});
  EXPECT_EQ(fetch_error(client, "orders"), error::kNone);
  EXPECT_EQ(fetch_error(client, "audit"), kDenied);
  EXPECT_EQ(create_error(client, "new-topic"), error::kNone);
  EXPECT_NE(broker_.broker.find_vhost("/")->find_stream("new-topic"), nullptr);
}

TEST_F(KafkaPermissions, AGuestWithoutAGrantIsRefusedEveryTopic) {
  broker_.broker.permissions().clear("/", "guest");
  KafkaTestClient client(broker_);
  EXPECT_TRUE(metadata(client, {}).topics.empty());
  EXPECT_EQ(fetch_error(client, "orders"), kDenied);
  EXPECT_EQ(produce_error(client, "orders"), kDenied);
}

TEST_F(KafkaPermissions, ASaslLoginWithoutAGrantFails) {
  broker_.broker.users().add("app", "s3cret", false);
  KafkaTestClient client(broker_);
  SaslHandshakeRequest hs;
  hs.mechanism = "PLAIN";
  client.request(1, 1, hs);
  EXPECT_EQ(client.response<SaslHandshakeResponse>(api_key::kSaslHandshake, 1, 1).error_code, 0);
  SaslAuthenticateRequest auth;
  auth.auth_bytes = std::string("\0app\0s3cret", 11);
  client.request(1, 2, auth);
  auto r = client.response<SaslAuthenticateResponse>(api_key::kSaslAuthenticate, 1, 2);
  EXPECT_EQ(r.error_code, error::kSaslAuthenticationFailed);
  EXPECT_EQ(r.error_message.value_or(""),
            "Authentication failed: user 'app' has no access to vhost '/'");
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(KafkaPermissions, ASaslLoginWithAGrantSucceeds) {
  broker_.broker.users().add("app", "s3cret", false);
  broker_.broker.permissions().set_full("/", "app");
  KafkaTestClient client(broker_);
  SaslHandshakeRequest hs;
  hs.mechanism = "PLAIN";
  client.request(1, 1, hs);
  EXPECT_EQ(client.response<SaslHandshakeResponse>(api_key::kSaslHandshake, 1, 1).error_code, 0);
  SaslAuthenticateRequest auth;
  auth.auth_bytes = std::string("\0app\0s3cret", 11);
  client.request(1, 2, auth);
  EXPECT_EQ(client.response<SaslAuthenticateResponse>(api_key::kSaslAuthenticate, 1, 2).error_code,
            error::kNone);
  EXPECT_EQ(metadata(client, {}).topics.size(), 2u);
}

}  // namespace
}  // namespace polymq::kafka
