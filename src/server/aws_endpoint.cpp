#include "server/aws_endpoint.h"

#include "aws/query_protocol.h"

namespace polymq::server {

bool AwsEndpoint::for_sns(const http::Request& request) const {
  const std::string service = aws::credential_service(request);
  if (service == "sns") return true;
  if (service == "sqs" || request.headers.find("X-Amz-Target")) return false;
  std::optional<http::Params> params = aws::query_parameters(request);
  if (!params) return false;
  const std::optional<std::string_view> action = http::find_param(*params, "Action");
  return action && is_sns_action_(*action);
}

void AwsEndpoint::handle(http::Request request, http::Responder responder) {
  const bool sns = for_sns(request);
  ++(sns ? sns_requests_ : sqs_requests_);
  http::Service& to = sns ? sns_ : sqs_;
  to.handle(std::move(request), std::move(responder));
}

}  // namespace polymq::server
