// The two wire formats of SQS: query parameters and XML, JSON 1.0 in and out, and the error
// shapes of each.
#include <gtest/gtest.h>

#include "sqs/json_codec.h"
#include "sqs/query_codec.h"

namespace polymq::sqs {
namespace {

TEST(QueryCodecTest, ParsesFlattenedListsAndMaps) {
  const http::Params params = {
      {"Action", "SendMessage"},
      {"Version", "2012-11-05"},
      {"QueueUrl", "http://localhost/000000000000/q"},
      {"MessageBody", "hi"},
      {"MessageAttribute.2.Name", "b"},
      {"MessageAttribute.2.Value.DataType", "Binary"},
      {"MessageAttribute.2.Value.BinaryValue", "AAE="},
      {"MessageAttribute.1.Name", "a"},
      {"MessageAttribute.1.Value.DataType", "String"},
      {"MessageAttribute.1.Value.StringValue", "x"},
      {"Attribute.1.Name", "VisibilityTimeout"},
      {"Attribute.1.Value", "5"},
      {"AttributeName.1", "All"},
      {"MessageAttributeName.1", "a"},
      {"MessageSystemAttributeName.1", "SentTimestamp"},
      {"X-Amz-Date", "ignored"},
  };
  auto parsed = parse_query_input(params);
  ASSERT_TRUE(std::holds_alternative<ActionInput>(parsed));
  const ActionInput& in = std::get<ActionInput>(parsed);
  EXPECT_EQ(in.scalars.size(), 2u);
  EXPECT_EQ(in.get("MessageBody"), "hi");
  EXPECT_EQ(in.attributes.at("VisibilityTimeout"), "5");
  EXPECT_EQ(in.attribute_names, std::vector<std::string>{"All"});
  EXPECT_EQ(in.message_attribute_names, std::vector<std::string>{"a"});
  EXPECT_EQ(in.system_attribute_names, std::vector<std::string>{"SentTimestamp"});
  ASSERT_EQ(in.message_attributes.size(), 2u);
  EXPECT_EQ(in.message_attributes[0].name, "a");  // by index, not arrival
  EXPECT_EQ(in.message_attributes[1].value, std::string("\0\x01", 2));

  auto bad = parse_query_input({{"MessageAttribute.1.Value.BinaryValue", "%%%"}});
  EXPECT_TRUE(std::holds_alternative<Error>(bad));
}

TEST(QueryCodecTest, RendersResultsAndErrors) {
  EXPECT_EQ(render_query_result("CreateQueue", QueueUrlResult{"http://h/1/q&"}, "rid"),
            "<?xml version=\"1.0\"?><CreateQueueResponse "
            "xmlns=\"https://queue.amazonaws.com/doc/2012-11-05/\"><CreateQueueResult><QueueUrl>"
            "http://h/1/q&amp;</QueueUrl></CreateQueueResult><ResponseMetadata><RequestId>rid"
            "</RequestId></ResponseMetadata></CreateQueueResponse>");
  EXPECT_EQ(render_query_result("DeleteQueue", EmptyResult{}, "r"),
            "<?xml version=\"1.0\"?><DeleteQueueResponse "
            "xmlns=\"https://queue.amazonaws.com/doc/2012-11-05/\"><ResponseMetadata><RequestId>r"
            "</RequestId></ResponseMetadata></DeleteQueueResponse>");
  ReceivedMessage m;
  m.message_id = "m";
  m.receipt_handle = "h";
  m.md5_of_body = "5";
  m.body = "a<b\r\n";
  m.attributes = {{"ApproximateReceiveCount", "2"}};
  m.message_attributes = {{"bin", "Binary", "\x01"}};
  m.md5_of_attributes = "x";
  const std::string xml = render_query_result("ReceiveMessage", ReceiveMessageResult{{m}}, "r");
  EXPECT_NE(xml.find("<Message><MessageId>m</MessageId><ReceiptHandle>h</ReceiptHandle>"
                     "<MD5OfBody>5</MD5OfBody><Body>a&lt;b&#xD;\n</Body><Attribute><Name>"
                     "ApproximateReceiveCount</Name><Value>2</Value></Attribute>"
                     "<MD5OfMessageAttributes>x</MD5OfMessageAttributes><MessageAttribute><Name>"
                     "bin</Name><Value><BinaryValue>AQ==</BinaryValue><DataType>Binary</DataType>"
                     "</Value></MessageAttribute></Message>"),
            std::string::npos)
      << xml;
  EXPECT_EQ(render_query_error(queue_does_not_exist(), "r"),
            "<?xml version=\"1.0\"?><ErrorResponse "
            "xmlns=\"https://queue.amazonaws.com/doc/2012-11-05/\"><Error><Type>Sender</Type>"
            "<Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue "
            "does not exist.</Message><Detail/></Error><RequestId>r</RequestId></ErrorResponse>");
}

TEST(QueryCodecTest, ParsesBatchEntriesAndTags) {
  const http::Params params = {
      {"Action", "SendMessageBatch"},
      {"SendMessageBatchRequestEntry.2.Id", "second"},
      {"SendMessageBatchRequestEntry.2.MessageBody", "two"},
      {"SendMessageBatchRequestEntry.1.Id", "first"},
      {"SendMessageBatchRequestEntry.1.MessageBody", "one"},
      {"SendMessageBatchRequestEntry.1.DelaySeconds", "0"},
      {"SendMessageBatchRequestEntry.1.MessageAttribute.2.Name", "b"},
      {"SendMessageBatchRequestEntry.1.MessageAttribute.2.Value.DataType", "Binary"},
      {"SendMessageBatchRequestEntry.1.MessageAttribute.2.Value.BinaryValue", "AAE="},
      {"SendMessageBatchRequestEntry.1.MessageAttribute.1.Name", "a"},
      {"SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType", "String"},
      {"SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue", "x"},
      {"DeleteMessageBatchRequestEntry.3.ReceiptHandle", "h"},
      {"Tag.1.Key", "team"},
      {"Tag.1.Value", "blue"},
      {"Tag.2.Key", "cost"},
      {"Tag.2.Value", ""},
      {"TagKey.1", "old"},
  };
  auto parsed = parse_query_input(params);
  ASSERT_TRUE(std::holds_alternative<ActionInput>(parsed));
  const ActionInput& in = std::get<ActionInput>(parsed);
  EXPECT_TRUE(in.scalars.empty());
  ASSERT_EQ(in.entries.size(), 3u);  // by index: 1, 2, 3
  EXPECT_EQ(in.entries[0].get("Id"), "first");
  EXPECT_EQ(in.entries[0].get("DelaySeconds"), "0");
  ASSERT_EQ(in.entries[0].message_attributes.size(), 2u);
  EXPECT_EQ(in.entries[0].message_attributes[0].name, "a");
  EXPECT_EQ(in.entries[0].message_attributes[1].value, std::string("\0\x01", 2));
  EXPECT_EQ(in.entries[1].get("MessageBody"), "two");
  EXPECT_TRUE(in.entries[1].message_attributes.empty());
  EXPECT_EQ(in.entries[2].get("ReceiptHandle"), "h");
  EXPECT_EQ(in.tags, (std::map<std::string, std::string>{{"team", "blue"}, {"cost", ""}}));
  EXPECT_EQ(in.tag_keys, std::vector<std::string>{"old"});

  auto bad = parse_query_input(
      {{"SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.BinaryValue", "%%%"}});
  EXPECT_TRUE(std::holds_alternative<Error>(bad));
}

TEST(QueryCodecTest, RendersBatchResultsTagsAndPages) {
  BatchResult r;
  r.successful.push_back({"a", SendMessageResult{"m1", "md5", ""}});
  r.failed.push_back({"b", true, "InvalidParameterValue", "no <good>"});
  const std::string xml = render_query_result("SendMessageBatch", r, "r");
  EXPECT_NE(xml.find("<SendMessageBatchResult><SendMessageBatchResultEntry><Id>a</Id>"
                     "<MessageId>m1</MessageId><MD5OfMessageBody>md5</MD5OfMessageBody>"
                     "</SendMessageBatchResultEntry><BatchResultErrorEntry><Id>b</Id>"
                     "<SenderFault>true</SenderFault><Code>InvalidParameterValue</Code>"
                     "<Message>no &lt;good&gt;</Message></BatchResultErrorEntry>"
                     "</SendMessageBatchResult>"),
            std::string::npos)
      << xml;
  BatchResult deleted;
  deleted.successful.push_back({"x", std::nullopt});
  EXPECT_NE(render_query_result("DeleteMessageBatch", deleted, "r")
                .find("<DeleteMessageBatchResult><DeleteMessageBatchResultEntry><Id>x</Id>"
                      "</DeleteMessageBatchResultEntry></DeleteMessageBatchResult>"),
            std::string::npos);
  EXPECT_NE(render_query_result("ListQueueTags", TagsResult{{{"k", "v"}}}, "r")
                .find("<ListQueueTagsResult><Tag><Key>k</Key><Value>v</Value></Tag>"
                      "</ListQueueTagsResult>"),
            std::string::npos);
  EXPECT_NE(render_query_result("ListQueues", ListQueuesResult{{"u"}, "tok"}, "r")
                .find("<ListQueuesResult><QueueUrl>u</QueueUrl><NextToken>tok</NextToken>"
                      "</ListQueuesResult>"),
            std::string::npos);
  EXPECT_NE(
      render_query_result("ListDeadLetterSourceQueues", DeadLetterSourcesResult{{"u"}, ""}, "r")
          .find("<ListDeadLetterSourceQueuesResult><QueueUrl>u</QueueUrl>"
                "</ListDeadLetterSourceQueuesResult>"),
      std::string::npos);
}

TEST(JsonCodecTest, ParsesBatchEntriesAndTags) {
  auto parsed =
      parse_json_input(R"({"QueueUrl":"u","Entries":[{"Id":"a","MessageBody":"x","DelaySeconds":0,)"
                       R"("MessageAttributes":{"n":{"DataType":"Number","StringValue":"1"}}},)"
                       R"({"Id":"b","ReceiptHandle":"h","VisibilityTimeout":30}],"Tags":{"k":"v"},)"
                       R"("tags":{"k2":"v2"},"TagKeys":["k3"]})");
  ASSERT_TRUE(std::holds_alternative<ActionInput>(parsed));
  const ActionInput& in = std::get<ActionInput>(parsed);
  ASSERT_EQ(in.entries.size(), 2u);
  EXPECT_EQ(in.entries[0].get("Id"), "a");
  EXPECT_EQ(in.entries[0].get("DelaySeconds"), "0");
  ASSERT_EQ(in.entries[0].message_attributes.size(), 1u);
  EXPECT_EQ(in.entries[0].message_attributes[0].data_type, "Number");
  EXPECT_EQ(in.entries[1].get("VisibilityTimeout"), "30");
  EXPECT_EQ(in.tags, (std::map<std::string, std::string>{{"k", "v"}, {"k2", "v2"}}));
  EXPECT_EQ(in.tag_keys, std::vector<std::string>{"k3"});
  EXPECT_TRUE(std::holds_alternative<Error>(parse_json_input(R"({"Entries":{}})")));
  EXPECT_TRUE(std::holds_alternative<Error>(parse_json_input(R"({"Entries":[1]})")));
  EXPECT_TRUE(std::holds_alternative<Error>(parse_json_input(R"({"Entries":[{"Id":[1]}]})")));
  EXPECT_TRUE(std::holds_alternative<Error>(parse_json_input(R"({"Tags":{"k":1}})")));
}

TEST(JsonCodecTest, RendersBatchResultsTagsAndPages) {
  BatchResult r;
  r.successful.push_back({"a", SendMessageResult{"m1", "md5", "amd5"}});
  r.failed.push_back({"b", false, "InternalError", "disk"});
  EXPECT_EQ(render_json_result(r),
            R"({"Successful":[{"Id":"a","MessageId":"m1","MD5OfMessageBody":"md5",)"
            R"("MD5OfMessageAttributes":"amd5"}],"Failed":[{"Id":"b","SenderFault":false,)"
            R"("Code":"InternalError","Message":"disk"}]})");
  EXPECT_EQ(render_json_result(BatchResult{}), R"({"Successful":[],"Failed":[]})");
  EXPECT_EQ(render_json_result(TagsResult{}), "{}");
  EXPECT_EQ(render_json_result(TagsResult{{{"k", "v"}}}), R"({"Tags":{"k":"v"}})");
  EXPECT_EQ(render_json_result(ListQueuesResult{{"a"}, "t"}),
            R"({"QueueUrls":["a"],"NextToken":"t"})");
  EXPECT_EQ(render_json_result(DeadLetterSourcesResult{{"a"}, ""}), R"({"queueUrls":["a"]})");
}

TEST(JsonCodecTest, ParsesTheInputObject) {
  auto parsed =
      parse_json_input(R"({"QueueUrl":"u","MaxNumberOfMessages":10,"AttributeNames":["All"],)"
                       R"("MessageAttributeNames":["a.*"],"Attributes":{"VisibilityTimeout":"5"},)"
                       R"("MessageAttributes":{"n":{"DataType":"Number","StringValue":"1"},)"
                       R"("b":{"DataType":"Binary","BinaryValue":"AAE="}}})");
  ASSERT_TRUE(std::holds_alternative<ActionInput>(parsed));
  const ActionInput& in = std::get<ActionInput>(parsed);
  EXPECT_EQ(in.get("MaxNumberOfMessages"), "10");
  EXPECT_EQ(in.get("QueueUrl"), "u");
  EXPECT_EQ(in.attributes.at("VisibilityTimeout"), "5");
  EXPECT_EQ(in.attribute_names, std::vector<std::string>{"All"});
  ASSERT_EQ(in.message_attributes.size(), 2u);
  EXPECT_EQ(in.message_attributes[1].value, std::string("\0\x01", 2));
  EXPECT_TRUE(std::holds_alternative<ActionInput>(parse_json_input("")));
  EXPECT_TRUE(std::holds_alternative<Error>(parse_json_input("[1]")));
  EXPECT_TRUE(std::holds_alternative<Error>(parse_json_input("{")));
  EXPECT_TRUE(std::holds_alternative<Error>(parse_json_input(R"({"AttributeNames":[1]})")));
}

TEST(JsonCodecTest, RendersResultsAndErrors) {
  EXPECT_EQ(render_json_result(ListQueuesResult{{"a", "b"}}), R"({"QueueUrls":["a","b"]})");
  EXPECT_EQ(render_json_result(EmptyResult{}), "{}");
  ReceivedMessage m;
  m.message_id = "m";
  m.receipt_handle = "h";
  m.md5_of_body = "5";
  m.body = "b";
  m.message_attributes = {{"s", "String", "v"}};
  m.md5_of_attributes = "x";
  EXPECT_EQ(render_json_result(ReceiveMessageResult{{m}}),
            R"({"Messages":[{"MessageId":"m","ReceiptHandle":"h","MD5OfBody":"5","Body":"b",)"
            R"("MD5OfMessageAttributes":"x","MessageAttributes":{"s":{"StringValue":"v",)"
            R"("DataType":"String"}}}]})");
  const Error e = queue_does_not_exist();
  EXPECT_EQ(render_json_error(e),
            R"({"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue )"
            R"(does not exist."})");
  EXPECT_EQ(query_error_header(e), "AWS.SimpleQueueService.NonExistentQueue;Sender");
}

