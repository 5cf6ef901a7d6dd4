#include "core/routing/headers_match.h"

#include <gtest/gtest.h>

#include <string>

namespace polymq::core {
namespace {

Value Str(const char* s) { return Value::String(s); }

Table Args(const char* x_match, Table rest) {
  rest.insert(rest.begin(), {"x-match", Str(x_match)});
  return rest;
}

// ---- all (the default) ----

TEST(HeadersMatchTest, AllRequiresEveryKeyWithEqualValue) {
  Table args = {{"format", Str("pdf")}, {"type", Str("report")}};
  Table both = {{"type", Str("report")}, {"format", Str("pdf")}, {"extra", Value::Int32(1)}};
  Table one = {{"format", Str("pdf")}};
  Table wrong = {{"format", Str("pdf")}, {"type", Str("log")}};
  EXPECT_TRUE(headers_match(args, &both));
  EXPECT_FALSE(headers_match(args, &one));
  EXPECT_FALSE(headers_match(args, &wrong));
  EXPECT_TRUE(headers_match(Args("all", args), &both));
  EXPECT_FALSE(headers_match(Args("all", args), &one));
}

TEST(HeadersMatchTest, AllWithNoKeysMatchesEverything) {
  Table headers = {{"a", Str("b")}};
  Table empty;
  EXPECT_TRUE(headers_match({}, &headers));
  EXPECT_TRUE(headers_match({}, &empty));
  EXPECT_TRUE(headers_match({}, nullptr));
  EXPECT_TRUE(headers_match(Args("all", {}), nullptr));
  EXPECT_TRUE(headers_match(Args("all", {{"x-other", Str("v")}}), nullptr));
}

TEST(HeadersMatchTest, AllWithKeysAndNoHeaders) {
  Table args = {{"a", Str("b")}};
  Table empty;
  EXPECT_FALSE(headers_match(args, nullptr));
  EXPECT_FALSE(headers_match(args, &empty));
}

// ---- any ----

TEST(HeadersMatchTest, AnyNeedsOneEqualKey) {
  Table args = Args("any", {{"a", Value::Int32(1)}, {"b", Value::Int32(2)}});
  Table first = {{"a", Value::Int32(1)}, {"b", Value::Int32(9)}};
  Table second = {{"b", Value::Int32(2)}};
  Table none = {{"a", Value::Int32(2)}, {"b", Value::Int32(1)}, {"c", Value::Int32(1)}};
  EXPECT_TRUE(headers_match(args, &first));
  EXPECT_TRUE(headers_match(args, &second));
  EXPECT_FALSE(headers_match(args, &none));
  EXPECT_FALSE(headers_match(args, nullptr));
}

TEST(HeadersMatchTest, AnyWithNoKeysMatchesNothing) {
  Table headers = {{"a", Str("b")}, {"x-match", Str("any")}};
  Table empty;
  EXPECT_FALSE(headers_match(Args("any", {}), &headers));
  EXPECT_FALSE(headers_match(Args("any", {}), &empty));
  EXPECT_FALSE(headers_match(Args("any", {}), nullptr));
}

// ---- x- keys ----

TEST(HeadersMatchTest, XKeysIgnoredInAllAndAny) {
  Table headers = {{"x-key", Str("v")}};
  Table empty;
  // Only x- keys: nothing to compare.
  EXPECT_TRUE(headers_match(Args("all", {{"x-key", Str("other")}}), &headers));
  EXPECT_TRUE(headers_match(Args("all", {{"x-key", Str("v")}}), &empty));
  EXPECT_FALSE(headers_match(Args("any", {{"x-key", Str("v")}}), &headers));
  // Mixed: the x- key neither helps nor hurts.
  Table args_all = Args("all", {{"x-key", Str("other")}, {"k", Str("v")}});
  Table k = {{"k", Str("v")}};
  EXPECT_TRUE(headers_match(args_all, &k));
  Table args_any = Args("any", {{"x-key", Str("v")}, {"k", Str("v")}});
  Table x_only = {{"x-key", Str("v")}};
  EXPECT_FALSE(headers_match(args_any, &x_only));
  EXPECT_TRUE(headers_match(args_any, &k));
  // "x-" is a prefix test on the key; "x" and "X-key" are ordinary keys.
  Table plain = {{"x", Str("1")}, {"X-key", Str("2")}};
  EXPECT_TRUE(headers_match(Args("all", {{"x", Str("1")}, {"X-key", Str("2")}}), &plain));
  EXPECT_FALSE(headers_match(Args("all", {{"x", Str("1")}, {"X-key", Str("3")}}), &plain));
}

TEST(HeadersMatchTest, AllWithXComparesXKeys) {
  Table args = Args("all-with-x", {{"x-key", Str("v")}, {"k", Value::Int32(1)}});
  Table both = {{"k", Value::Int32(1)}, {"x-key", Str("v")}};
  Table k_only = {{"k", Value::Int32(1)}};
  Table x_wrong = {{"k", Value::Int32(1)}, {"x-key", Str("w")}};
  EXPECT_TRUE(headers_match(args, &both));
  EXPECT_FALSE(headers_match(args, &k_only));
  EXPECT_FALSE(headers_match(args, &x_wrong));
}

TEST(HeadersMatchTest, AnyWithXComparesXKeys) {
  Table args = Args("any-with-x", {{"x-key", Str("v")}, {"k", Value::Int32(1)}});
  Table x_only = {{"x-key", Str("v")}};
  Table neither = {{"x-key", Str("w")}, {"k", Value::Int32(2)}};
  EXPECT_TRUE(headers_match(args, &x_only));
  EXPECT_FALSE(headers_match(args, &neither));
  EXPECT_FALSE(headers_match(args, nullptr));
}

TEST(HeadersMatchTest, XMatchItselfNeverTakesPart) {
  // With x-match the only key, the with-x modes behave like all / any with no keys, whatever
  // the message carries under "x-match".
  Table same = {{"x-match", Str("all-with-x")}};
  Table other = {{"x-match", Str("nope")}};
  EXPECT_TRUE(headers_match(Args("all-with-x", {}), &other));
  EXPECT_TRUE(headers_match(Args("all-with-x", {}), nullptr));
  EXPECT_FALSE(headers_match(Args("any-with-x", {}), &same));
  Table any_x = {{"x-match", Str("any-with-x")}};
  EXPECT_FALSE(headers_match(Args("any-with-x", {}), &any_x));
}

// ---- void values: presence ----

TEST(HeadersMatchTest, VoidPatternValueMeansPresent) {
  Table args = {{"flag", Value::Void()}};
  Table str = {{"flag", Str("anything")}};
  Table num = {{"flag", Value::Int64(0)}};
  Table void_header = {{"flag", Value::Void()}};
  Table absent = {{"other", Value::Void()}};
  EXPECT_TRUE(headers_match(args, &str));
  EXPECT_TRUE(headers_match(args, &num));
  EXPECT_TRUE(headers_match(args, &void_header));
  EXPECT_FALSE(headers_match(args, &absent));
  EXPECT_FALSE(headers_match(args, nullptr));

  Table any_args = Args("any", {{"flag", Value::Void()}, {"k", Str("v")}});
  EXPECT_TRUE(headers_match(any_args, &num));
  EXPECT_FALSE(headers_match(any_args, &absent));
}

TEST(HeadersMatchTest, VoidHeaderDoesNotEqualAValue) {
  Table args = {{"k", Str("")}};
  Table void_header = {{"k", Value::Void()}};
  EXPECT_FALSE(headers_match(args, &void_header));
}

// ---- value comparison ----

TEST(HeadersMatchTest, IntegersOfDifferentWidthsCompareByValue) {
  Table args = {{"n", Value::Int(ValueKind::kInt8, 5)}};
  for (Value v : {Value::Int(ValueKind::kInt16, 5), Value::Int32(5), Value::Int64(5),
                  Value::UInt(ValueKind::kUInt8, 5), Value::UInt(ValueKind::kUInt16, 5),
                  Value::UInt(ValueKind::kUInt32, 5), Value::UInt(ValueKind::kUInt64, 5)}) {
    Table headers = {{"n", v}};
    EXPECT_TRUE(headers_match(args, &headers)) << static_cast<int>(v.kind);
  }
  Table six = {{"n", Value::Int64(6)}};
  Table negative = {{"n", Value::Int64(-5)}};
  EXPECT_FALSE(headers_match(args, &six));
  EXPECT_FALSE(headers_match(args, &negative));
}

TEST(HeadersMatchTest, StringAndByteArrayWithSameBytesAreEqual) {
  Table args = {{"k", Str("abc")}};
  Table bytes = {{"k", Value::Bytes("abc")}};
  Table other = {{"k", Value::Bytes("abd")}};
  EXPECT_TRUE(headers_match(args, &bytes));
  EXPECT_FALSE(headers_match(args, &other));
}

TEST(HeadersMatchTest, OtherKindsCompareByValue) {
  Table args = {{"b", Value::Bool(true)},
                {"d", Value::Double(2.5)},
                {"t", Value::Tab({{"x", Value::Int32(1)}})},
                {"a", Value::Arr({Str("p"), Value::Int32(2)})}};
  Table same = {{"a", Value::Arr({Str("p"), Value::Int32(2)})},
                {"t", Value::Tab({{"x", Value::Int32(1)}})},
                {"d", Value::Double(2.5)},
                {"b", Value::Bool(true)}};
  EXPECT_TRUE(headers_match(args, &same));
  Table false_flag = same;
  false_flag[3].second = Value::Bool(false);
  EXPECT_FALSE(headers_match(args, &false_flag));
  Table longer_array = same;
  longer_array[0].second = Value::Arr({Str("p"), Value::Int32(2), Value::Int32(3)});
  EXPECT_FALSE(headers_match(args, &longer_array));
}

TEST(HeadersMatchTest, StringIsNotANumber) {
  Table args = {{"n", Value::Int32(1)}};
  Table text = {{"n", Str("1")}};
  EXPECT_FALSE(headers_match(args, &text));
}

// ---- legacy and duplicate entries ----

TEST(HeadersMatchTest, UnknownXMatchRoutesAsAll) {
  Table headers = {{"a", Str("1")}};
  Table partial = {{"a", Str("1")}};
  Table args = {{"x-match", Str("bogus")}, {"a", Str("1")}, {"b", Str("2")}};
  EXPECT_FALSE(headers_match(args, &partial));
  Table bytes_any = {{"x-match", Value::Bytes("any")}, {"a", Str("1")}, {"b", Str("2")}};
  EXPECT_FALSE(headers_match(bytes_any, &partial));
  Table ok = {{"x-match", Value::Int32(1)}, {"a", Str("1")}};
  EXPECT_TRUE(headers_match(ok, &headers));
}

TEST(HeadersMatchTest, FirstXMatchEntryWins) {
  Table args = {{"x-match", Str("any")}, {"x-match", Str("all")}, {"a", Str("1")}, {"b", Str("2")}};
  Table one = {{"a", Str("1")}};
  EXPECT_TRUE(headers_match(args, &one));
}

TEST(HeadersMatchTest, DuplicateKeysPairUpInOrder) {
  // The n-th pattern entry of a key meets the n-th header of that key.
  Table pattern = {{"k", Str("1")}, {"k", Str("2")}};
  Table two = {{"k", Str("1")}, {"k", Str("2")}};
  Table swapped = {{"k", Str("2")}, {"k", Str("1")}};
  Table one = {{"k", Str("1")}};
  EXPECT_TRUE(headers_match(pattern, &two));
  EXPECT_FALSE(headers_match(pattern, &swapped));
  EXPECT_FALSE(headers_match(pattern, &one));
  // A duplicated header: only the first is compared.
  Table single = {{"k", Str("2")}};
  EXPECT_FALSE(headers_match(single, &two));
  EXPECT_TRUE(headers_match(single, &swapped));
}

TEST(HeadersMatchTest, KeyOrderDoesNotMatter) {
  Table args = Args("all", {{"z", Value::Int32(1)},
                            {"m", Value::Int32(2)},
                            {"a", Value::Int32(3)},
                            {"x-ignored", Value::Int32(0)}});
  Table headers = {{"b", Str("")},         {"a", Value::Int32(3)}, {"zz", Str("")},
                   {"m", Value::Int32(2)}, {"z", Value::Int32(1)}, {"", Str("")}};
  EXPECT_TRUE(headers_match(args, &headers));
}

// ---- known_x_match ----

TEST(KnownXMatchTest, AbsentOrOneOfTheFourModesAsAString) {
  EXPECT_TRUE(known_x_match({}));
  EXPECT_TRUE(known_x_match({{"other", Value::Int32(1)}}));
  for (const char* mode : {"all", "any", "all-with-x", "any-with-x"}) {
    EXPECT_TRUE(known_x_match(Args(mode, {}))) << mode;
    EXPECT_TRUE(is_x_match_mode(mode)) << mode;
  }
  for (const char* other : {"bogus", "ALL", ""}) {
    EXPECT_FALSE(known_x_match(Args(other, {}))) << other;
    EXPECT_FALSE(is_x_match_mode(other)) << other;
  }
  EXPECT_FALSE(known_x_match({{"x-match", Value::Bytes("any")}}));
  EXPECT_FALSE(known_x_match({{"x-match", Value::Int32(1)}}));
}

}  // namespace
}  // namespace polymq::core
