#include "core/name_pattern.h"

#include <gtest/gtest.h>

namespace polymq::core {
namespace {

bool compiles(std::string_view pattern) {
  std::string error;
  return compile_name_pattern(pattern, error).has_value();
}

TEST(NamePattern, CompilesOrdinaryPatterns) {
  EXPECT_TRUE(compiles("^orders\\."));
  EXPECT_TRUE(compiles("\\.retry$"));
  EXPECT_TRUE(compiles("^q-[0-9]{2,4}$"));
  EXPECT_TRUE(compiles("^orders-20261201"));  // long digit runs outside counts are literals
  EXPECT_TRUE(compiles(".*"));
  EXPECT_TRUE(compiles(""));
}

// The fuzzer found these: libstdc++ reads counts into a long without checking for overflow.
TEST(NamePattern, RefusesCountsTheCompilerCannotRead) {
  std::string error;
  EXPECT_FALSE(compile_name_pattern("7\\7777777777777777777777", error));
  EXPECT_EQ(error, "a repetition count or back-reference of more than 4 digits");
  EXPECT_FALSE(compiles("a{7777777777777777777}"));
  EXPECT_FALSE(compiles("a{1,99999999999}"));
  EXPECT_FALSE(compiles("a{12345}"));
  EXPECT_TRUE(compiles("\\\\12345"));  // an escaped backslash, then a literal number
}

TEST(NamePattern, RefusesBackReferencesAndOverlongPatterns) {
  EXPECT_FALSE(compiles("(a)\\1"));
  EXPECT_FALSE(compiles(std::string(kMaxNamePatternBytes + 1, 'a')));
  EXPECT_FALSE(compiles("(["));
}

}  // namespace
}  // namespace polymq::core
