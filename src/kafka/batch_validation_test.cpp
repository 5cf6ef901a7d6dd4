// What the broker checks of produced batches, and the Kafka error of each failed check.
#include "kafka/batch_validation.h"

#include <gtest/gtest.h>

#include "kafka/error_codes.h"

namespace polymq::kafka {
namespace {

std::string batch_of(int records, int16_t attributes = 0) {
  std::vector<RecordInput> in;
  for (int i = 0; i < records; ++i) {
    RecordInput r;
    r.key = "k";
    r.value = "value";
    r.timestamp = 1000 + i;
    in.push_back(r);
  }
  BatchOptions options;
  options.attributes = attributes;
  return build_batch(options, in);
}

// Writes a big-endian field and recomputes the CRC, so only the field's check fails.
void patch(std::string& batch, size_t at, uint64_t value, size_t bytes, bool fix_crc = true) {
  for (size_t i = 0; i < bytes; ++i) {
    batch[at + i] = static_cast<char>(value >> (8 * (bytes - 1 - i)));
  }
  if (!fix_crc) return;
  const uint32_t crc = compute_batch_crc(batch);
  for (size_t i = 0; i < 4; ++i)
    batch[kBatchCrcOffset + i] = static_cast<char>(crc >> (8 * (3 - i)));
}

int16_t check(const std::string& records, size_t max = kMaxBatchBytes) {
  std::vector<ProducedBatch> out;
  return check_produced_records(records, out, max).error_code;
}

TEST(BatchValidation, WellFormedBatchesPassAndAreListed) {
  const std::string records = batch_of(3) + batch_of(1);
  std::vector<ProducedBatch> out;
  EXPECT_EQ(check_produced_records(records, out).error_code, error::kNone);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].header.record_count, 3);
  EXPECT_EQ(out[1].header.record_count, 1);
  EXPECT_EQ(out[0].bytes.size() + out[1].bytes.size(), records.size());
}

TEST(BatchValidation, AFlippedByteIsACorruptMessage) {
  std::string b = batch_of(2);
  b[b.size() - 2] ^= 0x01;
  EXPECT_EQ(check(b), error::kCorruptMessage);
}

TEST(BatchValidation, ATruncatedBatchIsACorruptMessage) {
  const std::string b = batch_of(2);
  EXPECT_EQ(check(b.substr(0, b.size() - 1)), error::kCorruptMessage);
  EXPECT_EQ(check(b + b.substr(0, 20)), error::kCorruptMessage);
}

TEST(BatchValidation, AnOlderMagicIsAnInvalidRecord) {
  std::string b = batch_of(1);
  b[kBatchMagicOffset] = 1;
  EXPECT_EQ(check(b), error::kInvalidRecord);
}

TEST(BatchValidation, NoBatchIsAnInvalidRecord) { EXPECT_EQ(check(""), error::kInvalidRecord); }

TEST(BatchValidation, ABatchOverTheLimitIsTooLarge) {
  const std::string b = batch_of(2);
  EXPECT_EQ(check(b, b.size()), error::kNone);
  EXPECT_EQ(check(b, b.size() - 1), error::kMessageTooLarge);
}

TEST(BatchValidation, AnUnknownCodecIsACorruptMessage) {
  std::string b = batch_of(1);
  patch(b, kBatchAttributesOffset, 5, 2);
  EXPECT_EQ(check(b), error::kCorruptMessage);
}

TEST(BatchValidation, ARecordCountThatDisagreesWithTheOffsetsIsInvalid) {
  std::string b = batch_of(2);
  patch(b, kBatchHeaderSize - 4, 3, 4);  // record count 3, last offset delta 1
  EXPECT_EQ(check(b), error::kInvalidRecord);
}

TEST(BatchValidation, AProducedControlBatchIsInvalid) {
  EXPECT_EQ(check(batch_of(1, batch_attr::kControl)), error::kInvalidRecord);
}

TEST(BatchValidation, AMalformedRecordInAnUncompressedBatchIsACorruptMessage) {
  std::string b = batch_of(1);
  // The record's length varint (zigzag): claim 63 bytes where fewer follow.
  patch(b, kBatchHeaderSize, 0x7e, 1);
  EXPECT_EQ(check(b), error::kCorruptMessage);
}

TEST(BatchValidation, RecordsOutOfOffsetOrderAreInvalid) {
  std::string b = batch_of(2);
  // The first record: length varint (1 byte), attributes, timestamp delta varlong 0 (1 byte),
  // then the offset delta varint: make it 1 (zigzag 2).
  patch(b, kBatchHeaderSize + 3, 2, 1);
  EXPECT_EQ(check(b), error::kInvalidRecord);
}

TEST(BatchValidation, ACompressedBatchIsNotDecompressed) {
  std::string b = batch_of(2);
  patch(b, kBatchAttributesOffset, static_cast<uint64_t>(Compression::kZstd), 2);
  // Its records are not zstd frames; only the header and CRC are checked.
  EXPECT_EQ(check(b), error::kNone);
}

TEST(BatchValidation, ACompactedTopicRefusesARecordWithoutAKey) {
  std::vector<RecordInput> in(2);
  in[0].key = "k";
  in[0].value = "keyed";
  in[1].value = "no key";
  const std::string b = build_batch({}, in);
  std::vector<ProducedBatch> out;
  EXPECT_EQ(check_produced_records(b, out).error_code, error::kNone);
  const BatchCheck refused = check_produced_records(b, out, kMaxBatchBytes, true);
  EXPECT_EQ(refused.error_code, error::kInvalidRecord);
  EXPECT_NE(refused.message.find("without key"), std::string::npos);
  EXPECT_EQ(check_produced_records(batch_of(2), out, kMaxBatchBytes, true).error_code,
            error::kNone);
}

}  // namespace
}  // namespace polymq::kafka
