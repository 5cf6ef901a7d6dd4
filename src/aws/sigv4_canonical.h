// The pieces of AWS Signature Version 4 as a server recomputes them from the request it
// received (the "canonical request", the string to sign, the signing key), each a pure
// function so that AWS's published test vectors can check them one by one.
//
// The path is taken as it arrived (still percent-encoded), normalized (empty, "." and ".."
// segments removed, a trailing slash kept) and URI-encoded once more, as the SDKs do for every
// service but S3: a client's "/a%20b" is signed as "/a%2520b".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/headers.h"

namespace polymq::aws {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

// AWS's URI encoding: A-Z a-z 0-9 - _ . ~ as they are, every other byte %XX (uppercase hex);
// '/' too unless `keep_slash`.
std::string uri_encode(std::string_view in, bool keep_slash);

// The canonical URI of a request path as received ("" counts as "/").
std::string canonical_uri(std::string_view raw_path);

// The canonical query string: each name=value decoded and encoded again with uri_encode,
// sorted by name then value, joined by '&'. A '+' is decoded as a space: botocore sends
// spaces in query values as '+' (Python's urlencode) after signing them as %20, and every SDK
// sends a real '+' as %2B. `skip` names a parameter left out (the
// X-Amz-Signature of a presigned request). nullopt when an escape is malformed.
std::optional<std::string> canonical_query(std::string_view raw_query, std::string_view skip = {});

// The canonical header block for the signed header names (lowercase, in the order given),
// each "name:value\n" with the values of a repeated field joined by ',', each value trimmed
// and its runs of whitespace made one space. nullopt when a signed header is missing.
std::optional<std::string> canonical_headers(const http::Headers& headers,
                                             const std::vector<std::string>& signed_names);

std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, std::string_view canonical_headers,
                              std::string_view signed_headers, std::string_view payload_hash);

// "date/region/service/aws4_request" (date as YYYYMMDD).
std::string credential_scope(std::string_view date, std::string_view region,
                             std::string_view service);

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);

// Lowercase hex HMAC-SHA256(signing_key, string_to_sign).
std::string signature(std::string_view signing_key, std::string_view string_to_sign);

}  // namespace polymq::aws
