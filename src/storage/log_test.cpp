#include "storage/log.h"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "storage/test_util.h"

namespace polymq::storage {
namespace {

using testing::files_with_suffix;
using testing::open_log;
using testing::payload_for;
using testing::read_from;
using testing::StoredRecord;
using testing::TempDir;

LogOptions small_segments() {
  LogOptions options;
  options.segment_bytes = 1024;
  options.index_interval_bytes = 256;
  return options;
}

// Appends `count` records whose payload sizes cycle through 1..300 bytes.
std::vector<StoredRecord> append_varied(Log* log, uint64_t count) {
  std::vector<StoredRecord> appended;
  for (uint64_t i = 0; i < count; ++i) {
    const uint64_t offset = log->next_offset();
    StoredRecord r{offset, static_cast<int64_t>(1'000'000 + offset),
                   payload_for(offset, 1 + (offset * 37) % 300)};
    auto got = log->append(r.payload, r.timestamp);
    EXPECT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(*got, offset);
    appended.push_back(std::move(r));
  }
  return appended;
}

TEST(Log, EmptyLog) {
  TempDir dir;
  auto log = open_log(dir.path(), LogOptions{});
  EXPECT_EQ(log->first_offset(), 0u);
  EXPECT_EQ(log->next_offset(), 0u);
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_EQ(files_with_suffix(dir.path(), ".log"),
            std::vector<std::string>{"00000000000000000000.log"});
  Status st;
  EXPECT_TRUE(read_from(*log, 0, &st).empty());
  EXPECT_TRUE(st.ok());
  auto beyond = log->read(1, 100, [](const RecordView&) { return true; });
  EXPECT_EQ(beyond.status().code(), Code::kOutOfRange);
}

TEST(Log, AppendAndReadAcrossManySegments) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  const auto appended = append_varied(log.get(), 500);
  EXPECT_GT(log->segment_count(), 30u);
  EXPECT_EQ(read_from(*log, 0), appended);
  // Every offset, read on its own, starting anywhere in any segment.
  for (uint64_t offset = 0; offset < appended.size(); ++offset) {
    std::vector<StoredRecord> one;
    auto next = log->read(offset, 1, [&](const RecordView& r) {
      one.push_back({r.offset, r.timestamp, std::string(r.payload)});
      return true;
    });
    ASSERT_TRUE(next.ok());
    EXPECT_EQ(*next, offset + 1);
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0], appended[offset]);
  }
}

TEST(Log, RollsBeforeASegmentWouldExceedSegmentBytes) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  append_varied(log.get(), 300);
  const auto logs = files_with_suffix(dir.path(), ".log");
  ASSERT_EQ(logs.size(), log->segment_count());
  uint64_t prev_base = 0;
  for (size_t i = 0; i < logs.size(); ++i) {
    const auto base = format::parse_segment_file_name(logs[i], ".log");
    ASSERT_TRUE(base.has_value());
    if (i > 0) {
      EXPECT_GT(*base, prev_base);
    }
    prev_base = *base;
    EXPECT_LE(testing::file_size(dir.file(logs[i])), 1024u) << logs[i];
  }
  // After a sync, sealed segments have both index files; the active one keeps its index in
  // memory.
  ASSERT_TRUE(log->flush().ok());
  EXPECT_EQ(files_with_suffix(dir.path(), ".index").size(), logs.size() - 1);
  EXPECT_EQ(files_with_suffix(dir.path(), ".timeindex").size(), logs.size() - 1);
}

TEST(Log, ARecordLargerThanASegmentGetsASegmentOfItsOwn) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  ASSERT_TRUE(log->append("small", 1).ok());
  const std::string big(5000, 'b');
  ASSERT_EQ(*log->append(big, 2), 1u);
  ASSERT_EQ(*log->append("after", 3), 2u);
  EXPECT_EQ(log->segment_count(), 3u);
  const auto all = read_from(*log, 0);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[1].payload, big);
}

