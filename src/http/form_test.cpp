// Query strings and form bodies as the AWS query protocol sends them.
#include "http/form.h"

#include <gtest/gtest.h>

namespace polymq::http {
namespace {

TEST(Form, DecodesPercentEscapesAndPlusAsSpace) {
  auto p = parse_form("Action=SendMessage&MessageBody=hello+world%21%20%2B%26%3D&Empty=&Flag");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), 4u);
  EXPECT_EQ((*p)[0], (std::pair<std::string, std::string>{"Action", "SendMessage"}));
  EXPECT_EQ((*p)[1].second, "hello world! +&=");
  EXPECT_EQ((*p)[2], (std::pair<std::string, std::string>{"Empty", ""}));
  EXPECT_EQ((*p)[3], (std::pair<std::string, std::string>{"Flag", ""}));
  EXPECT_EQ(find_param(*p, "MessageBody"), "hello world! +&=");
  EXPECT_FALSE(find_param(*p, "messagebody"));  // names are case-sensitive
}

TEST(Form, KeepsOrderAndRepeatedNamesAndSkipsEmptyPairs) {
  auto p = parse_form("a=1&&b=2&a=3&");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), 3u);
  EXPECT_EQ((*p)[0].first, "a");
  EXPECT_EQ((*p)[1].first, "b");
  EXPECT_EQ((*p)[2].second, "3");
  EXPECT_EQ(find_param(*p, "a"), "1");
  EXPECT_TRUE(parse_form("")->empty());
}

TEST(Form, DecodesUtf8AndEscapedNames) {
  auto p = parse_form("%E1%88%B4=bar&Attribute.1.Name%3D=x%2fy");
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)[0].first, "\xE1\x88\xB4");
  EXPECT_EQ((*p)[1].first, "Attribute.1.Name=");
  EXPECT_EQ((*p)[1].second, "x/y");
}

TEST(Form, RefusesMalformedEscapes) {
  EXPECT_FALSE(parse_form("a=%"));
  EXPECT_FALSE(parse_form("a=%4"));
  EXPECT_FALSE(parse_form("a=%zz"));
  EXPECT_FALSE(parse_form("%g1=b"));
  EXPECT_EQ(percent_decode("a+b%2B", false), "a+b+");
  EXPECT_EQ(percent_decode("a+b%2B", true), "a b+");
  EXPECT_EQ(percent_decode("%00", false), std::string(1, '\0'));
}

}  // namespace
}  // namespace polymq::http
