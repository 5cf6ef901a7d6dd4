#include "server/aws_endpoint.h"

#include <gtest/gtest.h>

namespace polymq::server {
namespace {

class Unused final : public http::Service {
 public:
  void handle(http::Request, http::Responder) override {}
};

http::Request request(std::string target, std::string authorization = "", std::string body = "") {
  http::Request r;
  r.method = body.empty() ? "GET" : "POST";
  r.target = std::move(target);
  if (!authorization.empty()) r.headers.add("Authorization", authorization);
  if (!body.empty()) {
    r.headers.add("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    r.body = std::move(body);
  }
  return r;
}

std::string signed_for(const std::string& service) {
  return "AWS4-HMAC-SHA256 Credential=guest/20261201/us-east-1/" + service +
         "/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";
}

TEST(AwsEndpoint, RoutesByTheCredentialScopeThenByAction) {
  Unused sqs, sns;
  AwsEndpoint endpoint(sqs, sns, [](std::string_view a) { return a == "Publish"; });
  // The credential scope decides, whatever the action.
  EXPECT_TRUE(endpoint.for_sns(request("/", signed_for("sns"), "Action=ListQueues")));
  EXPECT_FALSE(endpoint.for_sns(request("/", signed_for("sqs"), "Action=Publish")));
  // A presigned request's scope.
  EXPECT_TRUE(endpoint.for_sns(
      request("/?Action=ListTopics&X-Amz-Credential=guest%2F20261201%2Fus-east-1%2Fsns%2Faws4_"
              "request")));
  // Neither: the action.
  EXPECT_TRUE(endpoint.for_sns(request("/", "", "Action=Publish&TopicArn=x")));
  EXPECT_TRUE(endpoint.for_sns(request("/?Action=Publish")));
  EXPECT_FALSE(endpoint.for_sns(request("/", "", "Action=SendMessage")));
  EXPECT_FALSE(endpoint.for_sns(request("/", signed_for("s3"), "Action=SendMessage")));
  EXPECT_FALSE(endpoint.for_sns(request("/?Action=%zz")));
  // AWS JSON 1.0 is SQS's.
  http::Request json = request("/", "", "{}");
  json.headers.add("X-Amz-Target", "AmazonSQS.ListQueues");
  EXPECT_FALSE(endpoint.for_sns(json));
}

}  // namespace
}  // namespace polymq::server
