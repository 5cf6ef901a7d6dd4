// Queue x-arguments: what each accepts, RabbitMQ 3.10's exact refusal texts, how an operator
// policy combines with the queue's own arguments, and the per-message expiration property.
#include "rabbit/queue_arguments.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace polymq::rabbit {
namespace {

using core::ErrorCode;
using core::Overflow;
using core::QueueSettings;
using core::Status;
using core::Table;
using core::Value;
using core::ValueKind;

// The dead-letter exchange and routing key the settings name, unset when there is no target.
std::optional<std::string> dlx(const QueueSettings& s) {
  return s.dead_letter ? std::optional(s.dead_letter->exchange) : std::nullopt;
}
std::optional<std::string> dlrk(const QueueSettings& s) {
  return s.dead_letter ? s.dead_letter->routing_key : std::nullopt;
}

// Parses `args` of queue 'q' in vhost '/'; the test fails if they are refused.
QueueSettings parsed(const Table& args) {
  QueueSettings out;
  Status s = parse_queue_arguments(args, "q", "/", out);
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

// The refusal text for `args` of queue 'q' in vhost '/', after checking it is a refusal.
std::string refusal(const Table& args) {
  QueueSettings out;
  Status s = parse_queue_arguments(args, "q", "/", out);
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed) << s.message();
  return s.message();
}

std::string invalid_arg(const std::string& key, const std::string& error) {
  return "invalid arg '" + key + "' for queue 'q' in vhost '/': " + error;
}

// Every integer kind a table value can have, each holding `n`.
std::vector<Value> every_integer_kind(uint8_t n) {
  return {Value::Int(ValueKind::kInt8, n),  Value::UInt(ValueKind::kUInt8, n),
          Value::Int(ValueKind::kInt16, n), Value::UInt(ValueKind::kUInt16, n),
          Value::Int(ValueKind::kInt32, n), Value::UInt(ValueKind::kUInt32, n),
          Value::Int(ValueKind::kInt64, n), Value::UInt(ValueKind::kUInt64, n)};
}

constexpr uint64_t kMaxExpiry = 4294967295;  // RabbitMQ's largest timer

// A name that is not null, to see an out-parameter cleared.
const std::string kNoName = "unset";

TEST(QueueSettingsTest, NoArgumentsIsAPlainClassicQueue) {
  QueueSettings a = parsed({});
  EXPECT_FALSE(a.message_ttl_ms);
  EXPECT_FALSE(a.expires_ms);
  EXPECT_FALSE(a.max_length);
  EXPECT_FALSE(a.max_length_bytes);
  EXPECT_EQ(a.overflow, Overflow::kDropHead);
  EXPECT_FALSE(dlx(a));
  EXPECT_FALSE(dlrk(a));
  EXPECT_FALSE(a.delivery_limit);
  EXPECT_EQ(a.max_priority, 0);
  EXPECT_FALSE(a.single_active_consumer);
  EXPECT_FALSE(a.always_count_deliveries);
  EXPECT_FALSE(a.has_length_limit());
  EXPECT_FALSE(a.counts_deliveries());
}

TEST(QueueSettingsTest, ArgumentsItDoesNotKnowAreIgnored) {
  QueueSettings a = parsed({{"x-queue-mode", Value::String("lazy")},
                            {"x-custom", Value::Int32(-7)},
                            {"message-ttl", Value::Int32(-1)}});
  EXPECT_FALSE(a.message_ttl_ms);
}

TEST(QueueSettingsTest, EveryArgumentIsTakenIntoItsSetting) {
  QueueSettings a = parsed({{"x-message-ttl", Value::Int32(1500)},
                            {"x-expires", Value::Int32(60000)},
                            {"x-max-length", Value::Int32(10)},
                            {"x-max-length-bytes", Value::Int64(1 << 20)},
                            {"x-overflow", Value::String("reject-publish-dlx")},
                            {"x-dead-letter-exchange", Value::String("dlx")},
                            {"x-dead-letter-routing-key", Value::String("dead")},
                            {"x-delivery-limit", Value::Int32(3)},
                            {"x-max-priority", Value::UInt(ValueKind::kUInt8, 9)},
                            {"x-single-active-consumer", Value::Bool(true)},
                            {"x-queue-type", Value::String("quorum")}});
  EXPECT_EQ(a.message_ttl_ms, 1500u);
  EXPECT_EQ(a.expires_ms, 60000u);
  EXPECT_EQ(a.max_length, 10u);
  EXPECT_EQ(a.max_length_bytes, uint64_t{1} << 20);
  EXPECT_EQ(a.overflow, Overflow::kRejectPublishDlx);
  EXPECT_EQ(dlx(a), "dlx");
  EXPECT_EQ(dlrk(a), "dead");
  EXPECT_EQ(a.delivery_limit, 3u);
  EXPECT_EQ(a.max_priority, 9);
  EXPECT_TRUE(a.single_active_consumer);
  EXPECT_TRUE(a.always_count_deliveries);
  EXPECT_TRUE(a.has_length_limit());
  EXPECT_TRUE(a.counts_deliveries());
}

// The setting an integer x-argument lands in, as a number (the priority widened).
std::optional<uint64_t> integer_setting(const QueueSettings& a, const std::string& key) {
  if (key == "x-message-ttl") return a.message_ttl_ms;
  if (key == "x-expires") return a.expires_ms;
  if (key == "x-max-length") return a.max_length;
  if (key == "x-max-length-bytes") return a.max_length_bytes;
  if (key == "x-delivery-limit") return a.delivery_limit;
  if (key == "x-max-priority") return a.max_priority;
  ADD_FAILURE() << "no setting for " << key;
  return std::nullopt;
}

TEST(QueueSettingsTest, IntegerArgumentsAcceptEveryIntegerWidth) {
  for (const char* key : {"x-message-ttl", "x-expires", "x-max-length", "x-max-length-bytes",
                          "x-delivery-limit", "x-max-priority"}) {
    for (const Value& v : every_integer_kind(7)) {
      SCOPED_TRACE(std::string(key) + " as " + rabbit_type_name(v.kind) + " (kind " +
                   std::to_string(static_cast<int>(v.kind)) + ")");
      EXPECT_EQ(integer_setting(parsed({{key, v}}), key), 7u);
    }
  }
}

TEST(QueueSettingsTest, NegativeValuesOfNarrowSignedKindsAreRefused) {
  EXPECT_EQ(refusal({{"x-max-length", Value::Int(ValueKind::kInt8, -1)}}),
            invalid_arg("x-max-length", "{value_negative,-1}"));
  EXPECT_EQ(refusal({{"x-max-length-bytes", Value::Int(ValueKind::kInt16, -300)}}),
            invalid_arg("x-max-length-bytes", "{value_negative,-300}"));
  EXPECT_EQ(refusal({{"x-message-ttl", Value::Int64(INT64_MIN)}}),
            invalid_arg("x-message-ttl", "{value_negative,-9223372036854775808}"));
}

TEST(QueueSettingsTest, IntegerArgumentsRefuseOtherTypesNamingThem) {
  const std::vector<std::pair<Value, std::string>> wrong = {{Value::String("100"), "longstr"},
                                                            {Value::Bytes("100"), "binary"},
                                                            {Value::Bool(true), "bool"},
                                                            {Value::Double(100.0), "double"},
                                                            {Value::Float(100.0f), "float"},
                                                            {Value::Dec({0, 100}), "decimal"},
                                                            {Value::Timestamp(100), "timestamp"},
                                                            {Value::Void(), "void"},
                                                            {Value::Arr({}), "array"},
                                                            {Value::Tab({}), "table"}};
  for (const char* key : {"x-message-ttl", "x-expires", "x-max-length", "x-max-length-bytes",
                          "x-delivery-limit", "x-max-priority"}) {
    for (const auto& [v, type] : wrong) {
      SCOPED_TRACE(std::string(key) + " as " + type);
      EXPECT_EQ(refusal({{key, v}}), invalid_arg(key, "\"expected integer, got " + type + "\""));
    }
  }
}

TEST(QueueSettingsTest, MessageTtlTakesZeroToTheLargestTimer) {
  EXPECT_EQ(parsed({{"x-message-ttl", Value::Int32(0)}}).message_ttl_ms, 0u);
  EXPECT_EQ(parsed({{"x-message-ttl", Value::Int64(kMaxExpiry)}}).message_ttl_ms, kMaxExpiry);
  EXPECT_EQ(refusal({{"x-message-ttl", Value::Int32(-1)}}),
            "invalid arg 'x-message-ttl' for queue 'q' in vhost '/': {value_negative,-1}");
  EXPECT_EQ(refusal({{"x-message-ttl", Value::Int64(kMaxExpiry + 1)}}),
            invalid_arg("x-message-ttl", "{value_too_large,4294967296}"));
}

TEST(QueueSettingsTest, ExpiresTakesOneToTheLargestTimer) {
  EXPECT_EQ(parsed({{"x-expires", Value::Int32(1)}}).expires_ms, 1u);
  EXPECT_EQ(parsed({{"x-expires", Value::UInt(ValueKind::kUInt32, kMaxExpiry)}}).expires_ms,
            kMaxExpiry);
  EXPECT_EQ(refusal({{"x-expires", Value::Int32(0)}}), invalid_arg("x-expires", "{value_zero,0}"));
  EXPECT_EQ(refusal({{"x-expires", Value::Int(ValueKind::kInt16, -2)}}),
            invalid_arg("x-expires", "{value_negative,-2}"));
  EXPECT_EQ(refusal({{"x-expires", Value::Int64(kMaxExpiry + 1)}}),
            invalid_arg("x-expires", "{value_too_large,4294967296}"));
}

// A definitions file can carry a number past int64's range; RabbitMQ's bignums compare it as
// the huge number it is and print it in full.
TEST(QueueSettingsTest, UnsignedValuesPastInt64AreTooLargeNotZero) {
  const Value huge = Value::UInt(ValueKind::kUInt64, UINT64_MAX);
  EXPECT_EQ(refusal({{"x-message-ttl", huge}}),
            invalid_arg("x-message-ttl", "{value_too_large,18446744073709551615}"));
  EXPECT_EQ(refusal({{"x-expires", huge}}),
            invalid_arg("x-expires", "{value_too_large,18446744073709551615}"));
  EXPECT_EQ(refusal({{"x-max-priority", huge}}),
            invalid_arg("x-max-priority", "{max_value_exceeded,18446744073709551615}"));
  // Non-negative, so acceptable as a length; no limit can be reached at that size.
  EXPECT_FALSE(parsed({{"x-max-length", huge}}).max_length);
}

TEST(QueueSettingsTest, LengthLimitsAndDeliveryLimitTakeAnyNonNegativeInteger) {
  for (const char* key : {"x-max-length", "x-max-length-bytes", "x-delivery-limit"}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(refusal({{key, Value::Int32(-1)}}), invalid_arg(key, "{value_negative,-1}"));
  }
  // A limit of zero is a limit: the queue holds nothing.
  QueueSettings zero = parsed({{"x-max-length", Value::Int32(0)}});
  EXPECT_EQ(zero.max_length, 0u);
  EXPECT_TRUE(zero.has_length_limit());
  EXPECT_EQ(parsed({{"x-max-length-bytes", Value::Int64(INT64_MAX)}}).max_length_bytes,
            uint64_t{INT64_MAX});
  EXPECT_EQ(parsed({{"x-delivery-limit", Value::Int32(0)}}).delivery_limit, 0u);
}

TEST(QueueSettingsTest, MaxPriorityTakesZeroTo255) {
  EXPECT_EQ(parsed({{"x-max-priority", Value::Int32(0)}}).max_priority, 0);
  EXPECT_EQ(parsed({{"x-max-priority", Value::Int32(255)}}).max_priority, 255);
  EXPECT_EQ(refusal({{"x-max-priority", Value::Int32(256)}}),
            invalid_arg("x-max-priority", "{max_value_exceeded,256}"));
  EXPECT_EQ(refusal({{"x-max-priority", Value::Int32(-1)}}),
            invalid_arg("x-max-priority", "{value_negative,-1}"));
}

TEST(QueueSettingsTest, OverflowTakesRabbitMqsThreeModes) {
  EXPECT_EQ(parsed({{"x-overflow", Value::String("drop-head")}}).overflow, Overflow::kDropHead);
  EXPECT_EQ(parsed({{"x-overflow", Value::String("reject-publish")}}).overflow,
            Overflow::kRejectPublish);
  EXPECT_EQ(parsed({{"x-overflow", Value::String("reject-publish-dlx")}}).overflow,
            Overflow::kRejectPublishDlx);
  EXPECT_EQ(refusal({{"x-overflow", Value::String("Reject-Publish")}}),
            invalid_arg("x-overflow", "invalid_overflow"));
  EXPECT_EQ(refusal({{"x-overflow", Value::String("")}}),
            invalid_arg("x-overflow", "invalid_overflow"));
  EXPECT_EQ(refusal({{"x-overflow", Value::Int32(1)}}),
            invalid_arg("x-overflow", "{unacceptable_type,signedint}"));
  EXPECT_EQ(refusal({{"x-overflow", Value::Bytes("drop-head")}}),
            invalid_arg("x-overflow", "{unacceptable_type,binary}"));
}

TEST(QueueSettingsTest, SingleActiveConsumerTakesOnlyABoolean) {
  EXPECT_TRUE(parsed({{"x-single-active-consumer", Value::Bool(true)}}).single_active_consumer);
  EXPECT_FALSE(parsed({{"x-single-active-consumer", Value::Bool(false)}}).single_active_consumer);
  EXPECT_EQ(refusal({{"x-single-active-consumer", Value::String("true")}}),
            invalid_arg("x-single-active-consumer", "{unacceptable_type,longstr}"));
  EXPECT_EQ(refusal({{"x-single-active-consumer", Value::Int(ValueKind::kInt8, 1)}}),
            invalid_arg("x-single-active-consumer", "{unacceptable_type,byte}"));
}

TEST(QueueSettingsTest, QueueTypeTakesClassicOrQuorum) {
  EXPECT_FALSE(parsed({{"x-queue-type", Value::String("classic")}}).always_count_deliveries);
  QueueSettings quorum = parsed({{"x-queue-type", Value::String("quorum")}});
  EXPECT_TRUE(quorum.always_count_deliveries);
  EXPECT_TRUE(quorum.counts_deliveries());
  EXPECT_EQ(refusal({{"x-queue-type", Value::String("stream")}}),
            invalid_arg("x-queue-type", "invalid_queue_type"));
  EXPECT_EQ(refusal({{"x-queue-type", Value::Bool(true)}}),
            invalid_arg("x-queue-type", "{unacceptable_type,bool}"));
}

TEST(QueueSettingsTest, DeadLetterArgumentsMustBeLongStrings) {
  EXPECT_EQ(dlx(parsed({{"x-dead-letter-exchange", Value::String("")}})), "");
  EXPECT_EQ(refusal({{"x-dead-letter-exchange", Value::Int32(1)}}),
            "invalid type 'signedint' for arg 'x-dead-letter-exchange' in queue 'q' in vhost '/'");
  EXPECT_EQ(refusal({{"x-dead-letter-exchange", Value::Bytes("dlx")}}),
            "invalid type 'binary' for arg 'x-dead-letter-exchange' in queue 'q' in vhost '/'");
  EXPECT_EQ(refusal({{"x-dead-letter-exchange", Value::String("dlx")},
                     {"x-dead-letter-routing-key", Value::Bool(false)}}),
            invalid_arg("x-dead-letter-routing-key", "{unacceptable_type,bool}"));
}

TEST(QueueSettingsTest, DeadLetterExchangeArgumentIsReadForThePermissionCheck) {
  const std::string* name = &kNoName;
  ASSERT_TRUE(dead_letter_exchange_argument({}, "q", "/", name).ok());
  EXPECT_EQ(name, nullptr);
  // The routing key alone names no exchange (the declare refuses it later).
  name = &kNoName;
  ASSERT_TRUE(dead_letter_exchange_argument({{"x-dead-letter-routing-key", Value::String("k")}},
                                            "q", "/", name)
                  .ok());
  EXPECT_EQ(name, nullptr);
  const Table args{{"x-dead-letter-exchange", Value::String("dlx")}};
  ASSERT_TRUE(dead_letter_exchange_argument(args, "q", "/", name).ok());
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(*name, "dlx");
  // The default exchange is named "" here; the permission check names it amq.default.
  // `name` points into the table: it lives as long as the test reads it.
  const Table default_exchange{{"x-dead-letter-exchange", Value::String("")}};
  ASSERT_TRUE(dead_letter_exchange_argument(default_exchange, "q", "/", name).ok());
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(*name, "");
  Status s = dead_letter_exchange_argument({{"x-dead-letter-exchange", Value::Int64(5)}}, "q1",
                                           "dev", name);
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(s.message(),
            "invalid type 'long' for arg 'x-dead-letter-exchange' in queue 'q1' in vhost 'dev'");
  EXPECT_EQ(name, nullptr);
}

TEST(QueueSettingsTest, DeadLetterRoutingKeyNeedsADeadLetterExchange) {
  EXPECT_EQ(refusal({{"x-dead-letter-routing-key", Value::String("dead")}}),
            invalid_arg("x-dead-letter-routing-key", "routing_key_but_no_dlx_defined"));
  // The exchange may come after the key in the table.
  QueueSettings a = parsed({{"x-dead-letter-routing-key", Value::String("dead")},
                            {"x-dead-letter-exchange", Value::String("dlx")}});
  EXPECT_EQ(dlx(a), "dlx");
  EXPECT_EQ(dlrk(a), "dead");
  EXPECT_FALSE(dlrk(parsed({{"x-dead-letter-exchange", Value::String("dlx")}})));
}

TEST(QueueSettingsTest, TextNamesTheQueueAndTheVhost) {
  QueueSettings out;
  Status s = parse_queue_arguments({{"x-max-length", Value::Int32(-4)}}, "orders.in", "prod", out);
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed);
  EXPECT_EQ(
      s.message(),
      "invalid arg 'x-max-length' for queue 'orders.in' in vhost 'prod': {value_negative,-4}");
  s = parse_queue_arguments({{"x-dead-letter-exchange", Value::Int32(1)}}, "orders.in", "prod",
                            out);
  EXPECT_EQ(s.message(),
            "invalid type 'signedint' for arg 'x-dead-letter-exchange' in queue 'orders.in' in "
            "vhost 'prod'");
}

