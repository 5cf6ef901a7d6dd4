#include "sqs/json_codec.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "sqs/digests.h"

namespace polymq::sqs {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

Error malformed(std::string what) {
  Error e = invalid_parameter_value(std::move(what));
  e.query_code = "SerializationException";
  e.json_type = "com.amazonaws.sqs#SerializationException";
  return e;
}

std::string view(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

bool string_list(const rapidjson::Value& v, std::vector<std::string>& out) {
  if (!v.IsArray()) return false;
  for (const auto& item : v.GetArray()) {
    if (!item.IsString()) return false;
    out.push_back(view(item));
  }
  return true;
}

// A string, integer or boolean member as the decimal or literal text ActionInput keeps.
std::optional<std::string> scalar_text(const rapidjson::Value& v) {
  if (v.IsString()) return view(v);
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  return std::nullopt;
}

// A MessageAttributes or MessageSystemAttributes object (`member` names it in errors): name
// to {DataType, StringValue | BinaryValue (base64)}.
std::optional<Error> message_attributes(const rapidjson::Value& v, std::string_view member,
                                        std::vector<MessageAttribute>& out) {
  if (!v.IsObject()) return malformed(std::string(member) + " must be an object.");
  for (const auto& a : v.GetObject()) {
    if (!a.value.IsObject()) return malformed("A message attribute must be an object.");
    MessageAttribute attr;
    attr.name = view(a.name);
    for (const auto& f : a.value.GetObject()) {
      const std::string field = view(f.name);
      if (!f.value.IsString()) continue;  // the list members nobody serves
      if (field == "DataType") {
        attr.data_type = view(f.value);
      } else if (field == "StringValue") {
        attr.value = view(f.value);
      } else if (field == "BinaryValue") {
        std::optional<std::string> bytes = base64_decode(view(f.value));
        if (!bytes) {
          return malformed("The binary value of message attribute " + attr.name +
                           " is not valid base64.");
        }
        attr.value = std::move(*bytes);
      }
    }
    out.push_back(std::move(attr));
  }
  return std::nullopt;
}

void key(Writer& w, std::string_view k) {
  w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
}
void str(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void pairs_object(Writer& w, const std::vector<std::pair<std::string, std::string>>& pairs) {
  w.StartObject();
  for (const auto& [k, v] : pairs) {
    key(w, k);
    str(w, v);
  }
  w.EndObject();
}

struct ResultBody {
  Writer& w;
  void operator()(const EmptyResult&) const {}
  void operator()(const QueueUrlResult& r) const {
    key(w, "QueueUrl");
    str(w, r.queue_url);
  }
  void url_list(std::string_view name, const std::vector<std::string>& urls,
                const std::string& token) const {
    key(w, name);
    w.StartArray();
    for (const std::string& url : urls) str(w, url);
    w.EndArray();
    if (!token.empty()) {
      key(w, "NextToken");
      str(w, token);
    }
  }
  void operator()(const ListQueuesResult& r) const {
    url_list("QueueUrls", r.queue_urls, r.next_token);
  }
  void operator()(const DeadLetterSourcesResult& r) const {
    url_list("queueUrls", r.queue_urls, r.next_token);
  }
  void operator()(const TagsResult& r) const {
    if (r.tags.empty()) return;  // AWS leaves Tags out for an untagged queue
    key(w, "Tags");
    w.StartObject();
    for (const auto& [k, v] : r.tags) {
      key(w, k);
      str(w, v);
    }
    w.EndObject();
  }
  void operator()(const BatchResult& r) const {
    key(w, "Successful");
    w.StartArray();
    for (const BatchSuccess& s : r.successful) {
      w.StartObject();
      key(w, "Id");
      str(w, s.id);
      if (s.sent) {
        key(w, "MessageId");
        str(w, s.sent->message_id);
        key(w, "MD5OfMessageBody");
        str(w, s.sent->md5_of_body);
        if (!s.sent->md5_of_attributes.empty()) {
          key(w, "MD5OfMessageAttributes");
          str(w, s.sent->md5_of_attributes);
        }
        if (!s.sent->md5_of_system_attributes.empty()) {
          key(w, "MD5OfMessageSystemAttributes");
          str(w, s.sent->md5_of_system_attributes);
        }
        if (!s.sent->sequence_number.empty()) {
          key(w, "SequenceNumber");
          str(w, s.sent->sequence_number);
        }
      }
      w.EndObject();
    }
    w.EndArray();
    key(w, "Failed");
    w.StartArray();
    for (const BatchFailure& f : r.failed) {
      w.StartObject();
      key(w, "Id");
      str(w, f.id);
      key(w, "SenderFault");
      w.Bool(f.sender_fault);
      key(w, "Code");
      str(w, f.code);
      key(w, "Message");
      str(w, f.message);
      w.EndObject();
    }
    w.EndArray();
  }
  void operator()(const MoveTaskStarted& r) const {
    key(w, "TaskHandle");
    str(w, r.task_handle);
  }
  void operator()(const MoveTasksResult& r) const {
    key(w, "Results");
    w.StartArray();
    for (const MoveTaskEntry& t : r.results) {
      w.StartObject();
      if (!t.task_handle.empty()) {
        key(w, "TaskHandle");
        str(w, t.task_handle);
      }
      key(w, "Status");
      str(w, t.status);
      key(w, "SourceArn");
      str(w, t.source_arn);
      if (!t.destination_arn.empty()) {
        key(w, "DestinationArn");
        str(w, t.destination_arn);
      }
      if (t.max_per_second) {
        key(w, "MaxNumberOfMessagesPerSecond");
        w.Int64(*t.max_per_second);
      }
      key(w, "ApproximateNumberOfMessagesMoved");
      w.Uint64(t.moved);
      key(w, "ApproximateNumberOfMessagesToMove");
      w.Uint64(t.to_move);
      if (!t.failure_reason.empty()) {
        key(w, "FailureReason");
        str(w, t.failure_reason);
      }
      key(w, "StartedTimestamp");
      w.Int64(t.started_ms);
      w.EndObject();
    }
    w.EndArray();
  }
  void operator()(const MoveTaskCancelled& r) const {
    key(w, "ApproximateNumberOfMessagesMoved");
    w.Uint64(r.moved);
  }
  void operator()(const AttributesResult& r) const {
    key(w, "Attributes");
    pairs_object(w, r.attributes);
  }
  void operator()(const SendMessageResult& r) const {
    key(w, "MD5OfMessageBody");
    str(w, r.md5_of_body);
    if (!r.md5_of_attributes.empty()) {
      key(w, "MD5OfMessageAttributes");
      str(w, r.md5_of_attributes);
    }
    if (!r.md5_of_system_attributes.empty()) {
      key(w, "MD5OfMessageSystemAttributes");
      str(w, r.md5_of_system_attributes);
    }
    key(w, "MessageId");
    str(w, r.message_id);
    if (!r.sequence_number.empty()) {
      key(w, "SequenceNumber");
      str(w, r.sequence_number);
    }
  }
  void operator()(const ReceiveMessageResult& r) const {
    key(w, "Messages");
    w.StartArray();
    for (const ReceivedMessage& m : r.messages) {
      w.StartObject();
      key(w, "MessageId");
      str(w, m.message_id);
      key(w, "ReceiptHandle");
      str(w, m.receipt_handle);
      key(w, "MD5OfBody");
      str(w, m.md5_of_body);
      key(w, "Body");
      str(w, m.body);
      if (!m.attributes.empty()) {
        key(w, "Attributes");
        pairs_object(w, m.attributes);
      }
      if (!m.md5_of_attributes.empty()) {
        key(w, "MD5OfMessageAttributes");
        str(w, m.md5_of_attributes);
      }
      if (!m.message_attributes.empty()) {
        key(w, "MessageAttributes");
        w.StartObject();
        for (const MessageAttribute& a : m.message_attributes) {
          key(w, a.name);
          w.StartObject();
          key(w, a.binary() ? "BinaryValue" : "StringValue");
          str(w, a.binary() ? base64_encode(a.value) : a.value);
          key(w, "DataType");
          str(w, a.data_type);
          w.EndObject();
        }
        w.EndObject();
      }
      w.EndObject();
    }
    w.EndArray();
  }
};

}  // namespace

std::variant<ActionInput, Error> parse_json_input(std::string_view body) {
  rapidjson::Document doc;
  // An empty body is an empty input (the SDKs send "{}", a hand-made request may send none).
  if (body.empty()) return ActionInput{};
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return malformed("The request body is not a JSON object.");
  }
  ActionInput in;
  for (const auto& member : doc.GetObject()) {
    const std::string name = view(member.name);
    const rapidjson::Value& v = member.value;
    if (name == "Attributes") {
      if (!v.IsObject()) return malformed("Attributes must be an object.");
      for (const auto& a : v.GetObject()) {
        if (!a.value.IsString()) return malformed("Attribute values must be strings.");
        in.attributes[view(a.name)] = view(a.value);
      }
    } else if (name == "AttributeNames") {
      if (!string_list(v, in.attribute_names)) return malformed("AttributeNames must be strings.");
    } else if (name == "MessageSystemAttributeNames") {
      if (!string_list(v, in.system_attribute_names)) {
        return malformed("MessageSystemAttributeNames must be strings.");
      }
    } else if (name == "MessageAttributeNames") {
      if (!string_list(v, in.message_attribute_names)) {
        return malformed("MessageAttributeNames must be strings.");
      }
    } else if (name == "MessageAttributes") {
      if (auto e = message_attributes(v, name, in.message_attributes)) return *e;
    } else if (name == "MessageSystemAttributes") {
      if (auto e = message_attributes(v, name, in.system_attributes)) return *e;
    } else if (name == "Entries") {
      if (!v.IsArray()) return malformed("Entries must be an array.");
      for (const auto& item : v.GetArray()) {
        if (!item.IsObject()) return malformed("A batch entry must be an object.");
        BatchEntry entry;
        for (const auto& f : item.GetObject()) {
          const std::string field = view(f.name);
          if (field == "MessageAttributes") {
            if (auto e = message_attributes(f.value, field, entry.message_attributes)) return *e;
          } else if (field == "MessageSystemAttributes") {
            if (auto e = message_attributes(f.value, field, entry.system_attributes)) return *e;
          } else if (auto text = scalar_text(f.value)) {
            entry.scalars[field] = std::move(*text);
          } else if (!f.value.IsNull() && !f.value.IsObject()) {
            // An object is a member nobody serves: ignored.
            return malformed("The member " + field + " has an unexpected type.");
          }
        }
        in.entries.push_back(std::move(entry));
      }
    } else if (name == "Tags" || name == "tags") {
      if (!v.IsObject()) return malformed(name + " must be an object.");
      for (const auto& t : v.GetObject()) {
        if (!t.value.IsString()) return malformed("Tag values must be strings.");
        in.tags[view(t.name)] = view(t.value);
      }
    } else if (name == "TagKeys") {
      if (!string_list(v, in.tag_keys)) return malformed("TagKeys must be strings.");
    } else if (auto text = scalar_text(v)) {
      in.scalars[name] = std::move(*text);
    } else if (!v.IsNull()) {
      return malformed("The member " + name + " has an unexpected type.");
    }
  }
  return in;
}

std::string render_json_result(const Result& result) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  std::visit(ResultBody{w}, result);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string render_json_error(const Error& error) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.StartObject();
  key(w, "__type");
  str(w, error.json_type);
  key(w, "message");
  str(w, error.message);
  w.EndObject();
  return {buffer.GetString(), buffer.GetSize()};
}

std::string query_error_header(const Error& error) {
  return error.query_code + (error.sender ? ";Sender" : ";Receiver");
}

}  // namespace polymq::sqs
