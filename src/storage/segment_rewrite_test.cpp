// Rewriting settled segments (compaction's storage side): a replacement keeps the offsets,
// entries may stand for runs of dropped offsets, and a segment gone meanwhile is not replaced.
#include "storage/segment_rewrite.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "storage/log.h"
#include "storage/test_util.h"

namespace polymq::storage {
namespace {

using testing::Entry;
using testing::open_log;
using testing::read_entries;
using testing::TempDir;


// Keeps the entries whose payload starts with "keep"; every run of others becomes one entry
// "gap" covering their offsets.
class KeepMarked : public EntryRewriter {
 public:
  Status rewrite(const RecordView& entry, const Emit& emit) override {
    if (entry.payload.starts_with("keep")) {
      if (Status st = flush_gap(emit); !st.ok()) return st;
      return emit({entry.payload, entry.timestamp, entry.batch_count});
    }
    if (gap_ == 0) gap_ts_ = entry.timestamp;
    gap_ += entry.offsets();
    return Status::Ok();
  }
  Status finish(const Emit& emit) override { return flush_gap(emit); }

 private:
  Status flush_gap(const Emit& emit) {
    if (gap_ == 0) return Status::Ok();
    const uint32_t count = gap_;
    gap_ = 0;
    return emit({"gap", gap_ts_, count});
  }
  uint32_t gap_ = 0;
  int64_t gap_ts_ = 0;
};

// Emits one offset too few.
class LosesOne : public EntryRewriter {
 public:
  Status rewrite(const RecordView& entry, const Emit& emit) override {
    if (entry.offset == 0) return Status::Ok();
    return emit({entry.payload, entry.timestamp, entry.batch_count});
  }
  Status finish(const Emit&) override { return Status::Ok(); }
};

// Ten plain records per segment: "keep-N" for multiples of 5, "drop-N" otherwise.
std::unique_ptr<Log> filled_log(const std::string& dir) {
  LogOptions options;
  options.segment_bytes = 10 * framed_size(6);
  auto log = open_log(dir, options);
  for (int i = 0; i < 35; ++i) {
    const std::string payload = (i % 5 == 0 ? "keep-" : "drop-") + std::to_string(i % 10);
    EXPECT_TRUE(log->append(payload, 100 + i).ok());
  }
  EXPECT_TRUE(log->flush().ok());
  return log;
}

TEST(SegmentRewrite, OnlyDurableSealedSegmentsAreSettled) {
  TempDir dir;
  auto log = filled_log(dir.path());
  const std::vector<SealedSegment> settled = log->settled_segments();
  ASSERT_EQ(settled.size(), 3u);  // the active segment (30..34) is not offered
  EXPECT_EQ(settled[0].base, 0u);
  EXPECT_EQ(settled[0].next_base, 10u);
  EXPECT_EQ(settled[2].next_base, 30u);
  EXPECT_EQ(settled[1].max_timestamp, 119);

  // Fills segment 30, then rolls: segment 30 is sealed but its seal has not run yet.
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(log->append("drop-x", 1).ok());
  EXPECT_EQ(log->segment_count(), 5u);
  EXPECT_EQ(log->settled_segments().size(), 3u);
  ASSERT_TRUE(log->flush().ok());
  EXPECT_EQ(log->settled_segments().size(), 4u);
}

TEST(SegmentRewrite, AReplacementKeepsEveryOffsetAndSurvivesReopen) {
  TempDir dir;
  {
    auto log = filled_log(dir.path());
    const SealedSegment first = log->settled_segments()[0];
    KeepMarked rewriter;
    auto result = rewrite_settled_segment(dir.path(), first, rewriter, 4096);
    ASSERT_TRUE(result.ok()) << result.status().message();
    EXPECT_EQ(result->bytes_before, first.bytes);
    EXPECT_LT(result->bytes_after, result->bytes_before);
    ASSERT_TRUE(log->install_rewritten(first).ok());

    const std::vector<Entry> expected = {
        {0, 0, "keep-0"}, {1, 4, "gap"}, {5, 0, "keep-5"}, {6, 4, "gap"}, {10, 0, "keep-0"}};
    std::vector<Entry> got = read_entries(*log, 0);
    got.resize(5);
    EXPECT_EQ(got, expected);
    // A read from inside a gap starts with the entry that covers it.
    EXPECT_EQ(read_entries(*log, 7).front(), (Entry{6, 4, "gap"}));
    EXPECT_TRUE(log->verify().ok());
    EXPECT_EQ(log->next_offset(), 35u);
  }
  auto reopened = open_log(dir.path(), LogOptions{});
  EXPECT_EQ(read_entries(*reopened, 0)[1], (Entry{1, 4, "gap"}));
  EXPECT_TRUE(reopened->verify().ok());
  EXPECT_EQ(reopened->next_offset(), 35u);
  EXPECT_FALSE(std::filesystem::exists(reopened->staging_dir()));
}

TEST(SegmentRewrite, ARewriteThatLosesOffsetsIsRefusedAndLeavesNothingStaged) {
  TempDir dir;
  auto log = filled_log(dir.path());
  LosesOne rewriter;
  auto result = rewrite_settled_segment(dir.path(), log->settled_segments()[0], rewriter, 4096);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kCorruption);
  EXPECT_TRUE(std::filesystem::is_empty(log->staging_dir()));
  EXPECT_EQ(read_entries(*log, 0).size(), 35u);
}

TEST(SegmentRewrite, ASegmentDeletedMeanwhileIsNotReplaced) {
  TempDir dir;
  auto log = filled_log(dir.path());
  const SealedSegment first = log->settled_segments()[0];
  KeepMarked rewriter;
  ASSERT_TRUE(rewrite_settled_segment(dir.path(), first, rewriter, 4096).ok());
  ASSERT_TRUE(log->delete_segments_before(10).ok());
  const Status st = log->install_rewritten(first);
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_TRUE(std::filesystem::is_empty(log->staging_dir()));
  EXPECT_EQ(log->first_offset(), 10u);
  EXPECT_EQ(read_entries(*log, 10).front(), (Entry{10, 0, "keep-0"}));
}

TEST(SegmentRewrite, StagedFilesLeftByACrashAreRemovedOnOpen) {
  TempDir dir;
  {
    auto log = filled_log(dir.path());
    KeepMarked rewriter;
    ASSERT_TRUE(rewrite_settled_segment(dir.path(), log->settled_segments()[1], rewriter, 4096).ok());
  }
  auto reopened = open_log(dir.path(), LogOptions{});
  EXPECT_FALSE(std::filesystem::exists(reopened->staging_dir()));
  EXPECT_EQ(read_entries(*reopened, 10).front(), (Entry{10, 0, "keep-0"}));
  EXPECT_EQ(read_entries(*reopened, 11).front(), (Entry{11, 0, "drop-1"}));
}

}  // namespace
}  // namespace polymq::storage