// MessageSystemAttributes: MessageSystemAttribute.N.* (the model's flattened locationName),
// inside batch entries too, apart from the MessageAttribute.N.* of the same request.
TEST(QueryCodecTest, ParsesMessageSystemAttributes) {
  const http::Params params = {
      {"Action", "SendMessage"},
      {"MessageBody", "hi"},
      {"MessageAttribute.1.Name", "a"},
      {"MessageAttribute.1.Value.DataType", "String"},
      {"MessageAttribute.1.Value.StringValue", "x"},
      {"MessageSystemAttribute.1.Name", "AWSTraceHeader"},
      {"MessageSystemAttribute.1.Value.DataType", "String"},
      {"MessageSystemAttribute.1.Value.StringValue", "Root=1-abc"},
      {"MessageSystemAttributeName.1", "AWSTraceHeader"},
      {"SendMessageBatchRequestEntry.1.Id", "e"},
      {"SendMessageBatchRequestEntry.1.MessageBody", "one"},
      {"SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Name", "AWSTraceHeader"},
      {"SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Value.DataType", "String"},
      {"SendMessageBatchRequestEntry.1.MessageSystemAttribute.1.Value.StringValue", "Root=2"},
  };
  auto parsed = parse_query_input(params);
  ASSERT_TRUE(std::holds_alternative<ActionInput>(parsed));
  const ActionInput& in = std::get<ActionInput>(parsed);
  EXPECT_EQ(in.scalars.size(), 1u);  // MessageBody
  ASSERT_EQ(in.message_attributes.size(), 1u);
  EXPECT_EQ(in.message_attributes[0].name, "a");
  ASSERT_EQ(in.system_attributes.size(), 1u);
  EXPECT_EQ(in.system_attributes[0].name, "AWSTraceHeader");
  EXPECT_EQ(in.system_attributes[0].data_type, "String");
  EXPECT_EQ(in.system_attributes[0].value, "Root=1-abc");
  EXPECT_EQ(in.system_attribute_names, std::vector<std::string>{"AWSTraceHeader"});
  ASSERT_EQ(in.entries.size(), 1u);
  EXPECT_EQ(in.entries[0].scalars.size(), 2u);  // Id, MessageBody
  EXPECT_TRUE(in.entries[0].message_attributes.empty());
  ASSERT_EQ(in.entries[0].system_attributes.size(), 1u);
  EXPECT_EQ(in.entries[0].system_attributes[0].value, "Root=2");

  EXPECT_TRUE(std::holds_alternative<Error>(
      parse_query_input({{"MessageSystemAttribute.1.Value.BinaryValue", "%%%"}})));
}

