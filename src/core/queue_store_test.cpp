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

namespace polymq::core {
namespace {

namespace fs = std::filesystem;

// Stands in for the event loop: the group committer posts here, the test runs what was
// posted. Delays are ignored (run in order).
class TestLoop {
 public:
  storage::GroupCommitter::Post post() {
    return [this](uint32_t, std::function<void()> fn) {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(fn));
      cv_.notify_all();
    };
  }
  // Runs posted work until `done` holds (waiting for the syncing thread as needed).
  template <class Pred>
  bool run_until(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      std::function<void()> fn;
      {
        std::unique_lock lock(mu_);
        if (!cv_.wait_until(lock, deadline, [&] { return !tasks_.empty(); })) return false;
        fn = std::move(tasks_.front());
        tasks_.pop_front();
      }
      fn();
    }
    return true;
  }
  void run_pending() {
    run_until([&] {
      std::lock_guard lock(mu_);
      return tasks_.empty();
    });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
};

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

TEST(MessageCodecTest, RoundTripsEveryPropertyAndValueKind) {
  Message m;
  m.exchange = "amq.topic";
  m.routing_key = "a.b.c";
  m.body = std::string("bin\0ary", 7);
  Properties& p = m.properties;
  p.content_type = "text/plain";
  p.content_encoding = "gzip";
  p.delivery_mode = 2;
  p.priority = 7;
  p.correlation_id = "corr";
  p.reply_to = "reply";
  p.expiration = "6000";
  p.message_id = "id-1";
  p.timestamp = 1700000000;
  p.type = "t";
  p.user_id = "guest";
  p.app_id = "app";
  p.cluster_id = "c";
  Table nested = {{"x", Value::Int32(-5)}};
  p.headers = Table{{"i8", Value::Int(ValueKind::kInt8, -3)},
                    {"u64", Value::UInt(ValueKind::kUInt64, 1ull << 63)},
                    {"f", Value::Float(1.5f)},
                    {"d", Value::Double(2.25)},
                    {"dec", Value::Dec(Decimal{2, 12345})},
                    {"s", Value::String("text")},
                    {"b", Value::Bytes(std::string("\0\1", 2))},
                    {"ts", Value::Timestamp(42)},
                    {"arr", Value::Arr({Value::Bool(true), Value::Void()})},
                    {"tab", Value::Tab(nested)}};
  std::string encoded;
  encode_stored_message(encoded, 99, true, m);
  StoredMessage out;
  ASSERT_TRUE(decode_stored_message(encoded, out));
  EXPECT_EQ(out.sequence, 99u);
  EXPECT_TRUE(out.transient);
  EXPECT_EQ(out.message->body, m.body);
  EXPECT_EQ(out.message->routing_key, "a.b.c");
  EXPECT_EQ(out.message->properties.expiration, "6000");
  EXPECT_EQ(out.message->properties.timestamp, 1700000000u);
  EXPECT_EQ(out.message->properties.priority, 7);
  const Table& h = *out.message->properties.headers;
  ASSERT_EQ(h.size(), p.headers->size());
  for (size_t i = 0; i < h.size(); ++i) {
    EXPECT_EQ(h[i].first, (*p.headers)[i].first);
    EXPECT_EQ(h[i].second.kind, (*p.headers)[i].second.kind) << h[i].first;
    EXPECT_TRUE(h[i].second.equals((*p.headers)[i].second)) << h[i].first;
  }
}

TEST(MessageCodecTest, RejectsEveryTruncationWithoutReadingPastTheEnd) {
  Message m;
  m.body = "hello";
  m.properties.headers = Table{{"k", Value::String("v")}};
  std::string encoded;
  encode_stored_message(encoded, 1, false, m);
  for (size_t n = 0; n < encoded.size(); ++n) {
    StoredMessage out;
    EXPECT_FALSE(decode_stored_message(std::string_view(encoded).substr(0, n), out)) << n;
  }
  encoded.push_back('x');
  StoredMessage out;
  EXPECT_FALSE(decode_stored_message(encoded, out));
}

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
  QueuedMessage m;
  ASSERT_TRUE(again.take(m));
  EXPECT_EQ(m.message->body, "p1");
  EXPECT_FALSE(m.redelivered());
  ASSERT_TRUE(again.take(m));
  EXPECT_EQ(m.message->body, "p2");
}

TEST_F(QueueStoreTest, AckedNeverComeBackDeliveredUnackedComeBackRedelivered) {
  Queue& q = open_queue();
  for (int i = 0; i < 5; ++i) (void)q.enqueue(make_message("m" + std::to_string(i)));
  QueuedMessage m0, m1, m2;
  ASSERT_TRUE(q.take(m0));
  ASSERT_TRUE(q.take(m1));
  ASSERT_TRUE(q.take(m2));
  q.ack(m0);
  q.ack(m2);
  sync();
  stop();
  start();
  Queue& again = open_queue();
  ASSERT_EQ(again.message_count(), 3u);
  QueuedMessage m;
  ASSERT_TRUE(again.take(m));
  EXPECT_EQ(m.message->body, "m1");
  EXPECT_TRUE(m.redelivered());
  ASSERT_TRUE(again.take(m));
  EXPECT_EQ(m.message->body, "m3");
  EXPECT_FALSE(m.redelivered());
  ASSERT_TRUE(again.take(m));
  EXPECT_EQ(m.message->body, "m4");
  EXPECT_FALSE(again.take(m));
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
  for (int i = 0; i < n; ++i) {
    QueuedMessage m;
    ASSERT_TRUE(q.take(m)) << i;
    ASSERT_EQ(m.message->body, "message-" + std::to_string(i));
    q.ack(m);
  }
  QueuedMessage none;
  EXPECT_FALSE(q.take(none));
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
  QueueArguments args;
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
  QueuedMessage m;
  ASSERT_TRUE(q.take(m));
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
  QueuedMessage m;
  while (again.take(m)) {
    bodies.emplace_back(m.message->body.view());
    again.ack(m);
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
  QueuedMessage m;
  while (again.take(m)) bodies.emplace_back(m.message->body.view());
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
  QueuedMessage m;
  while (again.take(m)) {
    // Everything served is a message as it was published.
    ASSERT_EQ(m.message->body, std::string(1000, 'a' + served % 26)) << served;
    ++served;
    again.ack(m);
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
  QueuedMessage m;
  ASSERT_TRUE(queue_->take(m));
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
  std::vector<QueuedMessage> held;
  QueuedMessage m;
  int i = 0;
  while (q.take(m)) {
    if (i++ % 1000 == 0) {
      held.push_back(std::move(m));
    } else {
      q.ack(m);
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
