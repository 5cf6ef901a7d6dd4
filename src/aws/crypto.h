// The digests SigV4 is made of, from OpenSSL's libcrypto.
#pragma once

#include <string>
#include <string_view>

namespace polymq::aws {

// SHA-256 of `data` as 64 lowercase hex digits.
std::string sha256_hex(std::string_view data);
// MD5 of `data` as 32 lowercase hex digits (SQS's MD5OfMessageBody).
std::string md5_hex(std::string_view data);
// HMAC-SHA256(key, data), the 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);
// Lowercase hex of raw bytes.
std::string to_hex(std::string_view bytes);
// Equality whose time depends on the length only, not on where the inputs differ.
bool constant_time_equals(std::string_view a, std::string_view b);

}  // namespace polymq::aws
