#include "core/id_window.h"

#include <gtest/gtest.h>

#include <vector>

namespace polymq::core {
namespace {

TEST(IdWindowTest, SingleAndMultipleSettle) {
  IdWindow<int> w;
  for (uint64_t tag = 1; tag <= 5; ++tag) w.add(tag, static_cast<int>(tag * 10));
  std::vector<int> got;
  auto collect = [&](int v) { got.push_back(v); };
  EXPECT_TRUE(w.take(3, collect));
  EXPECT_FALSE(w.take(3, collect));
  EXPECT_FALSE(w.contains(3));
  EXPECT_EQ(w.take_up_to(4, collect), 3u);  // 1, 2, 4
  EXPECT_EQ(got, (std::vector<int>{30, 10, 20, 40}));
  EXPECT_EQ(w.size(), 1u);
  EXPECT_TRUE(w.contains(5));
  EXPECT_EQ(w.take_all(collect), 1u);
  EXPECT_TRUE(w.empty());
}

TEST(IdWindowTest, GapsFromUnackedDeliveriesAreSkipped) {
  IdWindow<int> w;
  w.add(2, 2);
  w.add(5, 5);  // tags 3 and 4 went to no-ack consumers
  EXPECT_FALSE(w.contains(1));
  EXPECT_FALSE(w.contains(4));
  EXPECT_TRUE(w.contains(5));
  std::vector<int> got;
  EXPECT_EQ(w.take_up_to(10, [&](int v) { got.push_back(v); }), 2u);
  EXPECT_EQ(got, (std::vector<int>{2, 5}));
  EXPECT_FALSE(w.contains(100));
}

TEST(IdWindowTest, PutBackRestoresTagsBelowAndAmongLaterOnes) {
  IdWindow<int> w;
  for (uint64_t tag = 1; tag <= 4; ++tag) w.add(tag, static_cast<int>(tag));
  std::vector<int> taken;
  auto collect = [&](int v) { taken.push_back(v); };
  EXPECT_EQ(w.take_up_to(2, collect), 2u);  // the window now starts at 3
  EXPECT_TRUE(w.take(4, collect));
  w.add(6, 6);
  w.put_back(1, 1);  // below the first tag
  w.put_back(4, 4);  // inside
  EXPECT_EQ(w.size(), 4u);
  EXPECT_TRUE(w.contains(1));
  EXPECT_FALSE(w.contains(2));
  EXPECT_TRUE(w.contains(4));
  EXPECT_FALSE(w.contains(5));
  std::vector<int> got;
  EXPECT_EQ(w.take_all([&](int v) { got.push_back(v); }), 4u);
  EXPECT_EQ(got, (std::vector<int>{1, 3, 4, 6}));  // in tag order
  w.put_back(9, 9);                                // into an empty window
  w.add(10, 10);
  EXPECT_EQ(w.size(), 2u);
  EXPECT_TRUE(w.contains(9));
}

}  // namespace
}  // namespace polymq::core
