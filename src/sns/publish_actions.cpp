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
#include "sns/topic_arguments.h"
#include "sqs/digests.h"
#include "sqs/fifo_parameters.h"
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

Error group_id_required() {
  return invalid_parameter("The MessageGroupId parameter is required for FIFO topics");
}
Error deduplication_id_required() {
  return invalid_parameter(
      "The topic should either have ContentBasedDeduplication enabled or "
      "MessageDeduplicationId provided explicitly");
}

std::optional<std::string> param(const http::Params& fields, std::string_view name) {
  std::optional<std::string_view> v = http::find_param(fields, name);
  if (!v) return std::nullopt;
  return std::string(*v);
}

// A publish's MessageGroupId and MessageDeduplicationId, checked as AWS checks them for the
// topic's type and set on `message` as an SQS send to a queue of that type sets them
// (sqs/fifo_parameters.h): a FIFO topic's publish needs the group, and the deduplication id
// unless the topic has ContentBasedDeduplication (then it is the SHA-256 of the body); a
// standard topic's takes a group (forwarded, as AWS does) but no deduplication id.
std::optional<Error> apply_fifo_parameters(const http::Params& fields, const core::Exchange& topic,
                                           core::Message& message) {
  const std::optional<std::string> group = param(fields, "MessageGroupId");
  const std::optional<std::string> dedup = param(fields, "MessageDeduplicationId");
  sqs::QueueConfig as_queue;
  if (is_fifo_topic(topic)) {
    if (!group) return group_id_required();
    as_queue.content_based_deduplication = content_based_deduplication(topic);
    if (!dedup && !as_queue.content_based_deduplication) return deduplication_id_required();
    as_queue.fifo_queue = true;
  } else if (dedup) {
    return invalid_parameter(
        "MessageDeduplicationId Reason: The request includes "
        "MessageDeduplicationId parameter that is not valid for this topic "
        "type");
  }
  if (auto e =
          sqs::apply_send_parameters(as_queue, {group, dedup, std::nullopt}, now_ms(), message)) {
    return invalid_parameter(e->message);
  }
  return std::nullopt;
}

// The core message of one publish to `topic` (fields: Message, Subject, MessageStructure,
// MessageAttributes, MessageGroupId, MessageDeduplicationId), or why it is refused.
std::variant<std::shared_ptr<core::Message>, Error> build_message(const http::Params& fields,
                                                                  const core::Exchange& topic,
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
  m->exchange = topic.name();
  if (auto e = apply_fifo_parameters(fields, topic, *m)) return *e;
  m->annotations.emplace_back(std::string(kTopicArnAnnotation), core::Value::String(arn));
  // The host the publisher reached SNS by: the URLs sent to http(s) subscribers name it.
  m->annotations.emplace_back(std::string(kHostAnnotation), core::Value::String(host));
  if (subject) {
    m->annotations.emplace_back(std::string(kSubjectAnnotation),
                                core::Value::String(std::string(*subject)));
  }
  return m;
}

// Whether every entry of a PublishBatch to `topic` has what a FIFO topic needs: AWS refuses
// the whole batch, not the entry, when one lacks it.
std::optional<Error> check_fifo_batch(const std::vector<http::Params>& entries,
                                      const core::Exchange& topic) {
  if (!is_fifo_topic(topic)) return std::nullopt;
  for (const http::Params& entry : entries) {
    if (!http::find_param(entry, "MessageGroupId")) return group_id_required();
  }
  if (content_based_deduplication(topic)) return std::nullopt;
  for (const http::Params& entry : entries) {
    if (!http::find_param(entry, "MessageDeduplicationId")) return deduplication_id_required();
  }
  return std::nullopt;
}

}  // namespace

std::string Service::next_sequence_number() {
  // Increasing across restarts: no smaller than the clock's milliseconds times a million.
  const uint64_t from_clock = static_cast<uint64_t>(now_ms()) * 1'000'000;
  last_sequence_number_ = std::max(last_sequence_number_ + 1, from_clock);
  return std::to_string(last_sequence_number_);
}

