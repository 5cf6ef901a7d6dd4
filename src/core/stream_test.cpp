// Streams: partitioned logs read by offset, durable through group commit.
#include "core/stream.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/message_codec.h"
#include "core/test_loop.h"

namespace polymq::core {
namespace {

namespace fs = std::filesystem;
using testing::TestLoop;

struct Read {
  uint64_t offset;
  uint32_t batch_count;
  std::string payload;
  bool operator==(const Read&) const = default;
};

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("polymq-stream-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    committer_ =
        std::make_unique<storage::GroupCommitter>(storage::SyncPolicy::kBatch, 0, loop_.post());
  }
  void TearDown() override {
    stream_.reset();
    committer_->flush_now();
    committer_.reset();
    fs::remove_all(dir_);
  }
  Stream& open(uint32_t partitions = 2) {
    stream_.reset();
    StreamSettings settings;
    settings.partitions = partitions;
    EXPECT_TRUE(Stream::open("orders", dir_.string(), settings, committer_.get(), stream_).ok());
    return *stream_;
  }
  uint64_t append(uint32_t partition, std::string payload, uint32_t batch_count = 0) {
    storage::RecordInput in{payload, 1000, batch_count};
    uint64_t base = 0;
    EXPECT_TRUE(
        stream_->append(partition, std::span<const storage::RecordInput>(&in, 1), base).ok());
    return base;
  }
  std::vector<Read> read(uint32_t partition, uint64_t from) {
    std::vector<Read> out;
    uint64_t next = 0;
    Status st = stream_->read(
        partition, from, 1 << 20,
        [&](const storage::RecordView& v) {
          out.push_back({v.offset, v.batch_count, std::string(v.payload)});
          return true;
        },
        next);
    EXPECT_TRUE(st.ok()) << st.message();
    return out;
  }

  TestLoop loop_;
  fs::path dir_;
  std::unique_ptr<storage::GroupCommitter> committer_;
  std::unique_ptr<Stream> stream_;
};

TEST_F(StreamTest, PartitionsHaveTheirOwnOffsets) {
  Stream& s = open(2);
  EXPECT_EQ(append(0, "a"), 0u);
  EXPECT_EQ(append(0, "bcd", 3), 1u);  // a writer's batch of three records
  EXPECT_EQ(append(1, "x"), 0u);
  EXPECT_EQ(s.next_offset(0), 4u);
  EXPECT_EQ(s.next_offset(1), 1u);
  EXPECT_EQ(read(0, 2), (std::vector<Read>{{1, 3, "bcd"}}));
  EXPECT_EQ(read(1, 0), (std::vector<Read>{{0, 0, "x"}}));
  uint64_t base = 0;
  storage::RecordInput in{"y", 0, 0};
  EXPECT_EQ(s.append(2, std::span<const storage::RecordInput>(&in, 1), base).code(),
            ErrorCode::kInvalidArgument);
  uint64_t next = 0;
  EXPECT_EQ(s.read(
                 0, 99, 100, [](const storage::RecordView&) { return true; }, next)
                .code(),
            ErrorCode::kNotFound);
}

TEST_F(StreamTest, AppendsBecomeDurableWithTheCoveringRound) {
  Stream& s = open(1);
  append(0, "first");
  EXPECT_EQ(s.durable_offset(0), 0u);
  const uint64_t round = committer_->covering_round();
  ASSERT_TRUE(loop_.run_until([&] { return committer_->completed_round() >= round; }));
  EXPECT_EQ(s.durable_offset(0), 1u);
}

TEST_F(StreamTest, RolledSegmentsGetTheirIndexFilesFromARoundEvenWithSyncPolicyNever) {
  committer_ =
      std::make_unique<storage::GroupCommitter>(storage::SyncPolicy::kNever, 0, loop_.post());
  StreamSettings settings;
  settings.segment_bytes = 512;
  ASSERT_TRUE(Stream::open("orders", dir_.string(), settings, committer_.get(), stream_).ok());
  for (int i = 0; i < 8; ++i) append(0, std::string(200, 'a'));
  const fs::path partition = dir_ / "0";
  auto index_files = [&] {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(partition)) n += e.path().extension() == ".index";
    return n;
  };
  EXPECT_EQ(index_files(), 0u);  // the rolls wrote nothing themselves
  ASSERT_TRUE(loop_.run_until([&] { return index_files() == 3; }));
}

TEST_F(StreamTest, ReopenRecoversWhatWasAppended) {
  open(2);
  append(0, "a");
  append(1, "bb", 2);
  Stream& again = open(2);
  EXPECT_EQ(again.next_offset(0), 1u);
  EXPECT_EQ(again.next_offset(1), 2u);
  EXPECT_EQ(read(1, 1), (std::vector<Read>{{0, 2, "bb"}}));
}

TEST_F(StreamTest, MessagesRoutedIntoAStreamKeepTheirProperties) {
  Stream& s = open(1);
  Message m;
  m.exchange = "events";
  m.routing_key = "order.created";
  m.properties.content_type = "application/json";
  m.body = "{}";
  uint64_t offset = 99;
  ASSERT_TRUE(s.append_message(0, m, 1234, offset).ok());
  EXPECT_EQ(offset, 0u);
  uint64_t next = 0;
  StoredMessage stored;
  ASSERT_TRUE(s.read(
                   0, 0, 1 << 20,
                   [&](const storage::RecordView& v) {
                     EXPECT_EQ(v.timestamp, 1234);
                     return decode_stored_message(v.payload, stored);
                   },
                   next)
                  .ok());
  ASSERT_NE(stored.message, nullptr);
  EXPECT_EQ(stored.message->routing_key, "order.created");
  EXPECT_EQ(stored.message->properties.content_type, "application/json");
  EXPECT_EQ(stored.message->body, "{}");
}

