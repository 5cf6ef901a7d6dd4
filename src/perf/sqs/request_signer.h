// Builds the HTTP/1.1 requests of polymq-sqs-perf: AWS JSON 1.0 SQS actions (POST /,
// X-Amz-Target: AmazonSQS.<Action>) signed with Signature Version 4 as the AWS SDKs sign them
// (content-type, host, x-amz-date and x-amz-target signed; the body's SHA-256 as payload
// hash). The signing key is derived once per UTC day.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace polymq::perf::sqs {

struct Credentials {
  std::string access_key_id = "guest";
  std::string secret_access_key = "guest";
  std::string region = "us-east-1";
};

class RequestSigner {
 public:
  RequestSigner(std::string host, Credentials credentials);

  // The whole request (head and body) for `action` with the JSON object `body`, signed as of
  // `now`.
  std::string json_request(std::string_view action, std::string_view body,
                           std::chrono::system_clock::time_point now);

 private:
  std::string host_;
  Credentials credentials_;
  std::string key_date_;  // YYYYMMDD of signing_key_
  std::string signing_key_;
};

}  // namespace polymq::perf::sqs
