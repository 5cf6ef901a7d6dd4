#include "management/auth.h"

#include <gtest/gtest.h>

namespace polymq::management {
namespace {

TEST(BasicAuth, ParsesUserAndPassword) {
  auto c = parse_basic_auth("Basic Z3Vlc3Q6Z3Vlc3Q=");  // guest:guest
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "guest");
  EXPECT_EQ(c->password, "guest");
  // The scheme is case-insensitive; a password may hold ':'.
  c = parse_basic_auth("basic YTpiOmM=");  // a:b:c
  ASSERT_TRUE(c);
  EXPECT_EQ(c->user, "a");
  EXPECT_EQ(c->password, "b:c");
}

TEST(BasicAuth, RefusesOtherSchemesAndMalformedValues) {
  EXPECT_FALSE(parse_basic_auth("Bearer abc"));
  EXPECT_FALSE(parse_basic_auth("Basic"));
  EXPECT_FALSE(parse_basic_auth("Basic !!!!"));
  EXPECT_FALSE(parse_basic_auth("Basic Z3Vlc3Q="));  // "guest": no colon
}

TEST(Tags, GiveRabbitMQsAccessLevels) {
  EXPECT_EQ(access_of({}), Access::kNone);
  EXPECT_EQ(access_of({"impersonator"}), Access::kNone);
  EXPECT_EQ(access_of({"management"}), Access::kManagement);
  EXPECT_EQ(access_of({"policymaker"}), Access::kManagement);
  EXPECT_EQ(access_of({"monitoring"}), Access::kMonitoring);
  EXPECT_EQ(access_of({"management", "administrator"}), Access::kAdministrator);
}

}  // namespace
}  // namespace polymq::management
