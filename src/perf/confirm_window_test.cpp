#include "perf/confirm_window.h"

#include <gtest/gtest.h>

namespace polymq::perf {
namespace {

TEST(ConfirmWindow, FillsUpAndDrainsWithMultiple) {
  ConfirmWindow w(3);
  EXPECT_EQ(w.publish(), 1u);
  EXPECT_EQ(w.publish(), 2u);
  EXPECT_EQ(w.publish(), 3u);
  EXPECT_TRUE(w.full());
  EXPECT_EQ(w.settle(2, true), 2u);
  EXPECT_FALSE(w.full());
  EXPECT_EQ(w.outstanding(), 1u);
  EXPECT_EQ(w.publish(), 4u);
  EXPECT_EQ(w.settle(4, true), 2u);
  EXPECT_EQ(w.outstanding(), 0u);
}

TEST(ConfirmWindow, OutOfOrderSinglesAndRepeats) {
  ConfirmWindow w(4);
  for (int i = 0; i < 4; ++i) w.publish();
  EXPECT_EQ(w.settle(3, false), 1u);
  EXPECT_TRUE(w.full());  // 1 is still outstanding, so the window cannot move
  EXPECT_EQ(w.settle(3, false), 0u);
  EXPECT_EQ(w.settle(1, false), 1u);
  EXPECT_EQ(w.outstanding(), 2u);
  EXPECT_EQ(w.settle(4, true), 2u);  // 2 and 4; 3 was settled already
  EXPECT_EQ(w.outstanding(), 0u);
}

TEST(ConfirmWindow, IgnoresNumbersNeverPublished) {
  ConfirmWindow w(2);
  EXPECT_EQ(w.settle(1, true), 0u);
  w.publish();
  EXPECT_EQ(w.settle(7, false), 1u);  // clamped to the last published number
  EXPECT_EQ(w.outstanding(), 0u);
}

}  // namespace
}  // namespace polymq::perf
