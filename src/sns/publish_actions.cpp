// Publish and PublishBatch: a message is stored once, routed by the core from the topic's
// exchange through its subscriptions' bindings (and their filter policies) to the queues.
#include <rapidjson/document.h>

#include <chrono>
#include <map>
#include <set>
#include <variant>

#include "aws/query_protocol.h"
#include "sns/http_deliverer.h"
#include "sns/notification_view.h"
#include "sns/query_input.h"
#include "sns/service.h"
#include "sqs/digests.h"
#include "sqs/message_mapping.h"

namespace polymq::sns {
namespace {

constexpr size_t kMaxMessageBytes = 256 * 1024;
constexpr size_t kMaxBatchEntries = 10;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// MessageAttributes.entry.<n>.Name / .Value.DataType / .Value.StringValue / .Value.BinaryValue
std::variant<std::vector<sqs::MessageAttribute>, Error> message_attributes(
    const http::Params& fields) {
  std::map<int, sqs::MessageAttribute> by_index;
  constexpr std::string_view kPrefix = "MessageAttributes.";
  for (const auto& [name, value] : fields) {
    if (!name.starts_with(kPrefix)) continue;
    int n = 0;
    std::string_view rest;
    if (!aws::indexed_member(std::string_view(name).substr(kPrefix.size()), "entry", n, rest)) {
      continue;
    }
    sqs::MessageAttribute& a = by_index[n];
    if (rest == "Name") {
      a.name = value;
    } else if (rest == "Value.DataType") {
      a.data_type = value;
    } else if (rest == "Value.StringValue") {
      a.value = value;
    } else if (rest == "Value.BinaryValue") {
      std::optional<std::string> bytes = sqs::base64_decode(value);
      if (!bytes) {
        return invalid_parameter_value("The binary value of message attribute number " +
                                       std::to_string(n) + " is not valid base64.");
      }
      a.value = std::move(*bytes);
    }
  }
  std::vector<sqs::MessageAttribute> out;
  for (auto& [n, a] : by_index) {
    if (a.data_type == "String.Array") {
      rapidjson::Document doc;
      doc.Parse(a.value.data(), a.value.size());
      if (doc.HasParseError() || !doc.IsArray()) {
        return invalid_parameter_value("The message attribute '" + a.name +
                                       "' with type 'String.Array' must be a JSON array.");
      }
    }
    out.push_back(std::move(a));
  }
  if (std::optional<sqs::Error> e = sqs::check_message_attributes(out)) {
    return invalid_parameter_value(e->message);
  }
  return out;
}

// The body for SQS subscribers: Message, or with MessageStructure "json" its "sqs" member,
// else its "default" one.
std::variant<std::string, Error> message_body(const http::Params& fields) {
  std::string message(http::find_param(fields, "Message").value_or(""));
  if (message.empty()) return invalid_parameter("Empty message");
  const std::string_view structure = http::find_param(fields, "MessageStructure").value_or("");
  if (structure.empty()) return message;
  if (structure != "json") {
    return invalid_parameter("MessageStructure Reason: the only structure is json");
  }
  rapidjson::Document doc;
  doc.Parse(message.data(), message.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return invalid_parameter("Message Structure - JSON message body failed to parse");
  }
  // AWS requires the "default" member whatever else is there.
  auto fallback = doc.FindMember("default");
  if (fallback == doc.MemberEnd()) {
    return invalid_parameter("Message Structure - No default entry in JSON message body");
  }
  auto sqs = doc.FindMember("sqs");
  const rapidjson::Value& chosen = sqs != doc.MemberEnd() ? sqs->value : fallback->value;
  if (!chosen.IsString()) {
    return invalid_parameter("Message Structure - the message for SQS must be a string");
  }
  return std::string(chosen.GetString(), chosen.GetStringLength());
}

// The core message of one publish to `topic` (fields: Message, Subject, MessageStructure,
// MessageAttributes), or why it is refused.
std::variant<core::MessagePtr, Error> build_message(const http::Params& fields,
                                                    const std::string& topic,
                                                    const std::string& arn,
                                                    const std::string& message_id,
                                                    const std::string& host) {
  auto body = message_body(fields);
  if (Error* e = std::get_if<Error>(&body)) return *e;
  auto attributes = message_attributes(fields);
  if (Error* e = std::get_if<Error>(&attributes)) return *e;
  std::string& text = std::get<std::string>(body);
  auto& attrs = std::get<std::vector<sqs::MessageAttribute>>(attributes);
  if (sqs::check_body(text)) return invalid_parameter("Message Reason: invalid characters");
  if (sqs::message_size(text, attrs) > kMaxMessageBytes) {
    return invalid_parameter("Message too long");
  }
  const std::optional<std::string_view> subject = http::find_param(fields, "Subject");
  if (subject) {
    const bool ok = !subject->empty() && subject->size() <= 100 &&
                    std::none_of(subject->begin(), subject->end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    if (!ok) return invalid_parameter("Subject");
  }
  auto m = std::make_shared<core::Message>(
      sqs::to_core_message("", std::move(text), attrs, message_id, now_ms()));
  m->exchange = topic;
  m->annotations.emplace_back(std::string(kTopicArnAnnotation), core::Value::String(arn));
  // The host the publisher reached SNS by: the URLs sent to http(s) subscribers name it.
  m->annotations.emplace_back(std::string(kHostAnnotation), core::Value::String(host));
  if (subject) {
    m->annotations.emplace_back(std::string(kSubjectAnnotation),
                                core::Value::String(std::string(*subject)));
  }
  return core::MessagePtr(std::move(m));
}

}  // namespace

void Service::publish(const CallPtr& call) {
  if (call->get("PhoneNumber")) {
    return fail(*call, invalid_parameter("PhoneNumber Reason: SMS is not served by this server"));
  }
  const char* parameter =
      call->get("TargetArn") && !call->get("TopicArn") ? "TargetArn" : "TopicArn";
  core::Exchange* topic = resolve_topic(*call, parameter, core::Permission::kWrite);
  if (topic == nullptr) return;
  const std::string message_id = aws::random_uuid(random_);
  auto built = build_message(call->params, topic->name(), topic_arn(*call, topic->name()),
                             message_id, call->host);
  if (Error* e = std::get_if<Error>(&built)) return fail(*call, *e);
  core::PublishResult published =
      publisher_.publish(*vhost(), topic->name(), std::get<core::MessagePtr>(built), nullptr, true);
  if (!published.status.ok()) return fail(*call, internal_error(published.status.message()));
  auto pending = std::make_shared<PendingPublish>();
  pending->call = call;
  aws::xml_element(pending->result, "MessageId", message_id);
  pending->remaining = 1;
  pending_[published.id] = pending;
  publishes_completed();
}

void Service::publish_batch(const CallPtr& call) {
  core::Exchange* topic = resolve_topic(*call, "TopicArn", core::Permission::kWrite);
  if (topic == nullptr) return;
  const std::vector<http::Params> entries =
      query_members(call->params, "PublishBatchRequestEntries");
  if (entries.empty()) {
    return fail(*call, make_error("EmptyBatchRequest", 400,
                                  "The batch request doesn't contain any entries."));
  }
  if (entries.size() > kMaxBatchEntries) {
    return fail(*call, make_error("TooManyEntriesInBatchRequest", 400,
                                  "The batch request contains more entries than permissible."));
  }
  std::set<std::string> ids;
  for (const http::Params& entry : entries) {
    const std::string id(http::find_param(entry, "Id").value_or(""));
    const bool valid =
        !id.empty() && id.size() <= 80 && std::all_of(id.begin(), id.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
        });
    if (!valid) {
      return fail(*call, make_error("InvalidBatchEntryId", 400,
                                    "The Id of a batch entry in a batch request doesn't abide "
                                    "by the specification."));
    }
    if (!ids.insert(id).second) {
      return fail(*call, make_error("BatchEntryIdsNotDistinct", 400,
                                    "Two or more batch entries in the request have the same "
                                    "Id."));
    }
  }
  const std::string arn = topic_arn(*call, topic->name());
  auto pending = std::make_shared<PendingPublish>();
  pending->call = call;
  std::string successful = "<Successful>", failed = "<Failed>";
  std::vector<uint64_t> publish_ids;
  for (const http::Params& entry : entries) {
    const std::string id(http::find_param(entry, "Id").value_or(""));
    const std::string message_id = aws::random_uuid(random_);
    auto built = build_message(entry, topic->name(), arn, message_id, call->host);
    core::PublishResult published;
    if (auto* m = std::get_if<core::MessagePtr>(&built)) {
      published = publisher_.publish(*vhost(), topic->name(), *m, nullptr, true);
      if (!published.status.ok()) built = internal_error(published.status.message());
    }
    if (Error* e = std::get_if<Error>(&built)) {
      failed += "<member>";
      aws::xml_element(failed, "Id", id);
      aws::xml_element(failed, "Code", e->code);
      aws::xml_element(failed, "Message", e->message);
      aws::xml_element(failed, "SenderFault", e->sender ? "true" : "false");
      failed += "</member>";
      continue;
    }
    successful += "<member>";
    aws::xml_element(successful, "Id", id);
    aws::xml_element(successful, "MessageId", message_id);
    successful += "</member>";
    publish_ids.push_back(published.id);
  }
  pending->result = successful + "</Successful>" + failed + "</Failed>";
  if (publish_ids.empty()) return reply(*call, pending->result);
  pending->remaining = publish_ids.size();
  for (uint64_t id : publish_ids) pending_[id] = pending;
  publishes_completed();
}

}  // namespace polymq::sns
