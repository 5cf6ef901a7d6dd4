#include "management/list_query.h"

#include <gtest/gtest.h>

#include "core/name_pattern.h"

namespace polymq::management {
namespace {

const char* kItems =
    R"([{"name":"b","messages":5},{"name":"a1","messages":10},{"name":"c","messages":1},)"
    R"({"name":"a2","messages":7,"x":{"y":3}}])";

std::string apply(const http::Params& params, bool expect_ok = true) {
  ListQuery q;
  std::string err;
  EXPECT_TRUE(parse_list_query(params, q, err)) << err;
  std::string out;
  EXPECT_EQ(apply_list_query(kItems, q, out, err), expect_ok) << err;
  return expect_ok ? out : err;
}

TEST(ListQuery, SortsByAFieldEitherWay) {
  EXPECT_EQ(apply({{"sort", "messages"}}),
            R"([{"name":"c","messages":1},{"name":"b","messages":5},)"
            R"({"name":"a2","messages":7,"x":{"y":3}},{"name":"a1","messages":10}])");
  EXPECT_EQ(apply({{"sort", "name"}, {"sort_reverse", "true"}}).substr(0, 30),
            R"([{"name":"c","messages":1},{"n)");
  // A dotted path reaches nested fields; items without it come first.
  EXPECT_EQ(apply({{"sort", "x.y"}, {"sort_reverse", "true"}}).substr(0, 40),
            R"([{"name":"a2","messages":7,"x":{"y":3}},)");
}

TEST(ListQuery, PagesInRabbitMQsShape) {
  EXPECT_EQ(apply({{"page", "2"}, {"page_size", "3"}, {"sort", "name"}}),
            R"({"filtered_count":4,"item_count":1,"items":[{"name":"c","messages":1}],)"
            R"("page":2,"page_count":2,"page_size":3,"total_count":4})");
  EXPECT_EQ(apply({{"page", "1"}, {"name", "a"}, {"sort", "name"}}),
            R"({"filtered_count":2,"item_count":2,"items":[{"name":"a1","messages":10},)"
            R"({"name":"a2","messages":7,"x":{"y":3}}],"page":1,"page_count":1,)"
            R"("page_size":100,"total_count":4})");
  const std::string regex = apply({{"page", "1"}, {"name", "^(b|c)$"}, {"use_regex", "true"}});
  EXPECT_NE(regex.find(R"("filtered_count":2)"), std::string::npos) << regex;
  // Without page, name filters nothing (as RabbitMQ).
  EXPECT_EQ(apply({{"name", "zzz"}, {"sort", "name"}}).substr(0, 16), R"([{"name":"a1","m)");
}

TEST(ListQuery, RefusesBadParameters) {
  ListQuery q;
  std::string err;
  EXPECT_FALSE(parse_list_query({{"page", "0"}}, q, err));
  EXPECT_FALSE(parse_list_query({{"page", "x"}}, q, err));
  EXPECT_FALSE(parse_list_query({{"page_size", "501"}}, q, err));
  EXPECT_EQ(apply({{"page", "3"}, {"page_size", "2"}}, false),
            "Page out of range, page: 3 page size: 2, len: 4");
  EXPECT_EQ(apply({{"page", "1"}, {"name", "("}, {"use_regex", "true"}}, false),
            "Invalid regex: (");
}

// A name filter is a client's pattern run on the event loop: one that makes a backtracking
// matcher try every split of a long name (2^250 here) must still finish, and one long
// enough to nest past the compiler's stack is refused.
TEST(ListQuery, NameRegexesRunInPolynomialTime) {
  const std::string long_name(250, 'a');
  const std::string items = R"([{"name":")" + long_name + R"("},{"name":"ab"}])";
  ListQuery q;
  std::string err;
  ASSERT_TRUE(
      parse_list_query({{"page", "1"}, {"name", "^(a|a)*b$"}, {"use_regex", "true"}}, q, err));
  std::string out;
  ASSERT_TRUE(apply_list_query(items, q, out, err)) << err;
  EXPECT_NE(out.find(R"("filtered_count":1)"), std::string::npos) << out;

  q.name = std::string(core::kMaxNamePatternBytes + 1, '(');
  EXPECT_FALSE(apply_list_query(items, q, out, err));
  EXPECT_EQ(err, "Invalid regex: " + q.name);
  // Back-references need the backtracking matcher: refused as an invalid pattern.
  q.name = "(a)\\1";
  EXPECT_FALSE(apply_list_query(items, q, out, err));
}

}  // namespace
}  // namespace polymq::management
