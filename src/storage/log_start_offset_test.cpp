// The logical start offset (Log::set_start_offset, Kafka's DeleteRecords): what it hides, its
// checkpoint across reopens and crashes, and how it meets retention, truncation and time
// lookups.
#include <gtest/gtest.h>

#include <fstream>

#include "storage/log.h"
#include "storage/start_offset.h"
#include "storage/test_util.h"

namespace polymq::storage {
namespace {

using testing::files_with_suffix;
using testing::open_log;
using testing::payload_for;
using testing::read_from;
using testing::TempDir;

// 84-byte records, 12 per 1 KiB segment: segments at 0, 12, 24, 36, 48, ...
LogOptions small_segments() {
  LogOptions options;
  options.segment_bytes = 1024;
  options.index_interval_bytes = 128;
  return options;
}

// Appends `count` records, record i stamped timestamp_of(i), and makes them durable.
template <class TimestampOf>
void append_durable(Log* log, uint64_t count, TimestampOf timestamp_of) {
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t offset = log->next_offset();
    ASSERT_TRUE(log->append(payload_for(offset, 60), timestamp_of(offset)).ok());
  }
  ASSERT_TRUE(log->flush().ok());
}
void append_durable(Log* log, uint64_t count) {
  append_durable(log, count, [](uint64_t) { return int64_t{0}; });
}

std::vector<uint64_t> offsets_read(const Log& log, uint64_t from, Status* status = nullptr) {
  std::vector<uint64_t> out;
  for (const auto& r : read_from(log, from, status)) out.push_back(r.offset);
  return out;
}

std::vector<uint64_t> range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> out;
  for (uint64_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

void write_raw(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

TEST(LogStartOffset, HidesTheRecordsBelowItAndDeletesWholeSegmentsBelowIt) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  append_durable(log.get(), 50);
  auto stats = log->set_start_offset(30);
  ASSERT_TRUE(stats.ok()) << stats.status().message();
  EXPECT_EQ(stats->segments, 2u);  // 0..11 and 12..23; 24..35 holds 30 and stays on disk
  EXPECT_EQ(log->first_offset(), 30u);
  EXPECT_EQ(files_with_suffix(dir.path(), ".log").front(), "00000000000000000024.log");

  Status st;
  EXPECT_EQ(offsets_read(*log, 30, &st), range(30, 50));
  EXPECT_TRUE(st.ok());
  // Records 24..29 are still in the segment, and never served.
  offsets_read(*log, 29, &st);
  EXPECT_EQ(st.code(), Code::kOutOfRange);
  EXPECT_EQ(log->lookup(29).status().code(), Code::kOutOfRange);
  EXPECT_TRUE(log->lookup(30).ok());
  auto ahead = log->read_ahead_range(29, 4096);
  ASSERT_TRUE(ahead.ok());
  EXPECT_EQ(ahead->length(), 0u);
}

TEST(LogStartOffset, SurvivesAReopen) {
  TempDir dir;
  {
    auto log = open_log(dir.path(), small_segments());
    append_durable(log.get(), 50);
    ASSERT_TRUE(log->set_start_offset(30).ok());
  }
  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  EXPECT_EQ(report.start_offset, 30u);
  EXPECT_EQ(report.removed_below_start, 0u);
  EXPECT_EQ(log->first_offset(), 30u);
  EXPECT_EQ(log->next_offset(), 50u);
  EXPECT_EQ(offsets_read(*log, 30), range(30, 50));
  EXPECT_EQ(log->read(29, 1, [](const RecordView&) { return true; }).status().code(),
            Code::kOutOfRange);
}

TEST(LogStartOffset, IsNeverPastTheDurableEnd) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  append_durable(log.get(), 10);
  ASSERT_TRUE(log->append("not yet synced", 0).ok());
  EXPECT_EQ(log->set_start_offset(11).status().code(), Code::kOutOfRange);
  EXPECT_EQ(log->first_offset(), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir.file("start-offset")));
  EXPECT_TRUE(log->set_start_offset(10).ok());  // the durable end itself is fine
  EXPECT_EQ(log->first_offset(), 10u);
}

TEST(LogStartOffset, AnOffsetAtOrBelowTheStartChangesNothing) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  append_durable(log.get(), 40);
  ASSERT_TRUE(log->set_start_offset(30).ok());
  auto again = log->set_start_offset(20);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->segments, 0u);
  EXPECT_EQ(log->first_offset(), 30u);
  EXPECT_EQ(**read_start_offset(dir.path()), 30u);
  EXPECT_TRUE(log->set_start_offset(30).ok());
  EXPECT_EQ(log->first_offset(), 30u);
}

