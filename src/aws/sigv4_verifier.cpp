#include "aws/sigv4_verifier.h"

#include <charconv>
#include <cstdio>
#include <vector>

#include "aws/crypto.h"
#include "aws/sigv4_canonical.h"
#include "http/form.h"

namespace polymq::aws {

namespace {

using Clock = std::chrono::system_clock;

// What the request claims about its signature.
struct Claim {
  std::string access_key_id;
  std::string date;  // YYYYMMDD of the credential scope
  std::string region;
  std::string service;
  std::string amz_date;  // YYYYMMDD'T'HHMMSS'Z'
  std::string signed_headers;
  std::vector<std::string> signed_names;
  std::string signature;
  bool presigned = false;
  std::chrono::seconds expires{0};
};

AuthFailure fail(AuthError error, std::string message) { return {error, std::move(message)}; }

AuthFailure incomplete(std::string message) {
  return fail(AuthError::kIncompleteSignature, std::move(message));
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// "<key id>/<date>/<region>/<service>/aws4_request"; the key id may itself hold '/' (it is a
// user name here), so the scope is taken from the end.
std::optional<AuthFailure> parse_credential(std::string_view credential, Claim& claim) {
  std::string_view parts[4];
  std::string_view rest = credential;
  for (int i = 3; i >= 0; --i) {
    const size_t slash = rest.rfind('/');
    if (slash == std::string_view::npos) {
      return incomplete(
          "Credential must have the form <key>/<date>/<region>/<service>/"
          "aws4_request, got '" +
          std::string(credential) + "'.");
    }
    parts[i] = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  if (rest.empty() || parts[0].size() != 8 || parts[1].empty() || parts[2].empty()) {
    return incomplete(
        "Credential must have the form <key>/<date>/<region>/<service>/"
        "aws4_request, got '" +
        std::string(credential) + "'.");
  }
  if (parts[3] != "aws4_request") {
    return fail(AuthError::kSignatureDoesNotMatch,
                "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                    std::string(parts[3]) + "'.");
  }
  claim.access_key_id = std::string(rest);
  claim.date = std::string(parts[0]);
  claim.region = std::string(parts[1]);
  claim.service = std::string(parts[2]);
  return std::nullopt;
}

std::optional<AuthFailure> parse_signed_headers(std::string_view list, Claim& claim) {
  claim.signed_headers = std::string(list);
  claim.signed_names.clear();
  bool host = false;
  while (!list.empty()) {
    const size_t semi = list.find(';');
    const std::string_view name = list.substr(0, semi);
    list = semi == std::string_view::npos ? std::string_view() : list.substr(semi + 1);
    if (name.empty()) return incomplete("SignedHeaders has an empty name.");
    host = host || name == "host";
    claim.signed_names.emplace_back(name);
  }
  if (!host) return incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.");
  return std::nullopt;
}

std::optional<AuthFailure> from_header(std::string_view authorization, const http::Headers& headers,
                                       Claim& claim) {
  authorization = trim(authorization);
  const size_t space = authorization.find(' ');
  const std::string_view algorithm = authorization.substr(0, space);
  if (algorithm != kAlgorithm) {
    return incomplete("Unsupported AWS 'algorithm': '" + std::string(algorithm) +
                      "' (only AWS4-HMAC-SHA256 is accepted).");
  }
  std::optional<std::string_view> credential, signed_headers, signature;
  std::string_view rest =
      space == std::string_view::npos ? std::string_view() : authorization.substr(space + 1);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view part = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = part.substr(0, eq);
    const std::string_view value = part.substr(eq + 1);
    if (key == "Credential") credential = value;
    if (key == "SignedHeaders") signed_headers = value;
    if (key == "Signature") signature = value;
  }
  for (const auto& [present, name] : {std::pair{credential.has_value(), "Credential"},
                                      std::pair{signed_headers.has_value(), "SignedHeaders"},
                                      std::pair{signature.has_value(), "Signature"}}) {
    if (!present) {
      return incomplete(std::string("Authorization header requires '") + name +
                        "' parameter. Authorization=" + std::string(authorization));
    }
  }
  if (auto f = parse_credential(*credential, claim)) return f;
  if (auto f = parse_signed_headers(*signed_headers, claim)) return f;
  claim.signature = std::string(*signature);
  const auto date = headers.find("X-Amz-Date");
  if (!date) {
    return incomplete("Authorization header requires existence of a 'X-Amz-Date' header.");
  }
  claim.amz_date = std::string(trim(*date));
  return std::nullopt;
}

std::optional<AuthFailure> from_query(const http::Params& params, const VerifierOptions& options,
                                      Claim& claim) {
  claim.presigned = true;
  const auto get = [&](std::string_view name) { return http::find_param(params, name); };
  for (const char* name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
                           "X-Amz-SignedHeaders", "X-Amz-Signature"}) {
    if (!get(name)) {
      return incomplete(std::string("AWS query-string parameters must include '") + name + "'.");
    }
  }
  if (*get("X-Amz-Algorithm") != kAlgorithm) {
    return incomplete("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\".");
  }
  if (auto f = parse_credential(*get("X-Amz-Credential"), claim)) return f;
  if (auto f = parse_signed_headers(*get("X-Amz-SignedHeaders"), claim)) return f;
  claim.signature = std::string(*get("X-Amz-Signature"));
  claim.amz_date = std::string(*get("X-Amz-Date"));
  const std::string_view expires = *get("X-Amz-Expires");
  int64_t seconds = -1;
  const auto [end, ec] = std::from_chars(expires.data(), expires.data() + expires.size(), seconds);
  if (ec != std::errc() || end != expires.data() + expires.size() || seconds < 0 ||
      seconds > options.max_expires.count()) {
    return incomplete("X-Amz-Expires must be a number of seconds from 0 to " +
                      std::to_string(options.max_expires.count()) + ".");
  }
  claim.expires = std::chrono::seconds(seconds);
  return std::nullopt;
}

// YYYYMMDD'T'HHMMSS'Z' (ISO 8601 basic format, UTC).
std::optional<Clock::time_point> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  const auto number = [&](size_t at, size_t n) -> int {
    int v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  const int year = number(0, 4), month = number(4, 2), day = number(6, 2);
  const int hour = number(9, 2), minute = number(11, 2), second = number(13, 2);
  // Years past 2200 are refused: the clock's nanoseconds end in 2262, and no honest request
  // is dated that far from now.
  if (year < 1970 || year > 2200 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 60) {
    return std::nullopt;
  }
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
}

std::string format_amz_date(Clock::time_point t) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  const auto days = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day ymd(days);
  const std::chrono::hh_mm_ss hms(seconds - days);
  char out[32];
  std::snprintf(out, sizeof(out), "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return out;
}

std::optional<AuthFailure> check_time(const Claim& claim, Clock::time_point signed_at,
                                      const VerifierOptions& options) {
  const Clock::time_point now = options.clock();
  const auto minutes = std::to_string(options.max_skew.count() / 60);
  if (signed_at > now + options.max_skew) {
    return fail(AuthError::kSignatureDoesNotMatch,
                "Signature not yet current: " + claim.amz_date + " is still later than " +
                    format_amz_date(now + options.max_skew) + " (" + format_amz_date(now) + " + " +
                    minutes + " min.)");
  }
  if (claim.presigned) {
    if (now > signed_at + claim.expires)
      return fail(AuthError::kRequestExpired, "Request has expired");
  } else if (signed_at < now - options.max_skew) {
    return fail(AuthError::kSignatureDoesNotMatch,
                "Signature expired: " + claim.amz_date + " is now earlier than " +
                    format_amz_date(now - options.max_skew) + " (" + format_amz_date(now) + " - " +
                    minutes + " min.)");
  }
  return std::nullopt;
}

const char kMismatch[] =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

}  // namespace

Verifier::Verifier(SecretLookup secrets, VerifierOptions options)
    : secrets_(std::move(secrets)), options_(std::move(options)) {}

const std::string& Verifier::signing_key_for(std::string_view secret, std::string_view date,
                                             std::string_view region,
                                             std::string_view service) const {
  // Each part length-prefixed, so no two tuples make the same id.
  std::string id;
  for (std::string_view part : {secret, date, region, service}) {
    id.append(std::to_string(part.size()));
    id.push_back(':');
    id.append(part);
  }
  if (auto it = signing_keys_.find(id); it != signing_keys_.end()) return it->second;
  if (signing_keys_.size() >= kMaxSigningKeys) signing_keys_.clear();
  return signing_keys_.emplace(std::move(id), signing_key(secret, date, region, service))
      .first->second;
}

AuthResult Verifier::verify(const http::Request& request) const {
  const auto authorization = request.headers.find("Authorization");
  const auto params = http::parse_form(request.query());
  const bool query_auth = params && (http::find_param(*params, "X-Amz-Algorithm") ||
                                     http::find_param(*params, "X-Amz-Credential") ||
                                     http::find_param(*params, "X-Amz-Signature"));
  if (!authorization && !query_auth) {
    return fail(AuthError::kMissingAuthenticationToken, "Request is missing Authentication Token");
  }
  if (authorization && query_auth) {
    return incomplete(
        "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter "
        "or the Authorization header should be specified.");
  }
  Claim claim;
  if (auto f = authorization ? from_header(*authorization, request.headers, claim)
                             : from_query(*params, options_, claim)) {
    return *f;
  }
  const auto signed_at = parse_amz_date(claim.amz_date);
  if (!signed_at) {
    return incomplete(
        "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\", got '" +
        claim.amz_date + "'.");
  }
  if (claim.amz_date.compare(0, 8, claim.date) != 0) {
    return fail(AuthError::kSignatureDoesNotMatch,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                "from HTTP: '" +
                    claim.date + "' != '" + claim.amz_date.substr(0, 8) + "'.");
  }
  const std::optional<std::string> secret = secrets_(claim.access_key_id);
  if (!secret) {
    return fail(AuthError::kInvalidClientTokenId,
                "The AWS access key ID you provided does not exist in our records.");
  }
  if (auto f = check_time(claim, *signed_at, options_)) return *f;

  // The payload hashes the client may have signed.
  std::vector<std::string> hashes;
  const std::string body_hash = sha256_hex(request.body);
  if (const auto declared = request.headers.find("x-amz-content-sha256")) {
    if (*declared == kUnsignedPayload) {
      if (!claim.presigned) {
        return fail(AuthError::kSignatureDoesNotMatch,
                    "UNSIGNED-PAYLOAD is accepted in presigned requests only.");
      }
      hashes.emplace_back(kUnsignedPayload);
    } else if (*declared != body_hash) {
      return fail(AuthError::kSignatureDoesNotMatch,
                  "The provided 'x-amz-content-sha256' header does not match what was computed.");
    } else {
      hashes.push_back(body_hash);
    }
  } else {
    hashes.push_back(body_hash);
    if (claim.presigned) hashes.emplace_back(kUnsignedPayload);
  }

  const auto query = canonical_query(request.query(), claim.presigned ? "X-Amz-Signature" : "");
  const auto headers = canonical_headers(request.headers, claim.signed_names);
  if (!query || !headers) return fail(AuthError::kSignatureDoesNotMatch, kMismatch);
  const std::string uri = canonical_uri(request.path());
  const std::string scope = credential_scope(claim.date, claim.region, claim.service);
  const std::string& key = signing_key_for(*secret, claim.date, claim.region, claim.service);
  bool matched = false;
  for (const std::string& hash : hashes) {
    const std::string creq =
        canonical_request(request.method, uri, *query, *headers, claim.signed_headers, hash);
    // Every candidate is compared, so the time taken says nothing about which one matched.
    matched |= constant_time_equals(signature(key, string_to_sign(claim.amz_date, scope, creq)),
                                    claim.signature);
  }
  if (!matched) return fail(AuthError::kSignatureDoesNotMatch, kMismatch);
  return Identity{claim.access_key_id, claim.region, claim.service, claim.presigned};
}

}  // namespace polymq::aws
