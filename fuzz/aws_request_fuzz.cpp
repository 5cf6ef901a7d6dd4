// libFuzzer target for what the SQS/SNS endpoint decodes from a request before any action
// runs: the query protocol's form parameters (flattened lists, maps and message attributes,
// base64 binary values), AWS JSON 1.0 bodies, and SigV4's Authorization header and presigned
// query parameters. The first byte picks the decoder. Besides sanitizer findings it checks
// that text escaped for XML answers carries no markup characters.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sigv4_verifier.h"
#include "http/form.h"
#include "sqs/json_codec.h"
#include "sqs/query_codec.h"

namespace {

using namespace polymq;

// `text` cut at its first `count - 1` newlines.
std::vector<std::string_view> pieces(std::string_view text, size_t count) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < count) {
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) break;
    out.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  out.push_back(text);
  out.resize(count);
  return out;
}

void fuzz_query(std::string_view text) {
  std::optional<http::Params> params = http::parse_form(text);
  if (!params) return;
  (void)sqs::parse_query_input(*params);
  for (const auto& [name, value] : *params) {
    const std::string escaped = sqs::xml_escape(value);
    if (escaped.find_first_of("<>\"'\r") != std::string::npos) abort();
  }
}

void fuzz_json(std::string_view text) { (void)sqs::parse_json_input(text); }

// A request with the fuzzed target (path and presigned query), Authorization, X-Amz-Date,
// x-amz-content-sha256 and body, verified against the key "guest" with secret "guest" at a
// fixed time, so that a well-formed signature from the corpus can reach the comparison.
void fuzz_sigv4(std::string_view text) {
  const std::vector<std::string_view> parts = pieces(text, 5);
  http::Request request;
  request.method = "POST";
  request.target = std::string(parts[0].empty() ? "/" : parts[0]);
  request.headers.add("Host", "127.0.0.1:9324");
  if (!parts[1].empty()) request.headers.add("Authorization", std::string(parts[1]));
  if (!parts[2].empty()) request.headers.add("X-Amz-Date", std::string(parts[2]));
  if (!parts[3].empty()) request.headers.add("x-amz-content-sha256", std::string(parts[3]));
  request.body = std::string(parts[4]);
  aws::VerifierOptions options;
  options.clock = [] {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  };
  const aws::Verifier verifier(
      [](std::string_view key) -> std::optional<std::string> {
        if (key == "guest") return std::string("guest");
        return std::nullopt;
      },
      options);
  const aws::AuthResult result = verifier.verify(request);
  if (result.ok() && result.identity().access_key_id != "guest") abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      fuzz_query(text);
      break;
    case 1:
      fuzz_json(text);
      break;
    default:
      fuzz_sigv4(text);
      break;
  }
  return 0;
}