TEST(Log, IndexLookupLandsWithinOneIntervalOfTheTarget) {
  TempDir dir;
  LogOptions options;
  options.segment_bytes = 64 * 1024;
  options.index_interval_bytes = 1024;
  auto log = open_log(dir.path(), options);
  const std::string payload(100, 'p');  // 124 framed bytes
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(log->append(payload, i).ok());
  ASSERT_GT(log->segment_count(), 2u);
  const uint64_t per_interval = 1024 / 124 + 1;
  uint64_t far_from_segment_start = 0;
  for (uint64_t target = 0; target < 2000; ++target) {
    auto found = log->lookup(target);
    ASSERT_TRUE(found.ok());
    EXPECT_LE(found->segment_base, found->entry.offset);
    EXPECT_LE(found->entry.offset, target);
    EXPECT_LT(target - found->entry.offset, per_interval) << target;
    EXPECT_EQ(found->entry.position, (found->entry.offset - found->segment_base) * 124);
    if (found->entry.offset > found->segment_base) ++far_from_segment_start;
  }
  EXPECT_GT(far_from_segment_start, 1800u);  // the index, not a scan from the segment start
  EXPECT_EQ(log->lookup(2000).status().code(), Code::kOutOfRange);
}

TEST(Log, BatchAppendIsOneWrite) {
  TempDir dir;
  LogOptions options;
  int log_writes = 0;
  options.hooks.on_write = [&](std::string_view path, size_t) -> std::optional<WriteFault> {
    if (path.ends_with(".log")) ++log_writes;
    return std::nullopt;
  };
  auto log = open_log(dir.path(), options);
  ASSERT_TRUE(log->append("first", 1).ok());
  std::vector<std::string> payloads;
  for (int i = 0; i < 100; ++i) payloads.push_back(payload_for(i, 50 + i));
  std::vector<RecordInput> batch;
  for (int i = 0; i < 100; ++i) batch.push_back({payloads[i], 100 + i});
  log_writes = 0;
  auto first = log->append_batch(batch);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, 1u);
  EXPECT_EQ(log_writes, 1);
  EXPECT_EQ(log->next_offset(), 101u);
  const auto all = read_from(*log, 1);
  ASSERT_EQ(all.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(all[i].payload, payloads[i]);
    EXPECT_EQ(all[i].timestamp, 100 + i);
  }
  EXPECT_EQ(log->append_batch({}).status().code(), Code::kInvalidArgument);
}

TEST(Log, ReadStopsAtMaxBytesButDeliversAtLeastOneRecord) {
  TempDir dir;
  auto log = open_log(dir.path(), LogOptions{});
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->append(std::string(76, 'x'), i).ok());  // 100 B
  int delivered = 0;
  auto count = [&](const RecordView&) { return ++delivered, true; };
  EXPECT_EQ(*log->read(0, 1, count), 1u);  // one record even though it exceeds max_bytes
  delivered = 0;
  EXPECT_EQ(*log->read(2, 350, count), 5u);
  EXPECT_EQ(delivered, 3);
  delivered = 0;
  EXPECT_EQ(*log->read(0, 1000, count), 10u);
  EXPECT_EQ(delivered, 10);
  // The callback ends a read by returning false.
  EXPECT_EQ(*log->read(4, UINT64_MAX, [](const RecordView& r) { return r.offset < 6; }), 7u);
}

TEST(Log, ReopenAfterCleanCloseKeepsRecordsAndOffsets) {
  TempDir dir;
  std::vector<StoredRecord> appended;
  {
    auto log = open_log(dir.path(), small_segments());
    appended = append_varied(log.get(), 200);
    ASSERT_TRUE(log->flush().ok());
  }
  RecoveryReport report;
  auto log = open_log(dir.path(), small_segments(), &report);
  EXPECT_EQ(report.truncated_bytes, 0u);
  EXPECT_TRUE(report.truncation_reason.empty());
  EXPECT_TRUE(report.rebuilt_indexes.empty());
  EXPECT_TRUE(report.corrupt_segments.empty());
  EXPECT_EQ(report.segments, log->segment_count());
  EXPECT_EQ(log->next_offset(), 200u);
  EXPECT_EQ(read_from(*log, 0), appended);
  auto more = append_varied(log.get(), 50);
  appended.insert(appended.end(), more.begin(), more.end());
  EXPECT_EQ(read_from(*log, 0), appended);
  EXPECT_TRUE(log->verify().ok());
}

