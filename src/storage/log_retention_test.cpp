// Reclaiming space (retention, prefix deletion), time lookups, and write failures.
#include <gtest/gtest.h>

#include "storage/log.h"
#include "storage/test_util.h"

namespace polymq::storage {
namespace {

using testing::files_with_suffix;
using testing::open_log;
using testing::payload_for;
using testing::read_from;
using testing::TempDir;

// 84-byte records, 12 per 1 KiB segment.
LogOptions small_segments() {
  LogOptions options;
  options.segment_bytes = 1024;
  options.index_interval_bytes = 128;
  return options;
}

void append_n(Log* log, uint64_t count, int64_t timestamp) {
  for (uint64_t i = 0; i < count; ++i) {
    ASSERT_TRUE(log->append(payload_for(log->next_offset(), 60), timestamp).ok());
  }
}

// first_offset() and every segment file name agree, and the log reads from first_offset().
// Flushes first, so that every sealed segment's index files are written.
void expect_whole_segments(Log& log, const std::string& dir) {
  ASSERT_TRUE(log.flush().ok());
  const auto logs = files_with_suffix(dir, ".log");
  ASSERT_EQ(logs.size(), log.segment_count());
  EXPECT_EQ(format::parse_segment_file_name(logs.front(), ".log"), log.first_offset());
  EXPECT_EQ(files_with_suffix(dir, ".index").size(), logs.size() - 1);
  Status st;
  EXPECT_EQ(read_from(log, log.first_offset(), &st).size(), log.next_offset() - log.first_offset());
  EXPECT_TRUE(st.ok());
}

TEST(LogRetention, DeleteSegmentsBeforeRemovesWholeSegmentsOnly) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  append_n(log.get(), 50, 0);  // segments at 0, 12, 24, 36, 48
  auto stats = log->delete_segments_before(30);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->segments, 2u);  // 0..11 and 12..23; 24..35 still holds 30
  EXPECT_EQ(stats->bytes, 2u * 12 * 84);
  EXPECT_EQ(log->first_offset(), 24u);
  expect_whole_segments(*log, dir.path());
  EXPECT_EQ(log->read(23, 1, [](const RecordView&) { return true; }).status().code(),
            Code::kOutOfRange);
  EXPECT_EQ(log->delete_segments_before(30)->segments, 0u);
  EXPECT_EQ(log->delete_segments_before(51).status().code(), Code::kOutOfRange);
  log.reset();
  auto reopened = open_log(dir.path(), small_segments());
  EXPECT_EQ(reopened->first_offset(), 24u);
  EXPECT_EQ(reopened->next_offset(), 50u);
}

TEST(LogRetention, DeletingEverythingKeepsTheNextOffset) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  append_n(log.get(), 30, 0);
  ASSERT_TRUE(log->delete_segments_before(30).ok());  // a fully consumed queue
  EXPECT_EQ(log->first_offset(), 30u);
  EXPECT_EQ(log->next_offset(), 30u);
  EXPECT_EQ(log->size_bytes(), 0u);
  EXPECT_EQ(files_with_suffix(dir.path(), ".log"),
            std::vector<std::string>{"00000000000000000030.log"});
  log.reset();
  auto reopened = open_log(dir.path(), small_segments());
  EXPECT_EQ(reopened->first_offset(), 30u);
  EXPECT_EQ(*reopened->append("next", 1), 30u);  // offsets are never reused
}

TEST(LogRetention, BySizeKeepsAtLeastRetentionBytesInWholeSegments) {
  TempDir dir;
  LogOptions options = small_segments();
  options.retention_bytes = 2500;  // ~2.5 segments of 1008 bytes
  auto log = open_log(dir.path(), options);
  append_n(log.get(), 100, 0);  // 9 segments: 8 full, the active one holds 4 records
  auto stats = log->apply_retention(0);
  ASSERT_TRUE(stats.ok());
  // Left: 1008 + 1008 + 336 = 2352 would be under 2500, so three full segments stay.
  EXPECT_EQ(stats->segments, 5u);
  EXPECT_EQ(log->size_bytes(), 3u * 1008 + 336);
  EXPECT_GE(log->size_bytes(), 2500u);
  EXPECT_EQ(log->first_offset(), 60u);
  expect_whole_segments(*log, dir.path());
  EXPECT_EQ(log->apply_retention(0)->segments, 0u);
}

