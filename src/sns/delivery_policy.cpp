#include "sns/delivery_policy.h"

#include <rapidjson/document.h>

#include <cmath>
#include <limits>

namespace polymq::sns {
namespace {

using Object = rapidjson::Value;

std::optional<Backoff> backoff_named(std::string_view name) {
  if (name == "linear") return Backoff::kLinear;
  if (name == "arithmetic") return Backoff::kArithmetic;
  if (name == "geometric") return Backoff::kGeometric;
  if (name == "exponential") return Backoff::kExponential;
  return std::nullopt;
}

std::string unknown(std::string_view key) {
  return "invalid JSON. Attribute " + std::string(key) + " is unknown.";
}

// A non-negative integer member `key` of `o` into `out`; an error text when it is not one.
std::optional<std::string> integer(const Object& o, const char* key, const std::string& where,
                                   std::optional<uint32_t>& out) {
  auto it = o.FindMember(key);
  if (it == o.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsUint() && !(it->value.IsDouble() && it->value.GetDouble() >= 0 &&
                               it->value.GetDouble() <= std::numeric_limits<uint32_t>::max() &&
                               std::floor(it->value.GetDouble()) == it->value.GetDouble())) {
    return where + "." + key + " must be a non-negative integer";
  }
  out = it->value.IsUint() ? it->value.GetUint() : static_cast<uint32_t>(it->value.GetDouble());
  return std::nullopt;
}

std::variant<RetryPolicy, std::string> parse_retry(const Object& o, const std::string& where) {
  if (!o.IsObject()) return where + " must be a JSON object";
  static constexpr std::string_view kKeys[] = {
      "minDelayTarget",    "maxDelayTarget",     "numRetries",     "numMaxDelayRetries",
      "numNoDelayRetries", "numMinDelayRetries", "backoffFunction"};
  for (auto m = o.MemberBegin(); m != o.MemberEnd(); ++m) {
    const std::string_view key(m->name.GetString(), m->name.GetStringLength());
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      return unknown(key);
    }
  }
  std::optional<uint32_t> min, max, retries, no_delay, min_delay, max_delay;
  for (auto [key, out] :
       {std::pair{"minDelayTarget", &min}, std::pair{"maxDelayTarget", &max},
        std::pair{"numRetries", &retries}, std::pair{"numNoDelayRetries", &no_delay},
        std::pair{"numMinDelayRetries", &min_delay}, std::pair{"numMaxDelayRetries", &max_delay}}) {
    if (auto e = integer(o, key, where, *out)) return *e;
  }
  RetryPolicy p;
  // A delay left out follows the other one when that one is past AWS's default of 20 s.
  p.min_delay_s = min.value_or(std::min<uint32_t>(20, max.value_or(20)));
  p.max_delay_s = max.value_or(std::max<uint32_t>(20, min.value_or(20)));
  p.num_retries = retries.value_or(3);
  p.num_no_delay_retries = no_delay.value_or(0);
  p.num_min_delay_retries = min_delay.value_or(0);
  p.num_max_delay_retries = max_delay.value_or(0);
  if (auto it = o.FindMember("backoffFunction"); it != o.MemberEnd() && !it->value.IsNull()) {
    std::optional<Backoff> b;
    if (it->value.IsString()) {
      b = backoff_named(std::string_view(it->value.GetString(), it->value.GetStringLength()));
    }
    if (!b) {
      return where + ".backoffFunction must be one of linear, arithmetic, geometric, exponential";
    }
    p.backoff = *b;
  }
  if (p.num_retries > kMaxRetries) {
    return where + ".numRetries must be between 0 and " + std::to_string(kMaxRetries);
  }
  if (p.min_delay_s < 1 || p.min_delay_s > kMaxDelaySeconds) {
    return where + ".minDelayTarget must be between 1 and " + std::to_string(kMaxDelaySeconds);
  }
  if (p.max_delay_s < 1 || p.max_delay_s > kMaxDelaySeconds) {
    return where + ".maxDelayTarget must be between 1 and " + std::to_string(kMaxDelaySeconds);
  }
  if (p.min_delay_s > p.max_delay_s) {
    return where + ".minDelayTarget must be less than or equal to maxDelayTarget";
  }
  if (uint64_t{p.num_no_delay_retries} + p.num_min_delay_retries + p.num_max_delay_retries >
      p.num_retries) {
    return where +
           ": numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries must not exceed "
           "numRetries";
  }
  std::chrono::milliseconds total{0};
  for (uint32_t r = 1; r <= p.num_retries; ++r) total += *p.delay_before(r);
  if (total > std::chrono::seconds(kMaxTotalRetrySeconds)) {
    return where + ": the total retry time must not exceed " +
           std::to_string(kMaxTotalRetrySeconds) + " seconds";
  }
  return p;
}

std::optional<std::string> parse_throttle(const Object& o, const std::string& where,
                                          std::optional<uint32_t>& out) {
  if (!o.IsObject()) return where + " must be a JSON object";
  for (auto m = o.MemberBegin(); m != o.MemberEnd(); ++m) {
    const std::string_view key(m->name.GetString(), m->name.GetStringLength());
    if (key != "maxReceivesPerSecond") return unknown(key);
  }
  if (auto e = integer(o, "maxReceivesPerSecond", where, out)) return e;
  if (out && *out < 1) return where + ".maxReceivesPerSecond must be at least 1";
  return std::nullopt;
}

// A media type as a Content-Type header carries it: "type/subtype", parameters allowed.
bool valid_content_type(std::string_view v) {
  if (v.empty() || v.size() > 256) return false;
  for (char c : v) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  const size_t slash = v.find('/');
  const size_t end = std::min(v.find(';'), v.size());
  return slash != std::string_view::npos && slash > 0 && slash + 1 < end &&
         v.substr(0, end).find(' ') == std::string_view::npos;
}

std::optional<std::string> parse_request(const Object& o, const std::string& where,
                                         std::optional<std::string>& out) {
  if (!o.IsObject()) return where + " must be a JSON object";
  for (auto m = o.MemberBegin(); m != o.MemberEnd(); ++m) {
    const std::string_view key(m->name.GetString(), m->name.GetStringLength());
    if (key != "headerContentType") return unknown(key);
  }
  auto it = o.FindMember("headerContentType");
  if (it == o.MemberEnd() || it->value.IsNull()) return std::nullopt;
  if (!it->value.IsString() ||
      !valid_content_type(std::string_view(it->value.GetString(), it->value.GetStringLength()))) {
    return where + ".headerContentType must be a media type such as application/json";
  }
  out = std::string(it->value.GetString(), it->value.GetStringLength());
  return std::nullopt;
}

// The three parts of a policy, under the names `retry`, `throttle` and `request`; `ignored`
// names accepted and not used (AWS shows them in its effective policies).
std::optional<std::string> parse_parts(const Object& o, std::string_view retry,
                                       std::string_view throttle, std::string_view request,
                                       std::initializer_list<std::string_view> ignored,
                                       DeliveryPolicy& out) {
  for (auto m = o.MemberBegin(); m != o.MemberEnd(); ++m) {
    const std::string key(m->name.GetString(), m->name.GetStringLength());
    if (key == retry) {
      if (m->value.IsNull()) continue;
      auto r = parse_retry(m->value, key);
      if (auto* e = std::get_if<std::string>(&r)) return *e;
      out.retry = std::get<RetryPolicy>(r);
    } else if (key == throttle) {
      if (m->value.IsNull()) continue;
      if (auto e = parse_throttle(m->value, key, out.max_receives_per_second)) return e;
    } else if (key == request) {
      if (m->value.IsNull()) continue;
      if (auto e = parse_request(m->value, key, out.content_type)) return e;
    } else if (std::find(ignored.begin(), ignored.end(), key) == ignored.end()) {
      return unknown(key);
    }
  }
  return std::nullopt;
}

double backoff_fraction(Backoff backoff, uint32_t i, uint32_t n, double min, double max) {
  const double t = static_cast<double>(i) / n;
  switch (backoff) {
    case Backoff::kLinear:
      return min + (max - min) * t;
    case Backoff::kArithmetic:  // the steps grow by the same amount each retry
      return min +
             (max - min) * (static_cast<double>(i) * (i + 1)) / (static_cast<double>(n) * (n + 1));
    case Backoff::kGeometric:  // each delay the previous one times the same factor
      return min * std::pow(max / min, t);
    case Backoff::kExponential:  // the steps double each retry
      return min + (max - min) * (std::exp2(i) - 1) / (std::exp2(n) - 1);
  }
  return max;
}

}  // namespace

