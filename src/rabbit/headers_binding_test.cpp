// RabbitMQ's x-match check of headers bindings and its Erlang-term texts.
#include "rabbit/headers_binding.h"

#include <gtest/gtest.h>

#include <string>

namespace polymq::rabbit {
namespace {

using namespace polymq::core;

Value Str(const char* s) { return Value::String(s); }

Table Args(const char* x_match, Table rest) {
  rest.insert(rest.begin(), {"x-match", Str(x_match)});
  return rest;
}

// ---- valid_x_match ----

TEST(ValidXMatchTest, AcceptsAbsentAndTheFourModes) {
  std::string error;
  EXPECT_TRUE(valid_x_match({}, error));
  EXPECT_TRUE(valid_x_match({{"other", Value::Int32(1)}}, error));
  for (const char* mode : {"all", "any", "all-with-x", "any-with-x"}) {
    EXPECT_TRUE(valid_x_match(Args(mode, {}), error)) << mode;
  }
  EXPECT_TRUE(error.empty());
}

TEST(ValidXMatchTest, RejectsOtherStringsWithRabbitText) {
  std::string error;
  EXPECT_FALSE(valid_x_match(Args("bogus", {}), error));
  EXPECT_EQ(error,
            "Invalid x-match field value <<\"bogus\">>; expected all, any, all-with-x, or "
            "any-with-x");
  EXPECT_FALSE(valid_x_match(Args("ALL", {}), error));
  EXPECT_EQ(
      error,
      "Invalid x-match field value <<\"ALL\">>; expected all, any, all-with-x, or any-with-x");
  EXPECT_FALSE(valid_x_match(Args("", {}), error));
  EXPECT_EQ(error,
            "Invalid x-match field value <<>>; expected all, any, all-with-x, or any-with-x");
}

TEST(ValidXMatchTest, RejectsOtherTypesWithRabbitText) {
  std::string error;
  auto check = [&](Value v, const std::string& expected) {
    Table args = {{"x-match", std::move(v)}};
    EXPECT_FALSE(valid_x_match(args, error));
    EXPECT_EQ(error, expected);
  };
  check(Value::Int(ValueKind::kInt8, 1),
        "Invalid x-match field type byte (value 1); expected longstr");
  check(Value::Int32(-7), "Invalid x-match field type signedint (value -7); expected longstr");
  check(Value::Int64(42), "Invalid x-match field type long (value 42); expected longstr");
  check(Value::Bool(true), "Invalid x-match field type bool (value true); expected longstr");
  check(Value::Bytes("any"),
        "Invalid x-match field type binary (value <<\"any\">>); expected longstr");
  check(Value::Void(), "Invalid x-match field type void (value undefined); expected longstr");
  check(Value::Double(1.5), "Invalid x-match field type double (value 1.5); expected longstr");
  check(Value::Dec({2, 314}),
        "Invalid x-match field type decimal (value {2,314}); expected longstr");
  check(Value::Timestamp(1700000000),
        "Invalid x-match field type timestamp (value 1700000000); expected longstr");
  check(Value::Tab({{"k", Str("v")}, {"n", Value::Int32(1)}}),
        "Invalid x-match field type table (value [{<<\"k\">>,longstr,<<\"v\">>},"
        "{<<\"n\">>,signedint,1}]); expected longstr");
  check(Value::Arr({Str("all"), Value::Bool(false)}),
        "Invalid x-match field type array (value [{longstr,<<\"all\">>},{bool,false}]); "
        "expected longstr");
}

TEST(ValidXMatchTest, ValueTextEscapesLikeErlang) {
  std::string error;
  EXPECT_FALSE(valid_x_match(Args("say \"hi\"\\\n", {}), error));
  EXPECT_EQ(error,
            "Invalid x-match field value <<\"say \\\"hi\\\"\\\\\\n\">>; expected all, any, "
            "all-with-x, or any-with-x");
  EXPECT_FALSE(valid_x_match(Args("\x01\x02", {}), error));
  EXPECT_EQ(error,
            "Invalid x-match field value <<1,2>>; expected all, any, all-with-x, or any-with-x");
  EXPECT_FALSE(valid_x_match(Args("caf\xc3\xa9", {}), error));
  EXPECT_EQ(error,
            "Invalid x-match field value <<\"caf\xc3\xa9\"/utf8>>; expected all, any, all-with-x, "
            "or any-with-x");
}

TEST(ValidXMatchTest, FloatsPrintAsErlangDoes) {
  std::string error;
  auto text = [&](double d) {
    Table args = {{"x-match", Value::Double(d)}};
    EXPECT_FALSE(valid_x_match(args, error));
    const std::string prefix = "Invalid x-match field type double (value ";
    const std::string suffix = "); expected longstr";
    return error.substr(prefix.size(), error.size() - prefix.size() - suffix.size());
  };
  EXPECT_EQ(text(0.0), "0.0");
  EXPECT_EQ(text(-0.0), "-0.0");
  EXPECT_EQ(text(1.0), "1.0");
  EXPECT_EQ(text(100.0), "100.0");
  EXPECT_EQ(text(1000.0), "1.0e3");
  EXPECT_EQ(text(123456.789), "123456.789");
  EXPECT_EQ(text(0.1), "0.1");
  EXPECT_EQ(text(0.001), "0.001");
  EXPECT_EQ(text(0.0001), "1.0e-4");
  EXPECT_EQ(text(-2.5e-10), "-2.5e-10");
  EXPECT_EQ(text(1e20), "1.0e20");
}

TEST(CheckBindingTest, OnlyHeadersExchangesCheckXMatch) {
  const Table bogus = Args("bogus", {});
  Exchange headers("h", ExchangeType::kHeaders, {});
  Status s = check_binding(headers, bogus);
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(s.message(),
            "Invalid x-match field value <<\"bogus\">>; expected all, any, all-with-x, or "
            "any-with-x");
  EXPECT_TRUE(check_binding(headers, Args("any", {})).ok());
  Exchange direct("d", ExchangeType::kDirect, {});
  EXPECT_TRUE(check_binding(direct, bogus).ok());
}

}  // namespace
}  // namespace polymq::rabbit
