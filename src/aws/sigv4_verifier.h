// Verifies AWS Signature Version 4 on a received HTTP request, in either form:
// - the Authorization header: "AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/<service>/
//   aws4_request, SignedHeaders=<a;b;c>, Signature=<hex>", dated by the X-Amz-Date header;
// - a presigned URL: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
//   X-Amz-SignedHeaders and X-Amz-Signature in the query string.
//
// The payload hash signed is the x-amz-content-sha256 header when present (then it must be
// the body's SHA-256), otherwise the body's SHA-256; a presigned request may also have signed
// UNSIGNED-PAYLOAD (a URL handed out says nothing about a body). The header form accepts a
// request dated within `max_skew` of the verifier's clock; a presigned one from its date (less
// the skew) until its date plus X-Amz-Expires.
//
// The secret of an access key id comes from a callback, so the caller decides what a key is
// (PolyMQ: a user name, the secret its password). Signatures are compared in constant time.
// Failures carry AWS's error codes (auth_error.h). Only X-Amz-Date dates requests (the SDKs
// all send it); the Date header form is refused as incomplete.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "aws/auth_error.h"
#include "http/message.h"

namespace polymq::aws {

using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key_id)>;

struct VerifierOptions {
  std::chrono::seconds max_skew{15 * 60};
  // AWS's longest presigned URL: 7 days.
  std::chrono::seconds max_expires{7 * 24 * 3600};
  std::function<std::chrono::system_clock::time_point()> clock = std::chrono::system_clock::now;
};

// Who signed, and for what scope (the caller checks the service and region it serves).
struct Identity {
  std::string access_key_id;
  std::string region;
  std::string service;
  bool presigned = false;
};

class [[nodiscard]] AuthResult {
 public:
  AuthResult(Identity identity) : value_(std::move(identity)) {}   // NOLINT: implicit by design
  AuthResult(AuthFailure failure) : value_(std::move(failure)) {}  // NOLINT
  bool ok() const { return std::holds_alternative<Identity>(value_); }
  const Identity& identity() const { return std::get<Identity>(value_); }
  const AuthFailure& failure() const { return std::get<AuthFailure>(value_); }

 private:
  std::variant<Identity, AuthFailure> value_;
};

class Verifier {
 public:
  explicit Verifier(SecretLookup secrets, VerifierOptions options = {});
  AuthResult verify(const http::Request& request) const;

 private:
  // SigV4's signing key for (secret, date, region, service): four HMACs, the same for every
  // request a client signs that day, so derived once per day and client. A changed password
  // is a new secret, so a new entry; the cache is emptied when it reaches kMaxSigningKeys.
  const std::string& signing_key_for(std::string_view secret, std::string_view date,
                                     std::string_view region, std::string_view service) const;
  static constexpr size_t kMaxSigningKeys = 256;

  SecretLookup secrets_;
  VerifierOptions options_;
  mutable std::map<std::string, std::string, std::less<>> signing_keys_;
};

}  // namespace polymq::aws
