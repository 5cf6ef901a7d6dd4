// Users and their credentials. Passwords are kept only as salted SHA-256 digests, the scheme
// RabbitMQ uses by default (rabbit_password_hashing_sha256), and, for SCRAM logins (Kafka's
// SASL SCRAM-SHA-256/512), as RFC 5802 credentials: a salt, an iteration count, StoredKey
// and ServerKey, never the password.
//
// SCRAM credentials can only be made from the password itself. A user added with its
// password has them; a user restored from a stored digest (a definitions file) gets them the
// next time its password is known again (remember_password: the configured users at start, a
// successful PLAIN login).
//
// AWS Signature Version 4 (the SQS front-end) cannot be verified from a digest: the signing key
// is derived from the secret itself. So a user whose password is known in this process (added
// with it, or remembered as above) also keeps the plain password, `User::password`. It is a
// password-equivalent held in memory only: never written to the definitions file (which keeps
// the salted digest), and absent for a restored user until its password is known again.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace polymq::core {

enum class ScramHash : uint8_t { kSha256 = 0, kSha512 = 1 };

struct ScramCredentials {
  std::string salt;
  uint32_t iterations = 0;
  std::string stored_key;  // H(HMAC(SaltedPassword, "Client Key"))
  std::string server_key;  // HMAC(SaltedPassword, "Server Key")
};

// RFC 5802's derivation: SaltedPassword = PBKDF2-HMAC-H(password, salt, iterations).
ScramCredentials make_scram_credentials(ScramHash hash, std::string_view password, std::string salt,
                                        uint32_t iterations);
// RFC 5802's HMAC(key, data) and H(data) with the mechanism's hash, for the login's proof.
std::string scram_hmac(ScramHash hash, std::string_view key, std::string_view data);
std::string scram_digest(ScramHash hash, std::string_view data);
// Kafka's default and minimum for SCRAM: 4096 iterations.
inline constexpr uint32_t kScramIterations = 4096;

struct User {
  std::string name;
  std::string salt;
  std::string password_digest;  // SHA-256(salt + password)
  std::vector<std::string> tags;
  // Like RabbitMQ's loopback_users: such a user may connect only from 127.0.0.0/8 or ::1.
  bool loopback_only = false;
  // Indexed by ScramHash; empty until the password is known (see the file comment).
  std::array<std::optional<ScramCredentials>, 2> scram;
  // The plain password, for SigV4 only; unset until known (see the file comment).
  std::optional<std::string> password;
};

class UserStore {
 public:
  void add(std::string_view name, std::string_view password, bool loopback_only,
           std::vector<std::string> tags = {});
  // Adds or replaces a user whose credentials were stored earlier (salt and digest as add()
  // makes them). An empty digest makes a user no password authenticates, as RabbitMQ's users
  // with an empty password_hash.
  void insert(User user);
  bool remove(std::string_view name);
  // Makes the user's SCRAM credentials from `password` when it is the user's password and
  // they are missing, and keeps the password for SigV4; false when it is not the password (or
  // no such user).
  bool remember_password(std::string_view name, std::string_view password);
  const User* find(std::string_view name) const;
  // The password of `name` when this process knows it (User::password), for SigV4.
  std::optional<std::string> known_password(std::string_view name) const;
  // Every user, ordered by name.
  std::vector<const User*> list() const;
  // kAccessRefused for an unknown user, a wrong password, or a loopback-only user connecting
  // from elsewhere; the message says which (for the log; clients get a generic text).
  Status authenticate(std::string_view name, std::string_view password, bool from_loopback) const;

 private:
  std::map<std::string, User, std::less<>> users_;
};

}  // namespace polymq::core