TEST(LogStartOffset, ABatchEntryThatStraddlesTheStartIsServedWhole) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  const RecordInput batch{"ten offsets in one entry", 7, 10};
  ASSERT_EQ(*log->append_batch(std::span<const RecordInput>(&batch, 1)), 0u);
  ASSERT_TRUE(log->append("after", 8).ok());
  ASSERT_TRUE(log->flush().ok());
  ASSERT_TRUE(log->set_start_offset(5).ok());
  std::vector<std::pair<uint64_t, uint32_t>> got;
  ASSERT_TRUE(log->read(5, UINT64_MAX,
                        [&](const RecordView& v) {
                          got.emplace_back(v.offset, v.batch_count);
                          return true;
                        })
                  .ok());
  EXPECT_EQ(got, (std::vector<std::pair<uint64_t, uint32_t>>{{0, 10}, {10, 0}}));
  EXPECT_EQ(log->read(4, 1, [](const RecordView&) { return true; }).status().code(),
            Code::kOutOfRange);
}

TEST(LogStartOffset, ACheckpointThatCannotBeWrittenChangesNothing) {
  TempDir dir;
  LogOptions options = small_segments();
  bool fail = false;
  options.hooks.on_sync = [&](std::string_view path) {
    return fail && path.find("start-offset") != std::string_view::npos ? EIO : 0;
  };
  auto log = open_log(dir.path(), options);
  append_durable(log.get(), 50);
  fail = true;
  auto failed = log->set_start_offset(30);
  EXPECT_EQ(failed.status().code(), Code::kIOError);
  EXPECT_EQ(log->first_offset(), 0u);
  EXPECT_EQ(log->segment_count(), 5u);
  EXPECT_FALSE(std::filesystem::exists(dir.file("start-offset")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("start-offset.tmp")));
  fail = false;
  EXPECT_TRUE(log->set_start_offset(30).ok());
  EXPECT_EQ(log->first_offset(), 30u);
}

TEST(LogStartOffset, DeletingEverythingRollsAndKeepsTheNextOffset) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  append_durable(log.get(), 30);
  auto stats = log->set_start_offset(30);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->segments, 3u);
  EXPECT_EQ(log->size_bytes(), 0u);
  EXPECT_EQ(log->first_offset(), 30u);
  EXPECT_EQ(files_with_suffix(dir.path(), ".log"),
            std::vector<std::string>{"00000000000000000030.log"});
  log.reset();
  log = open_log(dir.path(), small_segments());
  EXPECT_EQ(log->first_offset(), 30u);
  EXPECT_EQ(*log->append("next", 1), 30u);
}

TEST(LogStartOffset, RetentionPastTheStartMovesTheFirstOffsetOn) {
  TempDir dir;
  LogOptions options = small_segments();
  auto log = open_log(dir.path(), options);
  // Segment 12 * k holds records stamped k.
  append_durable(log.get(), 50, [](uint64_t offset) { return static_cast<int64_t>(offset / 12); });
  ASSERT_TRUE(log->set_start_offset(5).ok());
  log->set_limits(options.segment_bytes, /*retention_ms=*/2, -1);
  auto stats = log->apply_retention(/*now_ms=*/3);  // segments stamped 0 (and nothing newer)
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->segments, 1u);
  EXPECT_EQ(log->first_offset(), 12u);
  EXPECT_EQ(offsets_read(*log, 12), range(12, 50));
  log.reset();
  log = open_log(dir.path(), options);
  EXPECT_EQ(log->first_offset(), 12u) << "the older checkpoint does not bring 5 back";
}

TEST(LogStartOffset, RetentionBySizeKeepsTheStartInsideTheFirstSegment) {
  TempDir dir;
  LogOptions options = small_segments();
  auto log = open_log(dir.path(), options);
  append_durable(log.get(), 50);
  ASSERT_TRUE(log->set_start_offset(30).ok());
  log->set_limits(options.segment_bytes, -1, /*retention_bytes=*/3 * 12 * 84);
  ASSERT_TRUE(log->apply_retention(0).ok());  // 24.., 36.., 48.. are within the limit
  EXPECT_EQ(log->first_offset(), 30u);
  log->set_limits(options.segment_bytes, -1, /*retention_bytes=*/1);
  ASSERT_TRUE(log->apply_retention(0).ok());
  EXPECT_EQ(log->first_offset(), 48u);
}

TEST(LogStartOffset, TruncationStopsAtTheStart) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  append_durable(log.get(), 40);
  ASSERT_TRUE(log->set_start_offset(30).ok());
  EXPECT_EQ(log->truncate_to(29).code(), Code::kOutOfRange);
  ASSERT_TRUE(log->truncate_to(30).ok());
  EXPECT_EQ(log->first_offset(), 30u);
  EXPECT_EQ(log->next_offset(), 30u);
  EXPECT_EQ(*log->append("again", 1), 30u);
  ASSERT_TRUE(log->flush().ok());
  log.reset();
  log = open_log(dir.path(), small_segments());
  EXPECT_EQ(log->first_offset(), 30u);
  EXPECT_EQ(log->next_offset(), 31u);
  EXPECT_EQ(read_from(*log, 30).at(0).payload, "again");
}

