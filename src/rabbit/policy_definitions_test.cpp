// Policies in the definitions file and its change log, set through the broker as the
// management API sets them.
#include <gtest/gtest.h>

#include "core/broker.h"
#include "rabbit/definitions.h"
#include "rabbit/model.h"

namespace polymq::rabbit {
namespace {

using namespace polymq::core;

const Model& model() {
  static const Model instance;  // outlives every broker of the test
  return instance;
}

struct PolicyBroker : Broker {
  PolicyBroker() { model().install(hooks()); }
};

// Keeps each change as the change log would write it.
class ChangeList final : public DefinitionsLog {
 public:
  uint64_t record(const DefinitionChange& change) override {
    changes.push_back(export_change(change));
    return changes.size();
  }
  uint64_t last_recorded() const override { return changes.size(); }
  void when_durable(uint64_t, std::function<void(bool)> done) override { done(true); }
  std::vector<std::string> changes;
};

Policy cap(std::string name, int64_t max_length, std::string vhost = "/") {
  Policy p;
  p.name = std::move(name);
  p.vhost = std::move(vhost);
  p.pattern = "^jobs";
  p.apply_to = "queues";
  p.priority = 3;
  p.definition = {{"max-length", Value::Int64(max_length)}};
  return p;
}

size_t max_length_of(Broker& b, const std::string& queue) {
  Queue* q = b.find_vhost("/")->find_queue(queue);
  EXPECT_NE(q, nullptr);
  return q != nullptr && q->settings().max_length ? *q->settings().max_length : 0;
}

TEST(PolicyDefinitionsTest, SetAndClearedPoliciesReplayFromTheChangeLog) {
  PolicyBroker b;
  ChangeList log;
  b.add_vhost("/");
  b.hooks().definitions = &log;
  ASSERT_TRUE(b.set_policy(PolicyKind::kUser, cap("user", 10)).ok());
  ASSERT_TRUE(b.set_policy(PolicyKind::kOperator, cap("ops", 4)).ok());
  ASSERT_TRUE(b.set_policy(PolicyKind::kUser, cap("gone", 1)).ok());
  EXPECT_TRUE(b.clear_policy(PolicyKind::kUser, "/", "gone"));
  EXPECT_FALSE(b.clear_policy(PolicyKind::kUser, "/", "gone"));  // nothing recorded
  ASSERT_EQ(log.changes.size(), 4u);
  EXPECT_EQ(log.changes[3], R"({"op":"remove","policies":[{"vhost":"/","name":"gone"}]})");

  PolicyBroker replayed;
  replayed.add_vhost("/");
  QueueDeclareOutcome out;
  ASSERT_TRUE(replayed.find_vhost("/")->declare_queue("jobs", {}, false, 0, out).ok());
  for (const std::string& change : log.changes) {
    Status s = apply_change(change, replayed);
    EXPECT_TRUE(s.ok()) << change << ": " << s.message();
  }
  EXPECT_EQ(export_definitions(replayed), export_definitions(b));
  EXPECT_EQ(replayed.policies(PolicyKind::kUser).find("/", "gone"), nullptr);
  const Policy* user = replayed.policies(PolicyKind::kUser).find("/", "user");
  ASSERT_NE(user, nullptr);
  EXPECT_EQ(user->priority, 3);
  EXPECT_EQ(user->apply_to, "queues");
  EXPECT_EQ(max_length_of(replayed, "jobs"), 4u);  // the operator policy caps the policy
}

TEST(PolicyDefinitionsTest, ExportAndImportKeepPoliciesInRabbitMqsLayout) {
  PolicyBroker b;
  b.add_vhost("/");
  ASSERT_TRUE(b.set_policy(PolicyKind::kUser, cap("user", 10)).ok());
  const std::string json = export_definitions(b);
  EXPECT_NE(json.find(R"("policies":[{"vhost":"/","name":"user","pattern":"^jobs",)"
                      R"("apply-to":"queues","definition":{"max-length":10},"priority":3}])"),
            std::string::npos)
      << json;

  // Queues declared by the file see the policy: it is imported before them.
  PolicyBroker imported;
  const std::string with_queue = R"({"vhosts": [{"name": "/"}],
    "policies": [{"vhost": "/", "name": "p", "pattern": "^jobs", "definition":
                  {"max-length": 7}}],
    "queues": [{"name": "jobs", "vhost": "/", "durable": true, "arguments": {}}]})";
  Status s = import_definitions(with_queue, imported);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(imported.policies(PolicyKind::kUser).find("/", "p")->apply_to, "all");
  EXPECT_EQ(max_length_of(imported, "jobs"), 7u);
}

TEST(PolicyDefinitionsTest, RefusedPoliciesNameTheEntry) {
  PolicyBroker b;
  b.add_vhost("/");
  auto error_of = [&](const std::string& policies) {
    return import_definitions(R"({"policies": [)" + policies + "]}", b).message();
  };
  EXPECT_EQ(error_of(R"({"vhost": "nowhere", "name": "p", "pattern": ".*",
                         "definition": {"max-length": 1}})"),
            "definitions: policies[0]: no vhost 'nowhere'");
  EXPECT_EQ(error_of(R"({"vhost": "/", "name": "p", "pattern": ".*",
                         "definition": {"max-length": -1}})"),
            "definitions: policies[0]: policy 'p': -1 is not a valid maximum length");
  EXPECT_EQ(error_of(R"({"vhost": "/", "name": "p", "definition": {}})"),
            "definitions: policies[0]: missing 'pattern'");
  EXPECT_EQ(error_of(R"({"vhost": "/", "name": "p", "pattern": ".*", "definition": 5})"),
            "definitions: policies[0]: 'definition' must be an object");
  EXPECT_TRUE(b.policies(PolicyKind::kUser).empty());
}

}  // namespace
}  // namespace polymq::rabbit
