#include "ctl/api.h"

#include <rapidjson/error/en.h>

namespace polymq::ctl {
namespace {

// The API's {"error": ..., "reason": ...}: the reason, else the error, else the raw body.
std::string api_reason(const HttpResponse& response) {
  rapidjson::Document doc;
  doc.Parse(response.body.c_str(), response.body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    for (const char* key : {"reason", "error"}) {
      auto it = doc.FindMember(key);
      if (it != doc.MemberEnd() && it->value.IsString() && it->value.GetStringLength() > 0) {
        return std::string(it->value.GetString(), it->value.GetStringLength());
      }
    }
  }
  return response.body;
}

ApiResult failure(int code, std::string message) {
  ApiResult r;
  r.exit_code = code;
  r.message = std::move(message);
  return r;
}

}  // namespace

std::string encode(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : segment) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '-' ||
        u == '.' || u == '_' || u == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

ApiResult Api::call(const std::string& method, const std::string& path, const std::string& body,
                    std::string_view missing) const {
  const std::string where =
      "the management API at " + endpoint_.host + ":" + std::to_string(endpoint_.port);
  HttpResult http = http_request(endpoint_, method, "/api" + path, body);
  switch (http.error) {
    case TransportError::kNone:
      break;
    case TransportError::kRefused:
      return failure(kExitUnavailable, "Error: unable to connect to " + where +
                                           ": connection refused.\n"
                                           "Is PolyMQ running there with its management listener "
                                           "(--management-port)?");
    case TransportError::kUnreachable:
      return failure(kExitUnavailable, "Error: unable to connect to " + where + ": " + http.detail);
    case TransportError::kTimeout:
      return failure(kExitTimeout, "Error: " + where + " did not answer in time (" + http.detail +
                                       "); see --timeout");
    case TransportError::kBroken:
      return failure(kExitUnavailable,
                     "Error: the connection to " + where + " failed: " + http.detail);
  }
  const int status = http.response.status;
  if (status >= 200 && status < 300) {
    ApiResult r;
    r.response = std::move(http.response);
    return r;
  }
  std::string reason = api_reason(http.response);
  if (status == 401 || status == 403) {
    if (reason.empty()) reason = "not authorised";
    return failure(kExitNoPermission,
                   "Error: " + where + " refused user '" + endpoint_.username + "': " + reason);
  }
  if (status == 404) {
    return failure(kExitDataError, "Error: " + (missing.empty() ? reason : std::string(missing)));
  }
  if (status == 400) return failure(kExitDataError, "Error: " + reason);
  return failure(kExitSoftware,
                 "Error: " + where + " answered HTTP " + std::to_string(status) + ": " + reason);
}

ApiResult Api::get_json(const std::string& path, rapidjson::Document& out,
                        std::string_view missing) const {
  ApiResult r = call("GET", path, {}, missing);
  if (!r.ok()) return r;
  out.Parse(r.response.body.c_str(), r.response.body.size());
  if (out.HasParseError()) {
    return failure(kExitSoftware, std::string("Error: the management API answered GET /api") +
                                      path + " with something that is not JSON (" +
                                      rapidjson::GetParseError_En(out.GetParseError()) + ")");
  }
  return r;
}

}  // namespace polymq::ctl
