// StreamRetention: a pass deletes what is past each stream's retention and nothing else.
#include "server/stream_retention.h"

#include <gtest/gtest.h>

#include "core/test_storage.h"

namespace polymq::server {
namespace {

void append_old(core::Stream& stream, int count) {
  for (int i = 0; i < count; ++i) {
    const std::string payload(100, 'x');
    storage::RecordInput in{payload, 1000 + i};  // 1970: long past any retention
    uint64_t offset = 0;
    ASSERT_TRUE(stream.append(0, std::span<const storage::RecordInput>(&in, 1), offset).ok());
  }
}

TEST(StreamRetentionTest, APassDeletesOnlyWhatIsPastRetention) {
  core::testing::TestStorage storage("retention");
  asio::io_context io;
  {
    core::Broker broker;
    broker.hooks().queue_stores = &storage.stores();
    core::VHost& vhost = broker.add_vhost("/");
    core::StreamSettings expiring;
    expiring.retention_ms = 3'600'000;
    core::StreamSettings forever;
    core::Stream* old_records = nullptr;
    core::Stream* kept = nullptr;
    ASSERT_TRUE(vhost.declare_stream("expiring", expiring, old_records).ok());
    ASSERT_TRUE(vhost.declare_stream("forever", forever, kept).ok());
    append_old(*old_records, 10);
    append_old(*kept, 10);

    StreamRetention retention(io, broker, std::chrono::milliseconds(60'000));
    EXPECT_GT(retention.run_once(), 0u);
    EXPECT_EQ(old_records->first_offset(0), 10u) << "every record had expired";
    EXPECT_EQ(old_records->next_offset(0), 10u) << "offsets go on from where they were";
    EXPECT_EQ(kept->first_offset(0), 0u);
    EXPECT_EQ(retention.run_once(), 0u) << "nothing left to delete";
  }
}

}  // namespace
}  // namespace polymq::server
