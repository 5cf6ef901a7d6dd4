// Frame sequencing on an open connection: content frames out of order, frames on the wrong
// channel, frames over frame_max, a bad frame-end octet, unknown frame types and methods. Each
// is a connection error with RabbitMQ's reply code, text and class/method ids (as the bad-input
// suite checks them against RabbitMQ), and the connection then closes cleanly.
#include <gtest/gtest.h>

#include <string>

#include "amqp/amqp_test_client.h"

namespace polymq::amqp {
namespace {

using testing::AmqpTestClient;
using testing::Handshake;
using testing::TestBroker;

// A running connection with channel 1 open.
class AmqpFrames : public ::testing::Test {
 protected:
  void SetUp() override {
    Handshake h;
    h.frame_max = 4096;
    ASSERT_TRUE(c.handshake(h));
    c.open_channel(1);
  }

  std::string publish(uint16_t channel = 1) {
    spec::BasicPublish m;
    m.routing_key = "nowhere";
    return AmqpTestClient::method_frame(channel, m);
  }
  static std::string qos(uint16_t channel = 1) {
    return AmqpTestClient::method_frame(channel, spec::BasicQos{});
  }

  // The next method is connection.close with this code, text and ids; the client answers
  // close-ok (unless the server closes without waiting for it) and the socket then closes
  // with nothing more sent.
  void expect_close(uint16_t code, const std::string& text, uint16_t class_id = 0,
                    uint16_t method_id = 0, bool send_close_ok = true) {
    const auto close = c.expect<spec::ConnectionClose>(0);
    EXPECT_EQ(close.reply_code, code);
    EXPECT_EQ(close.reply_text, text);
    EXPECT_EQ(close.class_id, class_id);
    EXPECT_EQ(close.method_id, method_id);
    if (send_close_ok) c.send(0, spec::ConnectionCloseOk{});
    EXPECT_TRUE(c.wait_closed()) << "the socket is still open";
    EXPECT_EQ(c.unread().size(), 0u) << "more was sent after connection.close";
  }

