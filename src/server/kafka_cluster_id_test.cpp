// The Kafka cluster id: its form, and that it is made once and read back on every later start.
#include "server/kafka_cluster_id.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace polymq::server {
namespace {

class KafkaClusterId : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("polymq-kafka-id-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(KafkaClusterId, HasKafkasForm) {
  const std::string a = new_kafka_cluster_id();
  const std::string b = new_kafka_cluster_id();
  EXPECT_TRUE(valid_kafka_cluster_id(a)) << a;
  EXPECT_EQ(a.size(), 22u);
  EXPECT_NE(a, b);
  EXPECT_FALSE(valid_kafka_cluster_id(""));
  EXPECT_FALSE(valid_kafka_cluster_id(a + "x"));
  EXPECT_FALSE(valid_kafka_cluster_id(std::string(22, '+')));
}

TEST_F(KafkaClusterId, MadeOnceThenReadBack) {
  std::string first, again, err;
  ASSERT_TRUE(load_or_create_kafka_cluster_id(dir_.string(), first, err)) << err;
  EXPECT_TRUE(valid_kafka_cluster_id(first));
  ASSERT_TRUE(load_or_create_kafka_cluster_id(dir_.string(), again, err)) << err;
  EXPECT_EQ(again, first);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "kafka_cluster_id.tmp"));
}

TEST_F(KafkaClusterId, AnInvalidStoredIdStopsTheStart) {
  std::ofstream(dir_ / "kafka_cluster_id") << "not an id\n";
  std::string id, err;
  EXPECT_FALSE(load_or_create_kafka_cluster_id(dir_.string(), id, err));
  EXPECT_NE(err.find("no valid Kafka cluster id"), std::string::npos) << err;
}

}  // namespace
}  // namespace polymq::server
