// What an SQS request asks and what an action answers, in neither wire format: the query
// codec (form parameters in, XML out) and the JSON 1.0 codec (a JSON object in and out) both
// decode into ActionInput and render the result values below, so an action is written once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace polymq::sqs {

enum class Protocol { kQuery, kJson };

// One message attribute: a data type ("String", "Number", "Binary", or one of those followed
// by "." and a custom label) and its value; a Binary value is the decoded bytes.
struct MessageAttribute {
  std::string name;
  std::string data_type;
  std::string value;
  bool binary() const { return data_type.rfind("Binary", 0) == 0; }
};

// One entry of a batch action (SendMessageBatch, DeleteMessageBatch,
// ChangeMessageVisibilityBatch): its scalar members by model name (Id, MessageBody,
// ReceiptHandle, VisibilityTimeout ...) and a send's MessageAttributes and
// MessageSystemAttributes, in the order given.
struct BatchEntry {
  std::map<std::string, std::string> scalars;
  std::vector<MessageAttribute> message_attributes;
  std::vector<MessageAttribute> system_attributes;
  // A batch action's Entries, in the order given (by index in the query protocol).
  std::vector<BatchEntry> entries;
  // TagQueue's Tags and CreateQueue's tags, key to value; UntagQueue's TagKeys.
  std::map<std::string, std::string> tags;
  std::vector<std::string> tag_keys;

  std::optional<std::string> get(const std::string& name) const {
    auto it = scalars.find(name);
    if (it == scalars.end()) return std::nullopt;
    return it->second;
  }
};

struct ActionInput {
  // Every scalar member by its model name (QueueName, QueueUrl, MessageBody, DelaySeconds,
  // MaxNumberOfMessages ...), numbers as their decimal text.
  std::map<std::string, std::string> scalars;
  // The Attributes map (CreateQueue, SetQueueAttributes), name to value.
  std::map<std::string, std::string> attributes;
  // The AttributeNames, MessageSystemAttributeNames and MessageAttributeNames lists.
  std::vector<std::string> attribute_names;
  std::vector<std::string> system_attribute_names;
  std::vector<std::string> message_attribute_names;
  // SendMessage's MessageAttributes and MessageSystemAttributes (the same shape on the wire:
  // name, DataType and a value), in the order given.
  std::vector<MessageAttribute> message_attributes;
  std::vector<MessageAttribute> system_attributes;
  // A batch action's Entries, in the order given (by index in the query protocol).
  std::vector<BatchEntry> entries;
  // TagQueue's Tags and CreateQueue's tags, key to value; UntagQueue's TagKeys.
  std::map<std::string, std::string> tags;
  std::vector<std::string> tag_keys;

  std::optional<std::string> get(const std::string& name) const {
    auto it = scalars.find(name);
    if (it == scalars.end()) return std::nullopt;
    return it->second;
  }
};

// --- results ---
struct EmptyResult {};
struct QueueUrlResult {  // CreateQueue, GetQueueUrl
  std::string queue_url;
};
struct ListQueuesResult {
  std::vector<std::string> queue_urls;
  std::string next_token;  // "" when this is the last page
};
// ListDeadLetterSourceQueues: the same as ListQueues, but the model names the list
// "queueUrls" (JSON).
struct DeadLetterSourcesResult {
  std::vector<std::string> queue_urls;
  std::string next_token;
};
struct TagsResult {  // ListQueueTags
  std::map<std::string, std::string> tags;
};
struct AttributesResult {  // GetQueueAttributes
  std::vector<std::pair<std::string, std::string>> attributes;
};
struct SendMessageResult {
  std::string message_id;
  std::string md5_of_body;
  std::string md5_of_attributes;         // "" when the message has none
  std::string md5_of_system_attributes;  // "" when the send gave no MessageSystemAttributes
  std::string sequence_number;           // FIFO queues only; "" otherwise
};
struct ReceivedMessage {
  std::string message_id;
  std::string receipt_handle;
  std::string md5_of_body;
  std::string body;
  std::vector<std::pair<std::string, std::string>> attributes;  // system attributes asked for
  std::string md5_of_attributes;                                // "" when none are returned
  std::vector<MessageAttribute> message_attributes;
};
struct ReceiveMessageResult {
  std::vector<ReceivedMessage> messages;
};

// A batch action's answer: one entry per request entry, in Successful or Failed. The entry
// element of the query protocol is "<Action>ResultEntry" (SendMessageBatchResultEntry ...).
struct BatchSuccess {
  std::string id;
  std::optional<SendMessageResult> sent;  // SendMessageBatch only
};
struct BatchFailure {
  std::string id;
  bool sender_fault = true;
  std::string code;
  std::string message;
};
struct BatchResult {
  std::vector<BatchSuccess> successful;
  std::vector<BatchFailure> failed;
};

// StartMessageMoveTask.
struct MoveTaskStarted {
  std::string task_handle;
};
// One task of ListMessageMoveTasks; optional members are left out when absent.
struct MoveTaskEntry {
  std::string task_handle;  // RUNNING tasks only
  std::string status;       // RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED
  std::string source_arn;
  std::string destination_arn;            // "" when none was given
  std::optional<int64_t> max_per_second;  // when one was given
  uint64_t moved = 0;                     // ApproximateNumberOfMessagesMoved
  uint64_t to_move = 0;                   // ApproximateNumberOfMessagesToMove
  std::string failure_reason;             // FAILED tasks only
  int64_t started_ms = 0;                 // StartedTimestamp
};
struct MoveTasksResult {  // ListMessageMoveTasks, newest first
  std::vector<MoveTaskEntry> results;
};
struct MoveTaskCancelled {  // CancelMessageMoveTask
  uint64_t moved = 0;
};

using Result =
    std::variant<EmptyResult, QueueUrlResult, ListQueuesResult, AttributesResult, SendMessageResult,
                 ReceiveMessageResult, DeadLetterSourcesResult, TagsResult, BatchResult,
                 MoveTaskStarted, MoveTasksResult, MoveTaskCancelled>;

}  // namespace polymq::sqs
