// The idempotent producer's checks of one partition: duplicates of the last five batches,
// sequence gaps, epochs, and the bound on remembered producers.
#include "kafka/producer_state.h"

#include <gtest/gtest.h>

#include <limits>

#include "kafka/error_codes.h"

namespace polymq::kafka {
namespace {

using Verdict = ProducerCheck::Verdict;

RecordBatchHeader batch(int64_t producer, int16_t epoch, int32_t base_sequence,
                        int32_t records = 1) {
  RecordBatchHeader h;
  h.producer_id = producer;
  h.producer_epoch = epoch;
  h.base_sequence = base_sequence;
  h.last_offset_delta = records - 1;
  h.record_count = records;
  return h;
}

TEST(ProducerState, SequencesWrapFromIntMaxToZero) {
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  EXPECT_EQ(last_sequence(0, 4), 4);
  EXPECT_EQ(last_sequence(kMax, 0), kMax);
  EXPECT_EQ(last_sequence(kMax, 1), 0);
  EXPECT_EQ(last_sequence(kMax - 1, 3), 1);
}

TEST(ProducerState, AnUnknownProducerStartsAtAnySequence) {
  PartitionProducers p;
  EXPECT_EQ(p.check(batch(7, 0, 0)).verdict, Verdict::kAppend);
  EXPECT_EQ(p.check(batch(7, 0, 42)).verdict, Verdict::kAppend);
}

TEST(ProducerState, InSequenceBatchesAreAppendedAndGapsRefused) {
  PartitionProducers p;
  p.record(batch(7, 0, 0, 3), 100, 1);  // sequences 0-2 at offsets 100-102
  EXPECT_EQ(p.check(batch(7, 0, 3, 2)).verdict, Verdict::kAppend);
  const ProducerCheck gap = p.check(batch(7, 0, 5));
  EXPECT_EQ(gap.verdict, Verdict::kRefuse);
  EXPECT_EQ(gap.error_code, error::kOutOfOrderSequenceNumber);
  // Another producer is not affected.
  EXPECT_EQ(p.check(batch(8, 0, 9)).verdict, Verdict::kAppend);
}

TEST(ProducerState, TheLastFiveBatchesAreDuplicatesWithTheirFirstOffsets) {
  PartitionProducers p;
  for (int32_t i = 0; i < 6; ++i) p.record(batch(7, 0, i * 2, 2), 1000 + i * 2, 1);
  // Batches 1..5 (sequences 2..11) are remembered, batch 0 (sequences 0-1) is not.
  for (int32_t i = 1; i < 6; ++i) {
    const ProducerCheck again = p.check(batch(7, 0, i * 2, 2));
    EXPECT_EQ(again.verdict, Verdict::kDuplicate) << i;
    EXPECT_EQ(again.base_offset, 1000 + i * 2) << i;
  }
  const ProducerCheck forgotten = p.check(batch(7, 0, 0, 2));
  EXPECT_EQ(forgotten.verdict, Verdict::kRefuse);
  EXPECT_EQ(forgotten.error_code, error::kOutOfOrderSequenceNumber);
  // Same first sequence but another length: not the same batch.
  EXPECT_EQ(p.check(batch(7, 0, 10, 1)).verdict, Verdict::kRefuse);
}

TEST(ProducerState, EpochsFenceOlderOnesAndANewEpochStartsAtZero) {
  PartitionProducers p;
  p.record(batch(7, 3, 0, 5), 0, 1);
  const ProducerCheck old = p.check(batch(7, 2, 5));
  EXPECT_EQ(old.verdict, Verdict::kRefuse);
  EXPECT_EQ(old.error_code, error::kInvalidProducerEpoch);
  EXPECT_EQ(p.check(batch(7, 4, 0)).verdict, Verdict::kAppend);
  const ProducerCheck not_zero = p.check(batch(7, 4, 5));
  EXPECT_EQ(not_zero.verdict, Verdict::kRefuse);
  EXPECT_EQ(not_zero.error_code, error::kOutOfOrderSequenceNumber);
  // Once the new epoch wrote, the old epoch's batches are no duplicates any more.
  p.record(batch(7, 4, 0), 5, 2);
  EXPECT_EQ(p.check(batch(7, 3, 0, 5)).verdict, Verdict::kRefuse);
  EXPECT_EQ(p.check(batch(7, 4, 1)).verdict, Verdict::kAppend);
}

TEST(ProducerState, RememberedProducersAreBoundedByForgettingTheIdlest) {
  PartitionProducers p;
  for (int64_t id = 0; id < static_cast<int64_t>(PartitionProducers::kMaxProducers); ++id) {
    p.record(batch(id, 0, 0), id, /*now_ms=*/1000 + id);
  }
  p.record(batch(0, 0, 1), 1, 5000);  // producer 0 writes again: producer 1 is now the idlest
  p.record(batch(999999, 0, 0), 2, 6000);
  EXPECT_EQ(p.producer_count(), PartitionProducers::kMaxProducers);
  EXPECT_EQ(p.check(batch(0, 0, 1)).verdict, Verdict::kDuplicate);
  // Producer 1 was forgotten: any sequence is accepted from it again.
  EXPECT_EQ(p.check(batch(1, 0, 17)).verdict, Verdict::kAppend);
  EXPECT_EQ(p.check(batch(2, 0, 17)).verdict, Verdict::kRefuse);
}

}  // namespace
}  // namespace polymq::kafka
