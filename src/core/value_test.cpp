#include "core/value.h"

#include <gtest/gtest.h>

namespace polymq::core {
namespace {

TEST(ValueTest, IntegersOfDifferentWidthsCompareEqual) {
  EXPECT_TRUE(Value::Int32(5).equals(Value::Int64(5)));
  EXPECT_TRUE(Value::UInt(ValueKind::kUInt8, 5).equals(Value::Int32(5)));
  EXPECT_FALSE(Value::Int32(5).equals(Value::Int32(6)));
  EXPECT_FALSE(Value::Int32(1).equals(Value::Bool(true)));
}

TEST(ValueTest, NestedTablesAndArrays) {
  Value a = Value::Tab({{"k", Value::Arr({Value::String("x"), Value::Int32(1)})}});
  Value b = Value::Tab({{"k", Value::Arr({Value::String("x"), Value::Int64(1)})}});
  Value c = Value::Tab({{"k", Value::Arr({Value::String("y"), Value::Int64(1)})}});
  EXPECT_TRUE(a.equals(b));
  EXPECT_FALSE(a.equals(c));
}

TEST(ValueTest, TableHelpers) {
  Table t;
  set(t, "a", Value::Int32(1));
  set(t, "b", Value::String("s"));
  set(t, "a", Value::Int32(2));
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(find_int(t, "a"), 2);
  ASSERT_NE(find_string(t, "b"), nullptr);
  EXPECT_EQ(*find_string(t, "b"), "s");
  EXPECT_EQ(find_int(t, "b"), std::nullopt);
  EXPECT_EQ(find(t, "c"), nullptr);
}

}  // namespace
}  // namespace polymq::core
