// An AMQP exception as a value: the reply code and text of a channel.close or
// connection.close, and the method that caused it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "amqp/codec/generated/amqp_spec.h"
#include "core/status.h"

namespace polymq::amqp {

// The core's neutral error code as an AMQP reply code. The names of reply codes (RabbitMQ
// starts every text with one: "NOT_FOUND - no queue 'q' in vhost '/'") and which of them are
// hard errors (closing the connection, not just the channel) come from the spec, through the
// generated codec (spec::reply_code_name, spec::is_hard_error).
uint16_t reply_code_for(core::ErrorCode code);

class [[nodiscard]] AmqpStatus {
 public:
  AmqpStatus() = default;
  AmqpStatus(uint16_t code, std::string_view text, uint16_t class_id = 0, uint16_t method_id = 0);
  static AmqpStatus Ok() { return {}; }
  // The core's error as the matching AMQP reply code, raised by the given method.
  static AmqpStatus From(const core::Status& status, uint16_t class_id, uint16_t method_id);

  bool ok() const { return code_ == 0; }
  uint16_t code() const { return code_; }
  // "CODE_NAME - text", as it goes on the wire.
  const std::string& text() const { return text_; }
  uint16_t class_id() const { return class_id_; }
  uint16_t method_id() const { return method_id_; }
  bool hard() const { return spec::is_hard_error(code_); }

 private:
  uint16_t code_ = 0;
  std::string text_;
  uint16_t class_id_ = 0;
  uint16_t method_id_ = 0;
};

}  // namespace polymq::amqp