// Several bad arguments: the one RabbitMQ checks first is reported, whatever the table's order.
TEST(QueueSettingsTest, FirstBadArgumentInRabbitMqsOrderIsReported) {
  // The dead-letter exchange's type comes before every other check.
  EXPECT_EQ(refusal({{"x-expires", Value::Int32(0)}, {"x-dead-letter-exchange", Value::Int32(1)}}),
            "invalid type 'signedint' for arg 'x-dead-letter-exchange' in queue 'q' in vhost '/'");
  // The routing key's type is not among them: it comes after x-message-ttl.
  EXPECT_EQ(refusal({{"x-dead-letter-routing-key", Value::Int32(1)},
                     {"x-dead-letter-exchange", Value::String("dlx")},
                     {"x-message-ttl", Value::Int32(-1)}}),
            invalid_arg("x-message-ttl", "{value_negative,-1}"));
  // Then x-expires, x-message-ttl, ..., x-delivery-limit last.
  EXPECT_EQ(refusal({{"x-message-ttl", Value::Int32(-1)}, {"x-expires", Value::Int32(0)}}),
            invalid_arg("x-expires", "{value_zero,0}"));
  EXPECT_EQ(refusal({{"x-delivery-limit", Value::Int32(-1)},
                     {"x-queue-type", Value::String("stream")},
                     {"x-max-length", Value::Int32(-1)}}),
            invalid_arg("x-max-length", "{value_negative,-1}"));
  EXPECT_EQ(
      refusal({{"x-delivery-limit", Value::Int32(-1)}, {"x-queue-type", Value::String("stream")}}),
      invalid_arg("x-queue-type", "invalid_queue_type"));
}

