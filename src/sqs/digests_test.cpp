// MD5OfMessageBody and MD5OfMessageAttributes as AWS computes them (the SDKs for Java and
// JavaScript recompute and compare them), and base64.
#include "sqs/digests.h"

#include <gtest/gtest.h>

namespace polymq::sqs {
namespace {

MessageAttribute attr(std::string name, std::string type, std::string value) {
  return MessageAttribute{std::move(name), std::move(type), std::move(value)};
}

TEST(Md5Test, BodyIsTheHexMd5) {
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(md5_hex("hello"), "5d41402abc4b2a76b9719d911017c592");
}

TEST(Sha256Test, ContentBasedDeduplicationIdIsTheHexSha256) {
  EXPECT_EQ(sha256_hex("hello"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
}

// The published examples of the algorithm (the aws-md5-of-message-attributes package's).
TEST(Md5Test, MessageAttributesPublishedExamples) {
  const MessageAttribute text = attr("attribName1", "String", "attribValue 1");
  const MessageAttribute number =
      attr("customNumberTypeAttrib", "Number.float", "4563442423554324324264524243.32543234");
  const MessageAttribute binary = attr("binaryAttribute", "Binary", "Hello binary world!");
  EXPECT_EQ(md5_of_message_attributes({text}), "19e27d4e946b072f3f58da80d94fd778");
  EXPECT_EQ(md5_of_message_attributes({number}), "9fe1b90bbd9965bdf77bac517c7d2495");
  EXPECT_EQ(md5_of_message_attributes({binary}), "31a92b15d92f8db860eda32aceb656c3");
  // Sorted by name whatever the order given.
  EXPECT_EQ(md5_of_message_attributes({text, number, binary}), "c932db14a896c663f83c260297d594ff");
  EXPECT_EQ(md5_of_message_attributes({binary, number, text}), "c932db14a896c663f83c260297d594ff");
  EXPECT_EQ(md5_of_message_attributes({}), "");
}

// MD5OfMessageSystemAttributes is the same digest over the system attributes (AWSTraceHeader).
TEST(Md5Test, MessageSystemAttributes) {
  EXPECT_EQ(md5_of_message_attributes({attr(
                "AWSTraceHeader", "String",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")}),
            "5ae4d5d7636402d80f4eb6d213245a88");
}

TEST(Base64Test, RoundTripsAndRefusesBadText) {
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  }
  EXPECT_EQ(base64_encode("Hello binary world!"), "SGVsbG8gYmluYXJ5IHdvcmxkIQ==");
  EXPECT_EQ(base64_decode("abc"), std::nullopt);
  EXPECT_EQ(base64_decode("ab!="), std::nullopt);
}

}  // namespace
}  // namespace polymq::sqs