  TestBroker b;
  AmqpTestClient c{b};
};

TEST_F(AmqpFrames, ContentHeaderWithoutPublish) {
  c.send_bytes(AmqpTestClient::header_frame(1, 5));
  expect_close(spec::kUnexpectedFrame,
               "UNEXPECTED_FRAME - expected method frame, got non method frame instead");
}

TEST_F(AmqpFrames, BodyWithoutPublish) {
  c.send_bytes(AmqpTestClient::body_frame(1, "hello"));
  expect_close(spec::kUnexpectedFrame,
               "UNEXPECTED_FRAME - expected method frame, got non method frame instead");
}

TEST_F(AmqpFrames, BodyOnANeverOpenedChannel) {
  c.send_bytes(AmqpTestClient::body_frame(3, "hello"));
  expect_close(spec::kUnexpectedFrame,
               "UNEXPECTED_FRAME - expected method frame, got non method frame instead");
}

TEST_F(AmqpFrames, BodyWithoutContentHeader) {
  c.send_bytes(publish() + AmqpTestClient::body_frame(1, "x"));
  expect_close(spec::kUnexpectedFrame,
               "UNEXPECTED_FRAME - expected content header for class 60, got non content header "
               "frame instead",
               60, 40);
}

TEST_F(AmqpFrames, MethodWhileContentHeaderExpected) {
  c.send_bytes(publish() + qos());
  expect_close(spec::kUnexpectedFrame,
               "UNEXPECTED_FRAME - expected content header for class 60, got non content header "
               "frame instead",
               60, 40);
}

TEST_F(AmqpFrames, ContentHeaderOfAnotherClass) {
  std::string payload;
  Writer w(payload);
  w.u16(spec::kClassQueue);  // class 50
  w.u16(0);                  // weight
  w.u64(1);                  // body size
  w.u16(0);                  // no properties
  c.send_bytes(publish() + AmqpTestClient::frame(kFrameHeader, 1, payload));
  expect_close(
      spec::kUnexpectedFrame,
      "UNEXPECTED_FRAME - expected content header for class 60, got one for class 50 instead", 60,
      40);
}

TEST_F(AmqpFrames, MethodInTheMiddleOfABody) {
  c.send_bytes(publish() + AmqpTestClient::header_frame(1, 10) +
               AmqpTestClient::body_frame(1, "hello") + qos());
  expect_close(spec::kUnexpectedFrame,
               "UNEXPECTED_FRAME - expected content body, got non content body frame instead", 60,
               40);
}

TEST_F(AmqpFrames, BodyLargerThanDeclared) {
  c.send_bytes(publish() + AmqpTestClient::header_frame(1, 3) +
               AmqpTestClient::body_frame(1, "hello"));
  expect_close(spec::kFrameError, "FRAME_ERROR - content body larger than the declared body size",
               60, 40);
}

TEST_F(AmqpFrames, ContentSplitOverManyFramesIsAssembled) {
  const std::string q = c.declare_queue(1);
  std::string body(3 * 4096 + 17, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 23);
  c.publish(1, "", q, body);  // body frames of frame_max - 8 = 4088 octets
  spec::BasicGet get;
  get.queue = q;
  get.no_ack = true;
  c.send(1, get);
  const auto got = c.expect_content<spec::BasicGetOk>(1);
  EXPECT_EQ(got.body, body);
}

TEST_F(AmqpFrames, FrameSentOneOctetAtATimeIsProcessed) {
  for (char octet : qos()) c.send_bytes(std::string(1, octet));
  c.expect<spec::BasicQosOk>(1);
}

TEST_F(AmqpFrames, ContentHeaderOnChannelZero) {
  const std::string frame = AmqpTestClient::header_frame(0, 1);
  // RabbitMQ quotes the payload octet by octet.
  std::string octets;
  for (size_t i = 7; i + 1 < frame.size(); ++i) {
    if (!octets.empty()) octets += ',';
    octets += std::to_string(static_cast<uint8_t>(frame[i]));
  }
  c.send_bytes(frame);
  expect_close(spec::kUnexpectedFrame,
               "UNEXPECTED_FRAME - type 2, all octets = <<" + octets + ">>");
}

TEST_F(AmqpFrames, ChannelClassMethodOnChannelZero) {
  c.send_bytes(qos(0));
  expect_close(spec::kChannelError, "CHANNEL_ERROR - unexpected method in connection state running",
               spec::BasicQos::kClassId, spec::BasicQos::kMethodId);
}

TEST_F(AmqpFrames, ChannelOpenOnChannelZero) {
  c.send(0, spec::ChannelOpen{});
  expect_close(spec::kChannelError, "CHANNEL_ERROR - unexpected method in connection state running",
               spec::ChannelOpen::kClassId, spec::ChannelOpen::kMethodId);
}

TEST_F(AmqpFrames, ConnectionOpenAgain) {
  c.send(0, spec::ConnectionOpen{});
  expect_close(spec::kChannelError, "CHANNEL_ERROR - unexpected method in connection state running",
               spec::ConnectionOpen::kClassId, spec::ConnectionOpen::kMethodId);
}

TEST_F(AmqpFrames, ConnectionMethodOnAChannel) {
  c.send(1, spec::ConnectionOpen{});
  expect_close(spec::kCommandInvalid, "COMMAND_INVALID - unimplemented method",
               spec::ConnectionOpen::kClassId, spec::ConnectionOpen::kMethodId);
}

TEST_F(AmqpFrames, HeartbeatOnAChannel) {
  c.send_bytes(AmqpTestClient::frame(kFrameHeartbeat, 1, ""));
  expect_close(spec::kUnexpectedFrame, "UNEXPECTED_FRAME - type 8, all octets = <<>>");
}

TEST_F(AmqpFrames, HeartbeatWithAPayload) {
  c.send_bytes(AmqpTestClient::frame(kFrameHeartbeat, 0, "abc"));
  expect_close(spec::kFrameError, "FRAME_ERROR - type 8, all octets = <<97,98,99>>: unknown_frame");
}

TEST_F(AmqpFrames, MethodFrameTooShortForItsIds) {
  c.send_bytes(AmqpTestClient::frame(kFrameMethod, 1, std::string("\x00\x3c", 2)));
  expect_close(spec::kFrameError, "FRAME_ERROR - type 1, all octets = <<0,60>>: unknown_frame");
}

TEST_F(AmqpFrames, PayloadOfFrameMaxOctetsIsAccepted) {
  // RabbitMQ accepts frame_max octets of payload (the spec says frame_max - 8).
  const std::string q = c.declare_queue(1);
  spec::BasicPublish m;
  m.routing_key = q;
  c.send_bytes(AmqpTestClient::method_frame(1, m) + AmqpTestClient::header_frame(1, 4096) +
               AmqpTestClient::body_frame(1, std::string(4096, 'x')));
  EXPECT_EQ(c.message_count(1, q), 1u);
}

TEST_F(AmqpFrames, FrameLargerThanFrameMax) {
  c.send_bytes(publish() + AmqpTestClient::header_frame(1, 4097) +
               AmqpTestClient::body_frame(1, std::string(4097, 'x')));
  // The byte stream cannot be followed any further: the server closes without close-ok.
  expect_close(spec::kFrameError,
               "FRAME_ERROR - type 3, all octets = <<>>: {frame_too_large,4097,4088}", 0, 0,
               /*send_close_ok=*/false);
}

TEST_F(AmqpFrames, HugeDeclaredFrameSizeIsRefusedFromTheFrameHeader) {
  std::string header;
  Writer w(header);
  w.u8(kFrameMethod);
  w.u16(1);
  w.u32(0xFFFFFFFF);
  c.send_bytes(header);  // no payload follows: the 7 octets are enough to refuse it
  expect_close(spec::kFrameError,
               "FRAME_ERROR - type 1, all octets = <<>>: {frame_too_large,4294967295,4088}", 0, 0,
               /*send_close_ok=*/false);
}

TEST_F(AmqpFrames, WrongFrameEndOctet) {
  c.send_bytes(AmqpTestClient::frame(kFrameMethod, 1,
                                     AmqpTestClient::method_payload(spec::BasicQos{}), 0xAB));
  expect_close(spec::kFrameError,
               "FRAME_ERROR - type 1, all octets = <<>>: {invalid_frame_end_marker,171}", 0, 0,
               /*send_close_ok=*/false);
}

TEST_F(AmqpFrames, UnknownFrameType) {
  c.send_bytes(AmqpTestClient::frame(9, 0, "abc"));
  expect_close(spec::kFrameError, "FRAME_ERROR - type 9, all octets = <<>>: unknown_frame", 0, 0,
               /*send_close_ok=*/false);
}

TEST_F(AmqpFrames, UnknownMethod) {
  std::string payload;
  Writer w(payload);
  w.u16(99);
  w.u16(10);
  c.send_bytes(AmqpTestClient::frame(kFrameMethod, 1, payload));
  expect_close(spec::kNotImplemented, "NOT_IMPLEMENTED - unknown method 99.10", 99, 10);
}

TEST_F(AmqpFrames, MalformedMethodArguments) {
  std::string payload = AmqpTestClient::method_payload(spec::BasicQos{});
  payload += "xy";  // arguments must fill the payload exactly
  c.send_bytes(AmqpTestClient::frame(kFrameMethod, 1, payload));
  expect_close(spec::kFrameError, "FRAME_ERROR - cannot decode <<0,0,0,0,0,0,0,120,121>>",
               spec::BasicQos::kClassId, spec::BasicQos::kMethodId);
}

TEST_F(AmqpFrames, FramesAfterTheServersCloseAreIgnoredUntilCloseOk) {
  c.send_bytes(qos(0));
  c.expect<spec::ConnectionClose>(0);
  // Anything but close-ok (or a crossing close) is dropped while the server waits.
  c.send_bytes(qos(1) + AmqpTestClient::method_frame(1, spec::ChannelOpen{}));
  c.send(0, spec::ConnectionClose{});  // crossing close: answered, then closed
  c.expect<spec::ConnectionCloseOk>(0);
  EXPECT_TRUE(c.wait_closed());
  EXPECT_EQ(c.unread().size(), 0u);
}

}  // namespace
}  // namespace polymq::amqp
