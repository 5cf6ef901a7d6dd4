// A send's FIFO parameters (SendMessage, a SendMessageBatch entry): MessageGroupId,
// MessageDeduplicationId and DelaySeconds, checked as AWS checks them for the queue's type and
// set on the core message.
//
// - FIFO queue: MessageGroupId is required (MissingParameter) and becomes Message::group;
//   MessageDeduplicationId is required unless the queue has ContentBasedDeduplication (then it
//   is the SHA-256 of the body, in hex); a per-message DelaySeconds is refused (the queue's
//   DelaySeconds applies). Message::dedup_id is the id, or "<group>\n<id>" when the queue's
//   DeduplicationScope is messageGroup (neither id may hold a newline, so the two cannot
//   collide); dedup_id_of gives the id back.
// - Standard queue: MessageGroupId is accepted (fair queues) and kept as Message::group, which
//   a standard queue does not order by; MessageDeduplicationId is refused; DelaySeconds is the
//   message's own delay (apply_delay_seconds).
#pragma once

#include <optional>
#include <string>

#include "core/message.h"
#include "sqs/errors.h"
#include "sqs/queue_attributes.h"

namespace polymq::sqs {

struct SendParameters {
  std::optional<std::string> group;
  std::optional<std::string> dedup;
  std::optional<std::string> delay;
};

std::optional<Error> apply_send_parameters(const QueueConfig& config, const SendParameters& in,
                                           int64_t now_ms, core::Message& message);

// The MessageDeduplicationId a message was sent with (or computed for it); nullopt: none.
std::optional<std::string> dedup_id_of(const core::Message& message);

// The annotation that carries a FIFO message's SequenceNumber (decimal text).
inline constexpr const char* kSequenceNumberAnnotation = "sqs.SequenceNumber";

}  // namespace polymq::sqs
