#include "core/users.h"

#include <gtest/gtest.h>

namespace polymq::core {
namespace {

TEST(UserStoreTest, AuthenticatesByPasswordDigest) {
  UserStore users;
  users.add("app", "s3cret", false);
  EXPECT_TRUE(users.authenticate("app", "s3cret", false).ok());
  EXPECT_EQ(users.authenticate("app", "wrong", true).code(), ErrorCode::kAccessRefused);
  EXPECT_EQ(users.authenticate("nobody", "s3cret", true).code(), ErrorCode::kAccessRefused);
  const User* u = users.find("app");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(u->password_digest.find("s3cret"), std::string::npos);
  EXPECT_EQ(u->password_digest.size(), 32u);
}

TEST(UserStoreTest, LoopbackOnlyUserRefusedFromElsewhere) {
  UserStore users;
  users.add("guest", "guest", true);
  EXPECT_TRUE(users.authenticate("guest", "guest", true).ok());
  Status remote = users.authenticate("guest", "guest", false);
  EXPECT_EQ(remote.code(), ErrorCode::kAccessRefused);
  EXPECT_NE(remote.message().find("localhost"), std::string::npos);
}

TEST(UserStoreTest, SaltsDiffer) {
  UserStore users;
  users.add("a", "same", false);
  users.add("b", "same", false);
  // Same password, different salts: equal digests would reveal shared passwords.
  EXPECT_NE(users.find("a")->password_digest, users.find("b")->password_digest);
  EXPECT_TRUE(users.remove("a"));
  EXPECT_FALSE(users.remove("a"));
}

}  // namespace
}  // namespace polymq::core
