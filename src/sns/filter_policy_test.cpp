// AWS's filter policy language, with the examples of AWS's SNS developer guide ("Amazon SNS
// subscription filter policies": attribute string/numeric matching, key matching, AND/OR
// logic, MessageBody scope) and its rules for what is refused.
#include "sns/filter_policy.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

namespace polymq::sns {
namespace {

FilterPolicy policy(const std::string& json, FilterScope scope = FilterScope::kMessageAttributes) {
  auto parsed = FilterPolicy::parse(json, scope);
  if (auto* e = std::get_if<std::string>(&parsed)) ADD_FAILURE() << json << ": " << *e;
  return std::get<FilterPolicy>(std::move(parsed));
}

std::string refusal(const std::string& json, FilterScope scope = FilterScope::kMessageAttributes) {
  auto parsed = FilterPolicy::parse(json, scope);
  auto* e = std::get_if<std::string>(&parsed);
  return e != nullptr ? *e : "";
}

FilterAttribute s(std::string name, std::string value) {
  return {std::move(name), "String", std::move(value)};
}
FilterAttribute n(std::string name, std::string value) {
  return {std::move(name), "Number", std::move(value)};
}
FilterAttribute arr(std::string name, std::string value) {
  return {std::move(name), "String.Array", std::move(value)};
}

bool attrs(const std::string& json, const std::vector<FilterAttribute>& a) {
  return policy(json).matches_attributes(a);
}
bool body(const std::string& json, const std::string& message) {
  return policy(json, FilterScope::kMessageBody).matches_body(message);
}

TEST(FilterPolicy, ExactStringMatchesOneOfTheValues) {
  const std::string p = R"({"customer_interests": ["rugby", "football", "baseball"]})";
  EXPECT_TRUE(attrs(p, {s("customer_interests", "rugby")}));
  EXPECT_TRUE(attrs(p, {s("customer_interests", "baseball")}));
  EXPECT_FALSE(attrs(p, {s("customer_interests", "soccer")}));
  EXPECT_FALSE(attrs(p, {s("customer_interests", "Rugby")}));
  EXPECT_FALSE(attrs(p, {}));  // an absent key matches nothing but exists:false
}

TEST(FilterPolicy, EveryKeyMustMatch) {
  const std::string p = R"({"store": ["example_corp"], "event": ["order_placed"]})";
  EXPECT_TRUE(attrs(p, {s("store", "example_corp"), s("event", "order_placed")}));
  EXPECT_FALSE(attrs(p, {s("store", "example_corp"), s("event", "order_cancelled")}));
  EXPECT_FALSE(attrs(p, {s("store", "example_corp")}));
}

TEST(FilterPolicy, StringArrayAttributeMatchesWhenOneElementDoes) {
  const std::string p = R"({"customer_interests": ["rugby", "tennis"]})";
  EXPECT_TRUE(attrs(p, {arr("customer_interests", R"(["soccer", "rugby", "hockey"])")}));
  EXPECT_FALSE(attrs(p, {arr("customer_interests", R"(["soccer", "hockey"])")}));
}

TEST(FilterPolicy, NumbersMatchNumerically) {
  EXPECT_TRUE(attrs(R"({"price_usd": [301.5]})", {n("price_usd", "301.50")}));
  EXPECT_TRUE(attrs(R"({"price_usd": [300]})", {n("price_usd", "3.0e2")}));
  EXPECT_FALSE(attrs(R"({"price_usd": [300]})", {n("price_usd", "301")}));
  // A String attribute does not match a number, nor a Number attribute a string.
  EXPECT_FALSE(attrs(R"({"price_usd": [300]})", {s("price_usd", "300")}));
  EXPECT_FALSE(attrs(R"({"price_usd": ["300"]})", {n("price_usd", "300")}));
}

TEST(FilterPolicy, NumericRanges) {
  const std::string p = R"({"price_usd": [{"numeric": [">", 0, "<=", 150]}]})";
  EXPECT_TRUE(attrs(p, {n("price_usd", "150")}));
  EXPECT_TRUE(attrs(p, {n("price_usd", "0.01")}));
  EXPECT_FALSE(attrs(p, {n("price_usd", "0")}));
  EXPECT_FALSE(attrs(p, {n("price_usd", "150.5")}));
  EXPECT_TRUE(attrs(R"({"p": [{"numeric": ["=", 301.5]}]})", {n("p", "301.5")}));
  EXPECT_FALSE(attrs(R"({"p": [{"numeric": ["=", 301.5]}]})", {n("p", "301")}));
  EXPECT_TRUE(attrs(R"({"p": [{"numeric": ["<", 0]}]})", {n("p", "-3")}));
  EXPECT_TRUE(attrs(R"({"p": [{"numeric": [">=", 10]}]})", {n("p", "10")}));
  EXPECT_FALSE(attrs(R"({"p": [{"numeric": [">=", 10]}]})", {s("p", "10")}));
}

TEST(FilterPolicy, Prefix) {
  const std::string p = R"({"customer_interests": [{"prefix": "bas"}]})";
  EXPECT_TRUE(attrs(p, {s("customer_interests", "baseball")}));
  EXPECT_TRUE(attrs(p, {s("customer_interests", "basketball")}));
  EXPECT_FALSE(attrs(p, {s("customer_interests", "rugby")}));
}

TEST(FilterPolicy, Suffix) {
  const std::string p = R"({"customer_interests": [{"suffix": "ball"}]})";
  EXPECT_TRUE(attrs(p, {s("customer_interests", "baseball")}));
  EXPECT_FALSE(attrs(p, {s("customer_interests", "rugby")}));
}

TEST(FilterPolicy, EqualsIgnoreCase) {
  const std::string p = R"({"customer_interests": [{"equals-ignore-case": "tennis"}]})";
  EXPECT_TRUE(attrs(p, {s("customer_interests", "TeNnIs")}));
  EXPECT_FALSE(attrs(p, {s("customer_interests", "tennis ")}));
}

TEST(FilterPolicy, AnythingBut) {
  const std::string p = R"({"customer_interests": [{"anything-but": ["rugby", "tennis"]}]})";
  EXPECT_TRUE(attrs(p, {s("customer_interests", "baseball")}));
  EXPECT_FALSE(attrs(p, {s("customer_interests", "rugby")}));
  EXPECT_FALSE(attrs(p, {}));  // the key must be present
  EXPECT_TRUE(attrs(R"({"price": [{"anything-but": 100}]})", {n("price", "99")}));
  EXPECT_FALSE(attrs(R"({"price": [{"anything-but": 100}]})", {n("price", "100")}));
  EXPECT_TRUE(attrs(R"({"x": [{"anything-but": "a"}]})", {s("x", "b")}));
}

TEST(FilterPolicy, AnythingButPrefixAndSuffix) {
  const std::string p = R"({"event": [{"anything-but": {"prefix": "order-"}}]})";
  EXPECT_TRUE(attrs(p, {s("event", "data-entry")}));
  EXPECT_FALSE(attrs(p, {s("event", "order-cancelled")}));
  const std::string q = R"({"event": [{"anything-but": {"suffix": "-cancelled"}}]})";
  EXPECT_TRUE(attrs(q, {s("event", "order-placed")}));
  EXPECT_FALSE(attrs(q, {s("event", "order-cancelled")}));
}

TEST(FilterPolicy, Exists) {
  EXPECT_TRUE(attrs(R"({"store": [{"exists": true}]})", {s("store", "anything")}));
  EXPECT_FALSE(attrs(R"({"store": [{"exists": true}]})", {s("other", "x")}));
  EXPECT_TRUE(attrs(R"({"store": [{"exists": false}]})", {s("other", "x")}));
  EXPECT_FALSE(attrs(R"({"store": [{"exists": false}]})", {s("store", "x")}));
  // A Binary attribute exists but matches no value.
  EXPECT_TRUE(attrs(R"({"b": [{"exists": true}]})", {{"b", "Binary", "\x01"}}));
  EXPECT_FALSE(attrs(R"({"b": ["\u0001"]})", {{"b", "Binary", "\x01"}}));
}

TEST(FilterPolicy, ConditionsOfOneKeyAreAlternatives) {
  const std::string p = R"({"key": ["exact", {"prefix": "pre"}, {"numeric": [">", 10]}]})";
  EXPECT_TRUE(attrs(p, {s("key", "exact")}));
  EXPECT_TRUE(attrs(p, {s("key", "prefixed")}));
  EXPECT_TRUE(attrs(p, {n("key", "11")}));
  EXPECT_FALSE(attrs(p, {n("key", "9")}));
}

TEST(FilterPolicy, OrOperator) {
  // AWS's example: source is aws.cloudwatch, or metricName CPUUtilization / ReadLatency.
  const std::string p =
      R"({"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]},)"
      R"( {"namespace": ["AWS/EC2"]}]})";
  EXPECT_TRUE(attrs(p, {s("source", "aws.cloudwatch"), s("metricName", "CPUUtilization")}));
  EXPECT_TRUE(attrs(p, {s("source", "aws.cloudwatch"), s("namespace", "AWS/EC2")}));
  EXPECT_FALSE(attrs(p, {s("source", "aws.cloudwatch"), s("namespace", "AWS/S3")}));
  EXPECT_FALSE(attrs(p, {s("source", "aws.other"), s("namespace", "AWS/EC2")}));
}

