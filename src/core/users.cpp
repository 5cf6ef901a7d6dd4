#include "core/users.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
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

const EVP_MD* scram_md(ScramHash hash) {
  return hash == ScramHash::kSha256 ? EVP_sha256() : EVP_sha512();
}

void fill_scram(User& user, std::string_view password) {
  for (ScramHash hash : {ScramHash::kSha256, ScramHash::kSha512}) {
    std::string salt(16, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size()));
    user.scram[static_cast<size_t>(hash)] =
        make_scram_credentials(hash, password, std::move(salt), kScramIterations);
  }
}

}  // namespace

std::string scram_hmac(ScramHash hash, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(scram_md(hash), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string scram_digest(ScramHash hash, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, scram_md(hash), nullptr);
  return std::string(reinterpret_cast<const char*>(out), len);
}

ScramCredentials make_scram_credentials(ScramHash hash, std::string_view password, std::string salt,
                                        uint32_t iterations) {
  const EVP_MD* md = scram_md(hash);
  const auto size = static_cast<size_t>(EVP_MD_get_size(md));
  std::string salted(size, '\0');
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), static_cast<int>(iterations), md,
                    static_cast<int>(size), reinterpret_cast<unsigned char*>(salted.data()));
  ScramCredentials out;
  out.salt = std::move(salt);
  out.iterations = iterations;
  out.stored_key = scram_digest(hash, scram_hmac(hash, salted, "Client Key"));
  out.server_key = scram_hmac(hash, salted, "Server Key");
  return out;
}

void UserStore::add(std::string_view name, std::string_view password, bool loopback_only,
                    std::vector<std::string> tags) {
  User user;
  user.name = std::string(name);
  user.salt.resize(4);
  RAND_bytes(reinterpret_cast<unsigned char*>(user.salt.data()), 4);
  user.password_digest = digest(user.salt, password);
  fill_scram(user, password);
  user.password = std::string(password);
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

bool UserStore::remember_password(std::string_view name, std::string_view password) {
  auto it = users_.find(name);
  if (it == users_.end()) return false;
  User& user = it->second;
  const std::string d = digest(user.salt, password);
  if (d.size() != user.password_digest.size() ||
      CRYPTO_memcmp(d.data(), user.password_digest.data(), d.size()) != 0) {
    return false;
  }
  if (!user.scram[0] || !user.scram[1]) fill_scram(user, password);
  if (!user.password) user.password = std::string(password);
  return true;
}

const User* UserStore::find(std::string_view name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : &it->second;
}

std::optional<std::string> UserStore::known_password(std::string_view name) const {
  const User* user = find(name);
  if (user == nullptr) return std::nullopt;
  return user->password;
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
    return {ErrorCode::kAccessRefused, "invalid credentials for user '" + std::string(name) + "'"};
  }
  if (user->loopback_only && !from_loopback) {
    return {ErrorCode::kAccessRefused,
            "user '" + std::string(name) + "' can only connect via localhost"};
  }
  return Status::Ok();
}

}  // namespace polymq::core
