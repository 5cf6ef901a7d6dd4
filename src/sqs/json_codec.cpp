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
  void operator()(const ListQueuesResult& r) const {
    key(w, "QueueUrls");
    w.StartArray();
    for (const std::string& url : r.queue_urls) str(w, url);
    w.EndArray();
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
    key(w, "MessageId");
    str(w, r.message_id);
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
      if (!v.IsObject()) return malformed("MessageAttributes must be an object.");
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
        in.message_attributes.push_back(std::move(attr));
      }
    } else if (v.IsString()) {
      in.scalars[name] = view(v);
    } else if (v.IsInt64()) {
      in.scalars[name] = std::to_string(v.GetInt64());
    } else if (v.IsBool()) {
      in.scalars[name] = v.GetBool() ? "true" : "false";
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
