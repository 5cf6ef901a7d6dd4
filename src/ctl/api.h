// The management API as polymqctl's commands use it: one call, its answer as JSON, and every
// failure turned into the message and exit code the user sees (exit_codes.h).
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

#include "ctl/http_client.h"

namespace polymq::ctl {

// Exit codes, as rabbitmqctl's (BSD sysexits).
inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;         // bad arguments or options
inline constexpr int kExitDataError = 65;     // the API refused the input, or no such object
inline constexpr int kExitNoInput = 66;       // a definitions file that cannot be read
inline constexpr int kExitUnavailable = 69;   // the management API cannot be reached
inline constexpr int kExitSoftware = 70;      // an answer polymqctl does not understand
inline constexpr int kExitCantCreate = 73;    // an export file that cannot be written
inline constexpr int kExitTimeout = 75;       // no answer in time
inline constexpr int kExitNoPermission = 77;  // login refused, or the user may not do this

// What a call came to: exit_code 0 with the answer, or the code and the message to print.
struct ApiResult {
  int exit_code = kExitOk;
  std::string message;
  HttpResponse response;
  bool ok() const { return exit_code == kExitOk; }
};

// A percent-encoded path segment: every byte but RFC 3986's unreserved ones as %XX ("/" as %2F).
std::string encode(std::string_view segment);

class Api {
 public:
  explicit Api(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}

  // `path` is below /api (e.g. "/queues/%2F/q1"). A 404 fails with `missing` as the message
  // ("Error: " is prefixed), or the API's own reason when `missing` is empty.
  ApiResult call(const std::string& method, const std::string& path, const std::string& body = {},
                 std::string_view missing = {}) const;

  // A GET whose answer must be JSON; `out` holds it on success.
  ApiResult get_json(const std::string& path, rapidjson::Document& out,
                     std::string_view missing = {}) const;

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  Endpoint endpoint_;
};

}  // namespace polymq::ctl