TEST(QueryCodecTest, RendersMd5OfMessageSystemAttributes) {
  SendMessageResult sent{"m1", "md5", "amd5", "smd5", ""};
  EXPECT_NE(render_query_result("SendMessage", sent, "r")
                .find("<SendMessageResult><MD5OfMessageBody>md5</MD5OfMessageBody>"
                      "<MD5OfMessageAttributes>amd5</MD5OfMessageAttributes>"
                      "<MD5OfMessageSystemAttributes>smd5</MD5OfMessageSystemAttributes>"
                      "<MessageId>m1</MessageId></SendMessageResult>"),
            std::string::npos);
  BatchResult r;
  r.successful.push_back({"a", SendMessageResult{"m1", "md5", "", "smd5", ""}});
  EXPECT_NE(render_query_result("SendMessageBatch", r, "r")
                .find("<SendMessageBatchResultEntry><Id>a</Id><MessageId>m1</MessageId>"
                      "<MD5OfMessageBody>md5</MD5OfMessageBody>"
                      "<MD5OfMessageSystemAttributes>smd5</MD5OfMessageSystemAttributes>"
                      "</SendMessageBatchResultEntry>"),
            std::string::npos);
  // Without system attributes the element is left out.
  EXPECT_EQ(render_query_result("SendMessage", SendMessageResult{"m1", "md5", "", "", ""}, "r")
                .find("MD5OfMessageSystemAttributes"),
            std::string::npos);
}

