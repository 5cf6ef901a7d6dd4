#include "core/policies.h"

#include <gtest/gtest.h>

namespace polymq::core {
namespace {

Policy policy(std::string name, std::string pattern, int priority = 0, std::string vhost = "/") {
  Policy p;
  p.name = std::move(name);
  p.pattern = std::move(pattern);
  p.priority = priority;
  p.vhost = std::move(vhost);
  p.definition = {{"max-length", Value::Int64(1)}};
  return p;
}

TEST(PolicyStore, HighestPriorityWinsAndTiesGoToTheFirstSet) {
  PolicyStore store;
  ASSERT_TRUE(store.set(policy("first", "^orders")).ok());
  ASSERT_TRUE(store.set(policy("second", "orders")).ok());
  EXPECT_EQ(store.match_queue("/", "orders.eu")->name, "first");
  ASSERT_TRUE(store.set(policy("second", "orders", 5)).ok());
  EXPECT_EQ(store.match_queue("/", "orders.eu")->name, "second");
  // Replacing keeps the place: at equal priority "first" still wins.
  ASSERT_TRUE(store.set(policy("second", "orders", 0)).ok());
  ASSERT_TRUE(store.set(policy("first", "^orders", 0)).ok());
  EXPECT_EQ(store.match_queue("/", "orders.eu")->name, "first");
  EXPECT_EQ(store.match_queue("/", "my-orders")->name, "second");  // a search, not a full match
  EXPECT_EQ(store.match_queue("/", "invoices"), nullptr);
  EXPECT_EQ(store.match_queue("other", "orders"), nullptr);
}

TEST(PolicyStore, ExchangePoliciesDoNotApplyToQueues) {
  PolicyStore store;
  Policy p = policy("x", ".*");
  p.apply_to = "exchanges";
  ASSERT_TRUE(store.set(p).ok());
  EXPECT_EQ(store.match_queue("/", "q"), nullptr);
  p.apply_to = "all";
  ASSERT_TRUE(store.set(p).ok());
  EXPECT_NE(store.match_queue("/", "q"), nullptr);
}

TEST(PolicyStore, RefusesWhatCannotApply) {
  PolicyStore store;
  EXPECT_EQ(store.set(policy("", ".*")).code(), ErrorCode::kInvalidArgument);
  Policy p = policy("p", ".*");
  p.apply_to = "streams";
  EXPECT_EQ(store.set(p).message(),
            "policy 'p': apply-to 'streams' is not one of queues, exchanges, all");
  EXPECT_EQ(store.set(policy("p", "([")).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(store.empty());
}

TEST(PolicyStore, ListsByVhostThenNameAndForgetsAVhost) {
  PolicyStore store;
  ASSERT_TRUE(store.set(policy("b", ".*", 0, "v1")).ok());
  ASSERT_TRUE(store.set(policy("a", ".*", 0, "v2")).ok());
  ASSERT_TRUE(store.set(policy("a", ".*", 0, "v1")).ok());
  std::vector<const Policy*> all = store.list();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]->vhost + "/" + all[0]->name, "v1/a");
  EXPECT_EQ(all[1]->vhost + "/" + all[1]->name, "v1/b");
  EXPECT_EQ(all[2]->vhost + "/" + all[2]->name, "v2/a");
  EXPECT_NE(store.find("v2", "a"), nullptr);
  EXPECT_FALSE(store.remove("v2", "zzz"));
  EXPECT_TRUE(store.remove("v2", "a"));
  EXPECT_EQ(store.find("v2", "a"), nullptr);
  store.clear_vhost("v1");
  EXPECT_TRUE(store.empty());
}

}  // namespace
}  // namespace polymq::core
