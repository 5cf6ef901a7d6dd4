#include "kafka/txn/partition_txns.h"

#include <gtest/gtest.h>

namespace polymq::kafka::txn {
namespace {

TEST(PartitionTxnsTest, TheLastStableOffsetIsTheOldestOpenTransactionsFirstOffset) {
  PartitionTxns txns;
  EXPECT_EQ(txns.last_stable_offset(40), 40);
  txns.begin(7, 0, 12);
  txns.begin(9, 3, 20);
  EXPECT_EQ(txns.last_stable_offset(40), 12);
  EXPECT_EQ(txns.last_stable_offset(5), 5);  // never past the high watermark
  // A second AddPartitionsToTxn of the same transaction keeps where it began.
  txns.begin(7, 0, 30);
  EXPECT_EQ(txns.last_stable_offset(40), 12);
  EXPECT_FALSE(txns.end(7, true, 35).has_value());  // a commit is not remembered
  EXPECT_EQ(txns.last_stable_offset(40), 20);
  EXPECT_EQ(txns.open_epoch(9), std::optional<int16_t>(3));
  EXPECT_EQ(txns.open_epoch(7), std::nullopt);
}

TEST(PartitionTxnsTest, AnAbortIsRememberedForTheFetchesThatOverlapIt) {
  PartitionTxns txns;
  txns.begin(7, 0, 10);
  const std::optional<AbortedTxn> aborted = txns.end(7, false, 15);
  ASSERT_TRUE(aborted.has_value());
  EXPECT_EQ(*aborted, (AbortedTxn{7, 10, 15}));
  txns.begin(8, 0, 20);
  txns.end(8, false, 25);
  EXPECT_FALSE(txns.has_open());
  EXPECT_EQ(txns.aborted_between(0, 100).size(), 2u);
  EXPECT_EQ(txns.aborted_between(16, 100), (std::vector<AbortedTxn>{{8, 20, 25}}));
  EXPECT_EQ(txns.aborted_between(0, 10), (std::vector<AbortedTxn>{}));  // begins at the end
  EXPECT_EQ(txns.aborted_between(0, 11), (std::vector<AbortedTxn>{{7, 10, 15}}));
  EXPECT_EQ(txns.aborted_between(26, 100), (std::vector<AbortedTxn>{}));
  // Ending what is not open changes nothing.
  EXPECT_FALSE(txns.end(7, false, 30).has_value());
  EXPECT_EQ(txns.aborted_count(), 2u);
}

TEST(PartitionTxnsTest, AnAbortWrittenAgainReplacesTheFirstOne) {
  PartitionTxns txns;
  txns.add_aborted({7, 10, 15});
  txns.add_aborted({7, 10, 18});  // the same transaction's marker written again after a restart
  txns.add_aborted({8, 2, 16});
  EXPECT_EQ(txns.aborted_between(0, 100), (std::vector<AbortedTxn>{{8, 2, 16}, {7, 10, 18}}));
}

TEST(PartitionTxnsTest, TheAbortedIndexIsBounded) {
  PartitionTxns txns;
  for (int64_t i = 0; i < static_cast<int64_t>(PartitionTxns::kMaxAborted) + 3; ++i) {
    txns.add_aborted({1, 2 * i, 2 * i + 1});
  }
  EXPECT_EQ(txns.aborted_count(), PartitionTxns::kMaxAborted);
  EXPECT_TRUE(txns.aborted_between(0, 6).empty());  // the three oldest went
}

}  // namespace
}  // namespace polymq::kafka::txn
