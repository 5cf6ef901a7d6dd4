#include "storage/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace polymq::storage::crc32c {
namespace {

using Fn = uint32_t (*)(uint32_t, const void*, size_t);

struct Vector {
  std::string data;
  uint32_t crc;
};

// The check value of the CRC catalogue and the CRC-32C examples of RFC 3720, appendix B.4.
std::vector<Vector> check_vectors() {
  std::string ascending(32, '\0');
  std::string descending(32, '\0');
  for (int i = 0; i < 32; ++i) {
    ascending[i] = static_cast<char>(i);
    descending[i] = static_cast<char>(31 - i);
  }
  return {
      {"", 0x00000000},
      {"123456789", 0xE3069283},
      {std::string(32, '\0'), 0x8A9136AA},
      {std::string(32, '\xFF'), 0x62A8AB43},
      {ascending, 0x46DD794E},
      {descending, 0x113FDB5C},
  };
}

void expect_check_vectors(Fn fn) {
  for (const Vector& v : check_vectors()) {
    EXPECT_EQ(fn(0, v.data.data(), v.data.size()), v.crc) << "length " << v.data.size();
  }
}

TEST(Crc32c, CheckVectorsDispatched) { expect_check_vectors(&extend); }

TEST(Crc32c, CheckVectorsSoftware) { expect_check_vectors(&extend_software); }

TEST(Crc32c, CheckVectorsHardware) {
  if (!hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  expect_check_vectors(&extend_hardware);
}

TEST(Crc32c, ExtendContinuesAcrossPieces) {
  const std::string data = "The quick brown fox jumps over the lazy dog, 0123456789";
  const uint32_t whole = value(data);
  for (size_t cut = 0; cut <= data.size(); ++cut) {
    const uint32_t first = value(data.data(), cut);
    EXPECT_EQ(extend(first, data.data() + cut, data.size() - cut), whole) << cut;
    EXPECT_EQ(
        extend_software(extend_software(0, data.data(), cut), data.data() + cut, data.size() - cut),
        whole)
        << cut;
  }
}

TEST(Crc32c, HardwareMatchesSoftwareOnRandomData) {
  if (!hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937_64 rng(42);
  std::vector<unsigned char> buf(8192 + 16);
  for (auto& b : buf) b = static_cast<unsigned char>(rng());
  for (int round = 0; round < 2000; ++round) {
    const size_t start = rng() % 16;  // every alignment
    const size_t len = rng() % (buf.size() - start);
    const uint32_t seed = round % 3 == 0 ? 0 : static_cast<uint32_t>(rng());
    ASSERT_EQ(extend_hardware(seed, buf.data() + start, len),
              extend_software(seed, buf.data() + start, len))
        << "start " << start << " length " << len;
  }
}

TEST(Crc32c, DetectsSingleBitFlips) {
  std::string data(100, 'x');
  const uint32_t original = value(data);
  for (size_t i = 0; i < data.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      data[i] = static_cast<char>(data[i] ^ (1 << bit));
      EXPECT_NE(value(data), original);
      data[i] = static_cast<char>(data[i] ^ (1 << bit));
    }
  }
}

}  // namespace
}  // namespace polymq::storage::crc32c
