// The one HTTP endpoint of the AWS services (SQS and SNS share --sqs-port, as AWS's SDKs let
// one endpoint_url serve both): each request goes to the service it was signed for, the
// <service> of its SigV4 credential scope ("sqs" or "sns", from the Authorization header or
// the X-Amz-Credential parameter), as AWS's own front doors route; a request that names
// neither (unsigned, or signed for another service) goes by its Action: SNS's actions to SNS,
// everything else (and every AWS JSON request, X-Amz-Target "AmazonSQS.*") to SQS, whose
// answer is then the error the client gets.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "http/service.h"

namespace polymq::server {

class AwsEndpoint final : public http::Service {
 public:
  using ActionTest = std::function<bool(std::string_view action)>;
  // `is_sns_action` says which actions are SNS's (sns::Service::serves_action).
  AwsEndpoint(http::Service& sqs, http::Service& sns, ActionTest is_sns_action)
      : sqs_(sqs), sns_(sns), is_sns_action_(std::move(is_sns_action)) {}

  void handle(http::Request request, http::Responder responder) override;

  // Which service gets `request`: true for SNS.
  bool for_sns(const http::Request& request) const;

  // Requests handed to each service since start, for the metrics (loop thread only).
  uint64_t sqs_requests() const { return sqs_requests_; }
  uint64_t sns_requests() const { return sns_requests_; }

 private:
  http::Service& sqs_;
  http::Service& sns_;
  ActionTest is_sns_action_;
  uint64_t sqs_requests_ = 0;
  uint64_t sns_requests_ = 0;
};

}  // namespace polymq::server