TEST(Log, DurableOffsetFollowsFlushesAndRolls) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  EXPECT_EQ(log->durable_offset(), 0u);
  ASSERT_TRUE(log->append(std::string(500, 'a'), 1).ok());
  ASSERT_TRUE(log->append(std::string(400, 'b'), 2).ok());
  EXPECT_EQ(log->durable_offset(), 0u);
  ASSERT_TRUE(log->flush().ok());
  EXPECT_EQ(log->durable_offset(), 2u);
  ASSERT_TRUE(log->append(std::string(10, 'c'), 3).ok());
  ASSERT_TRUE(log->append(std::string(500, 'd'), 4).ok());  // rolls: seals 0..2
  EXPECT_EQ(log->segment_count(), 2u);
  EXPECT_EQ(log->durable_offset(), 2u);  // the roll synced nothing
  ASSERT_TRUE(log->flush().ok());
  EXPECT_EQ(log->durable_offset(), 4u);
  ASSERT_TRUE(log->truncate_to(1).ok());
  EXPECT_EQ(log->durable_offset(), 1u);
  ASSERT_TRUE(log->append("e", 5).ok());
  log.reset();
  auto reopened = open_log(dir.path(), small_segments());
  EXPECT_EQ(reopened->durable_offset(), 2u);  // open syncs what it found
}

TEST(Log, ARollSyncsNothingOnTheAppendingThreadAndTheNextRoundSealsIt) {
  TempDir dir;
  LogOptions options = small_segments();
  std::mutex mu;
  std::vector<std::pair<std::thread::id, std::string>> syncs;
  options.hooks.on_sync = [&](std::string_view path) {
    std::lock_guard lock(mu);
    syncs.emplace_back(std::this_thread::get_id(), std::string(path));
    return 0;
  };
  auto log = open_log(dir.path(), options);
  while (log->segment_count() < 4) append_varied(log.get(), 1);  // three seals, all pending
  const uint64_t appended = log->next_offset();
  EXPECT_TRUE(syncs.empty());
  EXPECT_TRUE(files_with_suffix(dir.path(), ".index").empty());
  EXPECT_EQ(log->durable_offset(), 0u);

  auto ticket = log->begin_sync();
  ASSERT_TRUE(ticket.ok());
  EXPECT_EQ(ticket->seals().size(), log->segment_count() - 1);
  Status result;
  std::thread syncer([&] { result = ticket->run(); });
  syncer.join();
  ASSERT_TRUE(result.ok());
  ASSERT_TRUE(log->end_sync(*ticket, result).ok());
  EXPECT_EQ(log->durable_offset(), appended);
  // Every sealed segment was synced, in order, on the syncing thread, before its index files.
  const auto logs = files_with_suffix(dir.path(), ".log");
  std::vector<std::string> synced_logs;
  for (const auto& [thread, path] : syncs) {
    EXPECT_NE(thread, std::this_thread::get_id()) << path;
    if (path.ends_with(".log")) {
      synced_logs.push_back(path);
    } else {
      // An index file: synced after its segment's .log.
      ASSERT_FALSE(synced_logs.empty()) << path;
      EXPECT_EQ(path.substr(0, path.rfind('.')),
                synced_logs.back().substr(0, synced_logs.back().rfind('.')));
    }
  }
  ASSERT_EQ(synced_logs.size(), logs.size() - 1);
  for (size_t i = 0; i < synced_logs.size(); ++i) EXPECT_EQ(synced_logs[i], dir.file(logs[i]));
  EXPECT_EQ(files_with_suffix(dir.path(), ".index").size(), logs.size() - 1);
  EXPECT_EQ(files_with_suffix(dir.path(), ".timeindex").size(), logs.size() - 1);
  RecoveryReport report;
  log.reset();
  auto reopened = open_log(dir.path(), small_segments(), &report);
  EXPECT_TRUE(report.rebuilt_indexes.empty());  // the index files written off-thread verify
  EXPECT_EQ(read_from(*reopened, 0).size(), appended);
}

