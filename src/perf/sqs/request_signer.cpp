#include "perf/sqs/request_signer.h"

#include <cstdio>
#include <ctime>

#include "aws/crypto.h"
#include "aws/sigv4_canonical.h"

namespace polymq::perf::sqs {

RequestSigner::RequestSigner(std::string host, Credentials credentials)
    : host_(std::move(host)), credentials_(std::move(credentials)) {}

std::string RequestSigner::json_request(std::string_view action, std::string_view body,
                                        std::chrono::system_clock::time_point now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char amz_date[17];
  std::strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &utc);
  const std::string date(amz_date, 8);
  if (date != key_date_) {
    signing_key_ =
        aws::signing_key(credentials_.secret_access_key, date, credentials_.region, "sqs");
    key_date_ = date;
  }
  const std::string target = "AmazonSQS." + std::string(action);
  const std::string content_type = "application/x-amz-json-1.0";
  const std::string signed_headers = "content-type;host;x-amz-date;x-amz-target";
  const std::string headers = "content-type:" + content_type + "\nhost:" + host_ +
                              "\nx-amz-date:" + amz_date + "\nx-amz-target:" + target + "\n";
  const std::string canonical =
      aws::canonical_request("POST", "/", "", headers, signed_headers, aws::sha256_hex(body));
  const std::string scope = aws::credential_scope(date, credentials_.region, "sqs");
  const std::string signature =
      aws::signature(signing_key_, aws::string_to_sign(amz_date, scope, canonical));

  std::string request;
  request.reserve(512 + body.size());
  request += "POST / HTTP/1.1\r\nHost: " + host_ + "\r\nContent-Type: " + content_type +
             "\r\nX-Amz-Date: " + amz_date + "\r\nX-Amz-Target: " + target +
             "\r\nAuthorization: AWS4-HMAC-SHA256 Credential=" + credentials_.access_key_id + "/" +
             scope + ", SignedHeaders=" + signed_headers + ", Signature=" + signature +
             "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  request += body;
  return request;
}

}  // namespace polymq::perf::sqs
