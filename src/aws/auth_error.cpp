#include "aws/auth_error.h"

namespace polymq::aws {

std::string_view error_code(AuthError error) {
  switch (error) {
    case AuthError::kMissingAuthenticationToken:
      return "MissingAuthenticationToken";
    case AuthError::kIncompleteSignature:
      return "IncompleteSignature";
    case AuthError::kInvalidClientTokenId:
      return "InvalidClientTokenId";
    case AuthError::kSignatureDoesNotMatch:
      return "SignatureDoesNotMatch";
    case AuthError::kRequestExpired:
      return "RequestExpired";
  }
  return "SignatureDoesNotMatch";
}

int http_status(AuthError error) {
  switch (error) {
    case AuthError::kIncompleteSignature:
    case AuthError::kRequestExpired:
      return 400;
    case AuthError::kMissingAuthenticationToken:
    case AuthError::kInvalidClientTokenId:
    case AuthError::kSignatureDoesNotMatch:
      return 403;
  }
  return 403;
}

}  // namespace polymq::aws
