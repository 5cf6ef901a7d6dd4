// Compaction of a Kafka topic partition: the core's pass (core/stream_compaction.h) over a
// stream, with the Kafka format reading and rewriting its batches.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/stream.h"
#include "core/stream_compaction.h"
#include "core/test_loop.h"
#include "kafka/compaction_format.h"
#include "kafka/message_records.h"
#include "kafka/protocol/record_batch.h"
#include "storage/group_commit.h"

namespace polymq::kafka {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kDayMs = 86'400'000;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Seen {
  uint64_t offset;
  std::optional<std::string> key;
  std::optional<std::string> value;
  bool operator==(const Seen&) const = default;
};

// A record to produce: key, value (nullopt: a tombstone), timestamp.
struct Produced {
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp = 0;
};

class CompactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("polymq-compaction-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    committer_ =
        std::make_unique<storage::GroupCommitter>(storage::SyncPolicy::kBatch, 0, loop_.post());
    core::StreamSettings settings;
    settings.segment_bytes = 400;  // a few batches a segment
    settings.cleanup_compact = true;
    ASSERT_TRUE(
        core::Stream::open("topic", dir_.string(), settings, committer_.get(), stream_).ok());
  }
  void TearDown() override {
    stream_.reset();
    committer_->flush_now();
    committer_.reset();
    fs::remove_all(dir_);
  }

  // Appends one batch of `records`, as a produce stores it.
  uint64_t produce(const std::vector<Produced>& records, int64_t producer_id = -1) {
    std::vector<RecordInput> in;
    for (const Produced& p : records) {
      RecordInput r;
      r.key = p.key;
      r.value = p.value;
      r.timestamp = p.timestamp == 0 ? now_ms() : p.timestamp;
      in.push_back(r);
    }
    BatchOptions options;
    options.producer_id = producer_id;
    options.producer_epoch = producer_id < 0 ? -1 : 0;
    options.base_sequence = producer_id < 0 ? -1 : sequence_;
    if (producer_id >= 0) sequence_ += static_cast<int32_t>(records.size());
    options.base_offset = static_cast<int64_t>(stream_->next_offset(0));  // as Produce sets it
    const std::string batch = build_batch(options, in);
    storage::RecordInput entry{batch, in.back().timestamp, static_cast<uint32_t>(in.size())};
    uint64_t base = 0;
    EXPECT_TRUE(stream_->append(0, std::span<const storage::RecordInput>(&entry, 1), base).ok());
    EXPECT_EQ(base, static_cast<uint64_t>(options.base_offset));
    return base;
  }

  void sync() {
    const uint64_t round = committer_->covering_round();
    ASSERT_TRUE(loop_.run_until([&] { return committer_->completed_round() >= round; }));
  }

  // Runs one pass as the server does: the job on this thread, the pass, the install.
  core::CompactionPass compact(int64_t delete_retention_ms = kDayMs) {
    if (stream_->durable_offset(0) < stream_->next_offset(0)) sync();
    core::CompactionJob job = stream_->compaction_job(0, now_ms());
    job.policy.delete_retention_ms = delete_retention_ms;
    core::CompactionPass pass = core::compact_partition(
        job.log_dir, job.settled, job.dirty_from, job.policy, format_, job.index_interval_bytes);
    EXPECT_TRUE(pass.status.ok()) << pass.status.message();
    uint64_t reclaimed = 0;
    EXPECT_TRUE(stream_->install_compacted(job, pass, reclaimed).ok());
    settled_end_ = job.settled.empty() ? 0 : job.settled.back().next_base;
    return pass;
  }

