#include "aws/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>

namespace polymq::aws {
namespace {

// OpenSSL 3 looks an algorithm up in its providers on every one-shot call (EVP_Digest with
// EVP_md5(), SHA256(), HMAC()), which costs more than hashing a small message. The SQS send path
// takes an MD5 per message and SigV4 a SHA-256 and HMACs per request, so the algorithms are
// fetched once and each thread reuses its contexts. A failure here is a broken libcrypto, not
// bad input: the process stops rather than answer with a wrong digest.
[[noreturn]] void crypto_failed() { std::abort(); }

const EVP_MD* fetched_digest(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) crypto_failed();
  return md;  // kept for the life of the process
}

std::string digest(std::string_view data, const EVP_MD* md) {
  struct Context {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Context() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Context c;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (c.ctx == nullptr || EVP_DigestInit_ex2(c.ctx, md, nullptr) != 1 ||
      EVP_DigestUpdate(c.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(c.ctx, out, &length) != 1) {
    crypto_failed();
  }
  return std::string(reinterpret_cast<const char*>(out), length);
}

}  // namespace

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  static const EVP_MD* const kSha256 = fetched_digest("SHA256");
  return to_hex(digest(data, kSha256));
}

std::string md5_hex(std::string_view data) {
  static const EVP_MD* const kMd5 = fetched_digest("MD5");
  return to_hex(digest(data, kMd5));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  static EVP_MAC* const kHmac = [] {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) crypto_failed();
    return mac;
  }();
  // The digest is set once per context; each call only re-keys it.
  struct Context {
    EVP_MAC_CTX* ctx = nullptr;
    Context() {
      ctx = EVP_MAC_CTX_new(kHmac);
      char sha256[] = "SHA256";
      const OSSL_PARAM params[] = {
          OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256, 0),
          OSSL_PARAM_construct_end()};
      if (ctx == nullptr || EVP_MAC_CTX_set_params(ctx, params) != 1) crypto_failed();
    }
    ~Context() { EVP_MAC_CTX_free(ctx); }
  };
  thread_local Context c;
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t length = 0;
  if (EVP_MAC_init(c.ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   nullptr) != 1 ||
      EVP_MAC_update(c.ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1 ||
      EVP_MAC_final(c.ctx, out, &length, sizeof(out)) != 1) {
    crypto_failed();
  }
  return std::string(reinterpret_cast<const char*>(out), length);
}

bool constant_time_equals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace polymq::aws
