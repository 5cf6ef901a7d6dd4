// SNS subscription filter policies: AWS's filter language, parsed once (at Subscribe, at
// SetSubscriptionAttributes and when a stored subscription is restored) and matched against
// each message published to the topic.
//
// A policy is a JSON object. Each key names a message attribute (scope MessageAttributes) or
// a property of the JSON body (scope MessageBody, where objects nest); its value is an array
// of conditions, any of which may match. Every key must match (AND); "$or" takes an array of
// policies of which one must match. Conditions:
//   "text", 12.5, null, true      exact string, number (numerically), null, boolean
//   {"prefix": "p"}               {"suffix": "s"}          {"equals-ignore-case": "x"}
//   {"anything-but": v | [v..] | {"prefix": "p"} | {"suffix": "s"}}
//   {"numeric": [">", 0, "<=", 5]}  (operators =, <, <=, >, >=; "=" stands alone)
//   {"exists": true | false}      whether the key is present at all
// A value that is an array (a String.Array attribute, a JSON array in the body) matches when
// one of its elements does. A key that is absent matches only {"exists": false}.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace polymq::sns {

enum class FilterScope { kMessageAttributes, kMessageBody };

// One value a key has in a message.
struct FilterValue {
  enum class Kind { kString, kNumber, kNull, kBool };
  Kind kind = Kind::kString;
  std::string text;   // kString
  double number = 0;  // kNumber
  bool flag = false;  // kBool
};

// A message attribute as SNS has it: Type "String", "Number", "Binary" or "String.Array"
// (custom "String.x" / "Number.x" types count as their base).
struct FilterAttribute {
  std::string name;
  std::string type;
  std::string value;
};

class FilterPolicy {
 public:
  // The parsed policy, or the reason it is refused (AWS's InvalidParameter text after
  // "Invalid parameter: FilterPolicy: ").
  static std::variant<FilterPolicy, std::string> parse(std::string_view json, FilterScope scope);

  FilterScope scope() const { return scope_; }
  bool matches_attributes(const std::vector<FilterAttribute>& attributes) const;
  // A body that is not a JSON object matches nothing.
  bool matches_body(std::string_view body) const;

  struct Node;

 private:
  FilterPolicy() = default;
  FilterScope scope_ = FilterScope::kMessageAttributes;
  std::shared_ptr<const Node> root_;
};

}  // namespace polymq::sns