TEST(LogStartOffset, OffsetForTimeLooksOnlyFromTheStart) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  // Records 24..29 are stamped late, 30..35 early: below the start only the late ones match.
  append_durable(log.get(), 50, [](uint64_t o) -> int64_t {
    if (o >= 24 && o < 30) return 1000;
    if (o >= 30 && o < 36) return 1;
    return static_cast<int64_t>(o);
  });
  ASSERT_TRUE(log->set_start_offset(30).ok());
  EXPECT_EQ(*log->offset_for_time(0), 30u);
  EXPECT_EQ(*log->offset_for_time(40), 40u);
  EXPECT_EQ(*log->offset_for_time(500), 50u) << "only records below the start are that late";
  EXPECT_EQ(*log->offset_for_time(37), 37u);
}

TEST(LogStartOffset, ABatchEntryThatStraddlesTheStartAnswersATimeLookupWithTheStart) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  const RecordInput batch{"ten offsets in one entry", 500, 10};
  ASSERT_TRUE(log->append_batch(std::span<const RecordInput>(&batch, 1)).ok());
  ASSERT_TRUE(log->flush().ok());
  ASSERT_TRUE(log->set_start_offset(4).ok());
  EXPECT_EQ(*log->offset_for_time(100), 4u);
}

TEST(LogStartOffset, OpenFinishesAnInterruptedDeletion) {
  TempDir dir;
  {
    auto log = open_log(dir.path(), small_segments());
    append_durable(log.get(), 50);
  }
  // As if the process died right after writing the checkpoint.
  ASSERT_TRUE(write_start_offset(dir.path(), 30, nullptr).ok());
  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  EXPECT_EQ(report.start_offset, 30u);
  EXPECT_EQ(report.removed_below_start, 2u);
  EXPECT_EQ(log->first_offset(), 30u);
  EXPECT_EQ(files_with_suffix(dir.path(), ".log").front(), "00000000000000000024.log");
  EXPECT_EQ(files_with_suffix(dir.path(), ".index").front(), "00000000000000000024.index");
}

TEST(LogStartOffset, ALogWhoseEndFellBelowTheStartRestartsEmptyAtTheStart) {
  TempDir dir;
  {
    auto log = open_log(dir.path(), small_segments());
    append_durable(log.get(), 20);
  }
  // The start was set at 50, then records 20..49 were lost with the disk's cache.
  ASSERT_TRUE(write_start_offset(dir.path(), 50, nullptr).ok());
  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  EXPECT_EQ(report.removed_below_start, 2u);
  EXPECT_EQ(log->first_offset(), 50u);
  EXPECT_EQ(log->next_offset(), 50u);
  EXPECT_EQ(log->durable_offset(), 50u);
  EXPECT_EQ(files_with_suffix(dir.path(), ".log"),
            std::vector<std::string>{"00000000000000000050.log"});
  EXPECT_EQ(*log->append("next", 1), 50u) << "offsets up to the start are never reused";
  log.reset();
  log = open_log(dir.path(), small_segments());
  EXPECT_EQ(log->first_offset(), 50u);
  EXPECT_EQ(log->next_offset(), 51u);
}

TEST(LogStartOffset, ALogWithoutSegmentsButWithACheckpointStartsThere) {
  TempDir dir;
  ASSERT_TRUE(write_start_offset(dir.path(), 7, nullptr).ok());
  auto log = open_log(dir.path(), small_segments());
  EXPECT_EQ(log->first_offset(), 7u);
  EXPECT_EQ(*log->append("first", 1), 7u);
}

TEST(LogStartOffset, ABadCheckpointFailsTheOpen) {
  TempDir dir;
  {
    auto log = open_log(dir.path(), small_segments());
    append_durable(log.get(), 5);
    ASSERT_TRUE(log->set_start_offset(3).ok());
  }
  const std::string path = dir.file("start-offset");
  ASSERT_EQ(testing::file_size(path), format::kStartOffsetFileSize);
  testing::flip_byte(path, 6);
  EXPECT_EQ(Log::open(dir.path(), small_segments()).status().code(), Code::kCorruption);
  write_raw(path, "3\n");
  EXPECT_EQ(Log::open(dir.path(), small_segments()).status().code(), Code::kCorruption);
  write_raw(path, std::string(format::kStartOffsetFileSize + 1, '\0'));
  EXPECT_EQ(Log::open(dir.path(), small_segments()).status().code(), Code::kCorruption);
}

TEST(StartOffsetFile, RoundTripsAndIsAbsentUntilWritten) {
  TempDir dir;
  auto none = read_start_offset(dir.path());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(write_start_offset(dir.path(), 0x0123456789abcdefULL, nullptr).ok());
  EXPECT_EQ(**read_start_offset(dir.path()), 0x0123456789abcdefULL);
  ASSERT_TRUE(write_start_offset(dir.path(), 42, nullptr).ok());
  EXPECT_EQ(**read_start_offset(dir.path()), 42u);
  EXPECT_FALSE(std::filesystem::exists(dir.file("start-offset.tmp")));
}

}  // namespace
}  // namespace polymq::storage
