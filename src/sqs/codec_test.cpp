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

}  // namespace
}  // namespace polymq::sqs
