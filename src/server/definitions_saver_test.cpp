// The definitions saver without a process: changes reach the change log, a restart replays
// them over the snapshot, compaction folds them into the snapshot, and a torn tail is skipped.
#include "server/definitions_saver.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "rabbit/definitions.h"
#include "rabbit/model.h"
#include "storage/test_loop.h"
#include "storage/test_util.h"

namespace polymq::server {
namespace {

namespace fs = std::filesystem;

using Loop = storage::testing::TestLoop;
using storage::testing::TempDir;

// A broker with RabbitMQ's model, as main runs one (amq.* exchanges in every vhost).
class ModelBroker : public core::Broker {
 public:
  ModelBroker() { model().install(hooks()); }

 private:
  static const rabbit::Model& model() {
    static const rabbit::Model instance;  // outlives every broker of the test
    return instance;
  }
};

core::QueueOptions durable_queue() {
  core::QueueOptions o;
  o.durable = true;
  return o;
}

// Waits until everything the saver recorded is durable.
void settle(DefinitionsSaver& saver, Loop& loop) {
  bool done = false;
  bool ok = false;
  saver.when_durable(saver.last_recorded(), [&](bool o) {
    done = true;
    ok = o;
  });
  ASSERT_TRUE(loop.run_until([&] { return done; }));
  ASSERT_TRUE(ok);
}

std::vector<std::string> change_logs(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("definitions.changes.", 0) == 0) out.push_back(name);
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(DefinitionsSaverTest, ChangesAreDurableAndReplayedAtTheNextStart) {
  TempDir dir;
  Loop loop;
  {
    ModelBroker broker;
    DefinitionsSaver saver(broker, dir.path(), loop.post_task());
    ASSERT_TRUE(saver.start(Config{}));
    core::VHost& v = *broker.find_vhost("/");
    const uint64_t before = saver.last_recorded();
    core::QueueDeclareOutcome out;
    ASSERT_TRUE(v.declare_queue("q1", durable_queue(), false, 1, out).ok());
    ASSERT_TRUE(v.declare_queue("q2", durable_queue(), false, 1, out).ok());
    ASSERT_TRUE(v.declare_queue("transient", core::QueueOptions{}, false, 1, out).ok());
    ASSERT_TRUE(v.bind_queue("q1", "amq.direct", "k1", {}, 1).ok());
    ASSERT_TRUE(v.bind_queue("transient", "amq.direct", "k1", {}, 1).ok());
    size_t count = 0;
    ASSERT_TRUE(v.delete_queue("q2", false, false, 1, count).ok());
    // Two declares, a bind and a delete; transient changes record nothing.
    EXPECT_EQ(saver.last_recorded(), before + 4);
    settle(saver, loop);
    // The snapshot was not rewritten for them: they are in the change log only. (The name is
    // looked for quoted: the user's random password hash may hold the letters "q1".)
    EXPECT_EQ(read_file(dir.path() + "/definitions.json").find("\"q1\""), std::string::npos);
    // No shutdown snapshot either: destroying the saver is as good as a crash here.
  }
  ModelBroker broker;
  DefinitionsSaver saver(broker, dir.path(), loop.post_task());
  ASSERT_TRUE(saver.start(Config{}));
  core::VHost& v = *broker.find_vhost("/");
  ASSERT_NE(v.find_queue("q1"), nullptr);
  EXPECT_EQ(v.find_queue("q2"), nullptr);
  EXPECT_EQ(v.find_queue("transient"), nullptr);
  std::vector<core::Queue*> routed;
  core::Message m;
  m.routing_key = "k1";
  ASSERT_TRUE(v.route("amq.direct", m, routed).ok());
  ASSERT_EQ(routed.size(), 1u);
  EXPECT_EQ(routed[0]->name(), "q1");
  // The start folded the replayed changes into a new snapshot and began a new change log.
  const std::string snapshot = read_file(dir.path() + "/definitions.json");
  EXPECT_NE(snapshot.find("\"polymq_change_seq\":4"), std::string::npos) << snapshot;
  EXPECT_EQ(change_logs(dir.path()),
            std::vector<std::string>{"definitions.changes.00000000000000000004"});
  EXPECT_EQ(saver.last_recorded(), 4u);
}

TEST(DefinitionsSaverTest, StoredGuestGetsItsPasswordBackButNotOnDisk) {
  TempDir dir;
  Loop loop;
  {
    ModelBroker broker;
    DefinitionsSaver saver(broker, dir.path(), loop.post_task());
    ASSERT_TRUE(saver.start(Config{}));
    EXPECT_EQ(broker.users().known_password("guest"), "guest");
  }
  // The password (a SigV4 secret) is never written: only its salted digest is.
  EXPECT_EQ(read_file(dir.path() + "/definitions.json").find("\"password\":"), std::string::npos);
  // Restored from the snapshot, the default guest's password is known again.
  ModelBroker broker;
  DefinitionsSaver saver(broker, dir.path(), loop.post_task());
  ASSERT_TRUE(saver.start(Config{}));
  EXPECT_EQ(broker.users().known_password("guest"), "guest");
}

TEST(DefinitionsSaverTest, CompactionFoldsTheChangeLogIntoTheSnapshot) {
  TempDir dir;
  Loop loop;
  DefinitionsSaverOptions options;
  options.compact_bytes = 2000;
  {
    ModelBroker broker;
    DefinitionsSaver saver(broker, dir.path(), loop.post_task(), options);
    ASSERT_TRUE(saver.start(Config{}));
    core::VHost& v = *broker.find_vhost("/");
    for (int i = 0; i < 100; ++i) {
      core::QueueDeclareOutcome out;
      const std::string name = "q" + std::to_string(i);
      ASSERT_TRUE(v.declare_queue(name, durable_queue(), false, 1, out).ok());
      ASSERT_TRUE(v.bind_queue(name, "amq.topic", name + ".#", {}, 1).ok());
      if (i % 10 == 0) settle(saver, loop);
    }
    settle(saver, loop);
    saver.drain();
    ASSERT_TRUE(loop.run_until([&] { return saver.compactions() > 0; }));
    saver.drain();
    // Only the generations after the last snapshot are kept.
    EXPECT_LE(change_logs(dir.path()).size(), 2u);
    EXPECT_NE(read_file(dir.path() + "/definitions.json").find("\"q5\""), std::string::npos);
  }
  ModelBroker broker;
  DefinitionsSaver saver(broker, dir.path(), loop.post_task(), options);
  ASSERT_TRUE(saver.start(Config{}));
  core::VHost& v = *broker.find_vhost("/");
  EXPECT_EQ(v.queue_count(), 100u);
  EXPECT_EQ(saver.last_recorded(), 200u);
  std::vector<core::Queue*> routed;
  core::Message m;
  m.routing_key = "q99.x";
  ASSERT_TRUE(v.route("amq.topic", m, routed).ok());
  ASSERT_EQ(routed.size(), 1u);
  EXPECT_EQ(routed[0]->name(), "q99");
}

TEST(DefinitionsSaverTest, TornTailOfTheChangeLogIsSkipped) {
  TempDir dir;
  Loop loop;
  std::string log_path;
  {
    ModelBroker broker;
    DefinitionsSaverOptions options;
    options.preallocate_bytes = 0;  // so garbage can be appended after the last record
    DefinitionsSaver saver(broker, dir.path(), loop.post_task(), options);
    ASSERT_TRUE(saver.start(Config{}));
    core::QueueDeclareOutcome out;
    ASSERT_TRUE(broker.find_vhost("/")->declare_queue("kept", durable_queue(), false, 1, out).ok());
    settle(saver, loop);
    auto logs = change_logs(dir.path());
    ASSERT_EQ(logs.size(), 1u);
    log_path = dir.path() + "/" + logs[0];
  }
  {
    std::ofstream f(log_path, std::ios::app | std::ios::binary);
    f << "\x40\x00\x00\x00garbage of a record that was never acknowledged";
  }
  ModelBroker broker;
  DefinitionsSaver saver(broker, dir.path(), loop.post_task());
  ASSERT_TRUE(saver.start(Config{}));
  EXPECT_NE(broker.find_vhost("/")->find_queue("kept"), nullptr);
  EXPECT_EQ(saver.last_recorded(), 1u);
}

TEST(DefinitionsSaverTest, AChangeThatDoesNotApplyRefusesTheStart) {
  TempDir dir;
  Loop loop;
  {
    ModelBroker broker;
    DefinitionsSaver saver(broker, dir.path(), loop.post_task());
    ASSERT_TRUE(saver.start(Config{}));
    core::QueueDeclareOutcome out;
    ASSERT_TRUE(broker.find_vhost("/")->declare_queue("q", durable_queue(), false, 1, out).ok());
    ASSERT_TRUE(broker.find_vhost("/")->bind_queue("q", "amq.direct", "k", {}, 1).ok());
    settle(saver, loop);
  }
  // Hand-edit the snapshot so that the change log's bind no longer finds its exchange... the
  // vhost: a snapshot of change 0 without vhost "/" is replaced by one naming only "other".
  {
    std::ofstream f(dir.path() + "/definitions.json", std::ios::trunc);
    f << R"({"polymq_change_seq":0,"vhosts":[{"name":"other"}]})";
  }
  ModelBroker broker;
  DefinitionsSaver saver(broker, dir.path(), loop.post_task());
  Config config;
  config.vhosts = {"other"};
  EXPECT_FALSE(saver.start(config));
}

}  // namespace
}  // namespace polymq::server