TEST(LogRetention, ByAgeRemovesSegmentsWhoseNewestRecordExpired) {
  TempDir dir;
  LogOptions options = small_segments();
  options.retention_ms = 1000;
  auto log = open_log(dir.path(), options);
  append_n(log.get(), 12, 100);  // segment 0: newest 100
  append_n(log.get(), 11, 100);  // segment 12: 100 ... then one record at 5000
  append_n(log.get(), 1, 5000);
  append_n(log.get(), 12, 200);  // segment 24: newest 200
  append_n(log.get(), 5, 6000);  // segment 36 (active)
  // At 2000 the cutoff is 1000: segment 0 goes, segment 12 stays (its newest is 5000) and so
  // does everything after it, although segment 24 alone would have expired.
  auto stats = log->apply_retention(2000);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->segments, 1u);
  EXPECT_EQ(log->first_offset(), 12u);
  EXPECT_EQ(log->apply_retention(6500)->segments, 2u);
  EXPECT_EQ(log->first_offset(), 36u);
  expect_whole_segments(*log, dir.path());
  // Once the active segment's records expire too, it is rolled and removed.
  EXPECT_EQ(log->apply_retention(7001)->segments, 1u);
  EXPECT_EQ(log->first_offset(), 41u);
  EXPECT_EQ(log->next_offset(), 41u);
  EXPECT_EQ(log->apply_retention(100000)->segments, 0u);
}

TEST(LogRetention, OffsetForTime) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  for (int64_t i = 0; i < 100; ++i) {
    ASSERT_TRUE(log->append("r", 1000 + 10 * i).ok());  // 1000, 1010, ... 1990
  }
  EXPECT_EQ(*log->offset_for_time(0), 0u);
  EXPECT_EQ(*log->offset_for_time(1000), 0u);
  EXPECT_EQ(*log->offset_for_time(1001), 1u);
  for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(*log->offset_for_time(1000 + 10 * i), uint64_t(i));
  EXPECT_EQ(*log->offset_for_time(1555), 56u);
  EXPECT_EQ(*log->offset_for_time(1990), 99u);
  EXPECT_EQ(*log->offset_for_time(1991), 100u);  // none yet: the next offset
}

TEST(LogRetention, OffsetForTimeWithTimestampsOutOfOrder) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  const std::vector<int64_t> ts{50, 10, 40, 30, 70, 20, 60, 90, 80, 100};
  for (int round = 0; round < 5; ++round) {
    for (int64_t t : ts) ASSERT_TRUE(log->append("record", round * 1000 + t).ok());
  }
  for (int64_t target = -5; target <= 5000; target += 5) {
    // The first offset at or after `target` by a linear search.
    uint64_t expected = log->next_offset();
    for (uint64_t o = 0; o < log->next_offset(); ++o) {
      if (static_cast<int64_t>(o / 10) * 1000 + ts[o % 10] >= target) {
        expected = o;
        break;
      }
    }
    EXPECT_EQ(*log->offset_for_time(target), expected) << target;
  }
}

TEST(LogFaults, FailedWriteRollsBackAndTheLogCarriesOnWhenTheDiskHasRoom) {
  TempDir dir;
  LogOptions options = small_segments();
  bool disk_full = false;
  options.hooks.on_write = [&](std::string_view, size_t len) -> std::optional<WriteFault> {
    if (!disk_full) return std::nullopt;
    return WriteFault{len / 2, ENOSPC};  // half the bytes land, then the disk is full
  };
  auto log = open_log(dir.path(), options);
  append_n(log.get(), 20, 0);
  const uint64_t size = log->size_bytes();
  const std::string active = dir.file("00000000000000000012.log");
  ASSERT_EQ(testing::file_size(active), 8u * 84);

  disk_full = true;
  auto failed = log->append(payload_for(20, 60), 0);
  EXPECT_TRUE(failed.status().is_no_space()) << failed.status().message();
  const std::string p1 = payload_for(20, 60), p2 = payload_for(21, 60);
  const std::vector<RecordInput> batch{{p1, 0}, {p2, 0}};
  EXPECT_TRUE(log->append_batch(batch).status().is_no_space());
  EXPECT_EQ(log->next_offset(), 20u);
  EXPECT_EQ(log->size_bytes(), size);
  EXPECT_EQ(testing::file_size(active), 8u * 84);  // the partial write was cut off
  EXPECT_EQ(read_from(*log, 0).size(), 20u);
  EXPECT_TRUE(log->flush().ok());

  disk_full = false;
  EXPECT_EQ(*log->append(payload_for(20, 60), 0), 20u);
  append_n(log.get(), 10, 0);
  EXPECT_TRUE(log->verify().ok());
  log.reset();
  RecoveryReport report;
  auto reopened = open_log(dir.path(), small_segments(), &report);
  EXPECT_EQ(report.truncated_bytes, 0u);
  EXPECT_EQ(read_from(*reopened, 0).size(), 31u);
}

