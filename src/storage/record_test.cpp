#include "storage/record.h"

#include <gtest/gtest.h>

#include "storage/crc32c.h"
#include "storage/log_format.h"
#include "storage/test_util.h"

namespace polymq::storage {
namespace {

using format::get_u32;
using format::get_u64;
using Outcome = RecordReader::Outcome;
using testing::TempDir;

TEST(RecordFormat, EncodesEveryFieldWhereTheFormatSays) {
  std::string out = "prefix";
  encode_record(&out, 0x0102030405060708, -2, "abc");
  ASSERT_EQ(out.size(), 6 + format::kHeaderSize + 3);
  const char* r = out.data() + 6;
  EXPECT_EQ(get_u32(r), 20u + 3u);                 // length: everything after itself
  EXPECT_EQ(get_u64(r + 8), 0x0102030405060708u);  // offset
  EXPECT_EQ(static_cast<int64_t>(get_u64(r + 16)), -2);
  EXPECT_EQ(std::string_view(r + 24, 3), "abc");
  EXPECT_EQ(get_u32(r + 4), crc32c::value(r + 8, 16 + 3));  // CRC of offset..payload
  EXPECT_EQ(r[8], '\x08');                                  // little-endian
  EXPECT_EQ(framed_size(3), 27u);
}

TEST(RecordFormat, SegmentFileNames) {
  EXPECT_EQ(format::segment_file_name(0, ".log"), "00000000000000000000.log");
  EXPECT_EQ(format::segment_file_name(42, ".index"), "00000000000000000042.index");
  EXPECT_EQ(format::segment_file_name(UINT64_MAX, ".timeindex"), "18446744073709551615.timeindex");
  EXPECT_EQ(format::parse_segment_file_name("00000000000000000042.log", ".log"), 42u);
  EXPECT_EQ(format::parse_segment_file_name("18446744073709551615.log", ".log"), UINT64_MAX);
  EXPECT_FALSE(format::parse_segment_file_name("18446744073709551616.log", ".log"));
  EXPECT_FALSE(format::parse_segment_file_name("0000000000000000042.log", ".log"));
  EXPECT_FALSE(format::parse_segment_file_name("0000000000000000004x.log", ".log"));
  EXPECT_FALSE(format::parse_segment_file_name("00000000000000000042.index", ".log"));
  EXPECT_FALSE(format::parse_segment_file_name("LOCK", ".log"));
}

class RecordReaderTest : public ::testing::Test {
 protected:
  // Writes `bytes` to a file and reads it back from position 0 expecting offsets from 7.
  std::vector<Outcome> read_all(const std::string& bytes, uint64_t end = UINT64_MAX) {
    auto file = File::open(dir_.file("r.log"), File::Mode::kReplace);
    EXPECT_TRUE(file.ok());
    EXPECT_TRUE(file->write_at(0, bytes.data(), bytes.size()).ok());
    RecordReader reader(*file, 0, std::min<uint64_t>(end, bytes.size()), 7, 32);
    std::vector<Outcome> outcomes;
    RecordView rec;
    for (;;) {
      auto o = reader.next(&rec);
      EXPECT_TRUE(o.ok());
      outcomes.push_back(*o);
      if (*o != Outcome::kRecord) break;
      payloads_.emplace_back(rec.payload);
    }
    stop_ = reader.position();
    return outcomes;
  }

  TempDir dir_;
  std::vector<std::string> payloads_;
  uint64_t stop_ = 0;
};

TEST_F(RecordReaderTest, ReadsRecordsLargerThanItsChunk) {
  std::string bytes;
  encode_record(&bytes, 7, 1, std::string(100, 'x'));
  encode_record(&bytes, 8, 2, "");
  encode_record(&bytes, 9, 3, "y");
  EXPECT_EQ(read_all(bytes),
            (std::vector{Outcome::kRecord, Outcome::kRecord, Outcome::kRecord, Outcome::kEnd}));
  EXPECT_EQ(payloads_, (std::vector<std::string>{std::string(100, 'x'), "", "y"}));
}

TEST_F(RecordReaderTest, TornRecordIsTruncated) {
  std::string bytes;
  encode_record(&bytes, 7, 1, "first");
  const size_t good = bytes.size();
  encode_record(&bytes, 8, 1, "second");
  for (size_t cut = good + 1; cut < bytes.size(); ++cut) {
    payloads_.clear();
    EXPECT_EQ(read_all(bytes.substr(0, cut)), (std::vector{Outcome::kRecord, Outcome::kTruncated}))
        << cut;
    EXPECT_EQ(stop_, good);
  }
}

TEST_F(RecordReaderTest, ZeroFilledTailHasABadLength) {
  std::string bytes;
  encode_record(&bytes, 7, 1, "first");
  bytes.append(4096, '\0');
  EXPECT_EQ(read_all(bytes), (std::vector{Outcome::kRecord, Outcome::kBadLength}));
}

TEST_F(RecordReaderTest, FlippedBitsFailTheCrc) {
  std::string bytes;
  encode_record(&bytes, 7, 1, "payload");
  for (size_t i = format::kLengthSize; i < bytes.size(); ++i) {
    std::string bad = bytes;
    bad[i] = static_cast<char>(bad[i] ^ 1);
    EXPECT_EQ(read_all(bad), std::vector{Outcome::kBadCrc}) << "byte " << i;
  }
}

TEST_F(RecordReaderTest, UnexpectedOffsetIsReported) {
  std::string bytes;
  encode_record(&bytes, 7, 1, "a");
  encode_record(&bytes, 9, 1, "b");
  EXPECT_EQ(read_all(bytes), (std::vector{Outcome::kRecord, Outcome::kBadOffset}));
}

}  // namespace
}  // namespace polymq::storage
