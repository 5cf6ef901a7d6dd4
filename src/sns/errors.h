// SNS's errors as values: the query protocol's <Code>, the HTTP status and who is at fault, as
// the botocore SNS model names them (NotFoundException is "NotFound", 404 ...), rendered by
// aws/query_protocol.h's <ErrorResponse>.
#pragma once

#include <string>

#include "aws/auth_error.h"

namespace polymq::sns {

struct Error {
  std::string code;
  int status = 400;
  bool sender = true;
  std::string message;
};

inline Error make_error(std::string code, int status, std::string message) {
  return Error{std::move(code), status, status < 500, std::move(message)};
}
inline Error not_found(std::string message) {
  return make_error("NotFound", 404, std::move(message));
}
// "Invalid parameter: <what>", AWS's wording for InvalidParameterException.
inline Error invalid_parameter(const std::string& what) {
  return make_error("InvalidParameter", 400, "Invalid parameter: " + what);
}
inline Error invalid_parameter_value(const std::string& message) {
  return make_error("ParameterValueInvalid", 400, message);
}
inline Error authorization_error(std::string message) {
  return make_error("AuthorizationError", 403, std::move(message));
}
inline Error internal_error(std::string message) {
  return make_error("InternalError", 500, std::move(message));
}
inline Error auth_error(const aws::AuthFailure& failure) {
  return make_error(std::string(aws::error_code(failure.error)), aws::http_status(failure.error),
                    failure.message);
}

}  // namespace polymq::sns
