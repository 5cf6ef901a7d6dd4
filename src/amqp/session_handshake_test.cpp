// The connection state machine up to connection.open-ok, and heartbeats: protocol header,
// start / start-ok (SASL), tune / tune-ok limits, open, the handshake timeout. Expected texts
// are RabbitMQ's, as the bad-input suite (tests/integration/badinput) checks them against it.
#include <gtest/gtest.h>

#include <string>

#include "amqp/amqp_test_client.h"
#include "amqp/codec/field_table.h"

namespace polymq::amqp {
namespace {

using testing::AmqpTestClient;
using testing::Handshake;
using testing::TestBroker;

std::string bytes(std::initializer_list<uint8_t> octets) {
  return std::string(octets.begin(), octets.end());
}

const std::string kHeader = bytes({'A', 'M', 'Q', 'P', 0, 0, 9, 1});

// A PLAIN start-ok whose frame payload is exactly `payload_size` octets, padded with a client
// property.
std::string start_ok_of_size(size_t payload_size) {
  auto build = [](size_t pad) {
    spec::ConnectionStartOk ok = AmqpTestClient::start_ok(Handshake{});
    ok.client_properties.emplace_back("padding", core::Value::String(std::string(pad, 'x')));
    return AmqpTestClient::method_payload(ok);
  };
  const std::string payload = build(payload_size - build(0).size());
  EXPECT_EQ(payload.size(), payload_size);
  return AmqpTestClient::frame(kFrameMethod, 0, payload);
}

// Reads up to connection.tune, after a good start-ok.
spec::ConnectionTune start_and_login(AmqpTestClient& c) {
  c.send_header();
  c.expect<spec::ConnectionStart>(0);
  c.send(0, AmqpTestClient::start_ok(Handshake{}));
  return c.expect<spec::ConnectionTune>(0);
}

// The socket closes with nothing sent after what the test already read.
void expect_silent_close(AmqpTestClient& c) {
  EXPECT_TRUE(c.wait_closed()) << "the socket is still open";
  EXPECT_EQ(c.unread().size(), 0u) << "the server sent something before closing";
}

TEST(AmqpHandshake, ProtocolHeaderIsAnsweredWithConnectionStart) {
  TestBroker b;
  AmqpTestClient c(b);
  c.send_header();
  const auto start = c.expect<spec::ConnectionStart>(0);
  EXPECT_EQ(start.version_major, 0);
  EXPECT_EQ(start.version_minor, 9);
  EXPECT_EQ(start.mechanisms, "PLAIN AMQPLAIN");
  EXPECT_EQ(start.locales, "en_US");
  const std::string* product = core::find_string(start.server_properties, "product");
  ASSERT_NE(product, nullptr);
  EXPECT_EQ(*product, "PolyMQ");
  const core::Value* caps = core::find(start.server_properties, "capabilities");
  ASSERT_NE(caps, nullptr);
  ASSERT_NE(caps->as_table(), nullptr);
  for (const char* name : {"publisher_confirms", "basic.nack", "consumer_cancel_notify",
                           "authentication_failure_close", "direct_reply_to"}) {
    EXPECT_EQ(core::find_bool(*caps->as_table(), name), std::optional<bool>(true)) << name;
  }
}

TEST(AmqpHandshake, ConfiguredProductIsAnnounced) {
  TestBroker b;
  SessionConfig config = b.session_config();
  config.product = "RabbitMQ";
  AmqpTestClient c(b, config);
  c.send_header();
  const auto start = c.expect<spec::ConnectionStart>(0);
  const std::string* product = core::find_string(start.server_properties, "product");
  ASSERT_NE(product, nullptr);
  EXPECT_EQ(*product, "RabbitMQ");
}

TEST(AmqpHandshake, HeaderInPiecesIsAssembled) {
  TestBroker b;
  AmqpTestClient c(b);
  c.send_bytes(kHeader.substr(0, 3));
  c.send_bytes(kHeader.substr(3));
  c.expect<spec::ConnectionStart>(0);
}

TEST(AmqpHandshake, LegacyZeroNineHeaderIsServedAsZeroNineOne) {
  TestBroker b;
  AmqpTestClient c(b);
  c.send_bytes(bytes({'A', 'M', 'Q', 'P', 1, 1, 0, 9}));
  c.expect<spec::ConnectionStart>(0);
  c.send(0, AmqpTestClient::start_ok(Handshake{}));
  c.expect<spec::ConnectionTune>(0);
}

class AmqpBadHeader : public ::testing::TestWithParam<std::string> {};

TEST_P(AmqpBadHeader, IsAnsweredWithTheServersHeaderThenClosed) {
  TestBroker b;
  AmqpTestClient c(b);
  c.send_bytes(GetParam());
  ASSERT_TRUE(c.wait_closed());
  EXPECT_EQ(c.unread(), kHeader);
}

INSTANTIATE_TEST_SUITE_P(Headers, AmqpBadHeader,
                         ::testing::Values(bytes({'A', 'M', 'Q', 'P', 0, 0, 9, 0}),
                                           bytes({'A', 'M', 'Q', 'P', 0, 0, 8, 0}),
                                           bytes({'A', 'M', 'Q', 'P', 0, 1, 0, 0}),
                                           bytes({'A', 'M', 'Q', 'P', 3, 1, 0, 0}),
                                           std::string("HTTP/1.1"), std::string(8, '\0')));

TEST(AmqpHandshake, GoodLoginIsTunedWithTheConfiguredLimits) {
  TestBroker b;
  {
    AmqpTestClient c(b);
    const auto tune = start_and_login(c);
    EXPECT_EQ(tune.channel_max, 2047);  // RabbitMQ's defaults
    EXPECT_EQ(tune.frame_max, 131072u);
    EXPECT_EQ(tune.heartbeat, 60);
  }
  SessionConfig config = b.session_config();
  config.channel_max = 10;
  config.frame_max = 8192;
  config.heartbeat = 7;
  AmqpTestClient c(b, config);
  const auto tune = start_and_login(c);
  EXPECT_EQ(tune.channel_max, 10);
  EXPECT_EQ(tune.frame_max, 8192u);
  EXPECT_EQ(tune.heartbeat, 7);
}

TEST(AmqpHandshake, FullHandshakeOpensTheConnection) {
  TestBroker b;
  AmqpTestClient c(b);
  ASSERT_TRUE(c.handshake());
  c.open_channel(1);
  c.expect_nothing(1);
}

TEST(AmqpHandshake, AmqplainLoginIsAccepted) {
  TestBroker b;
  AmqpTestClient c(b);
  c.send_header();
  c.expect<spec::ConnectionStart>(0);
  spec::ConnectionStartOk ok = AmqpTestClient::start_ok(Handshake{});
  ok.mechanism = "AMQPLAIN";
  core::Table credentials;
  credentials.emplace_back("LOGIN", core::Value::String("guest"));
  credentials.emplace_back("PASSWORD", core::Value::String("guest"));
  std::string table;
  Writer w(table);
  encode_table(w, credentials);
  ok.response = table.substr(4);  // AMQPLAIN: the table without its length
  c.send(0, ok);
  c.expect<spec::ConnectionTune>(0);
}

TEST(AmqpHandshake, WrongPasswordIsRefusedWith403WhenTheClientAsksForIt) {
  TestBroker b;
  AmqpTestClient c(b);
  c.send_header();
  c.expect<spec::ConnectionStart>(0);
  Handshake h;
  h.password = "wrong";
  c.send(0, AmqpTestClient::start_ok(h));
  const auto close = c.expect_connection_close();
  EXPECT_EQ(close.reply_code, spec::kAccessRefused);
  EXPECT_EQ(close.reply_text,
            "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For "
            "details see the broker logfile.");
  EXPECT_EQ(close.class_id, 0);
  EXPECT_EQ(close.method_id, 0);
  expect_silent_close(c);
}

TEST(AmqpHandshake, UnknownUserIsRefusedWith403) {
  TestBroker b;
  AmqpTestClient c(b);
  c.send_header();
  c.expect<spec::ConnectionStart>(0);
  Handshake h;
  h.user = "nobody";
  c.send(0, AmqpTestClient::start_ok(h));
  EXPECT_EQ(c.expect_connection_close().reply_code, spec::kAccessRefused);
  expect_silent_close(c);
}

TEST(AmqpHandshake, WrongPasswordWithoutTheCapabilityClosesTheSocket) {
  TestBroker b;
  AmqpTestClient c(b);
  c.send_header();
  c.expect<spec::ConnectionStart>(0);
  Handshake h;
  h.password = "wrong";
  h.auth_failure_close = false;
  c.send(0, AmqpTestClient::start_ok(h));
  expect_silent_close(c);
}

TEST(AmqpHandshake, UnknownMechanismClosesTheSocket) {
  TestBroker b;
  AmqpTestClient c(b);
  c.send_header();
  c.expect<spec::ConnectionStart>(0);
  spec::ConnectionStartOk ok = AmqpTestClient::start_ok(Handshake{});
  ok.mechanism = "BOGUS";
  c.send(0, ok);
  expect_silent_close(c);
}

TEST(AmqpHandshake, StartOkLargerThan4096OctetsBeforeTuningClosesTheSocket) {
  TestBroker b;
  AmqpTestClient c(b);
  c.send_header();
  c.expect<spec::ConnectionStart>(0);
  c.send_bytes(start_ok_of_size(4097));
  expect_silent_close(c);
}

TEST(AmqpHandshake, StartOkOf4096OctetsIsAccepted) {
  TestBroker b;
  AmqpTestClient c(b);
  c.send_header();
  c.expect<spec::ConnectionStart>(0);
  c.send_bytes(start_ok_of_size(4096));
  c.expect<spec::ConnectionTune>(0);
}

TEST(AmqpHandshake, MethodOtherThanStartOkClosesTheSocket) {
  TestBroker b;
  AmqpTestClient c(b);
  c.send_header();
  c.expect<spec::ConnectionStart>(0);
  c.send(0, spec::ConnectionOpen{});
  expect_silent_close(c);
}

struct TuneCase {
  const char* name;
  uint16_t channel_max;
  uint32_t frame_max;
};

class AmqpBadTuneOk : public ::testing::TestWithParam<TuneCase> {};

TEST_P(AmqpBadTuneOk, ClosesTheSocketSilently) {
  TestBroker b;
  AmqpTestClient c(b);
  start_and_login(c);
  spec::ConnectionTuneOk tune_ok;
  tune_ok.channel_max = GetParam().channel_max;
  tune_ok.frame_max = GetParam().frame_max;
  c.send(0, tune_ok);
  expect_silent_close(c);
}

INSTANTIATE_TEST_SUITE_P(Limits, AmqpBadTuneOk,
                         ::testing::Values(TuneCase{"FrameMaxBelow4096", 0, 4095},
                                           TuneCase{"FrameMax100", 0, 100},
                                           TuneCase{"FrameMaxAboveServer", 0, 131073},
                                           TuneCase{"ChannelMaxAboveServer", 2048, 4096}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(AmqpHandshake, TuneOkWithZerosTakesTheServersLimits) {
  TestBroker b;
  SessionConfig config = b.session_config();
  config.frame_max = 8192;
  AmqpTestClient c(b, config);
  start_and_login(c);
  c.send(0, spec::ConnectionTuneOk{});  // channel_max 0, frame_max 0, heartbeat 0
  c.send(0, spec::ConnectionOpen{});
  c.expect<spec::ConnectionOpenOk>(0);
  c.open_channel(1);
  // A body frame of exactly 8192 octets fits the server's frame_max; one more does not.
  const std::string q = c.declare_queue(1);
  spec::BasicPublish publish;
  publish.routing_key = q;
  c.send_bytes(AmqpTestClient::method_frame(1, publish) + AmqpTestClient::header_frame(1, 8192) +
               AmqpTestClient::body_frame(1, std::string(8192, 'b')));
  EXPECT_EQ(c.message_count(1, q), 1u);
  c.send_bytes(AmqpTestClient::method_frame(1, publish) + AmqpTestClient::header_frame(1, 8193) +
               AmqpTestClient::body_frame(1, std::string(8193, 'b')));
  const auto close = c.expect<spec::ConnectionClose>(0);
  EXPECT_EQ(close.reply_text,
            "FRAME_ERROR - type 3, all octets = <<>>: {frame_too_large,8193,8184}");
}

TEST(AmqpHandshake, OpenOfAMissingVhostIsRefusedWith530) {
  TestBroker b;
  AmqpTestClient c(b);
  start_and_login(c);
  c.send(0, spec::ConnectionTuneOk{});
  spec::ConnectionOpen open;
  open.virtual_host = "no-such-vhost";
  c.send(0, open);
  const auto close = c.expect_connection_close();
  EXPECT_EQ(close.reply_code, spec::kNotAllowed);
  EXPECT_EQ(close.reply_text, "NOT_ALLOWED - vhost no-such-vhost not found");
  EXPECT_EQ(close.class_id, spec::ConnectionOpen::kClassId);
  EXPECT_EQ(close.method_id, spec::ConnectionOpen::kMethodId);
  expect_silent_close(c);
}

TEST(AmqpHandshake, ChannelOpenBeforeConnectionOpenIsAnUnexpectedFrame) {
  TestBroker b;
  AmqpTestClient c(b);
  start_and_login(c);
  c.send(0, spec::ConnectionTuneOk{});
  c.send(1, spec::ChannelOpen{});
  const auto close = c.expect_connection_close();
  EXPECT_EQ(close.reply_code, spec::kUnexpectedFrame);
  EXPECT_EQ(close.reply_text, "UNEXPECTED_FRAME - type 1, all octets = <<0,20,0,10,0>>");
  EXPECT_EQ(close.class_id, 0);
  EXPECT_EQ(close.method_id, 0);
  expect_silent_close(c);
}

TEST(AmqpHandshake, ClientCloseIsAnsweredWithCloseOk) {
  TestBroker b;
  AmqpTestClient c(b);
  ASSERT_TRUE(c.handshake());
  c.open_channel(1);
  spec::ConnectionClose close;
  close.reply_code = spec::kReplySuccess;
  close.reply_text = "bye";
  c.send(0, close);
  c.expect<spec::ConnectionCloseOk>(0);
  expect_silent_close(c);
}

// --- handshake timeout and heartbeats: the connection's ticks are called with chosen times

TEST(AmqpHandshake, UnfinishedHandshakeIsClosedAfterTheHandshakeTimeout) {
  TestBroker b;
  AmqpTestClient c(b);
  c.send_header();
  c.expect<spec::ConnectionStart>(0);
  const auto now = net::Clock::now();
  c.server().handler()->on_tick(now + std::chrono::seconds(5));
  c.send(0, AmqpTestClient::start_ok(Handshake{}));
  c.expect<spec::ConnectionTune>(0);  // still talking after 5 s of the 10 s allowed
  c.server().handler()->on_tick(now + std::chrono::seconds(11));
  expect_silent_close(c);
}

TEST(AmqpHeartbeat, NegotiatedIntervalSendsHeartbeatsAtHalfOfIt) {
  TestBroker b;
  AmqpTestClient c(b);
  Handshake h;
  h.heartbeat = 10;
  ASSERT_TRUE(c.handshake(h));
  const auto now = net::Clock::now();
  c.server().handler()->on_tick(now + std::chrono::seconds(6));  // over 10 / 2 s since open
  c.server().flush_soon();
  const auto beat = c.next_frame(/*skip_heartbeats=*/false);
  ASSERT_TRUE(beat.has_value());
  EXPECT_EQ(beat->type, kFrameHeartbeat);
  EXPECT_EQ(beat->channel, 0);
  EXPECT_EQ(beat->payload, "");
  // Not again within the half interval after it.
  c.server().handler()->on_tick(now + std::chrono::seconds(8));
  c.open_channel(1);
  c.expect_nothing(1);
  EXPECT_EQ(c.heartbeats_received(), 0u);
}

TEST(AmqpHeartbeat, ClientHeartbeatsAreAcceptedSilently) {
  TestBroker b;
  AmqpTestClient c(b);
  Handshake h;
  h.heartbeat = 10;
  ASSERT_TRUE(c.handshake(h));
  c.send_bytes(AmqpTestClient::frame(kFrameHeartbeat, 0, ""));
  c.open_channel(1);
  c.expect_nothing(1);
}

TEST(AmqpHeartbeat, SilenceForTwoIntervalsClosesTheConnection) {
  TestBroker b;
  AmqpTestClient c(b);
  Handshake h;
  h.heartbeat = 10;
  ASSERT_TRUE(c.handshake(h));
  c.server().handler()->on_tick(net::Clock::now() + std::chrono::seconds(21));
  expect_silent_close(c);
}

TEST(AmqpHeartbeat, HeartbeatZeroDisablesThem) {
  TestBroker b;
  AmqpTestClient c(b);
  Handshake h;
  h.heartbeat = 0;  // the server proposed 60; the client's choice wins
  ASSERT_TRUE(c.handshake(h));
  c.server().handler()->on_tick(net::Clock::now() + std::chrono::hours(1));
  c.server().flush_soon();
  c.open_channel(1);
  c.expect_nothing(1);
  EXPECT_EQ(c.heartbeats_received(), 0u);
  EXPECT_FALSE(c.closed());
}

}  // namespace
}  // namespace polymq::amqp