bool Service::deduplicate(const core::Exchange& topic, core::Message& message,
                          std::string& result) {
  if (!is_fifo_topic(topic) || !message.dedup_id) return false;
  constexpr uint64_t kWindowMs = 5 * 60 * 1000;
  core::DedupWindow& window = dedup_windows_.try_emplace(topic.name(), kWindowMs).first->second;
  const int64_t now = now_ms();
  if (const core::Message* original = window.find(*message.dedup_id, now)) {
    aws::xml_element(result, "MessageId", original->properties.message_id.value_or(""));
    if (const std::string* sequence =
            core::find_string(original->annotations, sqs::kSequenceNumberAnnotation)) {
      aws::xml_element(result, "SequenceNumber", *sequence);
    }
    return true;
  }
  const std::string sequence = next_sequence_number();
  message.annotations.emplace_back(sqs::kSequenceNumberAnnotation, core::Value::String(sequence));
  aws::xml_element(result, "MessageId", message.properties.message_id.value_or(""));
  aws::xml_element(result, "SequenceNumber", sequence);
  return false;
}

void Service::remember_publish(const core::Exchange& topic, const core::Message& message) {
  auto it = dedup_windows_.find(topic.name());
  if (it == dedup_windows_.end() || !message.dedup_id) return;
  const int64_t now = now_ms();
  it->second.remember(message, now, now);
}

void Service::publish(const CallPtr& call) {
  if (call->get("PhoneNumber")) {
    return fail(*call, invalid_parameter("PhoneNumber Reason: SMS is not served by this server"));
  }
  const char* parameter =
      call->get("TargetArn") && !call->get("TopicArn") ? "TargetArn" : "TopicArn";
  core::Exchange* topic = resolve_topic(*call, parameter, core::Permission::kWrite);
  if (topic == nullptr) return;
  const std::string message_id = aws::random_uuid(random_);
  auto built =
      build_message(call->params, *topic, topic_arn(*call, topic->name()), message_id, call->host);
  if (Error* e = std::get_if<Error>(&built)) return fail(*call, *e);
  std::shared_ptr<core::Message>& message = std::get<std::shared_ptr<core::Message>>(built);
  auto pending = std::make_shared<PendingPublish>();
  pending->call = call;
  if (!is_fifo_topic(*topic)) {
    aws::xml_element(pending->result, "MessageId", message_id);
  } else if (deduplicate(*topic, *message, pending->result)) {
    // A repeat within the window: accepted, answered as the original was, not fanned out.
    return reply(*call, pending->result);
  }
  core::PublishResult published =
      publisher_.publish(*vhost(), topic->name(), message, nullptr, true);
  if (!published.status.ok()) return fail(*call, internal_error(published.status.message()));
  remember_publish(*topic, *message);
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
  if (auto e = check_fifo_batch(entries, *topic)) return fail(*call, *e);
  const std::string arn = topic_arn(*call, topic->name());
  auto pending = std::make_shared<PendingPublish>();
  pending->call = call;
  std::string successful = "<Successful>", failed = "<Failed>";
  std::vector<uint64_t> publish_ids;
  for (const http::Params& entry : entries) {
    const std::string id(http::find_param(entry, "Id").value_or(""));
    const std::string message_id = aws::random_uuid(random_);
    auto built = build_message(entry, *topic, arn, message_id, call->host);
    core::PublishResult published;
    std::string answer;  // the entry's MessageId and SequenceNumber
    bool duplicate = false;
    if (auto* m = std::get_if<std::shared_ptr<core::Message>>(&built)) {
      if (!is_fifo_topic(*topic)) {
        aws::xml_element(answer, "MessageId", message_id);
      } else {
        duplicate = deduplicate(*topic, **m, answer);
      }
      if (!duplicate) {
        published = publisher_.publish(*vhost(), topic->name(), *m, nullptr, true);
        if (published.status.ok()) {
          remember_publish(*topic, **m);  // a later entry with its id is a repeat
        } else {
          built = internal_error(published.status.message());
        }
      }
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
    successful += answer;
    successful += "</member>";
    if (!duplicate) publish_ids.push_back(published.id);
  }
  pending->result = successful + "</Successful>" + failed + "</Failed>";
  if (publish_ids.empty()) return reply(*call, pending->result);
  pending->remaining = publish_ids.size();
  for (uint64_t id : publish_ids) pending_[id] = pending;
  publishes_completed();
}

}  // namespace polymq::sns
