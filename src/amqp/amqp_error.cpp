#include "amqp/amqp_error.h"

namespace polymq::amqp {

const char* reply_code_name(uint16_t code) {
  switch (code) {
    case 200: return "OK";
    case 311: return "CONTENT_TOO_LARGE";
    case 312: return "NO_ROUTE";
    case 313: return "NO_CONSUMERS";
    case 320: return "CONNECTION_FORCED";
    case 402: return "INVALID_PATH";
    case 403: return "ACCESS_REFUSED";
    case 404: return "NOT_FOUND";
    case 405: return "RESOURCE_LOCKED";
    case 406: return "PRECONDITION_FAILED";
    case 501: return "FRAME_ERROR";
    case 502: return "SYNTAX_ERROR";
    case 503: return "COMMAND_INVALID";
    case 504: return "CHANNEL_ERROR";
    case 505: return "UNEXPECTED_FRAME";
    case 506: return "RESOURCE_ERROR";
    case 530: return "NOT_ALLOWED";
    case 540: return "NOT_IMPLEMENTED";
    case 541: return "INTERNAL_ERROR";
    default: return "UNKNOWN";
  }
}

bool is_hard_error(uint16_t code) {
  switch (code) {
    case 311:
    case 312:
    case 313:
    case 403:
    case 404:
    case 405:
    case 406:
      return false;
    default:
      return true;
  }
}

uint16_t reply_code_for(core::ErrorCode code) {
  switch (code) {
    case core::ErrorCode::kOk: return 200;
    case core::ErrorCode::kNotFound: return 404;
    case core::ErrorCode::kAccessRefused: return 403;
    case core::ErrorCode::kResourceLocked: return 405;
    case core::ErrorCode::kPreconditionFailed: return 406;
    case core::ErrorCode::kInvalidArgument: return 503;
    case core::ErrorCode::kNotAllowed: return 530;
    case core::ErrorCode::kNotImplemented: return 540;
    case core::ErrorCode::kResourceError: return 506;
    case core::ErrorCode::kInternal: return 541;
  }
  return 541;
}

AmqpStatus::AmqpStatus(uint16_t code, std::string_view text, uint16_t class_id,
                       uint16_t method_id)
    : code_(code), class_id_(class_id), method_id_(method_id) {
  // An empty text gives the bare name ("INTERNAL_ERROR"), as RabbitMQ sends for some errors.
  text_ = reply_code_name(code);
  if (!text.empty()) {
    text_ += " - ";
    text_ += text;
  }
  // A reply text is a short string on the wire.
  if (text_.size() > 255) text_.resize(255);
}

AmqpStatus AmqpStatus::From(const core::Status& status, uint16_t class_id, uint16_t method_id) {
  if (status.ok()) return {};
  return {reply_code_for(status.code()), status.message(), class_id, method_id};
}

}  // namespace polymq::amqp