TEST_F(StreamTest, DeleteRecordsMovesAPartitionsStartDurably) {
  Stream& s = open(2);
  for (int i = 0; i < 5; ++i) append(0, "r" + std::to_string(i));
  append(1, "other");
  uint64_t start = 99;
  EXPECT_EQ(s.delete_records(0, 3, start).code(), ErrorCode::kNotFound) << "not durable yet";
  EXPECT_EQ(start, 0u);
  const uint64_t round = committer_->covering_round();
  ASSERT_TRUE(loop_.run_until([&] { return committer_->completed_round() >= round; }));

  ASSERT_TRUE(s.delete_records(0, 3, start).ok());
  EXPECT_EQ(start, 3u);
  EXPECT_EQ(s.first_offset(0), 3u);
  EXPECT_EQ(s.first_offset(1), 0u) << "the other partition keeps its records";
  EXPECT_EQ(read(0, 3), (std::vector<Read>{{3, 0, "r3"}, {4, 0, "r4"}}));
  uint64_t next = 0;
  EXPECT_EQ(s.read(
                 0, 2, 100, [](const storage::RecordView&) { return true; }, next)
                .code(),
            ErrorCode::kNotFound);
  // Below the start: nothing changes. Past the durable end, or no such partition: refused.
  ASSERT_TRUE(s.delete_records(0, 1, start).ok());
  EXPECT_EQ(start, 3u);
  EXPECT_EQ(s.delete_records(0, 6, start).code(), ErrorCode::kNotFound);
  EXPECT_EQ(s.delete_records(2, 0, start).code(), ErrorCode::kInvalidArgument);

  Stream& again = open(2);
  EXPECT_EQ(again.first_offset(0), 3u);
  EXPECT_EQ(again.next_offset(0), 5u);
}

TEST_F(StreamTest, DestroyRemovesTheFiles) {
  Stream& s = open(1);
  append(0, "a");
  s.destroy();
  EXPECT_FALSE(fs::exists(dir_));
}

// Records what a watch was told; removes itself when told to.
struct RecordingWatch final : StreamWatch {
  std::vector<std::pair<uint32_t, uint64_t>> advanced;  // partition, durable offset then
  int closing = 0;
  bool remove_when_told = false;
  void stream_advanced(Stream& stream, uint32_t partition) override {
    advanced.emplace_back(partition, stream.durable_offset(partition));
    if (remove_when_told) stream.remove_watch(this);
  }
  void stream_closing(Stream&) override { ++closing; }
};

TEST_F(StreamTest, WatchesAreToldOfAppendsAndOfTheRoundThatMadeThemDurable) {
  Stream& s = open(2);
  RecordingWatch watch;
  s.add_watch(&watch);
  s.add_watch(&watch);  // once only
  append(1, "a");
  ASSERT_EQ(watch.advanced.size(), 1u);
  EXPECT_EQ(watch.advanced[0], std::make_pair(1u, uint64_t{0}));  // appended, not yet durable
  const uint64_t round = committer_->covering_round();
  ASSERT_TRUE(loop_.run_until([&] { return committer_->completed_round() >= round; }));
  ASSERT_EQ(watch.advanced.size(), 2u);
  EXPECT_EQ(watch.advanced[1], std::make_pair(1u, uint64_t{1}));  // told after the sync
  s.remove_watch(&watch);
  append(0, "b");
  EXPECT_EQ(watch.advanced.size(), 2u);
}

TEST_F(StreamTest, AWatchMayRemoveItselfWhileToldAndOthersAreStillTold) {
  Stream& s = open(1);
  RecordingWatch first;
  RecordingWatch second;
  first.remove_when_told = true;
  s.add_watch(&first);
  s.add_watch(&second);
  append(0, "a");
  append(0, "b");
  EXPECT_EQ(first.advanced.size(), 1u);
  EXPECT_EQ(second.advanced.size(), 2u);
  s.remove_watch(&second);
}

TEST_F(StreamTest, WatchesAreToldWhenTheStreamCloses) {
  open(1);
  RecordingWatch watch;
  stream_->add_watch(&watch);
  stream_.reset();
  EXPECT_EQ(watch.closing, 1);
}

}  // namespace
}  // namespace polymq::core

namespace polymq::core {
namespace {

TEST_F(StreamTest, ReconfigureAddsPartitionsAndChangesRetention) {
  Stream& s = open(1);
  append(0, "kept");
  StreamSettings more = s.settings();
  more.partitions = 3;
  more.retention_ms = 0;  // everything is past retention from now on
  ASSERT_TRUE(s.reconfigure(more).ok());
  EXPECT_EQ(s.partition_count(), 3u);
  EXPECT_EQ(s.settings().retention_ms, 0);
  EXPECT_EQ(append(2, "new"), 0u) << "a new partition starts empty";
  EXPECT_EQ(read(0, 0), (std::vector<Read>{{0, 0, "kept"}}));
  more.partitions = 2;
  EXPECT_EQ(s.reconfigure(more).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.partition_count(), 3u);
  // The new partitions are found again on reopen.
  Stream& again = open(3);
  EXPECT_EQ(again.next_offset(2), 1u);
}

}  // namespace
}  // namespace polymq::core