std::optional<std::chrono::milliseconds> RetryPolicy::delay_before(uint32_t retry) const {
  using std::chrono::milliseconds;
  if (retry > num_retries) return std::nullopt;
  if (retry <= num_no_delay_retries) return milliseconds{0};
  const milliseconds min{int64_t{min_delay_s} * 1000}, max{int64_t{max_delay_s} * 1000};
  uint32_t i = retry - num_no_delay_retries;
  if (i <= num_min_delay_retries) return min;
  i -= num_min_delay_retries;
  const uint32_t backoffs =
      num_retries - num_no_delay_retries - num_min_delay_retries - num_max_delay_retries;
  if (i > backoffs) return max;
  const double ms = backoff_fraction(backoff, i, backoffs, static_cast<double>(min.count()),
                                     static_cast<double>(max.count()));
  return std::clamp(milliseconds{std::llround(ms)}, min, max);
}

std::variant<DeliveryPolicy, std::string> parse_subscription_delivery_policy(
    std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::string("failed to parse JSON.");
  DeliveryPolicy p;
  if (auto e = parse_parts(doc, "healthyRetryPolicy", "throttlePolicy", "requestPolicy",
                           {"sicklyRetryPolicy", "guaranteed"}, p)) {
    return *e;
  }
  return p;
}

