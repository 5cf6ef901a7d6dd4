#include "core/users.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

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

namespace polymq::core {
namespace {

std::string from_base64(const std::string& in) {
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n) - (in.ends_with("==") ? 2 : in.ends_with("=") ? 1 : 0));
  return out;
}

std::string hmac256(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

// RFC 7677's SCRAM-SHA-256 example (user "user", password "pencil"): credentials made from the
// password verify the example's client proof and give its server signature.
TEST(ScramCredentialsTest, Rfc7677Example) {
  const ScramCredentials c = make_scram_credentials(ScramHash::kSha256, "pencil",
                                                    from_base64("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
  const std::string nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  const std::string auth_message = "n=user,r=rOprNGfwEbeRWgbNEkqO,r=" + nonce +
                                   ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r=" + nonce;
  EXPECT_EQ(hmac256(c.server_key, auth_message),
            from_base64("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
  std::string client_key = from_base64("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
  const std::string signature = hmac256(c.stored_key, auth_message);
  ASSERT_EQ(client_key.size(), signature.size());
  for (size_t i = 0; i < client_key.size(); ++i) client_key[i] ^= signature[i];
  unsigned char stored[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(client_key.data()), client_key.size(), stored);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(stored), sizeof(stored)), c.stored_key);
}

TEST(ScramCredentialsTest, MadeFromThePasswordOnly) {
  UserStore users;
  users.add("app", "secret", false);
  ASSERT_TRUE(users.find("app")->scram[0].has_value());
  ASSERT_TRUE(users.find("app")->scram[1].has_value());
  EXPECT_EQ(users.find("app")->scram[0]->iterations, kScramIterations);

  // A user restored from its digest has none until its password is known again.
  User restored = *users.find("app");
  restored.name = "restored";
  restored.scram = {};
  users.insert(restored);
  EXPECT_FALSE(users.remember_password("restored", "wrong"));
  EXPECT_FALSE(users.find("restored")->scram[0].has_value());
  EXPECT_TRUE(users.remember_password("restored", "secret"));
  EXPECT_TRUE(users.find("restored")->scram[0].has_value());
  EXPECT_TRUE(users.find("restored")->scram[1].has_value());
  EXPECT_FALSE(users.remember_password("nobody", "secret"));
}

TEST(UserStoreTest, KnownPasswordForSigV4) {
  UserStore users;
  users.add("app", "secret", false);
  EXPECT_EQ(users.known_password("app"), "secret");
  EXPECT_EQ(users.known_password("nobody"), std::nullopt);

  // Restored from its digest: unknown until remembered, and only the right one is kept.
  User restored = *users.find("app");
  restored.name = "restored";
  restored.password.reset();
  users.insert(restored);
  EXPECT_EQ(users.known_password("restored"), std::nullopt);
  EXPECT_FALSE(users.remember_password("restored", "wrong"));
  EXPECT_EQ(users.known_password("restored"), std::nullopt);
  EXPECT_TRUE(users.remember_password("restored", "secret"));
  EXPECT_EQ(users.known_password("restored"), "secret");
}

}  // namespace
}  // namespace polymq::core
