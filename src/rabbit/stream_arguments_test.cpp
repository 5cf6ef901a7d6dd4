// Stream settings as RabbitMQ stream-queue arguments: they come back as they went, RabbitMQ's
// own x-max-age texts are read, and bad values are refused naming the argument.
#include "rabbit/stream_arguments.h"

#include <gtest/gtest.h>

namespace polymq::rabbit {
namespace {

using core::ErrorCode;
using core::StreamSettings;
using core::Table;
using core::Value;

StreamSettings round_trip(const StreamSettings& in) {
  const Table arguments = stream_arguments(in);
  EXPECT_TRUE(is_stream_queue(arguments));
  StreamSettings out;
  const core::Status s = stream_settings(arguments, out);
  EXPECT_TRUE(s.ok()) << s.message();
  return out;
}

void expect_same(const StreamSettings& a, const StreamSettings& b) {
  EXPECT_EQ(a.partitions, b.partitions);
  EXPECT_EQ(a.segment_bytes, b.segment_bytes);
  EXPECT_EQ(a.retention_ms, b.retention_ms);
  EXPECT_EQ(a.retention_bytes, b.retention_bytes);
}

TEST(StreamArgumentsTest, SettingsComeBackAsTheyWent) {
  StreamSettings defaults;
  expect_same(round_trip(defaults), defaults);

  StreamSettings whole_seconds;
  whole_seconds.partitions = 12;
  whole_seconds.segment_bytes = 1 << 20;
  whole_seconds.retention_ms = 7 * 24 * 3600 * 1000ll;
  whole_seconds.retention_bytes = 5'000'000;
  expect_same(round_trip(whole_seconds), whole_seconds);
  EXPECT_EQ(*core::find_string(stream_arguments(whole_seconds), "x-max-age"), "604800s");

  StreamSettings milliseconds;
  milliseconds.retention_ms = 1500;
  expect_same(round_trip(milliseconds), milliseconds);
  StreamSettings zero;
  zero.retention_ms = 0;
  zero.retention_bytes = 0;
  expect_same(round_trip(zero), zero);
}

TEST(StreamArgumentsTest, ReadsRabbitMqsStreamQueueArguments) {
  const Table rabbit = {{"x-queue-type", Value::String("stream")},
                        {"x-max-age", Value::String("7D")},
                        {"x-max-length-bytes", Value::Int64(20'000'000)},
                        {"x-stream-max-segment-size-bytes", Value::Int32(500'000)}};
  ASSERT_TRUE(is_stream_queue(rabbit));
  StreamSettings s;
  ASSERT_TRUE(stream_settings(rabbit, s).ok());
  EXPECT_EQ(s.partitions, 1u);
  EXPECT_EQ(s.retention_ms, 7 * 24 * 3600 * 1000ll);
  EXPECT_EQ(s.retention_bytes, 20'000'000);
  EXPECT_EQ(s.segment_bytes, 500'000u);
  for (const auto& [text, ms] :
       std::vector<std::pair<const char*, int64_t>>{{"1Y", 365 * 86'400'000ll},
                                                    {"2M", 60 * 86'400'000ll},
                                                    {"3h", 3 * 3'600'000ll},
                                                    {"10m", 600'000},
                                                    {"30s", 30'000}}) {
    StreamSettings t;
    ASSERT_TRUE(stream_settings({{"x-max-age", Value::String(text)}}, t).ok()) << text;
    EXPECT_EQ(t.retention_ms, ms) << text;
  }
  EXPECT_FALSE(is_stream_queue({{"x-queue-type", Value::String("classic")}}));
  EXPECT_FALSE(is_stream_queue({}));
}

TEST(StreamArgumentsTest, BadValuesAreRefusedNamingTheArgument) {
  const std::vector<std::pair<Table, const char*>> cases = {
      {{{"x-max-age", Value::String("7")}}, "x-max-age"},
      {{{"x-max-age", Value::String("0D")}}, "x-max-age"},
      {{{"x-max-age", Value::String("7W")}}, "x-max-age"},
      {{{"x-max-age", Value::String("99999999999999999Y")}}, "x-max-age"},
      {{{"x-max-age", Value::Int32(7)}}, "x-max-age"},
      {{{"x-polymq-partitions", Value::Int32(0)}}, "x-polymq-partitions"},
      {{{"x-polymq-partitions", Value::Int64(100000)}}, "x-polymq-partitions"},
      {{{"x-polymq-partitions", Value::String("3")}}, "x-polymq-partitions"},
      {{{"x-stream-max-segment-size-bytes", Value::Int32(0)}}, "x-stream-max-segment-size-bytes"},
      {{{"x-max-length-bytes", Value::Int32(-1)}}, "x-max-length-bytes"},
      {{{"x-polymq-max-age-ms", Value::Int32(-5)}}, "x-polymq-max-age-ms"},
  };
  for (const auto& [arguments, name] : cases) {
    StreamSettings s;
    const core::Status status = stream_settings(arguments, s);
    EXPECT_EQ(status.code(), ErrorCode::kInvalidArgument) << name;
    EXPECT_NE(status.message().find(name), std::string::npos) << status.message();
  }
}

TEST(StreamArgumentsTest, ClassicAndQuorumQueueArgumentsAreNamedAsUnsupported) {
  EXPECT_EQ(unsupported_stream_argument({{"x-queue-type", Value::String("stream")},
                                         {"x-max-length-bytes", Value::Int64(100)},
                                         {"x-max-age", Value::String("7D")}}),
            nullptr);
  const char* refused = unsupported_stream_argument({{"x-queue-type", Value::String("stream")},
                                                     {"x-message-ttl", Value::Int32(5)},
                                                     {"x-expires", Value::Int32(5)}});
  ASSERT_NE(refused, nullptr);
  EXPECT_STREQ(refused, "x-message-ttl");  // the first one given
}

}  // namespace
}  // namespace polymq::rabbit
