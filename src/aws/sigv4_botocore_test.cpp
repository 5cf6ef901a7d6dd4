// Requests signed by a real client: botocore_sign.py has botocore (Debian's python3-botocore)
// sign SQS requests — those of an SQS client, a SigV4Auth GET with an awkward query and header,
// and SigV4QueryAuth presigned URLs — and writes them as raw HTTP. They are parsed here with
// http::RequestParser and verified; then one byte of the body, a signed header, the query or
// the secret is changed and each must fail.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <string>

#include "aws/sigv4_verifier.h"
#include "http/request_parser.h"

namespace polymq::aws {
namespace {

constexpr std::string_view kKey = "polymq-user";
constexpr std::string_view kSecret = "Secret/With+Chars=";

// Runs the script; the exit status lands in `status` (77: botocore missing).
std::string run_script(int& status) {
  const std::string command = "/usr/bin/python3 " POLYMQ_AWS_SOURCE_DIR "/botocore_sign.py";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    status = -1;
    return {};
  }
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  const int raw = pclose(pipe);
  status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return out;
}

std::map<std::string, http::Request> parse_all(const std::string& bytes) {
  std::map<std::string, http::Request> requests;
  http::RequestParser parser;
  size_t pos = 0;
  while (pos < bytes.size()) {
    const auto step =
        parser.parse(reinterpret_cast<const uint8_t*>(bytes.data()) + pos, bytes.size() - pos);
    pos += step.consumed;
    if (step.state != http::RequestParser::State::kComplete) {
      ADD_FAILURE() << "unparsable output at byte " << pos << ": " << parser.error_text();
      break;
    }
    bool keep = false;
    http::Request r = parser.take(keep);
    requests[std::string(r.headers.get("X-Test-Case"))] = std::move(r);
  }
  return requests;
}

Verifier verifier(std::string secret = std::string(kSecret)) {
  return Verifier([secret](std::string_view key) -> std::optional<std::string> {
    if (key == kKey) return secret;
    return std::nullopt;
  });
}

AuthError error_of(const AuthResult& r) {
  return r.ok() ? AuthError::kMissingAuthenticationToken : r.failure().error;
}

TEST(SigV4Botocore, VerifiesWhatBotocoreSignsAndNothingChanged) {
  int status = 0;
  const std::string out = run_script(status);
  if (status == 77) GTEST_SKIP() << "botocore is not installed (python3-botocore)";
  ASSERT_EQ(status, 0) << out;
  const auto requests = parse_all(out);
  const std::map<std::string, std::string> regions = {
      {"sqs-send-message", "us-east-1"}, {"sqs-receive-message", "us-east-1"},
      {"sqs-list-queues", "us-east-1"},  {"sigv4-get-query", "eu-west-1"},
      {"presigned-get", "us-east-1"},    {"presigned-post-form", "us-east-1"}};
  ASSERT_EQ(requests.size(), regions.size());

  for (const auto& [name, request] : requests) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(regions.contains(name));
    const AuthResult ok = verifier().verify(request);
    ASSERT_TRUE(ok.ok()) << ok.failure().message;
    EXPECT_EQ(ok.identity().access_key_id, kKey);
    EXPECT_EQ(ok.identity().service, "sqs");
    EXPECT_EQ(ok.identity().region, regions.at(name));
    EXPECT_EQ(ok.identity().presigned, name.starts_with("presigned"));

    if (!request.body.empty()) {
      http::Request body = request;
      body.body[body.body.size() / 2] ^= 0x01;
      EXPECT_EQ(error_of(verifier().verify(body)), AuthError::kSignatureDoesNotMatch);
    }
    http::Request host = request;
    host.headers.set("Host", "localhost:9325");
    EXPECT_EQ(error_of(verifier().verify(host)), AuthError::kSignatureDoesNotMatch);
    if (!request.query().empty()) {
      http::Request query = request;
      query.target.insert(query.target.find('?') + 1, "Injected=1&");
      EXPECT_EQ(error_of(verifier().verify(query)), AuthError::kSignatureDoesNotMatch);
    }
    EXPECT_EQ(error_of(verifier("Secret/With+Chars!").verify(request)),
              AuthError::kSignatureDoesNotMatch);
    EXPECT_EQ(error_of(Verifier([](std::string_view) { return std::nullopt; }).verify(request)),
              AuthError::kInvalidClientTokenId);
  }

  // A signed header other than Host, changed by one byte.
  http::Request typed = requests.at("sqs-send-message");
  std::string type(typed.headers.get("Content-Type"));
  type.back() ^= 0x01;
  typed.headers.set("Content-Type", type);
  EXPECT_EQ(error_of(verifier().verify(typed)), AuthError::kSignatureDoesNotMatch);
  http::Request custom = requests.at("sigv4-get-query");
  custom.headers.set("X-Custom", "spaced value!");
  EXPECT_EQ(error_of(verifier().verify(custom)), AuthError::kSignatureDoesNotMatch);
  custom.headers.set("X-Custom", "spaced value");  // whitespace is not part of the signature
  EXPECT_TRUE(verifier().verify(custom).ok());
}

}  // namespace
}  // namespace polymq::aws
