// An SQS message as the core's neutral message, both ways, so a message sent over SQS is
// consumed over AMQP (and Kafka, when routed to a stream) and the other way round:
// - MessageBody is the body; the message is persistent and timestamped (SentTimestamp);
//   MessageId is the AMQP message-id property.
// - A message attribute is a header: String and Number values as text, Binary as bytes. Its
//   data type is kept in the annotation "sqs.DataType.<name>" when it is not what the header's
//   own type says ("Number", custom types such as "String.url").
// - Headers of other publishers become message attributes: text is String, bytes Binary,
//   numbers Number (decimal text), booleans String ("true"/"false"); tables, arrays and void
//   are not representable and are left out.
// - The message system attribute AWSTraceHeader is the annotation "sqs.AWSTraceHeader"; it is
//   no header, so other protocols' consumers do not see it as an application header.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/message.h"
#include "sqs/errors.h"
#include "sqs/request.h"

namespace polymq::sqs {

// Checks SendMessage's message attributes as AWS does (names, data types, values, at most
// 10); nullopt when they are fine.
std::optional<Error> check_message_attributes(const std::vector<MessageAttribute>& attributes);
// Checks SendMessage's MessageSystemAttributes as AWS does: the only name a sender may set is
// AWSTraceHeader, its DataType must be String and its value non-empty; nullopt when they are
// fine. They count toward neither MaximumMessageSize nor the 10 message attributes.
std::optional<Error> check_system_attributes(const std::vector<MessageAttribute>& attributes);
// Keeps checked system attributes on `message` (the AWSTraceHeader annotation).
void apply_system_attributes(const std::vector<MessageAttribute>& attributes,
                             core::Message& message);
// The AWSTraceHeader a sender set on `message`, or nullptr.
const std::string* trace_header_of(const core::Message& message);

// Checks the body's characters: AWS accepts #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to
// #xFFFD | #x10000 to #x10FFFF in UTF-8, nothing else.
std::optional<Error> check_body(const std::string& body);
// The bytes the MaximumMessageSize limit counts: the body and every attribute's name, data
// type and value.
size_t message_size(const std::string& body, const std::vector<MessageAttribute>& attributes);

core::Message to_core_message(const std::string& queue, std::string body,
                              const std::vector<MessageAttribute>& attributes,
                              const std::string& message_id, int64_t now_ms);

// A message's DelaySeconds (SendMessage, a SendMessageBatch entry), `text` as sent or nullopt
// when absent: 0 to 900, else InvalidParameterValue. Given, it sets the message's not-before
// time to now_ms + the delay, which overrides the queue's DelaySeconds (an explicit 0 too, as
// AWS does); absent, the queue's DelaySeconds applies when the message is enqueued.
std::optional<Error> apply_delay_seconds(const std::optional<std::string>& text, int64_t now_ms,
                                         core::Message& message);

// The message attributes of a core message, in header order.
std::vector<MessageAttribute> message_attributes_of(const core::Message& message);
// Whether MessageAttributeNames selects `name`: "All", ".*", the name, or a "prefix.*".
bool selected(const std::vector<std::string>& names, const std::string& name);

// SentTimestamp in ms: the message's own timestamp (ms, else the AMQP timestamp property in
// seconds), else `fallback_ms`.
int64_t sent_timestamp_ms(const core::Message& message, int64_t fallback_ms);

}  // namespace polymq::sqs
