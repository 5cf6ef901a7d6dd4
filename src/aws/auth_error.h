// Why a request's signature was not accepted, in AWS's words: the error code an AWS service
// answers with and its HTTP status. The front-end renders them in its own error shape (the
// query protocol's XML, the JSON protocol's __type).
#pragma once

#include <string>
#include <string_view>

namespace polymq::aws {

enum class AuthError {
  kMissingAuthenticationToken,  // neither an Authorization header nor X-Amz-* parameters
  kIncompleteSignature,         // a signature whose parts are missing or malformed
  kInvalidClientTokenId,        // the access key id is not known
  kSignatureDoesNotMatch,       // wrong signature, or a request date outside the allowed skew
  kRequestExpired,              // a presigned request past its X-Amz-Expires
};

struct AuthFailure {
  AuthError error;
  std::string message;  // for the client, as AWS words it; never includes the secret
};

std::string_view error_code(AuthError error);  // "SignatureDoesNotMatch" ...
int http_status(AuthError error);              // 400 or 403

}  // namespace polymq::aws
