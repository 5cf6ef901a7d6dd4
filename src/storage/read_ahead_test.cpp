// Read-ahead: the range a log read would cover, read on the read-ahead thread, descriptors
// closed after.
#include "storage/read_ahead.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "storage/log.h"
#include "storage/test_util.h"

namespace polymq::storage {
namespace {

using testing::open_log;
using testing::payload_for;
using testing::TempDir;

size_t open_descriptors() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

LogOptions small_segments() {
  LogOptions options;
  options.segment_bytes = 4096;
  options.index_interval_bytes = 256;
  return options;
}

TEST(ReadAhead, TheRangeStartsWhereTheReadStartsAndStaysInTheSegment) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  for (uint64_t i = 0; i < 200; ++i) ASSERT_TRUE(log->append(payload_for(i, 100), 0).ok());
  ASSERT_GT(log->segment_count(), 3u);

  auto lookup = log->lookup(50);
  ASSERT_TRUE(lookup.ok());
  auto range = log->read_ahead_range(50, 1000);
  ASSERT_TRUE(range.ok());
  EXPECT_FALSE(range->empty());
  EXPECT_EQ(range->position(), lookup->entry.position);
  EXPECT_GE(range->length(), 1000u);
  EXPECT_LE(range->position() + range->length(), 4096u);  // within one segment

  // Asked for more than the segment has: up to its end only.
  auto whole = log->read_ahead_range(50, 1 << 20);
  ASSERT_TRUE(whole.ok());
  EXPECT_LE(whole->position() + whole->length(), 4096u);

  auto past_end = log->read_ahead_range(log->next_offset(), 1000);
  ASSERT_TRUE(past_end.ok());
  EXPECT_TRUE(past_end->empty());
}

TEST(ReadAhead, ReadsEveryRequestAndClosesItsDescriptors) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  for (uint64_t i = 0; i < 200; ++i) ASSERT_TRUE(log->append(payload_for(i, 100), 0).ok());
  ReadAhead read_ahead;
  const size_t before = open_descriptors();
  for (uint64_t offset : {0, 60, 120}) {
    auto range = log->read_ahead_range(offset, 8192);
    ASSERT_TRUE(range.ok());
    read_ahead.request(std::move(*range));
  }
  read_ahead.request(ReadRange());  // empty: ignored
  read_ahead.wait_idle();
  EXPECT_EQ(read_ahead.completed() + read_ahead.dropped(), 3u);
  EXPECT_EQ(read_ahead.dropped(), 0u);
  EXPECT_EQ(open_descriptors(), before);
}

TEST(ReadAhead, ARangeOfADeletedSegmentIsHarmless) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  for (uint64_t i = 0; i < 200; ++i) ASSERT_TRUE(log->append(payload_for(i, 100), 0).ok());
  auto range = log->read_ahead_range(0, 8192);
  ASSERT_TRUE(range.ok());
  ASSERT_TRUE(log->delete_segments_before(100).ok());
  ReadAhead read_ahead;
  read_ahead.request(std::move(*range));
  read_ahead.wait_idle();
  EXPECT_EQ(read_ahead.completed(), 1u);
}

}  // namespace
}  // namespace polymq::storage
