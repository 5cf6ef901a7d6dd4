#include "sqs/receipt_handle.h"

#include <array>

namespace polymq::sqs {
namespace {

constexpr uint8_t kVersion = 1;
constexpr size_t kBytes = 1 + 3 * 8;
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

void put64(std::array<uint8_t, kBytes>& b, size_t at, uint64_t v) {
  for (int i = 7; i >= 0; --i) {
    b[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v);
    v >>= 8;
  }
}

uint64_t get64(const std::array<uint8_t, kBytes>& b, size_t at) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | b[at + i];
  return v;
}

}  // namespace

std::string encode_receipt_handle(const ReceiptHandle& handle) {
  std::array<uint8_t, kBytes> b{};
  b[0] = kVersion;
  put64(b, 1, handle.incarnation);
  put64(b, 9, handle.queue);
  put64(b, 17, handle.lease);
  // 25 bytes: 8 groups of 3 and one left over, unpadded.
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t byte : b) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

std::optional<ReceiptHandle> decode_receipt_handle(std::string_view text) {
  constexpr size_t kChars = (kBytes * 8 + 5) / 6;
  if (text.size() != kChars) return std::nullopt;
  std::array<uint8_t, kBytes> b{};
  size_t n = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const int d = digit(c);
    if (d < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < kBytes) b[n++] = static_cast<uint8_t>(acc >> bits);
    }
  }
  if (n != kBytes || b[0] != kVersion) return std::nullopt;
  // The unused low bits of the last character must be zero: one handle, one spelling.
  if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return ReceiptHandle{get64(b, 1), get64(b, 9), get64(b, 17)};
}

}  // namespace polymq::sqs
