// SNS's JSON notification envelope, as an SQS subscriber without RawMessageDelivery receives
// a publish: {"Type":"Notification","MessageId","SequenceNumber" (FIFO topics only),
// "TopicArn","Subject" (only when one was
// given),"Message","Timestamp" (ISO-8601 UTC with milliseconds),"SignatureVersion":"1",
// "Signature","SigningCertURL","UnsubscribeURL","MessageAttributes" (only when there are
// any: {"name":{"Type":..,"Value":..}}, Binary values base64)}, in that order.
//
// The Signature is not AWS's: no certificate at SigningCertURL can verify it (PolyMQ has no
// AWS private key); it is the base64 SHA-256 of the string SNS would sign, so it is stable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace polymq::sns {

struct EnvelopeAttribute {
  std::string name;
  std::string type;   // String, Number, Binary, String.Array (or a custom String.x ...)
  std::string value;  // Binary: the bytes
};

struct Notification {
  std::string message_id;
  std::optional<std::string> sequence_number;  // a FIFO topic's
  std::string topic_arn;
  std::optional<std::string> subject;
  std::string message;
  int64_t timestamp_ms = 0;
  std::string signing_cert_url;
  std::string unsubscribe_url;
  std::vector<EnvelopeAttribute> attributes;
};

std::string render_envelope(const Notification& n);

// What an http or https endpoint is sent when it is subscribed: {"Type":
// "SubscriptionConfirmation","MessageId","Token","TopicArn","Message","SubscribeURL",
// "Timestamp","SignatureVersion":"1","Signature","SigningCertURL"}, in that order, signed as
// the notification is (the same caveat).
struct Confirmation {
  std::string message_id;
  std::string token;
  std::string topic_arn;
  std::string subscribe_url;
  int64_t timestamp_ms = 0;
  std::string signing_cert_url;
};
std::string render_confirmation(const Confirmation& c);

// "2026-12-01T16:26:25.123Z"
std::string iso8601_ms(int64_t ms_since_epoch);

}  // namespace polymq::sns
