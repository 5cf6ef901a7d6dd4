#include "storage/segment.h"

#include <gtest/gtest.h>

#include "storage/test_util.h"

namespace polymq::storage {
namespace {

using testing::file_size;
using testing::payload_for;
using testing::TempDir;

constexpr size_t kPayload = 100;  // 124 framed bytes per record

class SegmentTest : public ::testing::Test {
 protected:
  SegmentTest() { options_.index_interval_bytes = 1024; }

  std::unique_ptr<Segment> create(uint64_t base) {
    auto seg = Segment::create(dir_.path(), base, options_);
    EXPECT_TRUE(seg.ok()) << seg.status().message();
    return std::move(*seg);
  }

  void fill(Segment* seg, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) {
      const std::string p = payload_for(seg->next_offset(), kPayload);
      const RecordInput in{p, static_cast<int64_t>(1000 + seg->next_offset())};
      ASSERT_TRUE(seg->append(std::span(&in, 1)).ok());
    }
  }

  std::vector<uint64_t> offsets_from(const Segment& seg, uint64_t offset) {
    std::vector<uint64_t> got;
    ReadCursor cursor{offset, 0, false};
    Status st = seg.read(&cursor, UINT64_MAX, [&](const RecordView& r) {
      EXPECT_EQ(r.payload, payload_for(r.offset, kPayload));
      got.push_back(r.offset);
      return true;
    });
    EXPECT_TRUE(st.ok()) << st.message();
    return got;
  }

  TempDir dir_;
  SegmentOptions options_;
};

TEST_F(SegmentTest, AppendAssignsConsecutiveOffsetsFromTheBase) {
  auto seg = create(500);
  EXPECT_TRUE(seg->empty());
  fill(seg.get(), 10);
  EXPECT_EQ(seg->base_offset(), 500u);
  EXPECT_EQ(seg->next_offset(), 510u);
  EXPECT_EQ(seg->size(), 10 * framed_size(kPayload));
  EXPECT_EQ(file_size(dir_.file("00000000000000000500.log")), seg->size());
  EXPECT_EQ(offsets_from(*seg, 505), (std::vector<uint64_t>{505, 506, 507, 508, 509}));
  EXPECT_EQ(seg->max_timestamp(), 1509);
}

TEST_F(SegmentTest, IndexHasAnEntryEveryIntervalAndLookupsLandJustBefore) {
  auto seg = create(0);
  fill(seg.get(), 200);  // 24800 bytes; an entry after every >= 1024 bytes = every 9 records
  EXPECT_EQ(seg->index_entries(), 200u / 9);
  const uint64_t per_interval = options_.index_interval_bytes / framed_size(kPayload) + 1;
  for (uint64_t target = 0; target < 200; ++target) {
    const IndexEntry e = seg->index_lookup(target);
    EXPECT_LE(e.offset, target);
    EXPECT_LT(target - e.offset, per_interval) << target;
    EXPECT_EQ(e.position, e.offset * framed_size(kPayload));
  }
}

TEST_F(SegmentTest, OffsetForTimeFindsTheFirstRecordAtOrAfter) {
  auto seg = create(0);
  fill(seg.get(), 100);  // timestamps 1000..1099
  EXPECT_EQ(*seg->offset_for_time(0), 0u);
  EXPECT_EQ(*seg->offset_for_time(1000), 0u);
  EXPECT_EQ(*seg->offset_for_time(1057), 57u);
  EXPECT_EQ(*seg->offset_for_time(1099), 99u);
  EXPECT_EQ(*seg->offset_for_time(1100), 100u);  // none: next_offset
}

TEST_F(SegmentTest, TruncateToDropsTheSuffixAndAppendsContinue) {
  auto seg = create(0);
  fill(seg.get(), 50);
  ASSERT_TRUE(seg->seal().ok());
  ASSERT_TRUE(seg->truncate_to(20).ok());
  EXPECT_FALSE(seg->sealed());
  EXPECT_FALSE(std::filesystem::exists(dir_.file("00000000000000000000.index")));
  EXPECT_EQ(seg->next_offset(), 20u);
  EXPECT_EQ(seg->size(), 20 * framed_size(kPayload));
  EXPECT_EQ(file_size(dir_.file("00000000000000000000.log")), seg->size());
  EXPECT_EQ(seg->max_timestamp(), 1019);
  fill(seg.get(), 5);
  EXPECT_EQ(offsets_from(*seg, 18).size(), 7u);
  ASSERT_TRUE(seg->truncate_to(0).ok());
  EXPECT_TRUE(seg->empty());
  EXPECT_EQ(seg->size(), 0u);
}

TEST_F(SegmentTest, SealedSegmentReopensFromItsIndexFiles) {
  auto seg = create(100);
  fill(seg.get(), 200);
  ASSERT_TRUE(seg->seal().ok());
  const size_t entries = seg->index_entries();
  seg.reset();
  SegmentOpenInfo info;
  auto reopened = Segment::open_sealed(dir_.path(), 100, 300, options_, &info);
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  EXPECT_FALSE(info.index_rebuilt);
  EXPECT_TRUE(info.corruption.ok());
  EXPECT_EQ((*reopened)->index_entries(), entries);
  EXPECT_EQ((*reopened)->max_timestamp(), 1299);
  EXPECT_EQ(offsets_from(**reopened, 290).size(), 10u);
}

TEST_F(SegmentTest, BadIndexFilesAreRebuiltByScanning) {
  auto seg = create(0);
  fill(seg.get(), 200);
  ASSERT_TRUE(seg->seal().ok());
  const size_t entries = seg->index_entries();
  seg.reset();
  const std::string index = dir_.file("00000000000000000000.index");
  const std::string bytes_before = [&] {
    std::ifstream in(index, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  testing::flip_byte(index, 3);  // inside the first entry: only the footer CRC notices

  SegmentOpenInfo info;
  auto reopened = Segment::open_sealed(dir_.path(), 0, 200, options_, &info);
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE(info.index_rebuilt);
  EXPECT_TRUE(info.corruption.ok());
  EXPECT_EQ((*reopened)->index_entries(), entries);
  std::ifstream in(index, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), bytes_before);  // rewritten
}

TEST_F(SegmentTest, SealedSegmentWithMissingRecordsIsCorrupt) {
  auto seg = create(0);
  fill(seg.get(), 20);
  ASSERT_TRUE(seg->seal().ok());
  seg.reset();
  // The next segment starts at 25: offsets 20..24 are nowhere.
  SegmentOpenInfo info;
  auto reopened = Segment::open_sealed(dir_.path(), 0, 25, options_, &info);
  ASSERT_TRUE(reopened.ok());
  EXPECT_TRUE(info.index_rebuilt);
  EXPECT_TRUE(info.corruption.is_corruption());
  std::vector<uint64_t> got;
  ReadCursor cursor{15, 0, false};
  Status st = (*reopened)->read(&cursor, UINT64_MAX, [&](const RecordView& r) {
    got.push_back(r.offset);
    return true;
  });
  EXPECT_TRUE(st.is_corruption()) << st.message();
  EXPECT_EQ(got, (std::vector<uint64_t>{15, 16, 17, 18, 19}));
}

}  // namespace
}  // namespace polymq::storage
