#include "amqp/amqp_error.h"

namespace polymq::amqp {

uint16_t reply_code_for(core::ErrorCode code) {
  switch (code) {
    case core::ErrorCode::kOk:
      return spec::kReplySuccess;
    case core::ErrorCode::kNotFound:
      return spec::kNotFound;
    case core::ErrorCode::kAccessRefused:
      return spec::kAccessRefused;
    case core::ErrorCode::kResourceLocked:
      return spec::kResourceLocked;
    case core::ErrorCode::kPreconditionFailed:
      return spec::kPreconditionFailed;
    case core::ErrorCode::kInvalidArgument:
      return spec::kCommandInvalid;
    case core::ErrorCode::kNotAllowed:
      return spec::kNotAllowed;
    case core::ErrorCode::kNotImplemented:
      return spec::kNotImplemented;
    case core::ErrorCode::kResourceError:
      return spec::kResourceError;
    case core::ErrorCode::kInternal:
      return spec::kInternalError;
  }
  return spec::kInternalError;
}

AmqpStatus::AmqpStatus(uint16_t code, std::string_view text, uint16_t class_id, uint16_t method_id)
    : code_(code), class_id_(class_id), method_id_(method_id) {
  // An empty text gives the bare name ("INTERNAL_ERROR"), as RabbitMQ sends for some errors.
  text_ = spec::reply_code_name(code);
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