TEST(QueueSettingsTest, RefusalLeavesTheSettingsAsTheyWere) {
  QueueSettings out;
  out.max_length = 5;
  Status s = parse_queue_arguments(
      {{"x-max-length", Value::Int32(1)}, {"x-overflow", Value::String("no")}}, "q", "/", out);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(out.max_length, 5u);
}

// --- apply_policy ---

PolicyDefinition policy(Table definition) {
  PolicyDefinition p;
  p.name = "p";
  p.pattern = ".*";
  p.definition = std::move(definition);
  return p;
}

// The settings of a queue with `own` arguments under a policy with `definition`.
QueueSettings with_policy(const Table& own, Table definition) {
  QueueSettings out = parsed(own);
  apply_policy(policy(std::move(definition)), own, out);
  return out;
}

TEST(QueueSettingsPolicyTest, PolicySetsWhatTheQueueLeftUnset) {
  QueueSettings a = with_policy({}, {{"message-ttl", Value::Int64(100)},
                                     {"expires", Value::Int64(200)},
                                     {"max-length", Value::Int64(300)},
                                     {"max-length-bytes", Value::Int64(400)},
                                     {"delivery-limit", Value::Int64(5)},
                                     {"overflow", Value::String("reject-publish")},
                                     {"dead-letter-exchange", Value::String("pdlx")},
                                     {"dead-letter-routing-key", Value::String("prk")}});
  EXPECT_EQ(a.message_ttl_ms, 100u);
  EXPECT_EQ(a.expires_ms, 200u);
  EXPECT_EQ(a.max_length, 300u);
  EXPECT_EQ(a.max_length_bytes, 400u);
  EXPECT_EQ(a.delivery_limit, 5u);
  EXPECT_EQ(a.overflow, Overflow::kRejectPublish);
  EXPECT_EQ(dlx(a), "pdlx");
  EXPECT_EQ(dlrk(a), "prk");
}

