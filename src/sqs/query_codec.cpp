#include "sqs/query_codec.h"

#include <map>

#include "aws/query_protocol.h"
#include "sqs/digests.h"

namespace polymq::sqs {
namespace {

constexpr std::string_view kNamespace = "https://queue.amazonaws.com/doc/2012-11-05/";

using aws::indexed_member;

void element(std::string& out, std::string_view name, std::string_view text) {
  aws::xml_element(out, name, text);
}

void render_message_attribute(std::string& out, const MessageAttribute& a) {
  out += "<MessageAttribute>";
  element(out, "Name", a.name);
  out += "<Value>";
  if (a.binary()) {
    element(out, "BinaryValue", base64_encode(a.value));
  } else {
    element(out, "StringValue", a.value);
  }
  element(out, "DataType", a.data_type);
  out += "</Value></MessageAttribute>";
}

struct ResultBody {
  std::string& out;
  void operator()(const EmptyResult&) const {}
  void operator()(const QueueUrlResult& r) const { element(out, "QueueUrl", r.queue_url); }
  void operator()(const ListQueuesResult& r) const {
    for (const std::string& url : r.queue_urls) element(out, "QueueUrl", url);
  }
  void operator()(const AttributesResult& r) const {
    for (const auto& [name, value] : r.attributes) {
      out += "<Attribute>";
      element(out, "Name", name);
      element(out, "Value", value);
      out += "</Attribute>";
    }
  }
  void operator()(const SendMessageResult& r) const {
    element(out, "MD5OfMessageBody", r.md5_of_body);
    if (!r.md5_of_attributes.empty()) {
      element(out, "MD5OfMessageAttributes", r.md5_of_attributes);
    }
    element(out, "MessageId", r.message_id);
  }
  void operator()(const ReceiveMessageResult& r) const {
    for (const ReceivedMessage& m : r.messages) {
      out += "<Message>";
      element(out, "MessageId", m.message_id);
      element(out, "ReceiptHandle", m.receipt_handle);
      element(out, "MD5OfBody", m.md5_of_body);
      element(out, "Body", m.body);
      for (const auto& [name, value] : m.attributes) {
        out += "<Attribute>";
        element(out, "Name", name);
        element(out, "Value", value);
        out += "</Attribute>";
      }
      if (!m.md5_of_attributes.empty()) {
        element(out, "MD5OfMessageAttributes", m.md5_of_attributes);
      }
      for (const MessageAttribute& a : m.message_attributes) render_message_attribute(out, a);
      out += "</Message>";
    }
  }
};

}  // namespace

std::variant<ActionInput, Error> parse_query_input(const http::Params& params) {
  ActionInput in;
  std::map<int, std::pair<std::string, std::string>> attributes;  // Attribute.N.Name/Value
  std::map<int, std::string> names, system_names, message_names;
  std::map<int, MessageAttribute> message_attributes;
  for (const auto& [name, value] : params) {
    int n = 0;
    std::string_view rest;
    if (indexed_member(name, "Attribute", n, rest)) {
      if (rest == "Name") attributes[n].first = value;
      if (rest == "Value") attributes[n].second = value;
    } else if (indexed_member(name, "AttributeName", n, rest) && rest.empty()) {
      names[n] = value;
    } else if (indexed_member(name, "MessageSystemAttributeName", n, rest) && rest.empty()) {
      system_names[n] = value;
    } else if (indexed_member(name, "MessageAttributeName", n, rest) && rest.empty()) {
      message_names[n] = value;
    } else if (indexed_member(name, "MessageAttribute", n, rest)) {
      MessageAttribute& a = message_attributes[n];
      if (rest == "Name") {
        a.name = value;
      } else if (rest == "Value.DataType") {
        a.data_type = value;
      } else if (rest == "Value.StringValue") {
        a.value = value;
      } else if (rest == "Value.BinaryValue") {
        std::optional<std::string> bytes = base64_decode(value);
        if (!bytes) {
          return invalid_parameter_value("The binary value of message attribute number " +
                                         std::to_string(n) + " is not valid base64.");
        }
        a.value = std::move(*bytes);
      }
    } else if (name == "Action" || name == "Version" || name.rfind("X-Amz-", 0) == 0) {
      continue;
    } else {
      in.scalars.emplace(name, value);
    }
  }
  for (auto& [n, nv] : attributes) in.attributes[nv.first] = nv.second;
  for (auto& [n, v] : names) in.attribute_names.push_back(v);
  for (auto& [n, v] : system_names) in.system_attribute_names.push_back(v);
  for (auto& [n, v] : message_names) in.message_attribute_names.push_back(v);
  for (auto& [n, a] : message_attributes) in.message_attributes.push_back(std::move(a));
  return in;
}

std::string render_query_result(std::string_view action, const Result& result,
                                std::string_view request_id) {
  std::string out = "<?xml version=\"1.0\"?><";
  out += action;
  out += "Response xmlns=\"";
  out += kNamespace;
  out += "\">";
  if (!std::holds_alternative<EmptyResult>(result)) {
    out += '<';
    out += action;
    out += "Result>";
    std::visit(ResultBody{out}, result);
    out += "</";
    out += action;
    out += "Result>";
  }
  out += "<ResponseMetadata>";
  element(out, "RequestId", request_id);
  out += "</ResponseMetadata></";
  out += action;
  out += "Response>";
  return out;
}

std::string render_query_error(const Error& error, std::string_view request_id) {
  return aws::render_query_error(kNamespace, error.query_code, error.message, error.sender,
                                 request_id);
}

}  // namespace polymq::sqs
