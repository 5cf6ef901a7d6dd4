#include "core/queue_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "core/fake_timers.h"
#include "core/message_codec.h"
#include "core/queue.h"
#include "core/queue_test_util.h"
#include "core/test_loop.h"

namespace polymq::core {
namespace {

using testing::TestLoop;

using testing::consumer_options;
using testing::take;

namespace fs = std::filesystem;

class RecordingListener : public CommitListener {
 public:
  void round_done(uint64_t round, bool ok) override {
    last_round = round;
    last_ok = ok;
    ++calls;
  }
  uint64_t last_round = 0;
  bool last_ok = false;
  int calls = 0;
};

MessagePtr make_message(const std::string& body, bool persistent = true) {
  auto m = std::make_shared<Message>();
  m->exchange = "ex";
  m->routing_key = "rk";
  m->body = body;
  if (persistent) m->properties.delivery_mode = 2;
  return m;
}

class QueueStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("polymq-queue-store-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    start();
  }
  void TearDown() override {
    stop();
    fs::remove_all(root_);
  }
  void start(uint64_t window = 16 * 1024 * 1024, uint64_t checkpoint_bytes = 4 * 1024 * 1024) {
    committer_ =
        std::make_unique<storage::GroupCommitter>(storage::SyncPolicy::kBatch, 0, loop_.post());
    QueueStoreOptions options;
    options.root = root_.string();
    options.window_bytes = window;
    options.segment_bytes = 64 * 1024;  // small, so reclaiming whole segments is exercised
    options.checkpoint_bytes = checkpoint_bytes;
    options.log_warning = [this](const std::string& w) { warnings_.push_back(w); };
    options.hooks.on_write = [this](std::string_view,
                                    size_t) -> std::optional<storage::WriteFault> {
      if (disk_full_) return storage::WriteFault{0, ENOSPC};
      return std::nullopt;
    };
    factory_ = std::make_unique<QueueStoreFactory>(options, *committer_);
  }
  void stop() {
    queue_.reset();
    if (committer_) committer_->flush_now();
    factory_.reset();
    committer_.reset();
  }
  // A durable queue as a restart would recreate it.
  Queue& open_queue(const std::string& name = "q") {
    QueueOptions options;
    options.durable = true;
    queue_ = std::make_unique<Queue>(name, "/", options, 0);
    EXPECT_TRUE(queue_->attach_storage(factory_.get()).ok());
    return *queue_;
  }
  void sync() {
    const uint64_t round = committer_->covering_round();
    ASSERT_TRUE(loop_.run_until([&] { return committer_->completed_round() >= round; }));
  }