TEST(JsonCodecTest, ParsesMessageSystemAttributes) {
  auto parsed =
      parse_json_input(R"({"MessageBody":"x","MessageSystemAttributes":{"AWSTraceHeader":)"
                       R"({"DataType":"String","StringValue":"Root=1-abc"}},)"
                       R"("Entries":[{"Id":"a","MessageBody":"y","MessageSystemAttributes":)"
                       R"({"AWSTraceHeader":{"DataType":"String","StringValue":"Root=2"}}}]})");
  ASSERT_TRUE(std::holds_alternative<ActionInput>(parsed));
  const ActionInput& in = std::get<ActionInput>(parsed);
  EXPECT_TRUE(in.message_attributes.empty());
  ASSERT_EQ(in.system_attributes.size(), 1u);
  EXPECT_EQ(in.system_attributes[0].name, "AWSTraceHeader");
  EXPECT_EQ(in.system_attributes[0].data_type, "String");
  EXPECT_EQ(in.system_attributes[0].value, "Root=1-abc");
  ASSERT_EQ(in.entries.size(), 1u);
  EXPECT_TRUE(in.entries[0].message_attributes.empty());
  ASSERT_EQ(in.entries[0].system_attributes.size(), 1u);
  EXPECT_EQ(in.entries[0].system_attributes[0].value, "Root=2");
  EXPECT_TRUE(
      std::holds_alternative<Error>(parse_json_input(R"({"MessageSystemAttributes":[1]})")));
  EXPECT_TRUE(std::holds_alternative<Error>(
      parse_json_input(R"({"Entries":[{"Id":"a","MessageSystemAttributes":"x"}]})")));
}

TEST(JsonCodecTest, RendersMd5OfMessageSystemAttributes) {
  EXPECT_EQ(render_json_result(SendMessageResult{"m1", "md5", "", "smd5", ""}),
            R"({"MD5OfMessageBody":"md5","MD5OfMessageSystemAttributes":"smd5",)"
            R"("MessageId":"m1"})");
  BatchResult r;
  r.successful.push_back({"a", SendMessageResult{"m1", "md5", "amd5", "smd5", ""}});
  EXPECT_EQ(render_json_result(r),
            R"({"Successful":[{"Id":"a","MessageId":"m1","MD5OfMessageBody":"md5",)"
            R"("MD5OfMessageAttributes":"amd5","MD5OfMessageSystemAttributes":"smd5"}],)"
            R"("Failed":[]})");
  EXPECT_EQ(render_json_result(SendMessageResult{"m1", "md5", "", "", ""}),
            R"({"MD5OfMessageBody":"md5","MessageId":"m1"})");
}

}  // namespace
}  // namespace polymq::sqs