TEST(QueueSettingsPolicyTest, SmallerNumericLimitWinsEitherWay) {
  const std::vector<std::pair<std::string, std::string>> keys = {
      {"x-message-ttl", "message-ttl"},
      {"x-expires", "expires"},
      {"x-max-length", "max-length"},
      {"x-max-length-bytes", "max-length-bytes"},
      {"x-delivery-limit", "delivery-limit"}};
  auto limit = [](const QueueSettings& a, const std::string& key) {
    if (key == "message-ttl") return a.message_ttl_ms;
    if (key == "expires") return a.expires_ms;
    if (key == "max-length") return a.max_length;
    if (key == "max-length-bytes") return a.max_length_bytes;
    return a.delivery_limit;
  };
  for (const auto& [arg, key] : keys) {
    SCOPED_TRACE(key);
    EXPECT_EQ(limit(with_policy({{arg, Value::Int32(50)}}, {{key, Value::Int64(80)}}), key), 50u);
    EXPECT_EQ(limit(with_policy({{arg, Value::Int32(80)}}, {{key, Value::Int64(50)}}), key), 50u);
  }
}

TEST(QueueSettingsPolicyTest, QueuesOwnOverflowAndDeadLetteringWin) {
  QueueSettings a = with_policy({{"x-overflow", Value::String("reject-publish-dlx")},
                                 {"x-dead-letter-exchange", Value::String("own")},
                                 {"x-dead-letter-routing-key", Value::String("own-rk")}},
                                {{"overflow", Value::String("reject-publish")},
                                 {"dead-letter-exchange", Value::String("pdlx")},
                                 {"dead-letter-routing-key", Value::String("prk")}});
  EXPECT_EQ(a.overflow, Overflow::kRejectPublishDlx);
  EXPECT_EQ(dlx(a), "own");
  EXPECT_EQ(dlrk(a), "own-rk");
}

