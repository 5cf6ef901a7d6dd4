// RecordBatch v2: building and reading back, the header fields and attribute bits, the CRC,
// and malformed input (every truncation, every flipped byte under the CRC).
#include "kafka/protocol/record_batch.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace polymq::kafka {
namespace {

std::vector<RecordInput> sample_records() {
  std::vector<RecordInput> records(3);
  records[0].key = "k0";
  records[0].value = "v0";
  records[0].timestamp = 1'700'000'000'000;
  records[1].value = std::string_view("\0\xff", 2);  // null key
  records[1].headers = {{"h1", "x"}, {"h2", std::nullopt}};
  records[1].timestamp = 1'700'000'000'500;
  records[2].key = "";
  records[2].timestamp = 1'699'999'999'000;  // earlier than the first: a negative delta
  return records;
}

BatchOptions sample_options() {
  BatchOptions o;
  o.base_offset = 1000;
  o.partition_leader_epoch = 3;
  o.attributes = batch_attr::kTransactional;
  o.producer_id = 77;
  o.producer_epoch = 2;
  o.base_sequence = 10;
  return o;
}

TEST(KafkaRecordBatch, BuildThenReadBack) {
  const std::vector<RecordInput> in = sample_records();
  const std::string batch = build_batch(sample_options(), in);
  RecordBatchHeader h;
  ASSERT_EQ(parse_batch_header(batch, h), BatchParse::kOk);
  EXPECT_EQ(h.size(), batch.size());
  EXPECT_EQ(h.base_offset, 1000);
  EXPECT_EQ(h.partition_leader_epoch, 3);
  EXPECT_EQ(h.magic, 2);
  EXPECT_EQ(h.last_offset_delta, 2);
  EXPECT_EQ(h.last_offset(), 1002);
  EXPECT_EQ(h.base_timestamp, 1'700'000'000'000);
  EXPECT_EQ(h.max_timestamp, 1'700'000'000'500);
  EXPECT_EQ(h.producer_id, 77);
  EXPECT_EQ(h.producer_epoch, 2);
  EXPECT_EQ(h.base_sequence, 10);
  EXPECT_EQ(h.record_count, 3);
  EXPECT_EQ(h.compression(), Compression::kNone);
  EXPECT_TRUE(h.transactional());
  EXPECT_FALSE(h.control());
  EXPECT_EQ(h.timestamp_type(), TimestampType::kCreateTime);
  EXPECT_EQ(verify_batch_crc(batch, h), BatchParse::kOk);

  RecordReader reader(batch, h);
  Record r;
  for (size_t i = 0; i < in.size(); ++i) {
    ASSERT_TRUE(reader.next(r)) << i;
    EXPECT_EQ(r.offset_delta, static_cast<int32_t>(i));
    EXPECT_EQ(h.base_timestamp + r.timestamp_delta, in[i].timestamp);
    EXPECT_EQ(r.key, in[i].key);
    EXPECT_EQ(r.value, in[i].value);
    EXPECT_EQ(r.headers, in[i].headers);
  }
  EXPECT_FALSE(reader.next(r));
  EXPECT_TRUE(reader.ok());
}

TEST(KafkaRecordBatch, AttributeBits) {
  RecordBatchHeader h;
  h.attributes = 0x7F;
  EXPECT_EQ(h.compression_bits(), 7);
  EXPECT_FALSE(h.known_compression());
  EXPECT_EQ(h.timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_TRUE(h.transactional());
  EXPECT_TRUE(h.control());
  EXPECT_TRUE(h.has_delete_horizon());
  h.attributes = 4;
  EXPECT_EQ(h.compression(), Compression::kZstd);
  EXPECT_TRUE(h.known_compression());
  EXPECT_FALSE(h.transactional());
}

TEST(KafkaRecordBatch, OffsetAndEpochAreOutsideTheCrc) {
  std::string batch = build_batch(sample_options(), sample_records());
  set_base_offset(batch.data(), 123456789);
  set_partition_leader_epoch(batch.data(), 9);
  RecordBatchHeader h;
  ASSERT_EQ(parse_batch_header(batch, h), BatchParse::kOk);
  EXPECT_EQ(h.base_offset, 123456789);
  EXPECT_EQ(h.partition_leader_epoch, 9);
  EXPECT_EQ(verify_batch_crc(batch, h), BatchParse::kOk);
}

TEST(KafkaRecordBatch, EveryFlippedByteUnderTheCrcIsCaught) {
  const std::string good = build_batch(sample_options(), sample_records());
  for (size_t i = kBatchAttributesOffset; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    RecordBatchHeader h;
    const BatchParse p = parse_batch_header(bad, h);
    if (p == BatchParse::kOk) {
      EXPECT_EQ(verify_batch_crc(bad, h), BatchParse::kBadCrc) << i;
    }
  }
}

TEST(KafkaRecordBatch, TruncationAndBadHeaders) {
  const std::string good = build_batch(sample_options(), sample_records());
  RecordBatchHeader h;
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_EQ(parse_batch_header(std::string_view(good).substr(0, n), h), BatchParse::kTruncated)
        << n;
  }
  std::string v1 = good;
  v1[kBatchMagicOffset] = 1;
  EXPECT_EQ(parse_batch_header(v1, h), BatchParse::kBadMagic);
  std::string short_length = good;
  short_length[8] = short_length[9] = short_length[10] = 0;
  short_length[11] = 10;
  EXPECT_EQ(parse_batch_header(short_length, h), BatchParse::kBadLength);
}

// A batch whose header is fine but whose records section is cut or padded: the reader fails
// instead of reading outside the batch (the CRC is recomputed so only the record layer judges).
TEST(KafkaRecordBatch, RecordsMustFillTheBatchExactly) {
  const std::string good = build_batch(sample_options(), sample_records());
  for (size_t cut = kBatchHeaderSize; cut < good.size(); ++cut) {
    std::string batch = good.substr(0, cut);
    RecordBatchHeader h;
    ASSERT_EQ(parse_batch_header(good, h), BatchParse::kOk);
    h.batch_length = static_cast<int32_t>(cut - kBatchLogOverhead);
    RecordReader reader(batch, h);
    Record r;
    int n = 0;
    while (reader.next(r)) ++n;
    EXPECT_FALSE(reader.ok()) << cut;
    EXPECT_LT(n, 3);
  }
  std::string padded = good + "x";
  RecordBatchHeader h;
  ASSERT_EQ(parse_batch_header(good, h), BatchParse::kOk);
  RecordReader reader(padded, h);
  Record r;
  while (reader.next(r)) {
  }
  EXPECT_FALSE(reader.ok());
}

TEST(KafkaRecordBatch, IteratesTheBatchesOfARecordsField) {
  BatchOptions second = sample_options();
  second.base_offset = 2000;
  const std::string records =
      build_batch(sample_options(), sample_records()) + build_batch(second, sample_records());
  BatchIterator it(records);
  std::string_view batch;
  RecordBatchHeader h;
  ASSERT_EQ(it.next(batch, h), BatchParse::kOk);
  EXPECT_EQ(h.base_offset, 1000);
  ASSERT_EQ(it.next(batch, h), BatchParse::kOk);
  EXPECT_EQ(h.base_offset, 2000);
  EXPECT_TRUE(it.done());

  std::string corrupt = records;
  corrupt.back() = static_cast<char>(corrupt.back() ^ 0x40);
  BatchIterator it2(corrupt);
  ASSERT_EQ(it2.next(batch, h), BatchParse::kOk);
  EXPECT_EQ(it2.next(batch, h), BatchParse::kBadCrc);
  BatchIterator it3(std::string_view(records).substr(0, records.size() - 1));
  ASSERT_EQ(it3.next(batch, h), BatchParse::kOk);
  EXPECT_EQ(it3.next(batch, h), BatchParse::kTruncated);
}

}  // namespace
}  // namespace polymq::kafka
