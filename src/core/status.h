// Errors as values. A core operation that can fail returns a Status; protocol front-ends
// translate the code into their own error (AMQP reply code, Kafka error code, AWS error).
#pragma once

#include <string>
#include <utility>

namespace polymq::core {

enum class ErrorCode {
  kOk,
  kNotFound,            // entity does not exist                  (AMQP 404)
  kAccessRefused,       // permissions or reserved names          (AMQP 403)
  kResourceLocked,      // exclusive entity used by another owner (AMQP 405)
  kPreconditionFailed,  // equivalence, if-unused, if-empty, bad argument values (AMQP 406)
  kInvalidArgument,     // malformed request the protocol calls a command error (AMQP 503)
  kNotAllowed,          // operation not allowed in this state    (AMQP 530)
  kNotImplemented,      // recognised but unsupported             (AMQP 540)
  kResourceError,       // a limit was reached                    (AMQP 506)
  kInternal,            // a bug or an I/O failure                (AMQP 541)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return {}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

}  // namespace polymq::core
