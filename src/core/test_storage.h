// Storage for the core's unit tests: a queue-store factory in a fresh directory, synced by a
// group committer that posts to a TestLoop the test runs.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "core/queue_store.h"
#include "core/test_loop.h"
#include "storage/group_commit.h"

namespace polymq::core::testing {

class TestStorage {
 public:
  // `name` tells the test's directory apart: /tmp/polymq-<name>-<pid>-<test name>.
  explicit TestStorage(const std::string& name, QueueStoreOptions options = {}) {
    root_ = std::filesystem::temp_directory_path() /
            ("polymq-" + name + "-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    committer_ =
        std::make_unique<storage::GroupCommitter>(storage::SyncPolicy::kBatch, 0, loop_.post());
    options.root = root_.string();
    stores_ = std::make_unique<QueueStoreFactory>(options, *committer_);
  }
  // REQUIRES: every queue and stream made from stores() is gone.
  ~TestStorage() {
    committer_->flush_now();
    stores_.reset();
    committer_.reset();
    std::filesystem::remove_all(root_);
  }
  TestStorage(const TestStorage&) = delete;
  TestStorage& operator=(const TestStorage&) = delete;

  QueueStoreFactory& stores() { return *stores_; }
  storage::GroupCommitter& committer() { return *committer_; }
  TestLoop& loop() { return loop_; }
  // Runs the loop until the round covering what was written so far has ended.
  void run_round() {
    const uint64_t round = committer_->covering_round();
    ASSERT_TRUE(loop_.run_until([&] { return committer_->completed_round() >= round; }));
  }

 private:
  TestLoop loop_;
  std::filesystem::path root_;
  std::unique_ptr<storage::GroupCommitter> committer_;
  std::unique_ptr<QueueStoreFactory> stores_;
};

}  // namespace polymq::core::testing