// drop-head is also the default: the queue's explicit choice still beats the policy.
TEST(QueueSettingsPolicyTest, ExplicitDropHeadIsTheQueuesChoice) {
  EXPECT_EQ(with_policy({{"x-overflow", Value::String("drop-head")}},
                        {{"overflow", Value::String("reject-publish")}})
                .overflow,
            Overflow::kDropHead);
}

// Each dead-letter setting is taken on its own: the queue's exchange with the policy's key.
TEST(QueueSettingsPolicyTest, DeadLetterSettingsCombineOneByOne) {
  QueueSettings a = with_policy({{"x-dead-letter-exchange", Value::String("own")}},
                                {{"dead-letter-exchange", Value::String("pdlx")},
                                 {"dead-letter-routing-key", Value::String("prk")}});
  EXPECT_EQ(dlx(a), "own");
  EXPECT_EQ(dlrk(a), "prk");
}

TEST(QueueSettingsPolicyTest, PolicyValuesOfTheWrongKindAreIgnored) {
  QueueSettings a =
      with_policy({{"x-max-length", Value::Int32(10)}}, {{"max-length", Value::Int64(-1)},
                                                         {"message-ttl", Value::String("100")},
                                                         {"max-length-bytes", Value::Double(5.0)},
                                                         {"dead-letter-exchange", Value::Int32(1)},
                                                         {"overflow", Value::Bool(true)}});
  EXPECT_EQ(a.max_length, 10u);
  EXPECT_FALSE(a.message_ttl_ms);
  EXPECT_FALSE(a.max_length_bytes);
  EXPECT_FALSE(dlx(a));
  EXPECT_EQ(a.overflow, Overflow::kDropHead);
}