TEST(Log, ALogNoRoundSyncsKeepsOnlyAFewSealsPending) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  append_varied(log.get(), 300);
  const size_t sealed = log->segment_count() - 1;
  ASSERT_GT(sealed, 8u);
  // The oldest seals were finished by the rolls themselves; four wait for a round.
  EXPECT_EQ(files_with_suffix(dir.path(), ".index").size(), sealed - 4);
  ASSERT_TRUE(log->flush().ok());
  EXPECT_EQ(files_with_suffix(dir.path(), ".index").size(), sealed);
}

TEST(Log, ASealInFlightForASegmentTruncatedMeanwhileLeavesNoIndexFiles) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  append_varied(log.get(), 30);
  ASSERT_GE(log->segment_count(), 2u);
  auto ticket = log->begin_sync();
  ASSERT_TRUE(ticket.ok());
  ASSERT_TRUE(log->truncate_to(1).ok());  // back into the first segment, whose seal is in flight
  const Status result = ticket->run();
  ASSERT_TRUE(log->end_sync(*ticket, result).ok());
  EXPECT_EQ(log->segment_count(), 1u);
  EXPECT_TRUE(files_with_suffix(dir.path(), ".index").empty());
  EXPECT_TRUE(files_with_suffix(dir.path(), ".timeindex").empty());
  ASSERT_TRUE(log->append("x", 1).ok());
  EXPECT_EQ(read_from(*log, 0).size(), 2u);
}

TEST(Log, OnlyOneOpenerPerDirectory) {
  TempDir dir;
  auto log = open_log(dir.path(), LogOptions{});
  auto second = Log::open(dir.path(), LogOptions{});
  EXPECT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kIOError);
  log.reset();
  EXPECT_TRUE(Log::open(dir.path(), LogOptions{}).ok());
}

TEST(Log, RejectsBadOptionsAndOversizedRecords) {
  TempDir dir;
  LogOptions bad;
  bad.segment_bytes = 0;
  EXPECT_EQ(Log::open(dir.path(), bad).status().code(), Code::kInvalidArgument);
  bad = LogOptions{};
  bad.index_interval_bytes = 0;
  EXPECT_EQ(Log::open(dir.path(), bad).status().code(), Code::kInvalidArgument);
  bad = LogOptions{};
  bad.max_append_bytes = format::kMaxRecordBytes + 1;
  EXPECT_EQ(Log::open(dir.path(), bad).status().code(), Code::kInvalidArgument);

  LogOptions options;
  options.max_append_bytes = 1000;
  auto log = open_log(dir.path(), options);
  EXPECT_TRUE(log->append(std::string(1000 - format::kHeaderSize, 'x'), 0).ok());
  EXPECT_EQ(log->append(std::string(1001 - format::kHeaderSize, 'x'), 0).status().code(),
            Code::kInvalidArgument);
  const std::string half(500 - format::kHeaderSize, 'h');
  const std::vector<RecordInput> batch{{half, 0}, {half, 0}, {half, 0}};
  EXPECT_EQ(log->append_batch(batch).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(log->next_offset(), 1u);
}

TEST(Log, TruncateToDropsASuffixAcrossSegments) {
  TempDir dir;
  auto log = open_log(dir.path(), small_segments());
  auto appended = append_varied(log.get(), 300);
  const size_t segments = log->segment_count();
  ASSERT_TRUE(log->truncate_to(120).ok());
  EXPECT_EQ(log->next_offset(), 120u);
  EXPECT_LT(log->segment_count(), segments);
  appended.resize(120);
  EXPECT_EQ(read_from(*log, 0), appended);
  EXPECT_EQ(*log->append("again", 5), 120u);
  EXPECT_EQ(log->truncate_to(500).code(), Code::kOutOfRange);
  log.reset();
  auto reopened = open_log(dir.path(), small_segments());
  EXPECT_EQ(reopened->next_offset(), 121u);
  EXPECT_TRUE(reopened->verify().ok());
}

}  // namespace
}  // namespace polymq::storage
