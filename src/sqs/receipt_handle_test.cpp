#include "sqs/receipt_handle.h"

#include <gtest/gtest.h>

namespace polymq::sqs {
namespace {

TEST(ReceiptHandleTest, RoundTrips) {
  for (ReceiptHandle h : {ReceiptHandle{0, 0, 0}, ReceiptHandle{1, 2, 3},
                          ReceiptHandle{UINT64_MAX, UINT64_MAX, UINT64_MAX},
                          ReceiptHandle{0x0123456789abcdef, 42, 1u << 31}}) {
    const std::string text = encode_receipt_handle(h);
    EXPECT_EQ(text.size(), 34u);
    EXPECT_EQ(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-_"),
              std::string::npos);
    EXPECT_EQ(decode_receipt_handle(text), h);
  }
}

TEST(ReceiptHandleTest, RefusesWhatIsNotAHandle) {
  const std::string good = encode_receipt_handle({7, 8, 9});
  EXPECT_EQ(decode_receipt_handle(""), std::nullopt);
  EXPECT_EQ(decode_receipt_handle("not a handle"), std::nullopt);
  EXPECT_EQ(decode_receipt_handle(good.substr(1)), std::nullopt);
  EXPECT_EQ(decode_receipt_handle(good + "A"), std::nullopt);
  std::string bad_char = good;
  bad_char[5] = '+';
  EXPECT_EQ(decode_receipt_handle(bad_char), std::nullopt);
  std::string other_version = good;
  other_version[0] = 'B';  // version byte 5
  EXPECT_EQ(decode_receipt_handle(other_version), std::nullopt);
  std::string trailing_bits = good;
  trailing_bits.back() = static_cast<char>(trailing_bits.back() == 'B' ? 'C' : 'B');
  EXPECT_EQ(decode_receipt_handle(trailing_bits), std::nullopt);
}

}  // namespace
}  // namespace polymq::sqs
