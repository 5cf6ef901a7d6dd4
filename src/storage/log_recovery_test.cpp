// Crash recovery and corruption: what open() cuts, rebuilds and reports, and that a bad record
// is never delivered.
#include <gtest/gtest.h>

#include "storage/log.h"
#include "storage/test_util.h"

namespace polymq::storage {
namespace {

using testing::file_size;
using testing::files_with_suffix;
using testing::flip_byte;
using testing::open_log;
using testing::payload_for;
using testing::read_from;
using testing::StoredRecord;
using testing::TempDir;
using testing::truncate_file;

LogOptions small_segments() {
  LogOptions options;
  options.segment_bytes = 1024;
  options.index_interval_bytes = 128;
  return options;
}

// Fills a log with `count` records of 60 payload bytes (84 framed) and closes it.
std::vector<StoredRecord> write_log(const std::string& dir, uint64_t count) {
  auto log = open_log(dir, small_segments());
  std::vector<StoredRecord> appended;
  for (uint64_t i = 0; i < count; ++i) {
    appended.push_back({i, static_cast<int64_t>(i), payload_for(i, 60)});
    EXPECT_TRUE(log->append(appended.back().payload, appended.back().timestamp).ok());
  }
  EXPECT_TRUE(log->flush().ok());
  return appended;
}

std::string last_segment(const std::string& dir) {
  return dir + "/" + files_with_suffix(dir, ".log").back();
}

TEST(LogRecovery, TornTailAtEveryBytePositionDropsExactlyTheLastRecord) {
  constexpr uint64_t kRecordBytes = 84;
  for (uint64_t cut = 1; cut <= kRecordBytes; ++cut) {
    SCOPED_TRACE("cut " + std::to_string(cut));
    TempDir dir;
    auto appended = write_log(dir.path(), 40);  // 12 records per segment: 4 segments
    const std::string last = last_segment(dir.path());
    const uint64_t size = file_size(last);
    truncate_file(last, size - cut);

    RecoveryReport report;
    auto log = open_log(dir.path(), small_segments(), &report);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(report.segments, 4u);
    EXPECT_EQ(log->next_offset(), 39u);
    if (cut < kRecordBytes) {
      EXPECT_EQ(report.truncated_bytes, kRecordBytes - cut);
      EXPECT_EQ(report.truncated_at_offset, 39u);
      EXPECT_EQ(report.truncation_reason, "record runs past the end of the file");
    } else {
      EXPECT_EQ(report.truncated_bytes, 0u);  // the file ended cleanly after record 38
    }
    EXPECT_EQ(file_size(last), size - kRecordBytes);
    appended.pop_back();
    EXPECT_EQ(read_from(*log, 0), appended);
    // The log takes appends where the cut left it.
    EXPECT_EQ(*log->append("again", 99), 39u);
    EXPECT_TRUE(log->verify().ok());
  }
}

TEST(LogRecovery, CrcFlipInTheTailIsCutOff) {
  TempDir dir;
  auto appended = write_log(dir.path(), 30);
  const std::string last = last_segment(dir.path());
  flip_byte(last, file_size(last) - 10);  // in the last record's payload
  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  EXPECT_EQ(report.truncated_bytes, 84u);
  EXPECT_EQ(report.truncation_reason, "CRC mismatch");
  appended.pop_back();
  EXPECT_EQ(read_from(*log, 0), appended);
}

TEST(LogRecovery, BadRecordInsideTheLastSegmentEndsTheLog) {
  // Unsynced pages can reach the disk out of order, so a bad record in the last segment is
  // treated as the end of what was written: it and everything after it are cut.
  TempDir dir;
  auto appended = write_log(dir.path(), 30);  // the last segment holds 24..29
  const std::string last = last_segment(dir.path());
  flip_byte(last, 84 * 2 + 30);  // record 26
  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  EXPECT_EQ(report.truncated_bytes, 84u * 4);
  EXPECT_EQ(log->next_offset(), 26u);
  appended.resize(26);
  EXPECT_EQ(read_from(*log, 0), appended);
}

TEST(LogRecovery, ZeroFilledTailIsCutOff) {
  TempDir dir;
  auto appended = write_log(dir.path(), 30);
  const std::string last = last_segment(dir.path());
  truncate_file(last, file_size(last) + 4096);  // extended, never written
  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  EXPECT_EQ(report.truncated_bytes, 4096u);
  EXPECT_EQ(report.truncation_reason, "length out of bounds");
  EXPECT_EQ(read_from(*log, 0), appended);
}

TEST(LogRecovery, CrcFlipInASealedSegmentIsCorruptionAndNeverServed) {
  TempDir dir;
  auto appended = write_log(dir.path(), 40);
  const std::string second = dir.file(files_with_suffix(dir.path(), ".log")[1]);  // 12..23
  flip_byte(second, 84 * 5 + 40);                                                 // record 17

  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  ASSERT_NE(log, nullptr);
  // Sealed segments are trusted through their index: the open does not read the record.
  EXPECT_EQ(report.truncated_bytes, 0u);
  EXPECT_TRUE(report.corrupt_segments.empty());
  EXPECT_EQ(log->next_offset(), 40u);

  Status st;
  auto got = read_from(*log, 17, &st);
  EXPECT_TRUE(st.is_corruption()) << st.message();
  EXPECT_TRUE(got.empty());
  got = read_from(*log, 13, &st);  // starts before it: delivers 13..16, then fails
  EXPECT_TRUE(st.is_corruption());
  EXPECT_EQ(got, std::vector<StoredRecord>(appended.begin() + 13, appended.begin() + 17));
  // Only the bad record is lost: 18 has an index entry of its own (one every 2 records).
  EXPECT_EQ(read_from(*log, 18, &st), std::vector(appended.begin() + 18, appended.end()));
  EXPECT_TRUE(st.ok());
  EXPECT_TRUE(log->verify().is_corruption());
}

TEST(LogRecovery, MissingOrDamagedIndexesAreRebuilt) {
  TempDir dir;
  auto appended = write_log(dir.path(), 40);
  const auto indexes = files_with_suffix(dir.path(), ".index");
  const auto timeindexes = files_with_suffix(dir.path(), ".timeindex");
  ASSERT_EQ(indexes.size(), 3u);
  ASSERT_TRUE(std::filesystem::remove(dir.file(indexes[0])));
  flip_byte(dir.file(timeindexes[1]), 0);
  truncate_file(dir.file(indexes[2]), 4);

  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  EXPECT_EQ(report.rebuilt_indexes, (std::vector<uint64_t>{0, 12, 24}));
  EXPECT_TRUE(report.corrupt_segments.empty());
  EXPECT_EQ(read_from(*log, 0), appended);
  EXPECT_EQ(*log->offset_for_time(20), 20u);
  log.reset();

  auto again = open_log(dir.path(), small_segments(), &report);  // rewritten: trusted now
  EXPECT_TRUE(report.rebuilt_indexes.empty());
}

TEST(LogRecovery, CorruptSealedSegmentWithoutIndexIsReportedOnOpen) {
  TempDir dir;
  auto appended = write_log(dir.path(), 40);
  const std::string second = dir.file(files_with_suffix(dir.path(), ".log")[1]);
  ASSERT_TRUE(std::filesystem::remove(dir.file(files_with_suffix(dir.path(), ".index")[1])));
  flip_byte(second, 84 * 5 + 40);  // record 17

  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  ASSERT_NE(log, nullptr);
  ASSERT_EQ(report.corrupt_segments.size(), 1u);
  EXPECT_EQ(report.corrupt_segments[0].base_offset, 12u);
  EXPECT_TRUE(report.corrupt_segments[0].status.is_corruption());
  Status st;
  EXPECT_EQ(read_from(*log, 0, &st), std::vector(appended.begin(), appended.begin() + 17));
  EXPECT_TRUE(st.is_corruption());
  EXPECT_TRUE(read_from(*log, 20, &st).empty());
  EXPECT_TRUE(st.is_corruption());
  // Deleting the bad segment is the way out; the rest of the log carries on.
  ASSERT_TRUE(log->delete_segments_before(24).ok());
  EXPECT_EQ(read_from(*log, 24, &st), std::vector(appended.begin() + 24, appended.end()));
  EXPECT_TRUE(log->verify().ok());
}

TEST(LogRecovery, ATornSegmentOfAnUnfinishedRollIsCutAndTheSegmentsAfterItRemoved) {
  TempDir dir;
  auto appended = write_log(dir.path(), 40);  // segments 0, 12, 24 sealed; 36 active
  const auto logs = files_with_suffix(dir.path(), ".log");
  ASSERT_EQ(logs.size(), 4u);
  // A crash before the seal of segment 24 finished: no index files yet, and its tail torn.
  ASSERT_TRUE(std::filesystem::remove(dir.file(files_with_suffix(dir.path(), ".index")[2])));
  ASSERT_TRUE(std::filesystem::remove(dir.file(files_with_suffix(dir.path(), ".timeindex")[2])));
  const std::string third = dir.file(logs[2]);
  truncate_file(third, file_size(third) - 30);  // tears record 35

  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  ASSERT_NE(log, nullptr);
  EXPECT_TRUE(report.corrupt_segments.empty());
  EXPECT_FALSE(report.truncation_reason.empty());
  EXPECT_EQ(report.truncated_at_offset, 35u);
  EXPECT_EQ(log->next_offset(), 35u);
  EXPECT_EQ(files_with_suffix(dir.path(), ".log").size(), 3u);  // segment 36 is gone
  Status st;
  EXPECT_EQ(read_from(*log, 0, &st), std::vector(appended.begin(), appended.begin() + 35));
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(*log->append("after", 1), 35u);
  EXPECT_TRUE(log->verify().ok());
}

TEST(LogRecovery, ShortenedSealedSegmentIsCorruption) {
  TempDir dir;
  write_log(dir.path(), 40);
  const std::string first = dir.file(files_with_suffix(dir.path(), ".log")[0]);
  truncate_file(first, file_size(first) - 84);  // loses record 11; its index no longer fits
  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  ASSERT_EQ(report.corrupt_segments.size(), 1u);
  EXPECT_EQ(report.rebuilt_indexes, std::vector<uint64_t>{0});
  Status st;
  read_from(*log, 11, &st);
  EXPECT_TRUE(st.is_corruption());
}

TEST(LogRecovery, OrphanIndexFilesAreRemoved) {
  TempDir dir;
  write_log(dir.path(), 40);
  for (const char* name : {"00000000000000000999.index", "00000000000000000999.timeindex"}) {
    std::ofstream(dir.file(name)) << "left by an interrupted delete";
  }
  std::ofstream(dir.file("notes.txt")) << "not ours";
  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  EXPECT_EQ(report.removed_orphan_files, 2u);
  EXPECT_FALSE(std::filesystem::exists(dir.file("00000000000000000999.index")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("notes.txt")));
}

TEST(LogRecovery, EmptiedLastSegmentKeepsTheNextOffset) {
  TempDir dir;
  write_log(dir.path(), 36);  // exactly 3 full segments; the 4th (base 36) is rolled lazily
  {
    auto log = open_log(dir.path(), small_segments());
    ASSERT_EQ(*log->append("x", 1), 36u);
  }
  truncate_file(last_segment(dir.path()), 10);
  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  EXPECT_EQ(report.truncated_bytes, 10u);
  EXPECT_EQ(log->next_offset(), 36u);
  EXPECT_EQ(*log->append("y", 2), 36u);
}

}  // namespace
}  // namespace polymq::storage
