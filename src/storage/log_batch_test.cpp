// Batch entries: one framed record covering several offsets (a Kafka RecordBatch stored as
// received), side by side with plain records.
#include <gtest/gtest.h>

#include "storage/log.h"
#include "storage/test_util.h"

namespace polymq::storage {
namespace {

using testing::Entry;
using testing::open_log;
using testing::read_entries;
using testing::TempDir;


Result<uint64_t> append_batch_entry(Log& log, const std::string& payload, uint32_t count,
                                    int64_t ts = 1000) {
  RecordInput in{payload, ts, count};
  return log.append_batch(std::span<const RecordInput>(&in, 1));
}

TEST(LogBatch, ABatchEntryTakesCountOffsetsAndIsReadWhole) {
  TempDir dir;
  auto log = open_log(dir.path(), LogOptions{});
  ASSERT_EQ(*log->append("plain-0", 1), 0u);
  ASSERT_EQ(*append_batch_entry(*log, "batch-of-three", 3), 1u);
  ASSERT_EQ(*log->append("plain-4", 2), 4u);
  EXPECT_EQ(log->next_offset(), 5u);

  const std::vector<Entry> all = {{0, 0, "plain-0"}, {1, 3, "batch-of-three"}, {4, 0, "plain-4"}};
  EXPECT_EQ(read_entries(*log, 0), all);
  // A read from inside the batch starts with the whole batch (Kafka clients skip the records
  // before the offset they asked for); the next read continues after it.
  EXPECT_EQ(read_entries(*log, 2), (std::vector<Entry>{all[1], all[2]}));
  EXPECT_EQ(read_entries(*log, 3), (std::vector<Entry>{all[1], all[2]}));
  auto next = log->read(2, 1, [](const RecordView&) { return true; });
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 4u);  // the offset after the batch
}

TEST(LogBatch, RecoveryAndIndexesKeepBatchOffsets) {
  TempDir dir;
  LogOptions options;
  options.segment_bytes = 2048;
  options.index_interval_bytes = 128;
  std::vector<Entry> appended;
  {
    auto log = open_log(dir.path(), options);
    for (uint32_t i = 0; i < 200; ++i) {
      const uint32_t count = 1 + i % 7;
      std::string payload(40 + i % 50, static_cast<char>('a' + i % 26));
      auto got = append_batch_entry(*log, payload, count, 1000 + i);
      ASSERT_TRUE(got.ok());
      appended.push_back({*got, count, payload});
    }
    EXPECT_GT(log->segment_count(), 5u);
  }
  auto log = open_log(dir.path(), options);  // sealed segments by index, the last one scanned
  ASSERT_EQ(log->next_offset(), appended.back().offset + appended.back().batch_count);
  EXPECT_TRUE(log->verify().ok());
  EXPECT_EQ(read_entries(*log, 0), appended);
  // Every offset finds the batch that covers it.
  for (const Entry& e : appended) {
    for (uint32_t k = 0; k < e.batch_count; ++k) {
      auto got = read_entries(*log, e.offset + k, 1);
      ASSERT_EQ(got.size(), 1u) << e.offset + k;
      EXPECT_EQ(got[0], e) << e.offset + k;
    }
  }
  // By time: the batch whose newest timestamp first reaches the target.
  EXPECT_EQ(*log->offset_for_time(1000 + 57), appended[57].offset);
}

TEST(LogBatch, TruncateOnlyAtEntryBoundaries) {
  TempDir dir;
  auto log = open_log(dir.path(), LogOptions{});
  ASSERT_TRUE(append_batch_entry(*log, "aaaa", 4).ok());  // 0..3
  ASSERT_TRUE(append_batch_entry(*log, "bbbb", 4).ok());  // 4..7
  EXPECT_EQ(log->truncate_to(6).code(), Code::kInvalidArgument);
  EXPECT_EQ(log->next_offset(), 8u);
  ASSERT_TRUE(log->truncate_to(4).ok());
  EXPECT_EQ(log->next_offset(), 4u);
  EXPECT_EQ(read_entries(*log, 0), (std::vector<Entry>{{0, 4, "aaaa"}}));
  ASSERT_EQ(*append_batch_entry(*log, "cc", 2), 4u);
}

TEST(LogBatch, ABatchNeedsAByteOfPayloadPerOffset) {
  TempDir dir;
  auto log = open_log(dir.path(), LogOptions{});
  EXPECT_EQ(append_batch_entry(*log, "abc", 4).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(log->next_offset(), 0u);
  EXPECT_TRUE(append_batch_entry(*log, "abcd", 4).ok());
}

TEST(LogBatch, ACorruptBatchEntryIsCutFromTheTail) {
  TempDir dir;
  {
    auto log = open_log(dir.path(), LogOptions{});
    ASSERT_TRUE(append_batch_entry(*log, "first-batch", 5).ok());
    ASSERT_TRUE(append_batch_entry(*log, "second-batch", 5).ok());
  }
  // Flip a byte of the second entry's count field: the CRC no longer matches.
  const std::string file = dir.file("00000000000000000000.log");
  const uint64_t second = framed_size(std::string_view("first-batch").size(), 5);
  testing::flip_byte(file, second + format::kHeaderSize);
  RecoveryReport report;
  auto log = Log::open(dir.path(), LogOptions{}, &report);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ((*log)->next_offset(), 5u);
  EXPECT_EQ(report.truncated_at_offset, 5u);
  EXPECT_FALSE(report.truncation_reason.empty());
}

}  // namespace
}  // namespace polymq::storage
