// Users and their credentials. Passwords are kept only as salted SHA-256 digests, the scheme
// RabbitMQ uses by default (rabbit_password_hashing_sha256).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace polymq::core {

struct User {
  std::string name;
  std::string salt;
  std::string password_digest;  // SHA-256(salt + password)
  std::vector<std::string> tags;
  // Like RabbitMQ's loopback_users: such a user may connect only from 127.0.0.0/8 or ::1.
  bool loopback_only = false;
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
  const User* find(std::string_view name) const;
  // Every user, ordered by name.
  std::vector<const User*> list() const;
  // kAccessRefused for an unknown user, a wrong password, or a loopback-only user connecting
  // from elsewhere; the message says which (for the log; clients get a generic text).
  Status authenticate(std::string_view name, std::string_view password,
                      bool from_loopback) const;

 private:
  std::map<std::string, User, std::less<>> users_;
};

}  // namespace polymq::core
