#include "sqs/digests.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>

#include "aws/crypto.h"

namespace polymq::sqs {
namespace {

void put_length_prefixed(std::string& out, std::string_view bytes) {
  const auto n = static_cast<uint32_t>(bytes.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.append(bytes);
}

}  // namespace

// The digests are aws/crypto's (algorithms fetched once, contexts reused).
std::string md5_hex(std::string_view data) { return aws::md5_hex(data); }

std::string sha256_hex(std::string_view data) { return aws::sha256_hex(data); }

std::string md5_of_message_attributes(std::vector<MessageAttribute> attributes) {
  if (attributes.empty()) return "";
  std::sort(attributes.begin(), attributes.end(),
            [](const MessageAttribute& a, const MessageAttribute& b) { return a.name < b.name; });
  std::string buffer;
  for (const MessageAttribute& a : attributes) {
    put_length_prefixed(buffer, a.name);
    put_length_prefixed(buffer, a.data_type);
    buffer.push_back(a.binary() ? 2 : 1);
    put_length_prefixed(buffer, a.value);
  }
  return md5_hex(buffer);
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  if (text.empty()) return std::string();
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t size = static_cast<size_t>(n);
  if (text.back() == '=') --size;
  if (text.size() >= 2 && text[text.size() - 2] == '=') --size;
  out.resize(size);
  return out;
}

}  // namespace polymq::sqs