TEST(LogFaults, FailedRollbackIsRetriedBeforeTheNextAppend) {
  TempDir dir;
  LogOptions options;
  bool fail = false;
  options.hooks.on_write = [&](std::string_view, size_t len) -> std::optional<WriteFault> {
    if (!fail) return std::nullopt;
    return WriteFault{len - 1, EIO};
  };
  options.hooks.on_truncate = [&](std::string_view) { return fail ? EIO : 0; };
  auto log = open_log(dir.path(), options);
  ASSERT_TRUE(log->append("one", 1).ok());
  fail = true;
  EXPECT_EQ(log->append("two", 2).status().sys_errno(), EIO);
  const std::string file = dir.file("00000000000000000000.log");
  EXPECT_GT(testing::file_size(file), log->size_bytes());  // garbage past the end, never read
  EXPECT_EQ(read_from(*log, 0).size(), 1u);
  fail = false;
  EXPECT_EQ(*log->append("three", 3), 1u);
  const auto all = read_from(*log, 0);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].payload, "three");
  EXPECT_EQ(testing::file_size(file), log->size_bytes());
}

TEST(LogFaults, IndexFilesThatCannotBeWrittenAreLeftOutAndRebuiltOnOpen) {
  TempDir dir;
  LogOptions options = small_segments();
  bool index_writes_fail = false;
  options.hooks.on_write = [&](std::string_view path, size_t) -> std::optional<WriteFault> {
    if (index_writes_fail && !path.ends_with(".log")) return WriteFault{4, ENOSPC};
    return std::nullopt;
  };
  auto log = open_log(dir.path(), options);
  append_n(log.get(), 12, 0);
  index_writes_fail = true;
  EXPECT_EQ(*log->append(payload_for(12, 60), 0), 12u);  // rolls
  EXPECT_EQ(log->segment_count(), 2u);
  // Index files are derived data: the round that cannot write them still makes the records
  // durable, and leaves no partial file behind.
  ASSERT_TRUE(log->flush().ok());
  EXPECT_EQ(log->durable_offset(), 13u);
  EXPECT_TRUE(files_with_suffix(dir.path(), ".index").empty());
  EXPECT_TRUE(files_with_suffix(dir.path(), ".timeindex").empty());
  log.reset();
  RecoveryReport report;
  auto reopened = open_log(dir.path(), small_segments(), &report);
  EXPECT_EQ(report.rebuilt_indexes, std::vector<uint64_t>{0});
  EXPECT_TRUE(report.truncation_reason.empty());
  EXPECT_EQ(read_from(*reopened, 0).size(), 13u);
}

TEST(LogFaults, FailedSyncPoisonsTheLogUntilReopened) {
  TempDir dir;
  LogOptions options;
  bool fail = false;
  options.hooks.on_sync = [&](std::string_view) { return fail ? EIO : 0; };
  auto log = open_log(dir.path(), options);
  ASSERT_TRUE(log->append("one", 1).ok());
  fail = true;
  EXPECT_EQ(log->flush().sys_errno(), EIO);
  fail = false;
  // The kernel may have dropped the pages: only a reopen (which rescans) may say what is there.
  EXPECT_EQ(log->flush().sys_errno(), EIO);
  EXPECT_EQ(log->append("two", 2).status().sys_errno(), EIO);
  EXPECT_EQ(read_from(*log, 0).size(), 1u);
  log.reset();
  auto reopened = open_log(dir.path(), LogOptions{});
  EXPECT_EQ(*reopened->append("two", 2), 1u);
}

}  // namespace
}  // namespace polymq::storage
