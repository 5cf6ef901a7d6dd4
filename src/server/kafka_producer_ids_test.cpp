// Kafka producer ids: unique across restarts, reserved in blocks kept in the data directory.
#include "server/kafka_producer_ids.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace polymq::server {
namespace {

class KafkaProducerIdsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("polymq-producer-ids-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<KafkaProducerIds> open() {
    std::unique_ptr<KafkaProducerIds> ids;
    std::string err;
    EXPECT_TRUE(KafkaProducerIds::open(dir_.string(), ids, err)) << err;
    return ids;
  }
  std::filesystem::path dir_;
};

TEST_F(KafkaProducerIdsTest, IdsAreNeverHandedOutTwiceAcrossRestarts) {
  std::set<int64_t> seen;
  for (int run = 0; run < 3; ++run) {
    auto ids = open();
    ASSERT_NE(ids, nullptr);
    // Part of a block, then more than a block: a restart skips what was reserved and unused.
    const int64_t count = run == 1 ? KafkaProducerIds::kBlockSize + 5 : 3;
    for (int64_t i = 0; i < count; ++i) {
      const int64_t id = ids->next_producer_id();
      ASSERT_GE(id, 0);
      EXPECT_TRUE(seen.insert(id).second) << "id " << id << " handed out twice";
    }
  }
  EXPECT_EQ(*seen.begin(), 0);
}

TEST_F(KafkaProducerIdsTest, TheReservationIsStoredBeforeAnIdIsHandedOut) {
  auto ids = open();
  ASSERT_EQ(ids->next_producer_id(), 0);
  std::ifstream in(dir_ / "kafka_producer_ids");
  int64_t stored = -1;
  in >> stored;
  EXPECT_EQ(stored, KafkaProducerIds::kBlockSize);
}

TEST_F(KafkaProducerIdsTest, AnInvalidReservationStopsTheStart) {
  std::ofstream(dir_ / "kafka_producer_ids") << "many\n";
  std::unique_ptr<KafkaProducerIds> ids;
  std::string err;
  EXPECT_FALSE(KafkaProducerIds::open(dir_.string(), ids, err));
  EXPECT_NE(err.find("no valid producer-id reservation"), std::string::npos) << err;
}

TEST_F(KafkaProducerIdsTest, AnUnwritableDirectoryGivesNoId) {
  auto ids = open();
  std::filesystem::remove_all(dir_);
  EXPECT_EQ(ids->next_producer_id(), -1);
}

}  // namespace
}  // namespace polymq::server
