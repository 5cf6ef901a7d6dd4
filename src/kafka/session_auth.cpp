// Authentication in a Kafka session: SaslHandshake (v0: the tokens follow as bare frames;
// v1: in SaslAuthenticate requests) and the implicit guest of loopback connections.
#include <spdlog/spdlog.h>

#include "kafka/error_codes.h"
#include "kafka/session.h"

namespace polymq::kafka {
namespace {

// The user a connection is when it logs in with nothing (as AMQP's default guest).
constexpr const char* kGuest = "guest";

}  // namespace

std::string Session::refused_vhost(const std::string& user) const {
  if (broker_.permissions().find(config_.vhost, user) != nullptr) return {};
  return "Authentication failed: user '" + user + "' has no access to vhost '" + config_.vhost +
         "'";
}

bool Session::may_serve(const RequestHeader& header) {
  if (!user_.empty()) return true;
  if (sasl_ != nullptr) {
    close("api key " + std::to_string(header.request_api_key) + " before the SASL login completed");
    return false;
  }
  const core::User* guest = broker_.users().find(kGuest);
  if (connection_.remote_is_loopback() && guest != nullptr) {
    user_ = kGuest;
    return true;
  }
  close(guest == nullptr ? "no SASL login, and there is no guest user"
                         : "no SASL login: only loopback connections may use the guest user");
  return false;
}

bool Session::dispatch_auth(const Request& request, const Reply& reply) {
  const int16_t version = request.header.request_api_version;
  if (request.header.request_api_key == api_key::kSaslHandshake) {
    const auto& body = std::get<SaslHandshakeRequest>(request.body);
    SaslHandshakeResponse response;
    for (const char* m : SaslServer::mechanisms()) response.mechanisms.emplace_back(m);
    if (!user_.empty() || sasl_ != nullptr) {
      response.error_code = error::kIllegalSaslState;
    } else if (!SaslServer::supported(body.mechanism)) {
      response.error_code = error::kUnsupportedSaslMechanism;
    } else {
      sasl_ = std::make_unique<SaslServer>(broker_.users(), body.mechanism,
                                           connection_.remote_is_loopback());
      sasl_raw_ = version == 0;
    }
    reply.send(response);
    return true;
  }
  const auto& body = std::get<SaslAuthenticateRequest>(request.body);
  SaslAuthenticateResponse response;
  if (sasl_ == nullptr || sasl_raw_ || !user_.empty()) {
    response.error_code = error::kIllegalSaslState;
    response.error_message = "SaslAuthenticate without a SaslHandshake v1 first";
    reply.send(response);
    close("SaslAuthenticate out of order");
    return false;
  }
  const SaslServer::Step step = sasl_->step(body.auth_bytes, response.auth_bytes);
  if (step == SaslServer::Step::kDone) {
    if (std::string why = refused_vhost(sasl_->user()); !why.empty()) {
      response.error_code = error::kSaslAuthenticationFailed;
      response.error_message = why;
      response.auth_bytes.clear();
      reply.send(response);
      close("SASL " + sasl_->mechanism() + " login refused: " + why);
      return false;
    }
  }
  if (step == SaslServer::Step::kFailed) {
    response.error_code = error::kSaslAuthenticationFailed;
    response.error_message =
        "Authentication failed during authentication due to invalid "
        "credentials with SASL mechanism " +
        sasl_->mechanism();
    response.auth_bytes.clear();
    reply.send(response);
    close("SASL " + sasl_->mechanism() + " login failed: " + sasl_->error());
    return false;
  }
  if (step == SaslServer::Step::kDone) {
    user_ = sasl_->user();
    spdlog::info("kafka {}: user '{}' logged in with {}", connection_.remote_address(), user_,
                 sasl_->mechanism());
  }
  response.error_message = std::nullopt;
  reply.send(response);
  return true;
}

bool Session::handle_raw_sasl_token(std::string_view token) {
  std::string answer;
  const SaslServer::Step step = sasl_->step(token, answer);
  if (step == SaslServer::Step::kFailed) {
    // As Kafka after a v0 handshake: no answer, the connection closes.
    close("SASL " + sasl_->mechanism() + " login failed: " + sasl_->error());
    return false;
  }
  if (step == SaslServer::Step::kDone) {
    if (std::string why = refused_vhost(sasl_->user()); !why.empty()) {
      close("SASL " + sasl_->mechanism() + " login refused: " + why);
      return false;
    }
  }
  std::string frame;
  Writer w(frame);
  w.int32(static_cast<int32_t>(answer.size()));
  w.raw(answer);
  replies_->fill(replies_->open(), std::move(frame));
  if (step == SaslServer::Step::kDone) {
    user_ = sasl_->user();
    sasl_raw_ = false;
    spdlog::info("kafka {}: user '{}' logged in with {}", connection_.remote_address(), user_,
                 sasl_->mechanism());
  }
  return true;
}

}  // namespace polymq::kafka
