#include "kafka/txn/txn_records.h"

#include <gtest/gtest.h>

namespace polymq::kafka::txn {
namespace {

TxnMetadata sample_state() {
  TxnMetadata m;
  m.transactional_id = "orders-tx";
  m.producer_id = 4001;
  m.producer_epoch = 7;
  m.timeout_ms = 60000;
  m.state = TxnState::kPrepareCommit;
  m.started_ms = 1700000000123;
  m.updated_ms = 1700000000789;
  m.partitions = {{{"orders", 0}, 42}, {{"audit", 3}, 9}};
  m.groups = {"billing"};
  groups::GroupRecord offset;
  offset.kind = groups::RecordKind::kOffset;
  offset.group = "billing";
  offset.partition = {"orders", 0};
  offset.offset = {17, 0, std::string("meta"), 1700000000456};
  m.offsets = {offset};
  return m;
}

TEST(TxnRecordsTest, AStateRecordRoundTrips) {
  TxnRecord in;
  in.kind = TxnRecordKind::kState;
  in.state = sample_state();
  TxnRecord out;
  ASSERT_TRUE(decode_txn_record(encode_txn_record(in), out));
  EXPECT_EQ(out.kind, TxnRecordKind::kState);
  const TxnMetadata& m = out.state;
  EXPECT_EQ(m.transactional_id, "orders-tx");
  EXPECT_EQ(m.producer_id, 4001);
  EXPECT_EQ(m.producer_epoch, 7);
  EXPECT_EQ(m.state, TxnState::kPrepareCommit);
  EXPECT_EQ(m.started_ms, 1700000000123);
  EXPECT_EQ(m.updated_ms, 1700000000789);
  EXPECT_EQ(m.partitions, in.state.partitions);
  EXPECT_EQ(m.groups, in.state.groups);
  ASSERT_EQ(m.offsets.size(), 1u);
  EXPECT_EQ(m.offsets[0].group, "billing");
  EXPECT_EQ(m.offsets[0].offset, in.state.offsets[0].offset);
}

TEST(TxnRecordsTest, AnAbortedRecordRoundTrips) {
  TxnRecord in;
  in.kind = TxnRecordKind::kAborted;
  in.aborted = {{"orders", 2}, 4001, 100, 130};
  TxnRecord out;
  ASSERT_TRUE(decode_txn_record(encode_txn_record(in), out));
  EXPECT_EQ(out.kind, TxnRecordKind::kAborted);
  EXPECT_EQ(out.aborted, in.aborted);
}

TEST(TxnRecordsTest, ARemovedRecordRoundTrips) {
  TxnRecord in;
  in.kind = TxnRecordKind::kRemoved;
  in.state.transactional_id = "gone-tx";
  TxnRecord out;
  ASSERT_TRUE(decode_txn_record(encode_txn_record(in), out));
  EXPECT_EQ(out.kind, TxnRecordKind::kRemoved);
  EXPECT_EQ(out.state.transactional_id, "gone-tx");
}

TEST(TxnRecordsTest, TruncatedUnknownOrTrailingInputIsRefused) {
  TxnRecord in;
  in.state = sample_state();
  const std::string bytes = encode_txn_record(in);
  TxnRecord out;
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(decode_txn_record(bytes.substr(0, n), out)) << n;
  }
  EXPECT_FALSE(decode_txn_record(bytes + "x", out));
  std::string other_format = bytes;
  other_format[0] = 9;
  EXPECT_FALSE(decode_txn_record(other_format, out));
  std::string other_kind = bytes;
  other_kind[1] = 9;
  EXPECT_FALSE(decode_txn_record(other_kind, out));
}

}  // namespace
}  // namespace polymq::kafka::txn
