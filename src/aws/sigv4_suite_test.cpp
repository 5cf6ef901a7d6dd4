// AWS's Signature Version 4 test suite (the "aws-sig-v4-test-suite" of the AWS General
// Reference): the requests, their canonical requests and signatures for the documented example
// credentials, signed at 20150830T123600Z for us-east-1 and the service "service". Each case is
// checked piece by piece (canonical URI, query, request) and then verified whole.
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "aws/crypto.h"
#include "aws/sigv4_canonical.h"
#include "aws/sigv4_verifier.h"

namespace polymq::aws {
namespace {

constexpr std::string_view kKeyId = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kDate = "20150830T123600Z";
const std::string kToken =
    "AQoDYXdzEPT//////////"
    "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeo"
    "IYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0w"
    "q5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDry"
    "pNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

struct Case {
  std::string name;
  std::string method;
  std::string target;                                        // as on the request line
  std::vector<std::pair<std::string, std::string>> headers;  // besides Host and X-Amz-Date
  std::string body;
  std::string signed_headers;
  std::string canonical_uri;
  std::string canonical_query;
  std::string signature;
};

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"get-vanilla",
       "GET",
       "/",
       {},
       "",
       "host;x-amz-date",
       "/",
       "",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case",
       "GET",
       "/?Param2=value2&Param1=value1",
       {},
       "",
       "host;x-amz-date",
       "/",
       "Param1=value1&Param2=value2",
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-query-order-key",
       "GET",
       "/?Param1=value2&Param1=Value1",
       {},
       "",
       "host;x-amz-date",
       "/",
       "Param1=Value1&Param1=value2",
       "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"},
      {"get-vanilla-query-order-value",
       "GET",
       "/?Param1=value2&Param1=value1",
       {},
       "",
       "host;x-amz-date",
       "/",
       "Param1=value1&Param1=value2",
       "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"},
      {"get-vanilla-query-unreserved",
       "GET",
       "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {},
       "",
       "host;x-amz-date",
       "/",
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
       "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
      {"get-vanilla-utf8-query",
       "GET",
       "/?\xE1\x88\xB4=bar",
       {},
       "",
       "host;x-amz-date",
       "/",
       "%E1%88%B4=bar",
       "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
      {"get-unreserved",
       "GET",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       {},
       "",
       "host;x-amz-date",
       "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
       "",
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      {"get-header-key-duplicate",
       "GET",
       "/",
       {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}},
       "",
       "host;my-header1;x-amz-date",
       "/",
       "",
       "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
      {"get-header-value-order",
       "GET",
       "/",
       {{"My-Header1", "value4"},
        {"My-Header1", "value1"},
        {"My-Header1", "value3"},
        {"My-Header1", "value2"}},
       "",
       "host;my-header1;x-amz-date",
       "/",
       "",
       "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
      {"get-header-value-trim",
       "GET",
       "/",
       {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}},
       "",
       "host;my-header1;my-header2;x-amz-date",
       "/",
       "",
       "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
      {"post-vanilla",
       "POST",
       "/",
       {},
       "",
       "host;x-amz-date",
       "/",
       "",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-vanilla-query",
       "POST",
       "/?Param1=value1",
       {},
       "",
       "host;x-amz-date",
       "/",
       "Param1=value1",
       "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
      {"post-header-value-case",
       "POST",
       "/",
       {{"My-Header1", "VALUE1"}},
       "",
       "host;my-header1;x-amz-date",
       "/",
       "",
       "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
      {"post-x-www-form-urlencoded",
       "POST",
       "/",
       {{"Content-Type", "application/x-www-form-urlencoded"}},
       "Param1=value1",
       "content-type;host;x-amz-date",
       "/",
       "",
       "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
      {"post-x-www-form-urlencoded-parameters",
       "POST",
       "/",
       {{"Content-Type", "application/x-www-form-urlencoded; charset=utf8"}},
       "Param1=value1",
       "content-type;host;x-amz-date",
       "/",
       "",
       "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
      {"post-sts-header-before",
       "POST",
       "/",
       {{"X-Amz-Security-Token", kToken}},
       "",
       "host;x-amz-date;x-amz-security-token",
       "/",
       "",
       "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"},
      // An unsigned header does not take part.
      {"post-sts-header-after",
       "POST",
       "/",
       {{"X-Amz-Security-Token", kToken}},
       "",
       "host;x-amz-date",
       "/",
       "",
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      // The normalize-path cases.
      {"get-relative",
       "GET",
       "/example/..",
       {},
       "",
       "host;x-amz-date",
       "/",
       "",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-relative-relative",
       "GET",
       "/example1/example2/../..",
       {},
       "",
       "host;x-amz-date",
       "/",
       "",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-slash",
       "GET",
       "//",
       {},
       "",
       "host;x-amz-date",
       "/",
       "",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-slash-dot-slash",
       "GET",
       "/./",
       {},
       "",
       "host;x-amz-date",
       "/",
       "",
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-slash-pointless-dot",
       "GET",
       "/./example",
       {},
       "",
       "host;x-amz-date",
       "/example",
       "",
       "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"},
      {"get-slashes",
       "GET",
       "//example//",
       {},
       "",
       "host;x-amz-date",
       "/example/",
       "",
       "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"},
      {"get-space",
       "GET",
       "/example space/",
       {},
       "",
       "host;x-amz-date",
       "/example%20space/",
       "",
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
  };
  return all;
}

http::Request request_of(const Case& c) {
  http::Request r;
  r.method = c.method;
  r.target = c.target;
  r.headers.add("Host", "example.amazonaws.com");
  for (const auto& [name, value] : c.headers) r.headers.add(name, value);
  r.headers.add("X-Amz-Date", std::string(kDate));
  r.body = c.body;
  return r;
}

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> names;
  size_t at = 0;
  while (at <= list.size()) {
    const size_t semi = list.find(';', at);
    names.push_back(list.substr(at, semi - at));
    if (semi == std::string::npos) break;
    at = semi + 1;
  }
  return names;
}

std::chrono::system_clock::time_point signing_time() {
  using namespace std::chrono;
  return sys_days(year(2015) / 8 / 30) + hours(12) + minutes(36);
}

Verifier suite_verifier() {
  VerifierOptions options;
  options.clock = signing_time;
  return Verifier(
      [](std::string_view key) -> std::optional<std::string> {
        if (key == kKeyId) return std::string(kSecret);
        return std::nullopt;
      },
      options);
}

TEST(SigV4Suite, SigningKeyOfTheDocumentedExample) {
  // The AWS General Reference's example of deriving a signing key (IAM, 20120215).
  EXPECT_EQ(to_hex(signing_key(kSecret, "20120215", "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(SigV4Suite, GetVanillaCanonicalRequestAndStringToSign) {
  const http::Request r = request_of(cases()[0]);
  const auto headers = canonical_headers(r.headers, {"host", "x-amz-date"});
  ASSERT_TRUE(headers);
  const std::string creq =
      canonical_request(r.method, canonical_uri(r.path()), *canonical_query(r.query()), *headers,
                        "host;x-amz-date", sha256_hex(""));
  EXPECT_EQ(creq,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string scope = credential_scope("20150830", "us-east-1", "service");
  EXPECT_EQ(string_to_sign(kDate, scope, creq),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

TEST(SigV4Suite, CanonicalHeadersJoinRepeatsAndTrimValues) {
  const http::Request dup = request_of(cases()[7]);
  EXPECT_EQ(canonical_headers(dup.headers, {"host", "my-header1", "x-amz-date"}),
            "host:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
            "x-amz-date:20150830T123600Z\n");
  const http::Request trim = request_of(cases()[9]);
  EXPECT_EQ(canonical_headers(trim.headers, {"my-header1", "my-header2"}),
            "my-header1:value1\nmy-header2:\"a b c\"\n");
  EXPECT_FALSE(canonical_headers(trim.headers, {"my-header3"}));
}

TEST(SigV4Suite, EveryCaseCanonicalizesAndSignsAsPublished) {
  const Verifier verifier = suite_verifier();
  const std::string scope = credential_scope("20150830", "us-east-1", "service");
  const std::string key = signing_key(kSecret, "20150830", "us-east-1", "service");
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    http::Request r = request_of(c);
    EXPECT_EQ(canonical_uri(r.path()), c.canonical_uri);
    EXPECT_EQ(canonical_query(r.query()), c.canonical_query);
    const auto headers = canonical_headers(r.headers, split_names(c.signed_headers));
    ASSERT_TRUE(headers);
    const std::string creq = canonical_request(c.method, c.canonical_uri, c.canonical_query,
                                               *headers, c.signed_headers, sha256_hex(c.body));
    EXPECT_EQ(signature(key, string_to_sign(kDate, scope, creq)), c.signature);

    r.headers.add("Authorization",
                  "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
                  "service/aws4_request, SignedHeaders=" +
                      c.signed_headers + ", Signature=" + c.signature);
    const AuthResult ok = verifier.verify(r);
    ASSERT_TRUE(ok.ok()) << ok.failure().message;
    EXPECT_EQ(ok.identity().access_key_id, "AKIDEXAMPLE");
    EXPECT_EQ(ok.identity().region, "us-east-1");
    EXPECT_EQ(ok.identity().service, "service");
    EXPECT_FALSE(ok.identity().presigned);

    r.body += "x";
    const AuthResult changed = verifier.verify(r);
    ASSERT_FALSE(changed.ok());
    EXPECT_EQ(changed.failure().error, AuthError::kSignatureDoesNotMatch);
  }
}

}  // namespace
}  // namespace polymq::aws