std::variant<TopicDeliveryPolicy, std::string> parse_topic_delivery_policy(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::string("failed to parse JSON.");
  TopicDeliveryPolicy p;
  for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
    const std::string_view key(m->name.GetString(), m->name.GetStringLength());
    if (key != "http") return unknown(key);
    if (!m->value.IsObject()) return std::string("http must be a JSON object");
    if (auto d = m->value.FindMember("disableSubscriptionOverrides");
        d != m->value.MemberEnd() && !d->value.IsNull()) {
      if (!d->value.IsBool()) {
        return std::string("http.disableSubscriptionOverrides must be true or false");
      }
      p.disable_subscription_overrides = d->value.GetBool();
    }
    if (auto e = parse_parts(
            m->value, "defaultHealthyRetryPolicy", "defaultThrottlePolicy", "defaultRequestPolicy",
            {"disableSubscriptionOverrides", "defaultSicklyRetryPolicy"}, p.defaults)) {
      return *e;
    }
  }
  return p;
}

DeliveryPolicy effective_delivery_policy(std::string_view topic_json,
                                         std::string_view subscription_json) {
  DeliveryPolicy effective;
  bool overrides = true;
  if (!topic_json.empty()) {
    auto t = parse_topic_delivery_policy(topic_json);
    if (auto* p = std::get_if<TopicDeliveryPolicy>(&t)) {
      effective = p->defaults;
      overrides = !p->disable_subscription_overrides;
    }
  }
  if (!overrides || subscription_json.empty()) return effective;
  auto s = parse_subscription_delivery_policy(subscription_json);
  if (auto* p = std::get_if<DeliveryPolicy>(&s)) {
    if (p->retry) effective.retry = p->retry;
    if (p->max_receives_per_second) effective.max_receives_per_second = p->max_receives_per_second;
    if (p->content_type) effective.content_type = p->content_type;
  }
  return effective;
}

}  // namespace polymq::sns