  TestLoop loop_;
  fs::path root_;
  std::unique_ptr<storage::GroupCommitter> committer_;
  std::unique_ptr<QueueStoreFactory> factory_;
  std::unique_ptr<Queue> queue_;
  std::vector<std::string> warnings_;
  bool disk_full_ = false;
};

TEST_F(QueueStoreTest, PersistentMessagesSurviveRestartTransientOnesDoNot) {
  Queue& q = open_queue();
  EXPECT_EQ(q.enqueue(make_message("p1")), EnqueueOutcome::kQueuedPendingSync);
  EXPECT_EQ(q.enqueue(make_message("t1", false)), EnqueueOutcome::kQueued);
  EXPECT_EQ(q.enqueue(make_message("p2")), EnqueueOutcome::kQueuedPendingSync);
  sync();
  stop();
  start();
  Queue& again = open_queue();
  ASSERT_EQ(again.message_count(), 2u);
  Delivery m;
  ASSERT_TRUE(take(again, m));
  EXPECT_EQ(m.message->body, "p1");
  EXPECT_FALSE(m.redelivered());
  ASSERT_TRUE(take(again, m));
  EXPECT_EQ(m.message->body, "p2");
}

TEST_F(QueueStoreTest, EmptyDurableQueueHasNoFilesUntilItsFirstMessage) {
  const fs::path durable = root_ / "durable";
  auto entries = [&] {
    return std::distance(fs::directory_iterator(durable), fs::directory_iterator());
  };
  Queue& q = open_queue();
  q.purge();  // settles nothing, touches nothing
  EXPECT_EQ(entries(), 0);
  EXPECT_EQ(q.enqueue(make_message("t1", false)), EnqueueOutcome::kQueued);  // memory only
  EXPECT_EQ(entries(), 0);
  // Restarting it finds nothing to recover and creates nothing either.
  stop();
  start();
  Queue& again = open_queue();
  EXPECT_EQ(again.message_count(), 0u);
  EXPECT_EQ(entries(), 0);
  // The first persistent message creates the store, and it survives the next restart.
  EXPECT_EQ(again.enqueue(make_message("p1")), EnqueueOutcome::kQueuedPendingSync);
  EXPECT_EQ(entries(), 1);
  sync();
  stop();
  start();
  Queue& third = open_queue();
  ASSERT_EQ(third.message_count(), 1u);
  Delivery m;
  ASSERT_TRUE(take(third, m));
  EXPECT_EQ(m.message->body, "p1");
}

TEST_F(QueueStoreTest, AckedNeverComeBackDeliveredUnackedComeBackRedelivered) {
  Queue& q = open_queue();
  for (int i = 0; i < 5; ++i) (void)q.enqueue(make_message("m" + std::to_string(i)));
  Delivery m0, m1, m2;
  ASSERT_TRUE(take(q, m0));
  ASSERT_TRUE(take(q, m1));
  ASSERT_TRUE(take(q, m2));
  q.ack(m0.lease);
  q.ack(m2.lease);
  sync();
  stop();
  start();
  Queue& again = open_queue();
  ASSERT_EQ(again.message_count(), 3u);
  Delivery m;
  ASSERT_TRUE(take(again, m));
  EXPECT_EQ(m.message->body, "m1");
  EXPECT_TRUE(m.redelivered());
  ASSERT_TRUE(take(again, m));
  EXPECT_EQ(m.message->body, "m3");
  EXPECT_FALSE(m.redelivered());
  ASSERT_TRUE(take(again, m));
  EXPECT_EQ(m.message->body, "m4");
  EXPECT_FALSE(take(again, m));
}

TEST_F(QueueStoreTest, ConfirmWaitsForTheRoundThatSyncsTheMessage) {
  Queue& q = open_queue();
  RecordingListener listener;
  EXPECT_EQ(committer_->covering_round(), 1u);
  ASSERT_EQ(q.enqueue(make_message("x")), EnqueueOutcome::kQueuedPendingSync);
  const uint64_t round = committer_->covering_round();
  committer_->wait(&listener);
  EXPECT_EQ(listener.calls, 0);
  ASSERT_TRUE(loop_.run_until([&] { return listener.calls > 0; }));
  EXPECT_GE(listener.last_round, round);
  EXPECT_TRUE(listener.last_ok);
}

TEST_F(QueueStoreTest, ConfirmWaitingOnADeletedQueueStillHearsItsRoundEnd) {
  Queue& q = open_queue();
  ASSERT_EQ(q.enqueue(make_message("x")), EnqueueOutcome::kQueuedPendingSync);
  RecordingListener listener;
  committer_->wait(&listener);
  q.mark_deleted();  // its store, the only one with writes, leaves before the round starts
  ASSERT_TRUE(loop_.run_until([&] { return listener.calls > 0; }));
  EXPECT_TRUE(listener.last_ok);
}

TEST_F(QueueStoreTest, BacklogBeyondTheWindowPagesAndDrainsInOrder) {
  stop();
  start(/*window=*/8 * 1024);
  Queue& q = open_queue();
  const int n = 5000;
  for (int i = 0; i < n; ++i) {
    (void)q.enqueue(make_message("message-" + std::to_string(i), /*persistent=*/i % 2 == 0));
  }
  EXPECT_EQ(q.message_count(), static_cast<size_t>(n));
  // The window holds about a dozen messages of ~660 bytes footprint, not thousands.
  EXPECT_LT(q.ready_bytes(), 8u * 1024);
  sync();  // the paged records reach the log, where read-ahead can find them
  factory_->read_ahead().wait_idle();
  EXPECT_EQ(factory_->read_ahead().completed(), 0u);
  for (int i = 0; i < n; ++i) {
    Delivery m;
    ASSERT_TRUE(take(q, m)) << i;
    ASSERT_EQ(m.message->body, "message-" + std::to_string(i));
    q.ack(m.lease);
  }
  // Each refill had the next chunk read ahead (refills read chunks of at least 64 KiB: a few here).
  factory_->read_ahead().wait_idle();
  EXPECT_GE(factory_->read_ahead().completed(), 2u);
  Delivery none;
  EXPECT_FALSE(take(q, none));
  EXPECT_EQ(q.message_count(), 0u);
  sync();
  // Every record settled: all but the active segment reclaimed.
  size_t segments = 0;
  for (const auto& e : fs::recursive_directory_iterator(root_)) {
    if (e.path().extension() == ".log" && e.path().parent_path().filename() == "messages") {
      ++segments;
    }
  }
  EXPECT_LE(segments, 2u);
}

TEST_F(QueueStoreTest, PagedMessagesKeepTheirDeadlinesAndCountTowardsByteLimits) {
  stop();
  start(/*window=*/8 * 1024);
  FakeTimers timers;
  QueueOptions options;  // transient: pages to a scratch store
  // Declared after `timers`, destroyed before them (its timers belong to them).
  auto queue = std::make_unique<Queue>("q", "/", options, 0);
  QueueSettings args;
  args.max_length_bytes = 200 * 100;
  queue->configure(args, nullptr, &timers);
  ASSERT_TRUE(queue->attach_storage(factory_.get()).ok());
  Queue& q = *queue;
  // 200 messages of 100 bytes: most are paged; the first half expire at 100 ms, the rest at
  // 300 ms, whether they wait in memory or on disk.
  for (int i = 0; i < 200; ++i) {
    auto m = std::make_shared<Message>();
    m->body = std::string(100, 'a' + static_cast<char>(i % 26));
    m->properties.expiration = i < 100 ? "100" : "300";
    (void)q.enqueue(m);
  }
  EXPECT_EQ(q.message_count(), 200u);
  (void)q.enqueue(make_message(std::string(100, 'x'), false));  // at the byte limit: drops one
  EXPECT_EQ(q.message_count(), 200u);
  timers.advance(std::chrono::milliseconds(150));
  EXPECT_EQ(q.message_count(), 101u);  // the 300 ms batch, plus the one without TTL
  timers.advance(std::chrono::milliseconds(200));
  EXPECT_EQ(q.message_count(), 1u);
  Delivery m;
  ASSERT_TRUE(take(q, m));
  EXPECT_EQ(m.message->body, std::string(100, 'x'));
}

TEST_F(QueueStoreTest, PagedBacklogSurvivesRestartWithoutItsTransientMessages) {
  stop();
  start(/*window=*/4 * 1024);
  Queue& q = open_queue();
  for (int i = 0; i < 1000; ++i) (void)q.enqueue(make_message(std::to_string(i), i % 3 != 0));
  sync();
  stop();
  start(4 * 1024);
  Queue& again = open_queue();
  std::vector<std::string> bodies;
  Delivery m;
  while (take(again, m)) {
    bodies.emplace_back(m.message->body.view());
    again.ack(m.lease);
  }
  std::vector<std::string> expected;
  for (int i = 0; i < 1000; ++i) {
    if (i % 3 != 0) expected.push_back(std::to_string(i));
  }
  EXPECT_EQ(bodies, expected);
  EXPECT_EQ(again.message_count(), 0u);
}

TEST_F(QueueStoreTest, PurgeAndDeleteSettleEverything) {
  stop();
  start(4 * 1024);
  Queue& q = open_queue();
  for (int i = 0; i < 500; ++i) (void)q.enqueue(make_message(std::to_string(i)));
  EXPECT_EQ(q.purge(), 500u);
  sync();
  stop();
  start(4 * 1024);
  Queue& again = open_queue();
  EXPECT_EQ(again.message_count(), 0u);
  (void)again.enqueue(make_message("after"));
  again.mark_deleted();
  stop();
  start();
  EXPECT_EQ(open_queue().message_count(), 0u);
}

TEST_F(QueueStoreTest, DiskFullNacksAndRefusesThenRecoversWithoutLosingWhatWasConfirmed) {
  Queue& q = open_queue();
  ASSERT_EQ(q.enqueue(make_message("before")), EnqueueOutcome::kQueuedPendingSync);
  sync();
  disk_full_ = true;
  RecordingListener listener;
  ASSERT_EQ(q.enqueue(make_message("during")), EnqueueOutcome::kQueuedPendingSync);
  committer_->wait(&listener);
  ASSERT_TRUE(loop_.run_until([&] { return listener.calls > 0; }));
  EXPECT_FALSE(listener.last_ok);  // the confirm of "during" is a nack
  EXPECT_EQ(q.enqueue(make_message("refused")), EnqueueOutcome::kRefused);
  disk_full_ = false;
  // The store retries on its own; once the write went through, publishes are taken again.
  RecordingListener after;
  ASSERT_TRUE(loop_.run_until(
      [&] { return q.enqueue(make_message("after")) == EnqueueOutcome::kQueuedPendingSync; }));
  committer_->wait(&after);
  ASSERT_TRUE(loop_.run_until([&] { return after.calls > 0; }));
  EXPECT_TRUE(after.last_ok);
  stop();
  start();
  Queue& again = open_queue();
  std::vector<std::string> bodies;
  Delivery m;
  while (take(again, m)) bodies.emplace_back(m.message->body.view());
  // "during" was nacked but kept, and is written once space returned: a nack promises
  // nothing either way. "refused" was never queued.
  EXPECT_EQ(bodies, (std::vector<std::string>{"before", "during", "after"}));
}

TEST_F(QueueStoreTest, CorruptRecordInTheMiddleStopsTheQueueInsteadOfServingGarbage) {
  stop();
  start(/*window=*/4 * 1024);
  Queue& q = open_queue();
  // 2,000 messages of ~1 KiB: buffered appends are written in batches of about 1 MiB, each
  // batch into one segment, so this makes at least one sealed segment.
  for (int i = 0; i < 2000; ++i) (void)q.enqueue(make_message(std::string(1000, 'a' + i % 26)));
  sync();
  stop();
  // Flip one byte in the middle of the first (sealed) segment.
  std::vector<fs::path> segments;
  for (const auto& e : fs::recursive_directory_iterator(root_)) {
    if (e.path().extension() == ".log" && e.path().parent_path().filename() == "messages") {
      segments.push_back(e.path());
    }
  }
  std::sort(segments.begin(), segments.end());
  ASSERT_GE(segments.size(), 2u);
  {
    const auto middle = static_cast<std::streamoff>(fs::file_size(segments[0]) / 2);
    std::fstream f(segments[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(middle);
    char c = 0;
    f.read(&c, 1);
    f.seekp(middle);
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  start(4 * 1024);
  Queue& again = open_queue();
  int served = 0;
  Delivery m;
  while (take(again, m)) {
    // Everything served is a message as it was published.
    ASSERT_EQ(m.message->body, std::string(1000, 'a' + served % 26)) << served;
    ++served;
    again.ack(m.lease);
  }
  EXPECT_GT(served, 0);
  EXPECT_LT(served, 2000);
  EXPECT_FALSE(again.storage_error().ok());
  EXPECT_GT(again.message_count(), 0u);  // the rest stays on disk, not served, not dropped
  bool logged = false;
  for (const auto& w : warnings_) logged = logged || w.find("stopped") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_F(QueueStoreTest, NonDurableQueuePagesToScratchFilesRemovedAtShutdown) {
  stop();
  start(/*window=*/4 * 1024);
  queue_ = std::make_unique<Queue>("scratch", "/", QueueOptions{}, 0);
  ASSERT_TRUE(queue_->attach_storage(factory_.get()).ok());
  for (int i = 0; i < 1000; ++i) (void)queue_->enqueue(make_message(std::to_string(i), false));
  EXPECT_EQ(queue_->message_count(), 1000u);
  EXPECT_LT(queue_->ready_bytes(), 4u * 1024);
  EXPECT_TRUE(fs::exists(root_ / "transient"));
  Delivery m;
  ASSERT_TRUE(take(*queue_, m));
  EXPECT_EQ(m.message->body, "0");
  stop();
  EXPECT_FALSE(fs::exists(root_ / "transient"));
  start();
}

TEST_F(QueueStoreTest, ManySettlementsAreCompactedByCheckpoints) {
  stop();
  start(16 * 1024 * 1024, /*checkpoint_bytes=*/16 * 1024);
  Queue& q = open_queue();
  // Acks (8 bytes each in the settlement log) well past the checkpoint threshold, with one
  // message in a thousand held unacked so ranges stay open above live_from.
  const int n = 40000;
  for (int i = 0; i < n; ++i) (void)q.enqueue(make_message("x"));
  std::vector<Delivery> held;
  Delivery m;
  int i = 0;
  while (take(q, m)) {
    if (i++ % 1000 == 0) {
      held.push_back(std::move(m));
    } else {
      q.ack(m.lease);
    }
  }
  sync();
  stop();
  start();
  Queue& again = open_queue();
  EXPECT_EQ(again.message_count(), held.size());
  uintmax_t settlement_bytes = 0;
  for (const auto& e : fs::recursive_directory_iterator(root_)) {
    if (e.is_regular_file() && e.path().parent_path().filename() == "settlements") {
      settlement_bytes += e.file_size();
    }
  }
  // Without checkpoints the log would hold all 320,000 bytes of acks; with them, about the
  // last checkpoint interval plus one 1 MiB segment at most.
  EXPECT_LT(settlement_bytes, 200u * 1024);
}

}  // namespace
}  // namespace polymq::core