  // Every record a consumer reading from 0 sees, checking that the entries cover every offset
  // once, in order, and that every batch is whole with a good CRC.
  std::vector<Seen> consume(std::vector<RecordBatchHeader>* headers = nullptr) {
    std::vector<Seen> out;
    uint64_t expected = 0;
    uint64_t next = 0;
    const core::Status st = stream_->read(
        0, 0, UINT64_MAX,
        [&](const storage::RecordView& v) {
          EXPECT_EQ(v.offset, expected);
          expected = v.next_offset();
          std::string_view batch = v.payload;
          std::string converted;
          if (v.batch_count == 0) {  // a stored message, served as fetch converts it
            EXPECT_TRUE(append_message_as_batch(v.payload, v.offset, v.timestamp, converted));
            batch = converted;
          }
          RecordBatchHeader h;
          EXPECT_EQ(parse_batch_header(batch, h), BatchParse::kOk);
          EXPECT_EQ(verify_batch_crc(batch, h), BatchParse::kOk);
          EXPECT_EQ(static_cast<uint64_t>(h.last_offset()) + 1, v.next_offset());
          if (headers != nullptr) headers->push_back(h);
          if (h.compression() != Compression::kNone) return true;
          RecordReader records(batch, h);
          Record r;
          while (records.next(r)) {
            out.push_back({v.offset + static_cast<uint32_t>(r.offset_delta),
                           r.key ? std::optional<std::string>(*r.key) : std::nullopt,
                           r.value ? std::optional<std::string>(*r.value) : std::nullopt});
          }
          EXPECT_TRUE(records.ok());
          return true;
        },
        next);
    EXPECT_TRUE(st.ok()) << st.message();
    EXPECT_EQ(next, stream_->next_offset(0));
    return out;
  }

  core::testing::TestLoop loop_;
  fs::path dir_;
  std::unique_ptr<storage::GroupCommitter> committer_;
  std::unique_ptr<core::Stream> stream_;
  KafkaCompactionFormat format_;
  int32_t sequence_ = 0;
  uint64_t settled_end_ = 0;
};

TEST_F(CompactionTest, OnlyTheLatestRecordOfEachKeyStaysAndOffsetsDoNot) {
  std::vector<Seen> all;
  for (int i = 0; i < 24; ++i) {
    const std::string key = "k" + std::to_string(i % 4);
    const std::string value = "v" + std::to_string(i);
    const uint64_t at = produce({{key, value}});
    all.push_back({at, key, value});
  }
  // A batch of three, two of one key: the earlier one goes inside the batch.
  const uint64_t at = produce({{"k0", "a"}, {"k9", "b"}, {"k0", "c"}});
  all.push_back({at, "k0", "a"});
  all.push_back({at + 1, "k9", "b"});
  all.push_back({at + 2, "k0", "c"});
  for (int i = 0; i < 6; ++i) {
    const uint64_t tail = produce({{"k1", "late" + std::to_string(i)}});
    all.push_back({tail, "k1", "late" + std::to_string(i)});
  }
  ASSERT_EQ(consume(), all);

  const core::CompactionPass pass = compact();
  ASSERT_TRUE(pass.ran);
  ASSERT_GT(settled_end_, 20u) << "segments rolled and settled";
  EXPECT_FALSE(pass.staged.empty());

  // Expected: within the settled segments only each key's last record; past them, all.
  std::map<std::string, uint64_t> latest;
  for (const Seen& s : all) {
    if (s.offset < settled_end_) latest[*s.key] = s.offset;
  }
  std::vector<Seen> expected;
  for (const Seen& s : all) {
    if (s.offset >= settled_end_ || latest[*s.key] == s.offset) expected.push_back(s);
  }
  EXPECT_EQ(consume(), expected);
  EXPECT_EQ(stream_->next_offset(0), all.back().offset + 1);

  // Nothing new is dirty: the next pass does not run.
  EXPECT_FALSE(compact().ran);
}

TEST_F(CompactionTest, ATombstoneGoesOnlyOnceOlderThanTheDeleteRetention) {
  const int64_t old = now_ms() - 2 * kDayMs;
  produce({{"gone", "v1", old}});
  produce({{"gone", std::nullopt, old}});  // an old tombstone
  produce({{"fresh", "v1"}});
  produce({{"fresh", std::nullopt}});  // a recent tombstone
  for (int i = 0; i < 12; ++i) produce({{"other" + std::to_string(i), "x"}});
  compact();
  ASSERT_GT(settled_end_, 4u);
  bool fresh_tombstone = false;
  for (const Seen& s : consume()) {
    EXPECT_NE(s.key, "gone") << "the old tombstone and what it deleted are both gone";
    if (s.key == "fresh") {
      EXPECT_EQ(s.value, std::nullopt) << "only the tombstone is left of fresh";
      fresh_tombstone = true;
    }
  }
  EXPECT_TRUE(fresh_tombstone);
}

