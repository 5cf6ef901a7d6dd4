#include "core/users.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

namespace polymq::core {
namespace {

std::string digest(std::string_view salt, std::string_view password) {
  std::string input;
  input.reserve(salt.size() + password.size());
  input.append(salt);
  input.append(password);
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), out);
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

}  // namespace

void UserStore::add(std::string_view name, std::string_view password, bool loopback_only,
                    std::vector<std::string> tags) {
  User user;
  user.name = std::string(name);
  user.salt.resize(4);
  RAND_bytes(reinterpret_cast<unsigned char*>(user.salt.data()), 4);
  user.password_digest = digest(user.salt, password);
  user.tags = std::move(tags);
  user.loopback_only = loopback_only;
  users_[user.name] = std::move(user);
}

void UserStore::insert(User user) {
  std::string name = user.name;
  users_[std::move(name)] = std::move(user);
}

bool UserStore::remove(std::string_view name) {
  auto it = users_.find(name);
  if (it == users_.end()) return false;
  users_.erase(it);
  return true;
}

const User* UserStore::find(std::string_view name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : &it->second;
}

std::vector<const User*> UserStore::list() const {
  std::vector<const User*> out;
  out.reserve(users_.size());
  for (const auto& [name, user] : users_) out.push_back(&user);
  return out;
}

Status UserStore::authenticate(std::string_view name, std::string_view password,
                               bool from_loopback) const {
  const User* user = find(name);
  if (user == nullptr) {
    return {ErrorCode::kAccessRefused, "user '" + std::string(name) + "' does not exist"};
  }
  std::string d = digest(user->salt, password);
  if (d.size() != user->password_digest.size() ||
      CRYPTO_memcmp(d.data(), user->password_digest.data(), d.size()) != 0) {
    return {ErrorCode::kAccessRefused,
            "invalid credentials for user '" + std::string(name) + "'"};
  }
  if (user->loopback_only && !from_loopback) {
    return {ErrorCode::kAccessRefused,
            "user '" + std::string(name) + "' can only connect via localhost"};
  }
  return Status::Ok();
}

}  // namespace polymq::core
