// The state log over real storage: replay, durable waits, and rewrites that drop what the
// current state makes obsolete without losing a record that was not durable yet.
#include "core/state_log.h"

#include <gtest/gtest.h>

#include "core/test_storage.h"

namespace polymq::core {
namespace {

class StateLogTest : public ::testing::Test {
 protected:
  StateLogTest() {
    hooks_.queue_stores = &storage_.stores();
    reopen();
  }
  // A broker start over the same storage; what the replay saw.
  std::vector<std::string> reopen() {
    log_.reset();
    vhost_ = std::make_unique<VHost>("/", &hooks_);
    log_ = std::make_unique<StateLog>(commits_);
    std::vector<std::string> replayed;
    uint64_t skipped = 0;
    EXPECT_TRUE(log_->open(*vhost_, "__state", [&](std::string_view p) { replayed.emplace_back(p); },
                           skipped)
                    .ok());
    EXPECT_EQ(skipped, 0u);
    return replayed;
  }
  void append(std::vector<std::string> payloads) {
    ASSERT_TRUE(log_->append(payloads, 1));
  }

  testing::TestStorage storage_{"state-log"};
  VHostHooks hooks_;
  CommitTracker commits_{&storage_.committer()};
  std::unique_ptr<VHost> vhost_;
  std::unique_ptr<StateLog> log_;
};

TEST_F(StateLogTest, RecordsAreReplayedInOrderAndWaitsEndWhenDurable) {
  append({"a", "b"});
  int calls = 0;
  log_->after_durable([&](bool ok) {
    EXPECT_TRUE(ok);
    ++calls;
  });
  EXPECT_EQ(calls, 0);
  int pending = 0;
  log_->after_pending([&](bool) { ++pending; });
  EXPECT_EQ(pending, 0);  // behind the wait before it
  storage_.run_round();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(pending, 1);
  log_->after_pending([&](bool) { ++pending; });
  EXPECT_EQ(pending, 2);  // nothing in flight: at once
  EXPECT_EQ(log_->record_count(), 2u);
  EXPECT_EQ(reopen(), (std::vector<std::string>{"a", "b"}));
}

TEST_F(StateLogTest, ARewriteKeepsTheStateAndDropsTheRecordsBeforeIt) {
  for (int i = 0; i < 100; ++i) append({"k=" + std::to_string(i)});
  storage_.run_round();
  log_->rewrite(std::vector<std::string>{"k=99"}, 2, [&](const Status& st, uint64_t dropped) {
    EXPECT_TRUE(st.ok());
    EXPECT_EQ(dropped, 100u);
  });
  storage_.run_round();
  EXPECT_EQ(log_->rewrites(), 1u);
  EXPECT_EQ(log_->record_count(), 1u);
  EXPECT_EQ(reopen(), (std::vector<std::string>{"k=99"}));
}

TEST_F(StateLogTest, ARewriteCopiesTheRecordsNotYetDurableAfterTheState) {
  for (int i = 0; i < 10; ++i) append({"old"});
  storage_.run_round();
  append({"pending-1", "pending-2"});  // the owner applies these only once durable
  log_->rewrite(std::vector<std::string>{"state"}, 2, [](const Status&, uint64_t) {});
  storage_.run_round();
  EXPECT_EQ(log_->rewrites(), 1u);
  EXPECT_EQ(reopen(), (std::vector<std::string>{"state", "pending-1", "pending-2"}));
}

TEST_F(StateLogTest, AMostlyLiveLogIsNotRewritten) {
  append({"a", "b", "c"});
  storage_.run_round();
  log_->rewrite(std::vector<std::string>{"a", "b"}, 2, [](const Status&, uint64_t) { FAIL(); });
  EXPECT_EQ(log_->rewrites(), 0u);
  EXPECT_EQ(reopen(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(StateLogTest, ARewriteIsDueEveryMinRecordsAppended) {
  EXPECT_FALSE(log_->rewrite_due());
  std::vector<std::string> batch(StateLog::kRewriteMinRecords - 1, "x");
  append(batch);
  EXPECT_FALSE(log_->rewrite_due());
  append({"x"});
  EXPECT_TRUE(log_->rewrite_due());
  storage_.run_round();
  // Looked at and found mostly live: due again only after as many more.
  log_->rewrite(batch, 2, [](const Status&, uint64_t) { FAIL(); });
  EXPECT_FALSE(log_->rewrite_due());
  EXPECT_EQ(log_->rewrites(), 0u);
}

}  // namespace
}  // namespace polymq::core