TEST(FilterPolicy, MessageBodyNestedKeys) {
  const std::string p = R"({"patient": {"name": ["John"], "age": [{"numeric": [">=", 18]}]}})";
  EXPECT_TRUE(body(p, R"({"patient": {"name": "John", "age": 40}})"));
  EXPECT_FALSE(body(p, R"({"patient": {"name": "John", "age": 12}})"));
  EXPECT_FALSE(body(p, R"({"patient": {"name": "Jane", "age": 40}})"));
  EXPECT_FALSE(body(p, R"({"name": "John", "age": 40})"));
  EXPECT_FALSE(body(p, "not json"));
  EXPECT_FALSE(body(p, R"(["an", "array"])"));
}

TEST(FilterPolicy, MessageBodyArraysNullsAndBooleans) {
  EXPECT_TRUE(body(R"({"tags": ["red"]})", R"({"tags": ["blue", "red"]})"));
  EXPECT_FALSE(body(R"({"tags": ["red"]})", R"({"tags": ["blue"]})"));
  EXPECT_TRUE(
      body(R"({"items": {"sku": ["a1"]}})", R"({"items": [{"sku": "b2"}, {"sku": "a1"}]})"));
  EXPECT_TRUE(body(R"({"v": [null]})", R"({"v": null})"));
  EXPECT_FALSE(body(R"({"v": [null]})", R"({"w": null})"));
  EXPECT_TRUE(body(R"({"ok": [true]})", R"({"ok": true})"));
  EXPECT_FALSE(body(R"({"ok": [true]})", R"({"ok": "true"})"));
  EXPECT_TRUE(body(R"({"store": [{"exists": false}]})", R"({"other": 1})"));
}

