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

// One member of MessageAttribute.<n>: "Name", "Value.DataType", "Value.StringValue" or
// "Value.BinaryValue" (base64, decoded here); an Error for a BinaryValue that is not base64.
std::optional<Error> message_attribute_field(MessageAttribute& a, int n, std::string_view field,
                                             const std::string& value) {
  if (field == "Name") {
    a.name = value;
  } else if (field == "Value.DataType") {
    a.data_type = value;
  } else if (field == "Value.StringValue") {
    a.value = value;
  } else if (field == "Value.BinaryValue") {
    std::optional<std::string> bytes = base64_decode(value);
    if (!bytes) {
      return invalid_parameter_value("The binary value of message attribute number " +
                                     std::to_string(n) + " is not valid base64.");
    }
    a.value = std::move(*bytes);
  }
  return std::nullopt;
}

void url_list(std::string& out, const std::vector<std::string>& urls, const std::string& token) {
  for (const std::string& url : urls) element(out, "QueueUrl", url);
  if (!token.empty()) element(out, "NextToken", token);
}

struct ResultBody {
  std::string& out;
  std::string_view action;
  void operator()(const EmptyResult&) const {}
  void operator()(const QueueUrlResult& r) const { element(out, "QueueUrl", r.queue_url); }
  void operator()(const ListQueuesResult& r) const { url_list(out, r.queue_urls, r.next_token); }
  void operator()(const DeadLetterSourcesResult& r) const {
    url_list(out, r.queue_urls, r.next_token);
  }
  void operator()(const TagsResult& r) const {
    for (const auto& [key, value] : r.tags) {
      out += "<Tag>";
      element(out, "Key", key);
      element(out, "Value", value);
      out += "</Tag>";
    }
  }
  void operator()(const BatchResult& r) const {
    const std::string entry = std::string(action) + "ResultEntry";
    for (const BatchSuccess& s : r.successful) {
      out += '<' + entry + '>';
      element(out, "Id", s.id);
      if (s.sent) {
        element(out, "MessageId", s.sent->message_id);
        element(out, "MD5OfMessageBody", s.sent->md5_of_body);
        if (!s.sent->md5_of_attributes.empty()) {
          element(out, "MD5OfMessageAttributes", s.sent->md5_of_attributes);
        }
        if (!s.sent->md5_of_system_attributes.empty()) {
          element(out, "MD5OfMessageSystemAttributes", s.sent->md5_of_system_attributes);
        }
        if (!s.sent->sequence_number.empty()) {
          element(out, "SequenceNumber", s.sent->sequence_number);
        }
      }
      out += "</" + entry + '>';
    }
    for (const BatchFailure& f : r.failed) {
      out += "<BatchResultErrorEntry>";
      element(out, "Id", f.id);
      element(out, "SenderFault", f.sender_fault ? "true" : "false");
      element(out, "Code", f.code);
      element(out, "Message", f.message);
      out += "</BatchResultErrorEntry>";
    }
  }
  void operator()(const MoveTaskStarted& r) const { element(out, "TaskHandle", r.task_handle); }
  void operator()(const MoveTasksResult& r) const {
    for (const MoveTaskEntry& t : r.results) {
      out += "<ListMessageMoveTasksResultEntry>";
      if (!t.task_handle.empty()) element(out, "TaskHandle", t.task_handle);
      element(out, "Status", t.status);
      element(out, "SourceArn", t.source_arn);
      if (!t.destination_arn.empty()) element(out, "DestinationArn", t.destination_arn);
      if (t.max_per_second) {
        element(out, "MaxNumberOfMessagesPerSecond", std::to_string(*t.max_per_second));
      }
      element(out, "ApproximateNumberOfMessagesMoved", std::to_string(t.moved));
      element(out, "ApproximateNumberOfMessagesToMove", std::to_string(t.to_move));
      if (!t.failure_reason.empty()) element(out, "FailureReason", t.failure_reason);
      element(out, "StartedTimestamp", std::to_string(t.started_ms));
      out += "</ListMessageMoveTasksResultEntry>";
    }
  }
  void operator()(const MoveTaskCancelled& r) const {
    element(out, "ApproximateNumberOfMessagesMoved", std::to_string(r.moved));
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
    if (!r.md5_of_system_attributes.empty()) {
      element(out, "MD5OfMessageSystemAttributes", r.md5_of_system_attributes);
    }
    element(out, "MessageId", r.message_id);
    if (!r.sequence_number.empty()) element(out, "SequenceNumber", r.sequence_number);
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
  std::map<int, std::pair<std::string, std::string>> tags;        // Tag.N.Key/Value
  std::map<int, std::string> names, system_names, message_names, tag_keys;
  std::map<int, MessageAttribute> message_attributes, system_attributes;
  // <Action>RequestEntry.N.<member>, and each entry's MessageAttribute.M.* and
  // MessageSystemAttribute.M.*
  std::map<int, BatchEntry> entries;
  std::map<int, std::map<int, MessageAttribute>> entry_attributes, entry_system_attributes;
  for (const auto& [name, value] : params) {
    int n = 0;
    std::string_view rest;
    if (indexed_member(name, "Attribute", n, rest)) {
      if (rest == "Name") attributes[n].first = value;
      if (rest == "Value") attributes[n].second = value;
    } else if (indexed_member(name, "Tag", n, rest)) {
      if (rest == "Key") tags[n].first = value;
      if (rest == "Value") tags[n].second = value;
    } else if (indexed_member(name, "TagKey", n, rest) && rest.empty()) {
      tag_keys[n] = value;
    } else if (indexed_member(name, "AttributeName", n, rest) && rest.empty()) {
      names[n] = value;
    } else if (indexed_member(name, "MessageSystemAttributeName", n, rest) && rest.empty()) {
      system_names[n] = value;
    } else if (indexed_member(name, "MessageAttributeName", n, rest) && rest.empty()) {
      message_names[n] = value;
    } else if (indexed_member(name, "MessageAttribute", n, rest)) {
      if (auto e = message_attribute_field(message_attributes[n], n, rest, value)) return *e;
    } else if (indexed_member(name, "MessageSystemAttribute", n, rest)) {
      if (auto e = message_attribute_field(system_attributes[n], n, rest, value)) return *e;
    } else if (indexed_member(name, "SendMessageBatchRequestEntry", n, rest) ||
               indexed_member(name, "DeleteMessageBatchRequestEntry", n, rest) ||
               indexed_member(name, "ChangeMessageVisibilityBatchRequestEntry", n, rest)) {
      int m = 0;
      std::string_view field;
      if (indexed_member(rest, "MessageAttribute", m, field)) {
        if (auto e = message_attribute_field(entry_attributes[n][m], m, field, value)) return *e;
      } else if (indexed_member(rest, "MessageSystemAttribute", m, field)) {
        if (auto e = message_attribute_field(entry_system_attributes[n][m], m, field, value)) {
          return *e;
        }
      } else if (!rest.empty() && rest.find('.') == std::string_view::npos) {
        entries[n].scalars.emplace(std::string(rest), value);
      } else {
        entries[n];  // a member nobody serves: the entry exists
      }
    } else if (name == "Action" || name == "Version" || name.rfind("X-Amz-", 0) == 0) {
      continue;
    } else {
      in.scalars.emplace(name, value);
    }
  }
  for (auto& [n, nv] : attributes) in.attributes[nv.first] = nv.second;
  for (auto& [n, kv] : tags) in.tags[kv.first] = kv.second;
  for (auto& [n, v] : tag_keys) in.tag_keys.push_back(v);
  for (auto& [n, v] : names) in.attribute_names.push_back(v);
  for (auto& [n, v] : system_names) in.system_attribute_names.push_back(v);
  for (auto& [n, v] : message_names) in.message_attribute_names.push_back(v);
  for (auto& [n, a] : message_attributes) in.message_attributes.push_back(std::move(a));
  for (auto& [n, a] : system_attributes) in.system_attributes.push_back(std::move(a));
  for (auto& [n, a] : entry_attributes) {
    for (auto& [m, attribute] : a) entries[n].message_attributes.push_back(std::move(attribute));
  }
  for (auto& [n, a] : entry_system_attributes) {
    for (auto& [m, attribute] : a) entries[n].system_attributes.push_back(std::move(attribute));
  }
  for (auto& [n, entry] : entries) in.entries.push_back(std::move(entry));
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
    std::visit(ResultBody{out, action}, result);
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