TEST_F(CompactionTest, AnIdempotentProducersEmptiedBatchStaysAndOthersBecomeOneGap) {
  const uint64_t idempotent = produce({{"k", "1"}}, /*producer_id=*/7);
  const uint64_t plain_a = produce({{"k", "2"}});
  const uint64_t plain_b = produce({{"k", "3"}});
  for (int i = 0; i < 14; ++i) produce({{"k", "last" + std::to_string(i)}});
  compact();
  ASSERT_GT(settled_end_, plain_b + 1);
  std::vector<RecordBatchHeader> headers;
  consume(&headers);
  ASSERT_GE(headers.size(), 2u);
  EXPECT_EQ(static_cast<uint64_t>(headers[0].base_offset), idempotent);
  EXPECT_EQ(headers[0].producer_id, 7);
  EXPECT_EQ(headers[0].base_sequence, 0);
  EXPECT_EQ(headers[0].record_count, 0);
  // Every emptied batch after it, up to the settled end's last k, is one empty batch.
  EXPECT_EQ(static_cast<uint64_t>(headers[1].base_offset), plain_a);
  EXPECT_EQ(headers[1].producer_id, -1);
  EXPECT_EQ(headers[1].record_count, 0);
  EXPECT_GT(static_cast<uint64_t>(headers[1].last_offset()), plain_b);
}

TEST_F(CompactionTest, CompressedBatchesAreKeptWholeAndStoredMessagesAreCompacted) {
  // A batch marked gzip: its records are not read, so neither kept nor superseded by key.
  std::string compressed = build_batch({}, std::vector<RecordInput>{{"k", "old", {}, now_ms()}});
  compressed[kBatchAttributesOffset + 1] = static_cast<char>(Compression::kGzip);
  const uint32_t crc = compute_batch_crc(compressed);
  for (size_t i = 0; i < 4; ++i) {
    compressed[kBatchCrcOffset + i] = static_cast<char>(crc >> (8 * (3 - i)));
  }
  storage::RecordInput entry{compressed, now_ms(), 1};
  uint64_t base = 0;
  ASSERT_TRUE(stream_->append(0, std::span<const storage::RecordInput>(&entry, 1), base).ok());
  // Messages routed in over AMQP: the key a consumer sees is the record key, else the routing
  // key.
  for (int i = 0; i < 3; ++i) {
    core::Message m;
    m.routing_key = "routed";
    m.body = "m" + std::to_string(i);
    uint64_t offset = 0;
    ASSERT_TRUE(stream_->append_message(0, m, now_ms(), offset).ok());
  }
  for (int i = 0; i < 14; ++i) produce({{"k", "new" + std::to_string(i)}});
  compact();
  ASSERT_GT(settled_end_, 4u);
  std::vector<RecordBatchHeader> headers;
  consume(&headers);
  ASSERT_GE(headers.size(), 2u);
  EXPECT_EQ(headers[0].compression(), Compression::kGzip);
  // The two earlier routed messages became one gap; the last one is served converted.
  EXPECT_EQ(headers[1].base_offset, 1);
  EXPECT_EQ(headers[1].record_count, 0);
  EXPECT_EQ(headers[1].last_offset(), 2);
  uint64_t next = 0;
  ASSERT_TRUE(stream_
                  ->read(0, 3, 1,
                         [&](const storage::RecordView& v) {
                           EXPECT_EQ(v.batch_count, 0u) << "a stored message, as appended";
                           return false;
                         },
                         next)
                  .ok());
}

}  // namespace
}  // namespace polymq::kafka
