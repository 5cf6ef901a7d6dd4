#include "kafka/sasl.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <optional>

namespace polymq::kafka {
namespace {

constexpr const char* kMechanisms[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};
// Bytes of randomness in the server's part of the SCRAM nonce.
constexpr size_t kNonceBytes = 18;

std::string base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> unbase64(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out(in.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t padding = 0;
  if (!in.empty() && in.back() == '=') ++padding;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

bool equal_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// RFC 5802 saslname: "=2C" is ',' and "=3D" is '='; any other '=' is malformed.
std::optional<std::string> decode_saslname(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '=') {
      out.push_back(in[i]);
      continue;
    }
    if (in.substr(i, 3) == "=2C") {
      out.push_back(',');
    } else if (in.substr(i, 3) == "=3D") {
      out.push_back('=');
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

// The attribute `key` ("r", "n", ...) of a comma-separated SCRAM message, or nullopt.
std::optional<std::string_view> attribute(std::string_view message, char key) {
  size_t pos = 0;
  while (pos <= message.size()) {
    size_t end = message.find(',', pos);
    if (end == std::string_view::npos) end = message.size();
    std::string_view part = message.substr(pos, end - pos);
    if (part.size() >= 2 && part[0] == key && part[1] == '=') return part.substr(2);
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace

std::span<const char* const> SaslServer::mechanisms() { return kMechanisms; }

bool SaslServer::supported(std::string_view mechanism) {
  for (const char* m : kMechanisms) {
    if (mechanism == m) return true;
  }
  return false;
}

SaslServer::SaslServer(core::UserStore& users, std::string_view mechanism, bool from_loopback)
    : users_(users), mechanism_(mechanism), from_loopback_(from_loopback) {}

SaslServer::Step SaslServer::fail(std::string why) {
  error_ = std::move(why);
  stage_ = -1;
  return Step::kFailed;
}

SaslServer::Step SaslServer::step(std::string_view client_token, std::string& server_token) {
  server_token.clear();
  if (stage_ < 0) return fail("the login already failed");
  if (mechanism_ == "PLAIN") return plain(client_token);
  return stage_ == 0 ? scram_first(client_token, server_token)
                     : scram_final(client_token, server_token);
}

SaslServer::Step SaslServer::plain(std::string_view token) {
  // authzid NUL authcid NUL passwd; an authzid other than the user itself is refused.
  const size_t a = token.find('\0');
  const size_t b = a == std::string_view::npos ? a : token.find('\0', a + 1);
  if (b == std::string_view::npos) return fail("malformed PLAIN token");
  const std::string_view authzid = token.substr(0, a);
  const std::string_view name = token.substr(a + 1, b - a - 1);
  const std::string_view password = token.substr(b + 1);
  if (!authzid.empty() && authzid != name) {
    return fail("user '" + std::string(name) + "' may not act as '" + std::string(authzid) + "'");
  }
  const core::Status st = users_.authenticate(name, password, from_loopback_);
  if (!st.ok()) return fail(st.message());
  users_.remember_password(name, password);
  user_ = std::string(name);
  stage_ = 1;
  return Step::kDone;
}

SaslServer::Step SaslServer::scram_first(std::string_view token, std::string& server_token) {
  // gs2-header: "n," or "y," (no channel binding), then an optional "a=authzid", then ','.
  if (token.size() < 3 || (token[0] != 'n' && token[0] != 'y') || token[1] != ',') {
    return fail("SCRAM: channel binding is not supported, or the message is malformed");
  }
  const size_t header_end = token.find(',', 2);
  if (header_end == std::string_view::npos) return fail("SCRAM: malformed client-first message");
  gs2_header_ = std::string(token.substr(0, header_end + 1));
  client_first_bare_ = std::string(token.substr(header_end + 1));
  const auto name_attr = attribute(client_first_bare_, 'n');
  const auto nonce = attribute(client_first_bare_, 'r');
  if (!name_attr || !nonce || nonce->empty() || client_first_bare_.rfind("n=", 0) != 0) {
    return fail("SCRAM: malformed client-first message");
  }
  if (client_first_bare_.find(",tokenauth=") != std::string::npos) {
    return fail("SCRAM: delegation tokens are not supported");
  }
  const auto name = decode_saslname(*name_attr);
  if (!name) return fail("SCRAM: malformed user name");
  if (const auto authzid = attribute(gs2_header_, 'a'); authzid && *authzid != *name_attr) {
    return fail("SCRAM: user '" + *name + "' may not act as another user");
  }
  const core::User* user = users_.find(*name);
  if (user == nullptr) return fail("user '" + *name + "' does not exist");
  if (user->loopback_only && !from_loopback_) {
    return fail("user '" + *name + "' can only connect via localhost");
  }
  const core::ScramHash hash =
      mechanism_ == "SCRAM-SHA-256" ? core::ScramHash::kSha256 : core::ScramHash::kSha512;
  const auto& credentials = user->scram[static_cast<size_t>(hash)];
  if (!credentials) {
    return fail("user '" + *name + "' has no " + mechanism_ +
                " credentials yet (its password was restored from a digest)");
  }
  credentials_ = *credentials;
  user_ = *name;
  std::string random(kNonceBytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), static_cast<int>(random.size()));
  nonce_ = std::string(*nonce) + base64(random);
  server_first_ = "r=" + nonce_ + ",s=" + base64(credentials_.salt) +
                  ",i=" + std::to_string(credentials_.iterations);
  server_token = server_first_;
  stage_ = 1;
  return Step::kContinue;
}

SaslServer::Step SaslServer::scram_final(std::string_view token, std::string& server_token) {
  const size_t proof_at = token.rfind(",p=");
  if (proof_at == std::string_view::npos) return fail("SCRAM: malformed client-final message");
  const std::string_view without_proof = token.substr(0, proof_at);
  const auto binding = attribute(without_proof, 'c');
  const auto nonce = attribute(without_proof, 'r');
  if (!binding || *binding != base64(gs2_header_)) return fail("SCRAM: channel binding mismatch");
  // Kafka's broker checks that the client's nonce ends with the one it sent, and librdkafka
  // depends on it: it sends its own nonce again in front of the server's whole nonce.
  if (!nonce || !nonce->ends_with(nonce_)) return fail("SCRAM: nonce mismatch");
  const auto proof = unbase64(token.substr(proof_at + 3));
  const core::ScramHash hash =
      mechanism_ == "SCRAM-SHA-256" ? core::ScramHash::kSha256 : core::ScramHash::kSha512;
  if (!proof || proof->size() != credentials_.stored_key.size()) {
    return fail("SCRAM: malformed proof");
  }
  const std::string auth_message =
      client_first_bare_ + "," + server_first_ + "," + std::string(without_proof);
  const std::string signature = core::scram_hmac(hash, credentials_.stored_key, auth_message);
  std::string client_key = *proof;
  for (size_t i = 0; i < client_key.size(); ++i) client_key[i] ^= signature[i];
  if (!equal_secret(core::scram_digest(hash, client_key), credentials_.stored_key)) {
    const std::string name = user_;
    user_.clear();
    return fail("invalid credentials for user '" + name + "'");
  }
  server_token = "v=" + base64(core::scram_hmac(hash, credentials_.server_key, auth_message));
  stage_ = 2;
  return Step::kDone;
}

}  // namespace polymq::kafka
