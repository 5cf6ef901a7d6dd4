// The broker's side of a SASL login, for Kafka's SaslHandshake/SaslAuthenticate: PLAIN
// (RFC 4616) and SCRAM-SHA-256/SCRAM-SHA-512 (RFC 5802, RFC 7677) against PolyMQ's users.
// A loopback-only user (guest) may log in only from loopback, as over AMQP.
//
// SCRAM needs the user's SCRAM credentials (core/users.h): a user restored from a stored
// digest has none until its password is known again, and its SCRAM login fails until then.
// Channel binding and Kafka's delegation-token extension (tokenauth) are refused.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/users.h"

namespace polymq::kafka {

class SaslServer {
 public:
  enum class Step { kContinue, kDone, kFailed };

  // The mechanisms offered, in SaslHandshake's answer.
  static std::span<const char* const> mechanisms();
  static bool supported(std::string_view mechanism);

  // REQUIRES: supported(mechanism). `users` outlives the login.
  SaslServer(core::UserStore& users, std::string_view mechanism, bool from_loopback);

  // Takes the client's next token and writes the server's answer to `server_token` (empty
  // when the mechanism has none). kDone: user() is logged in; kFailed: error() says why (for
  // the log; clients get a generic text).
  Step step(std::string_view client_token, std::string& server_token);
  const std::string& user() const { return user_; }
  const std::string& error() const { return error_; }
  const std::string& mechanism() const { return mechanism_; }

 private:
  Step plain(std::string_view token);
  Step scram_first(std::string_view token, std::string& server_token);
  Step scram_final(std::string_view token, std::string& server_token);
  Step fail(std::string why);

  core::UserStore& users_;
  std::string mechanism_;
  bool from_loopback_;
  int stage_ = 0;
  std::string user_;
  std::string error_;
  // SCRAM state between the two client messages.
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;
  core::ScramCredentials credentials_;
};

}  // namespace polymq::kafka
