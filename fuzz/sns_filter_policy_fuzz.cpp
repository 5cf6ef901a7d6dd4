// libFuzzer target for SNS filter policies: the policy compiler (AWS's filter language, JSON
// from clients at Subscribe and SetSubscriptionAttributes) and the matcher, which reads each
// published message's attributes or JSON body. The input is three newline-separated parts:
// the policy, a message body, and attributes as "name=type=value" lines; the first byte of
// the policy part picks the scope. Besides sanitizer findings it checks that a policy parses
// the same way twice and that matching is deterministic.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sns/filter_policy.h"

namespace {

using polymq::sns::FilterAttribute;
using polymq::sns::FilterPolicy;
using polymq::sns::FilterScope;

// `text` up to the first `separator` (all of it when there is none); the rest stays in text.
std::string_view take(std::string_view& text, char separator) {
  const size_t at = text.find(separator);
  std::string_view head = text.substr(0, at);
  text = at == std::string_view::npos ? std::string_view() : text.substr(at + 1);
  return head;
}

std::vector<FilterAttribute> attributes_from(std::string_view text) {
  std::vector<FilterAttribute> out;
  while (!text.empty() && out.size() < 16) {
    std::string_view line = take(text, '\n');
    FilterAttribute a;
    a.name = std::string(take(line, '='));
    a.type = std::string(take(line, '='));
    a.value = std::string(line);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const FilterScope scope =
      (data[0] & 1) != 0 ? FilterScope::kMessageBody : FilterScope::kMessageAttributes;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string_view policy_text = take(input, '\n');
  const std::string_view body = take(input, '\n');
  const std::vector<FilterAttribute> attributes = attributes_from(input);

  auto parsed = FilterPolicy::parse(policy_text, scope);
  auto again = FilterPolicy::parse(policy_text, scope);
  if (parsed.index() != again.index()) abort();
  const FilterPolicy* policy = std::get_if<FilterPolicy>(&parsed);
  if (policy == nullptr) return 0;
  const FilterPolicy& twin = std::get<FilterPolicy>(again);
  if (policy->matches_body(body) != twin.matches_body(body)) abort();
  if (policy->matches_attributes(attributes) != twin.matches_attributes(attributes)) abort();
  return 0;
}
