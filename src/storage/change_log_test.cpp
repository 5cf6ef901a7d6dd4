#include "storage/change_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "storage/test_loop.h"
#include "storage/test_util.h"

namespace polymq::storage {
namespace {

using testing::TempDir;
using Loop = testing::TestLoop;

ChangeLogOptions options_in(const TempDir& dir, uint64_t preallocate = 4096) {
  ChangeLogOptions o;
  o.dir = dir.path();
  o.prefix = "changes.";
  o.preallocate_bytes = preallocate;
  return o;
}

std::vector<std::pair<uint64_t, std::string>> replay_all(const ChangeLogOptions& o, uint64_t after,
                                                         ChangeLogReplay* report = nullptr) {
  std::vector<std::pair<uint64_t, std::string>> out;
  auto r = replay_change_log(o, after, [&](uint64_t seq, std::string_view payload) {
    out.emplace_back(seq, std::string(payload));
    return Status::Ok();
  });
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (r.ok() && report != nullptr) *report = *r;
  return out;
}

// Appends `n` records "c<seq>" and waits until they are durable.
void append_durably(ChangeLog& log, Loop& loop, int n) {
  uint64_t last = 0;
  for (int i = 0; i < n; ++i) last = log.append("c" + std::to_string(log.last_seq() + 1));
  bool done = false;
  bool ok = false;
  log.when_durable(last, [&](bool o) {
    done = true;
    ok = o;
  });
  ASSERT_TRUE(loop.run_until([&] { return done; }));
  ASSERT_TRUE(ok);
}

TEST(ChangeLogTest, RecordsAreNumberedDurableAndReplayedInOrder) {
  TempDir dir;
  Loop loop;
  const ChangeLogOptions o = options_in(dir);
  {
    auto log = ChangeLog::create(o, 0, loop.post_task());
    ASSERT_TRUE(log.ok()) << log.status().message();
    EXPECT_EQ((*log)->append("first"), 1u);
    EXPECT_EQ((*log)->append("second"), 2u);
    std::vector<std::pair<uint64_t, bool>> told;
    (*log)->when_durable(2, [&](bool ok) { told.emplace_back(2, ok); });
    (*log)->when_durable(1, [&](bool ok) { told.emplace_back(1, ok); });
    ASSERT_TRUE(loop.run_until([&] { return told.size() == 2; }));
    // Earlier numbers are told first, whatever order they were asked in.
    EXPECT_EQ(told, (std::vector<std::pair<uint64_t, bool>>{{1, true}, {2, true}}));
    EXPECT_EQ((*log)->durable_seq(), 2u);
    // Already durable: answered at once.
    bool at_once = false;
    (*log)->when_durable(1, [&](bool ok) { at_once = ok; });
    EXPECT_TRUE(at_once);
  }
  auto records = replay_all(o, 0);
  EXPECT_EQ(records, (std::vector<std::pair<uint64_t, std::string>>{{1, "first"}, {2, "second"}}));
  // Records a snapshot already holds are skipped.
  EXPECT_EQ(replay_all(o, 1), (std::vector<std::pair<uint64_t, std::string>>{{2, "second"}}));
}

TEST(ChangeLogTest, PreallocatedFileKeepsItsSizeAndGrowsWhenFull) {
  TempDir dir;
  Loop loop;
  const ChangeLogOptions o = options_in(dir, 4096);
  auto log = ChangeLog::create(o, 0, loop.post_task());
  ASSERT_TRUE(log.ok());
  const std::string path = change_log_file(o, 0);
  EXPECT_EQ(std::filesystem::file_size(path), 4096u);
  append_durably(**log, loop, 10);
  EXPECT_EQ(std::filesystem::file_size(path), 4096u);
  // Past the preallocated size the file grows by the same amount.
  std::string big(5000, 'x');
  const uint64_t seq = (*log)->append(big);
  bool ok = false;
  (*log)->when_durable(seq, [&](bool o2) { ok = o2; });
  ASSERT_TRUE(loop.run_until([&] { return ok; }));
  EXPECT_EQ(std::filesystem::file_size(path), 2 * 4096u);
  ChangeLogReplay report;
  auto records = replay_all(o, 0, &report);
  ASSERT_EQ(records.size(), 11u);
  EXPECT_EQ(records.back().second, big);
  EXPECT_EQ(report.dropped, "");  // zeros after the records are a clean end
}

TEST(ChangeLogTest, PlainAppendsWithoutPreallocation) {
  TempDir dir;
  Loop loop;
  const ChangeLogOptions o = options_in(dir, 0);
  {
    auto log = ChangeLog::create(o, 0, loop.post_task());
    ASSERT_TRUE(log.ok());
    append_durably(**log, loop, 3);
  }
  EXPECT_EQ(std::filesystem::file_size(change_log_file(o, 0)), 3 * (24u + 2u));
  EXPECT_EQ(replay_all(o, 0).size(), 3u);
}

// Writes `bytes` at `pos` of `path`, as a crash or a bad disk would leave it.
void scribble(const std::string& path, uint64_t pos, const std::string& bytes) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(pos));
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(ChangeLogTest, TornTailEndsTheReplayAtTheLastWholeRecord) {
  for (uint64_t preallocate : {uint64_t{0}, uint64_t{4096}}) {
    TempDir dir;
    Loop loop;
    const ChangeLogOptions o = options_in(dir, preallocate);
    {
      auto log = ChangeLog::create(o, 0, loop.post_task());
      ASSERT_TRUE(log.ok());
      append_durably(**log, loop, 3);  // 3 records of 26 bytes
    }
    const std::string path = change_log_file(o, 0);
    // Half of a fourth record: its header promises more bytes than were written.
    std::string torn;
    torn.resize(4);
    format::put_u32(torn.data(), 20 + 100);
    torn += std::string(10, 'z');
    scribble(path, 3 * 26, torn);
    ChangeLogReplay report;
    auto records = replay_all(o, 0, &report);
    EXPECT_EQ(records.size(), 3u) << preallocate;
    EXPECT_EQ(report.last_seq, 3u);
    EXPECT_NE(report.dropped.find("byte 78"), std::string::npos) << report.dropped;
  }
}

TEST(ChangeLogTest, BadCrcEndsTheGenerationAndAGapEndsTheReplay) {
  TempDir dir;
  Loop loop;
  const ChangeLogOptions o = options_in(dir);
  {
    auto log = ChangeLog::create(o, 0, loop.post_task());
    ASSERT_TRUE(log.ok());
    append_durably(**log, loop, 3);
    (*log)->rotate();
    append_durably(**log, loop, 2);  // records 4 and 5 in generation 3
  }
  ASSERT_EQ(replay_all(o, 0).size(), 5u);
  // A flipped payload byte of record 2: records 2 and 3 are lost, so generation 3 (records
  // 4, 5) no longer follows and is not replayed either.
  scribble(change_log_file(o, 0), 26 + 24, "X");
  ChangeLogReplay report;
  auto records = replay_all(o, 0, &report);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(report.last_seq, 1u);
  EXPECT_NE(report.dropped.find("CRC"), std::string::npos) << report.dropped;
  EXPECT_NE(report.dropped.find("starts after record 3"), std::string::npos) << report.dropped;
  // With a snapshot holding records 1 to 3, generation 3 follows it again.
  records = replay_all(o, 3, &report);
  EXPECT_EQ(records, (std::vector<std::pair<uint64_t, std::string>>{{4, "c4"}, {5, "c5"}}));
}

TEST(ChangeLogTest, CompactionRemovesGenerationsASnapshotHolds) {
  TempDir dir;
  Loop loop;
  const ChangeLogOptions o = options_in(dir);
  auto log = ChangeLog::create(o, 0, loop.post_task());
  ASSERT_TRUE(log.ok());
  append_durably(**log, loop, 4);
  // Compaction: a new generation, then a snapshot of everything up to 4 written on the
  // writing thread, then the generations it holds removed.
  (*log)->rotate();
  std::string snapshot_seq;
  Status job_status = Status::IOError("not run", EIO);
  (*log)->run(
      [&] {
        snapshot_seq = "4";
        return Status::Ok();
      },
      [&](Status st) { job_status = std::move(st); });
  (*log)->remove_through(4);
  append_durably(**log, loop, 2);  // 5, 6 in generation 4
  ASSERT_TRUE(loop.run_until([&] { return job_status.ok(); }));
  EXPECT_EQ(snapshot_seq, "4");
  (*log)->drain();
  EXPECT_FALSE(std::filesystem::exists(change_log_file(o, 0)));
  EXPECT_TRUE(std::filesystem::exists(change_log_file(o, 4)));
  EXPECT_EQ(replay_all(o, 4),
            (std::vector<std::pair<uint64_t, std::string>>{{5, "c5"}, {6, "c6"}}));
  // Without the snapshot the gap shows: nothing is replayed past it.
  ChangeLogReplay report;
  EXPECT_TRUE(replay_all(o, 0, &report).empty());
  EXPECT_NE(report.dropped.find("starts after record 4"), std::string::npos);
}

TEST(ChangeLogTest, FailedSyncFailsWaitersUntilASnapshotCoversThem) {
  TempDir dir;
  Loop loop;
  FaultHooks hooks;
  std::atomic<bool> fail_sync{false};
  hooks.on_sync = [&](std::string_view) { return fail_sync.load() ? EIO : 0; };
  ChangeLogOptions o = options_in(dir);
  o.hooks = &hooks;
  auto log = ChangeLog::create(o, 0, loop.post_task());
  ASSERT_TRUE(log.ok());
  append_durably(**log, loop, 1);
  fail_sync = true;
  const uint64_t seq = (*log)->append("lost");
  std::optional<bool> told;
  (*log)->when_durable(seq, [&](bool ok) { told = ok; });
  ASSERT_TRUE(loop.run_until([&] { return told.has_value(); }));
  EXPECT_FALSE(*told);
  EXPECT_TRUE((*log)->failed());
  EXPECT_EQ((*log)->durable_seq(), 1u);
  // Later records are not durable either while the failure stands...
  fail_sync = false;
  const uint64_t later = (*log)->append("later");
  told.reset();
  (*log)->when_durable(later, [&](bool ok) { told = ok; });
  ASSERT_TRUE(loop.run_until([&] { return told.has_value(); }));
  EXPECT_FALSE(*told);
  // ...until a snapshot holds them; a new generation is trusted again.
  (*log)->rotate();
  (*log)->mark_durable(later);
  EXPECT_FALSE((*log)->failed());
  EXPECT_EQ((*log)->durable_seq(), later);
  append_durably(**log, loop, 1);
}

TEST(ChangeLogTest, AppendsDuringASyncShareTheNextOne) {
  TempDir dir;
  Loop loop;
  FaultHooks hooks;
  std::atomic<int> syncs{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> hold{false};
  hooks.on_sync = [&](std::string_view) {
    ++syncs;
    if (hold.load()) released.wait();
    return 0;
  };
  ChangeLogOptions o = options_in(dir);
  o.hooks = &hooks;
  auto log = ChangeLog::create(o, 0, loop.post_task());
  ASSERT_TRUE(log.ok());
  const int before = syncs.load();
  hold = true;
  (*log)->append("a");  // its sync blocks until released
  while (syncs.load() == before) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  for (int i = 0; i < 50; ++i) (*log)->append("b");
  int durable = 0;
  for (uint64_t s = 1; s <= 51; ++s) (*log)->when_durable(s, [&](bool ok) { durable += ok; });
  hold = false;
  release.set_value();
  ASSERT_TRUE(loop.run_until([&] { return durable == 51; }));
  // One sync for "a", one for the 50 appended while it ran.
  EXPECT_EQ(syncs.load() - before, 2);
}

}  // namespace
}  // namespace polymq::storage

namespace polymq::storage {
namespace {

TEST(ChangeLogTest, WithoutSyncRecordsAreWrittenButNotSynced) {
  TempDir dir;
  Loop loop;
  FaultHooks hooks;
  std::atomic<int> syncs{0};
  hooks.on_sync = [&](std::string_view) {
    ++syncs;
    return 0;
  };
  ChangeLogOptions o = options_in(dir);
  o.hooks = &hooks;
  o.sync = false;
  auto log = ChangeLog::create(o, 0, loop.post_task());
  ASSERT_TRUE(log.ok());
  const int after_create = syncs.load();  // the new generation itself is synced
  append_durably(**log, loop, 5);
  EXPECT_EQ(syncs.load(), after_create);
  // Written before they were reported: a process crash now loses nothing.
  EXPECT_EQ(replay_all(o, 0).size(), 5u);
}

}  // namespace
}  // namespace polymq::storage