TEST(FilterPolicy, RefusedPolicies) {
  EXPECT_NE(refusal("not json"), "");
  EXPECT_NE(refusal("[]"), "");
  EXPECT_NE(refusal("{}"), "");
  EXPECT_NE(refusal(R"({"a": "not-an-array"})"), "");
  EXPECT_NE(refusal(R"({"a": []})"), "");
  EXPECT_NE(refusal(R"({"a": [{"unknown-operator": 1}]})"), "");
  EXPECT_NE(refusal(R"({"a": [{"prefix": 1}]})"), "");
  EXPECT_NE(refusal(R"({"a": [{"exists": "yes"}]})"), "");
  EXPECT_NE(refusal(R"({"a": [{"numeric": [">", "x"]}]})"), "");
  EXPECT_NE(refusal(R"({"a": [{"numeric": ["!", 1]}]})"), "");
  EXPECT_NE(refusal(R"({"a": [{"numeric": [">", 10, "<", 5]}]})"), "");
  EXPECT_NE(refusal(R"({"a": [{"numeric": ["=", 1, "<", 5]}]})"), "");
  EXPECT_NE(refusal(R"({"a": [{"anything-but": []}]})"), "");
  EXPECT_NE(refusal(R"({"a": [{"anything-but": {"wildcard": "x"}}]})"), "");
  EXPECT_NE(refusal(R"({"$or": [{"a": ["x"]}]})"), "");
  // More than 5 keys.
  EXPECT_NE(refusal(R"({"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]})"), "");
  // Nested keys need the MessageBody scope.
  EXPECT_NE(refusal(R"({"a": {"b": ["x"]}})"), "");
  EXPECT_EQ(refusal(R"({"a": {"b": ["x"]}})", FilterScope::kMessageBody), "");
}

}  // namespace
}  // namespace polymq::sns
