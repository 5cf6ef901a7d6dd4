#include "sns/envelope.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <ctime>

#include "aws/crypto.h"
#include "sqs/digests.h"

namespace polymq::sns {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void field(Writer& w, std::string_view key, std::string_view value) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// The string SNS signs for a notification: each name and value on its own line, in this
// order, Subject only when present.
std::string string_to_sign(const Notification& n, const std::string& timestamp) {
  std::string s = "Message\n" + n.message + "\nMessageId\n" + n.message_id + "\n";
  if (n.subject) s += "Subject\n" + *n.subject + "\n";
  s += "Timestamp\n" + timestamp + "\nTopicArn\n" + n.topic_arn + "\nType\nNotification\n";
  return s;
}

std::string confirmation_to_sign(const Confirmation& c, const std::string& message,
                                 const std::string& timestamp) {
  return "Message\n" + message + "\nMessageId\n" + c.message_id + "\nSubscribeURL\n" +
         c.subscribe_url + "\nTimestamp\n" + timestamp + "\nToken\n" + c.token + "\nTopicArn\n" +
         c.topic_arn + "\nType\nSubscriptionConfirmation\n";
}

std::string hex_to_bytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

}  // namespace

std::string iso8601_ms(int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  const size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof(buf) - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buf;
}

std::string render_envelope(const Notification& n) {
  const std::string timestamp = iso8601_ms(n.timestamp_ms);
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  field(w, "Type", "Notification");
  field(w, "MessageId", n.message_id);
  if (n.sequence_number) field(w, "SequenceNumber", *n.sequence_number);
  field(w, "TopicArn", n.topic_arn);
  if (n.subject) field(w, "Subject", *n.subject);
  field(w, "Message", n.message);
  field(w, "Timestamp", timestamp);
  field(w, "SignatureVersion", "1");
  field(w, "Signature",
        sqs::base64_encode(hex_to_bytes(aws::sha256_hex(string_to_sign(n, timestamp)))));
  field(w, "SigningCertURL", n.signing_cert_url);
  field(w, "UnsubscribeURL", n.unsubscribe_url);
  if (!n.attributes.empty()) {
    w.Key("MessageAttributes");
    w.StartObject();
    for (const EnvelopeAttribute& a : n.attributes) {
      w.Key(a.name.data(), static_cast<rapidjson::SizeType>(a.name.size()));
      w.StartObject();
      field(w, "Type", a.type);
      field(w, "Value", a.type.starts_with("Binary") ? sqs::base64_encode(a.value) : a.value);
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string render_confirmation(const Confirmation& c) {
  const std::string timestamp = iso8601_ms(c.timestamp_ms);
  const std::string message = "You have chosen to subscribe to the topic " + c.topic_arn +
                              ".\nTo confirm the subscription, visit the SubscribeURL included "
                              "in this message.";
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  field(w, "Type", "SubscriptionConfirmation");
  field(w, "MessageId", c.message_id);
  field(w, "Token", c.token);
  field(w, "TopicArn", c.topic_arn);
  field(w, "Message", message);
  field(w, "SubscribeURL", c.subscribe_url);
  field(w, "Timestamp", timestamp);
  field(w, "SignatureVersion", "1");
  field(w, "Signature",
        sqs::base64_encode(
            hex_to_bytes(aws::sha256_hex(confirmation_to_sign(c, message, timestamp)))));
  field(w, "SigningCertURL", c.signing_cert_url);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

}  // namespace polymq::sns
