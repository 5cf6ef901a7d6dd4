// The digests and encodings SQS answers carry: MD5OfMessageBody and MD5OfMessageAttributes
// (which the SDKs recompute and check), and base64 for Binary attribute values.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sqs/request.h"

namespace polymq::sqs {

// MD5 of `data` as 32 lowercase hex digits.
std::string md5_hex(std::string_view data);
// SHA-256 of `data` as 64 lowercase hex digits (a FIFO queue's content-based deduplication id).
std::string sha256_hex(std::string_view data);

// MD5OfMessageAttributes as AWS computes it: the attributes sorted by name, each encoded as
// its name, its data type (each a 4-byte big-endian length and the UTF-8 bytes), a transport
// byte (1 for String and Number types, 2 for Binary) and its value (length and bytes); the
// MD5 of the concatenation. "" for no attributes.
std::string md5_of_message_attributes(std::vector<MessageAttribute> attributes);

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid base64 (padding required, as AWS sends it).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace polymq::sqs