TEST(QueueSettingsPolicyTest, UnknownOverflowInPolicyMeansDropHead) {
  EXPECT_EQ(with_policy({}, {{"overflow", Value::String("bogus")}}).overflow, Overflow::kDropHead);
}

// RabbitMQ refuses a policy with expires 0; here it is ignored, never cancelling the queue's own.
TEST(QueueSettingsPolicyTest, PolicyExpiresZeroIsIgnored) {
  EXPECT_FALSE(with_policy({}, {{"expires", Value::Int64(0)}}).expires_ms);
  EXPECT_EQ(
      with_policy({{"x-expires", Value::Int32(5000)}}, {{"expires", Value::Int64(0)}}).expires_ms,
      5000u);
}

// Only the policy keys of RabbitMQ's queue policies apply; x-arguments spelled in a policy do not.
TEST(QueueSettingsPolicyTest, PolicyKeysAreWithoutTheXPrefix) {
  QueueSettings a = with_policy(
      {}, {{"x-max-length", Value::Int64(1)}, {"x-dead-letter-exchange", Value::String("dlx")}});
  EXPECT_FALSE(a.max_length);
  EXPECT_FALSE(dlx(a));
}

// --- parse_expiration ---

std::string expiration_refusal(const std::string& text) {
  uint64_t ms = 12345;
  Status s = parse_expiration(text, ms);
  EXPECT_EQ(s.code(), ErrorCode::kPreconditionFailed) << text;
  EXPECT_EQ(ms, 12345u) << "changed on refusal: " << text;
  return s.message();
}

