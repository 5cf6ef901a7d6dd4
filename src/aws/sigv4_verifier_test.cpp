// The verifier's decisions: which failure a missing, malformed, stale, tampered or unknown
// signature gets, for the header and the presigned form. Requests are signed here with the
// canonical pieces that sigv4_suite_test checks against AWS's published vectors.
#include "aws/sigv4_verifier.h"

#include <gtest/gtest.h>

#include "aws/crypto.h"
#include "aws/sigv4_canonical.h"

namespace polymq::aws {
namespace {

using namespace std::chrono;
using SysTime = system_clock::time_point;

const SysTime kNow = sys_days(year(2024) / 3 / 1) + hours(10);

std::string amz_date(SysTime t) {
  const auto days = floor<std::chrono::days>(t);
  const year_month_day ymd(days);
  const hh_mm_ss hms(floor<seconds>(t - days));
  char out[32];
  std::snprintf(out, sizeof(out), "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return out;
}

http::Request base_request() {
  http::Request r;
  r.method = "POST";
  r.target = "/000000000000/orders";
  r.headers.add("Host", "localhost:9324");
  r.headers.add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  r.body = "Action=SendMessage&MessageBody=hello";
  return r;
}

struct Signer {
  std::string key_id = "alice";
  std::string secret = "alice-secret";
  std::string region = "us-east-1";
  std::string service = "sqs";
  SysTime at = kNow;
  std::string signed_headers = "content-type;host;x-amz-date";
  std::string payload_hash;  // "" = SHA-256 of the body

  std::string sign(const http::Request& r, const std::string& query_for_signing,
                   const std::string& date) const {
    std::vector<std::string> names;
    for (size_t at_ = 0;;) {
      const size_t semi = signed_headers.find(';', at_);
      names.push_back(signed_headers.substr(at_, semi - at_));
      if (semi == std::string::npos) break;
      at_ = semi + 1;
    }
    const auto query = canonical_query(query_for_signing);
    const auto headers = canonical_headers(r.headers, names);
    if (!query || !headers) {
      ADD_FAILURE() << "cannot sign: a malformed query or a signed header missing";
      return {};
    }
    const std::string creq =
        canonical_request(r.method, canonical_uri(r.path()), *query, *headers, signed_headers,
                          payload_hash.empty() ? sha256_hex(r.body) : payload_hash);
    const std::string scope = credential_scope(date.substr(0, 8), region, service);
    return signature(signing_key(secret, date.substr(0, 8), region, service),
                     string_to_sign(date, scope, creq));
  }

  // Adds X-Amz-Date and the Authorization header.
  http::Request header_signed(http::Request r) const {
    const std::string date = amz_date(at);
    r.headers.add("X-Amz-Date", date);
    if (!payload_hash.empty()) r.headers.add("X-Amz-Content-Sha256", payload_hash);
    const std::string sig = sign(r, std::string(r.query()), date);
    r.headers.add("Authorization", "AWS4-HMAC-SHA256 Credential=" + key_id + "/" +
                                       date.substr(0, 8) + "/" + region + "/" + service +
                                       "/aws4_request, SignedHeaders=" + signed_headers +
                                       ", Signature=" + sig);
    return r;
  }

  // Adds the X-Amz-* query parameters, signature last.
  http::Request presigned(http::Request r, int expires) const {
    const std::string date = amz_date(at);
    std::string query = std::string(r.query());
    if (!query.empty()) query += '&';
    query += "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
             uri_encode(
                 key_id + "/" + date.substr(0, 8) + "/" + region + "/" + service + "/aws4_request",
                 false) +
             "&X-Amz-Date=" + date + "&X-Amz-Expires=" + std::to_string(expires) +
             "&X-Amz-SignedHeaders=" + uri_encode(signed_headers, false);
    r.target = std::string(r.path()) + "?" + query;
    r.target += "&X-Amz-Signature=" + sign(r, query, date);
    return r;
  }
};

Verifier verifier(SysTime now = kNow) {
  VerifierOptions options;
  options.clock = [now] { return now; };
  return Verifier(
      [](std::string_view key) -> std::optional<std::string> {
        if (key == "alice") return "alice-secret";
        if (key == "team/bob") return "bob-secret";
        return std::nullopt;
      },
      options);
}

AuthError error_of(const AuthResult& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? AuthError::kSignatureDoesNotMatch : r.failure().error;
}

TEST(SigV4Verifier, AcceptsAHeaderSignedRequestAndNamesItsScope) {
  const AuthResult r = verifier().verify(Signer().header_signed(base_request()));
  ASSERT_TRUE(r.ok()) << r.failure().message;
  EXPECT_EQ(r.identity().access_key_id, "alice");
  EXPECT_EQ(r.identity().region, "us-east-1");
  EXPECT_EQ(r.identity().service, "sqs");
}

TEST(SigV4Verifier, KeyIdsMayHoldSlashes) {
  Signer s;
  s.key_id = "team/bob";
  s.secret = "bob-secret";
  const AuthResult r = verifier().verify(s.header_signed(base_request()));
  ASSERT_TRUE(r.ok()) << r.failure().message;
  EXPECT_EQ(r.identity().access_key_id, "team/bob");
}

TEST(SigV4Verifier, MissingAndIncompleteSignatures) {
  EXPECT_EQ(error_of(verifier().verify(base_request())), AuthError::kMissingAuthenticationToken);
  const http::Request good = Signer().header_signed(base_request());
  const std::string auth(good.headers.get("Authorization"));
  const auto with_auth = [&](std::string value) {
    http::Request r = good;
    r.headers.set("Authorization", std::move(value));
    return verifier().verify(r);
  };
  EXPECT_EQ(error_of(with_auth(auth.substr(0, auth.find(", Signature=")))),
            AuthError::kIncompleteSignature);
  EXPECT_EQ(error_of(with_auth("AWS alice:c2lnbmF0dXJl")), AuthError::kIncompleteSignature);
  EXPECT_EQ(error_of(with_auth("AWS4-HMAC-SHA256 Credential=alice/20240301/us-east-1/sqs, "
                               "SignedHeaders=host, Signature=00")),
            AuthError::kIncompleteSignature);
  EXPECT_EQ(error_of(with_auth("AWS4-HMAC-SHA256 Credential=alice/20240301/us-east-1/sqs/"
                               "aws4_request, SignedHeaders=content-type;x-amz-date, "
                               "Signature=00")),
            AuthError::kIncompleteSignature);  // host must be signed
  http::Request undated = good;
  undated.headers.remove("X-Amz-Date");
  EXPECT_EQ(error_of(verifier().verify(undated)), AuthError::kIncompleteSignature);
  http::Request bad_date = good;
  bad_date.headers.set("X-Amz-Date", "2024-03-01T10:00:00Z");
  EXPECT_EQ(error_of(verifier().verify(bad_date)), AuthError::kIncompleteSignature);
  // A year the clock cannot hold (nanoseconds since 1970 end in 2262) is malformed, not UB.
  for (const char* far : {"60231114T221320Z", "99991231T235959Z", "00010101T000000Z"}) {
    bad_date.headers.set("X-Amz-Date", far);
    EXPECT_EQ(error_of(verifier().verify(bad_date)), AuthError::kIncompleteSignature) << far;
  }
  Signer presigner;
  presigner.signed_headers = "host";
  http::Request both = presigner.presigned(base_request(), 60);
  both.headers.add("Authorization", auth);
  EXPECT_EQ(error_of(verifier().verify(both)), AuthError::kIncompleteSignature);
}

TEST(SigV4Verifier, UnknownKeyAndWrongSecret) {
  Signer unknown;
  unknown.key_id = "mallory";
  EXPECT_EQ(error_of(verifier().verify(unknown.header_signed(base_request()))),
            AuthError::kInvalidClientTokenId);
  Signer wrong;
  wrong.secret = "guess";
  EXPECT_EQ(error_of(verifier().verify(wrong.header_signed(base_request()))),
            AuthError::kSignatureDoesNotMatch);
}

TEST(SigV4Verifier, TamperedBodyHeaderPathOrQueryDoesNotMatch) {
  const http::Request good = Signer().header_signed(base_request());
  http::Request body = good;
  body.body[body.body.size() - 1] ^= 1;
  EXPECT_EQ(error_of(verifier().verify(body)), AuthError::kSignatureDoesNotMatch);
  http::Request header = good;
  header.headers.set("Content-Type", "text/plain");
  EXPECT_EQ(error_of(verifier().verify(header)), AuthError::kSignatureDoesNotMatch);
  http::Request path = good;
  path.target = "/000000000000/other";
  EXPECT_EQ(error_of(verifier().verify(path)), AuthError::kSignatureDoesNotMatch);
  http::Request query = good;
  query.target += "?Extra=1";
  EXPECT_EQ(error_of(verifier().verify(query)), AuthError::kSignatureDoesNotMatch);
  http::Request unsigned_header = good;
  unsigned_header.headers.add("User-Agent", "changed on the way");  // not signed: no effect
  EXPECT_TRUE(verifier().verify(unsigned_header).ok());
  http::Request scope_date = good;  // a credential scope dated another day
  std::string auth(good.headers.get("Authorization"));
  auth.replace(auth.find("/20240301/"), 10, "/20240302/");
  scope_date.headers.set("Authorization", auth);
  EXPECT_EQ(error_of(verifier().verify(scope_date)), AuthError::kSignatureDoesNotMatch);
}

TEST(SigV4Verifier, ContentSha256HeaderMustBeTheBodysHash) {
  Signer s;
  s.signed_headers = "content-type;host;x-amz-content-sha256;x-amz-date";
  s.payload_hash = sha256_hex(base_request().body);
  EXPECT_TRUE(verifier().verify(s.header_signed(base_request())).ok());
  http::Request other_body = s.header_signed(base_request());
  other_body.body += " ";
  EXPECT_EQ(error_of(verifier().verify(other_body)), AuthError::kSignatureDoesNotMatch);
  s.payload_hash = std::string(kUnsignedPayload);  // only presigned requests may leave it out
  EXPECT_EQ(error_of(verifier().verify(s.header_signed(base_request()))),
            AuthError::kSignatureDoesNotMatch);
}

TEST(SigV4Verifier, ClockSkewOfFifteenMinutes) {
  const http::Request r = Signer().header_signed(base_request());
  EXPECT_TRUE(verifier(kNow + minutes(14)).verify(r).ok());
  EXPECT_TRUE(verifier(kNow - minutes(14)).verify(r).ok());
  const AuthResult late = verifier(kNow + minutes(16)).verify(r);
  EXPECT_EQ(error_of(late), AuthError::kSignatureDoesNotMatch);
  EXPECT_EQ(late.failure().message,
            "Signature expired: 20240301T100000Z is now earlier than 20240301T100100Z "
            "(20240301T101600Z - 15 min.)");
  const AuthResult early = verifier(kNow - minutes(16)).verify(r);
  EXPECT_EQ(error_of(early), AuthError::kSignatureDoesNotMatch);
  EXPECT_EQ(early.failure().message.rfind("Signature not yet current: ", 0), 0u);
}

TEST(SigV4Verifier, PresignedRequests) {
  Signer s;
  s.signed_headers = "host";
  http::Request get;
  get.method = "GET";
  get.target = "/000000000000/orders?Action=ReceiveMessage&MaxNumberOfMessages=10";
  get.headers.add("Host", "localhost:9324");
  const http::Request url = s.presigned(get, 300);
  const AuthResult ok = verifier(kNow + seconds(299)).verify(url);
  ASSERT_TRUE(ok.ok()) << ok.failure().message;
  EXPECT_TRUE(ok.identity().presigned);
  EXPECT_EQ(error_of(verifier(kNow + seconds(301)).verify(url)), AuthError::kRequestExpired);
  EXPECT_EQ(error_of(verifier(kNow - minutes(16)).verify(url)), AuthError::kSignatureDoesNotMatch);

  http::Request tampered = url;
  tampered.target.replace(tampered.target.find("=10"), 3, "=11");
  EXPECT_EQ(error_of(verifier().verify(tampered)), AuthError::kSignatureDoesNotMatch);
  http::Request without = url;
  without.target = without.target.substr(0, without.target.find("&X-Amz-Signature="));
  EXPECT_EQ(error_of(verifier().verify(without)), AuthError::kIncompleteSignature);
  EXPECT_EQ(error_of(verifier().verify(s.presigned(get, 604801))), AuthError::kIncompleteSignature);

  // A presigned URL may have signed UNSIGNED-PAYLOAD and then carry any body.
  s.payload_hash = std::string(kUnsignedPayload);
  http::Request post = s.presigned(base_request(), 60);
  post.body = "anything";
  EXPECT_TRUE(verifier().verify(post).ok());
}

TEST(SigV4Verifier, ErrorCodesAndStatuses) {
  EXPECT_EQ(error_code(AuthError::kMissingAuthenticationToken), "MissingAuthenticationToken");
  EXPECT_EQ(http_status(AuthError::kMissingAuthenticationToken), 403);
  EXPECT_EQ(error_code(AuthError::kIncompleteSignature), "IncompleteSignature");
  EXPECT_EQ(http_status(AuthError::kIncompleteSignature), 400);
  EXPECT_EQ(error_code(AuthError::kInvalidClientTokenId), "InvalidClientTokenId");
  EXPECT_EQ(http_status(AuthError::kInvalidClientTokenId), 403);
  EXPECT_EQ(error_code(AuthError::kSignatureDoesNotMatch), "SignatureDoesNotMatch");
  EXPECT_EQ(http_status(AuthError::kSignatureDoesNotMatch), 403);
  EXPECT_EQ(error_code(AuthError::kRequestExpired), "RequestExpired");
  EXPECT_EQ(http_status(AuthError::kRequestExpired), 400);
}

}  // namespace
}  // namespace polymq::aws
