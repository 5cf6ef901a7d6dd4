// Queue rows: the values read on the loop, the JSON written from them, and the rates.
#include "management/queue_rows.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace polymq::management {
namespace {

using std::chrono::seconds;

QueueRow row_with(core::QueueId id, uint64_t ready, uint64_t published) {
  QueueRow row;
  row.id = id;
  row.name = "q" + std::to_string(id);
  row.vhost = "/";
  row.ready = ready;
  row.stats.published = published;
  return row;
}

QueueRates rates_of(QueueRateSampler& sampler, const QueueRow& row,
                    QueueRateSampler::Clock::time_point t) {
  return queue_rates(sampler, row, t);
}

TEST(RateSampler, FirstReadingHasNoRatesAndLaterOnesMeasureAgainstAnOlderOne) {
  QueueRateSampler sampler(seconds(5));
  const auto t0 = QueueRateSampler::Clock::time_point{} + seconds(100);
  EXPECT_EQ(rates_of(sampler, row_with(1, 0, 0), t0).publish, 0.0);
  // 2 s later: measured against the first reading.
  QueueRates r = rates_of(sampler, row_with(1, 10, 20), t0 + seconds(2));
  EXPECT_DOUBLE_EQ(r.publish, 10.0);
  EXPECT_DOUBLE_EQ(r.ready, 5.0);
  EXPECT_DOUBLE_EQ(r.messages, 5.0);
  // 6 s: the first reading is 5 s old now: it is the base, and this one the next.
  r = rates_of(sampler, row_with(1, 30, 60), t0 + seconds(6));
  EXPECT_DOUBLE_EQ(r.publish, 10.0);
  // 12 s: the 6 s reading is the base now; the count fell.
  r = rates_of(sampler, row_with(1, 0, 120), t0 + seconds(12));
  EXPECT_DOUBLE_EQ(r.publish, 10.0);
  EXPECT_DOUBLE_EQ(r.ready, -5.0);
}

TEST(RateSampler, ForgetsQueuesNotReadForAWhile) {
  QueueRateSampler sampler;
  const auto t0 = QueueRateSampler::Clock::time_point{} + seconds(100);
  rates_of(sampler, row_with(1, 0, 0), t0);
  rates_of(sampler, row_with(2, 0, 0), t0 + seconds(30));
  EXPECT_EQ(sampler.size(), 2u);
  sampler.forget_unread_since(t0 + seconds(10));
  EXPECT_EQ(sampler.size(), 1u);
  // Queue 1 starts again without rates.
  EXPECT_EQ(rates_of(sampler, row_with(1, 5, 5), t0 + seconds(40)).publish, 0.0);
}

TEST(QueueRows, ListIsOrderedByVhostThenNameWithStatsOnlyOnceMessagesWent) {
  std::vector<QueueRow> rows;
  rows.push_back(row_with(1, 0, 0));
  rows.back().name = "b";
  rows.push_back(row_with(2, 3, 7));
  rows.back().name = "a";
  rows.back().policy = "cap";
  rows.push_back(row_with(3, 0, 0));
  rows.back().vhost = "/other";
  rows.back().name = "0";
  QueueRow stream;
  stream.name = "events";
  stream.vhost = "/";
  stream.stream = true;
  stream.arguments_json = R"({"x-queue-type":"stream"})";
  rows.push_back(stream);
  QueueRateSampler sampler;
  const std::string json =
      queue_rows_json(rows, "polymq@test", &sampler, QueueRateSampler::Clock::now());
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  ASSERT_FALSE(d.HasParseError()) << json;
  ASSERT_EQ(d.Size(), 4u);
  EXPECT_STREQ(d[0]["name"].GetString(), "a");
  EXPECT_STREQ(d[1]["name"].GetString(), "b");
  EXPECT_STREQ(d[2]["name"].GetString(), "events");
  EXPECT_STREQ(d[3]["vhost"].GetString(), "/other");
  EXPECT_STREQ(d[0]["policy"].GetString(), "cap");
  EXPECT_TRUE(d[1]["policy"].IsNull());
  EXPECT_EQ(d[0]["messages_ready"].GetUint64(), 3u);
  EXPECT_EQ(d[0]["message_stats"]["publish"].GetUint64(), 7u);
  EXPECT_TRUE(d[0]["message_stats"]["publish_details"]["rate"].IsNumber());
  EXPECT_FALSE(d[1].HasMember("message_stats"));
  EXPECT_STREQ(d[2]["type"].GetString(), "stream");
  EXPECT_STREQ(d[2]["arguments"]["x-queue-type"].GetString(), "stream");
  EXPECT_FALSE(d[2].HasMember("messages"));
  EXPECT_EQ(sampler.size(), 3u);  // streams have no rates
}

}  // namespace
}  // namespace polymq::management