uint64_t expiration(const std::string& text) {
  uint64_t ms = 12345;
  Status s = parse_expiration(text, ms);
  EXPECT_TRUE(s.ok()) << text << ": " << s.message();
  return ms;
}

TEST(QueueSettingsExpirationTest, DecimalMillisecondsUpToTheLargestTimer) {
  EXPECT_EQ(expiration("0"), 0u);
  EXPECT_EQ(expiration("60000"), 60000u);
  EXPECT_EQ(expiration("0000250"), 250u);
  EXPECT_EQ(expiration("4294967295"), kMaxExpiry);
}

// Erlang's string:to_integer takes a leading sign.
TEST(QueueSettingsExpirationTest, LeadingSignIsErlangs) {
  EXPECT_EQ(expiration("+15"), 15u);
  EXPECT_EQ(expiration("-0"), 0u);
  EXPECT_EQ(expiration_refusal("-1"), "invalid expiration '-1': {value_negative,-1}");
}

TEST(QueueSettingsExpirationTest, NoLeadingDigitsIsNoInteger) {
  for (const std::string text : {"", "abc", " 5", "-", "+", "+-5", ".5", "\t1"}) {
    EXPECT_EQ(expiration_refusal(text), "invalid expiration '" + text + "': no_integer");
  }
}

TEST(QueueSettingsExpirationTest, TrailingTextIsLeftover) {
  EXPECT_EQ(expiration_refusal("10abc"), "invalid expiration '10abc': {leftover_string,\"abc\"}");
  EXPECT_EQ(expiration_refusal("1.5"), "invalid expiration '1.5': {leftover_string,\".5\"}");
  EXPECT_EQ(expiration_refusal("5 "), "invalid expiration '5 ': {leftover_string,\" \"}");
  // Leftover text is reported before the bound is checked.
  EXPECT_EQ(expiration_refusal("-1x"), "invalid expiration '-1x': {leftover_string,\"x\"}");
}

TEST(QueueSettingsExpirationTest, PastTheLargestTimerIsTooLarge) {
  EXPECT_EQ(expiration_refusal("4294967296"),
            "invalid expiration '4294967296': {value_too_large,4294967296}");
}

// Erlang integers have no bound: the number is printed as written, without leading zeros.
TEST(QueueSettingsExpirationTest, NumbersPastInt64ArePrintedInFull) {
  EXPECT_EQ(expiration_refusal("99999999999999999999"),
            "invalid expiration '99999999999999999999': {value_too_large,99999999999999999999}");
  EXPECT_EQ(expiration_refusal("+00099999999999999999999"),
            "invalid expiration '+00099999999999999999999': "
            "{value_too_large,99999999999999999999}");
  EXPECT_EQ(expiration_refusal("-99999999999999999999"),
            "invalid expiration '-99999999999999999999': {value_negative,-99999999999999999999}");
}

}  // namespace
}  // namespace polymq::rabbit
