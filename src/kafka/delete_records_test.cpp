// DeleteRecords over a real session: the new log start offset as ListOffsets, Fetch and
// Produce then show it, and Kafka's error codes.
#include "kafka/delete_records.h"

#include <gtest/gtest.h>

#include "kafka/error_codes.h"
#include "kafka/kafka_test_client.h"
#include "kafka/protocol/record_batch.h"

namespace polymq::kafka {
namespace {

using testing::KafkaTestClient;
using testing::TestBroker;

using PartitionResult = DeleteRecordsResponse::DeleteRecordsPartitionResult;

class KafkaDeleteRecordsTest : public ::testing::Test {
 protected:
  // Produces one batch of `count` records stamped `timestamp` (acks -1: durable when answered)
  // and returns its base offset.
  int64_t produce(const std::string& topic, int count, int64_t timestamp = 1000) {
    std::vector<RecordInput> in(static_cast<size_t>(count));
    for (RecordInput& r : in) {
      r.value = "v";
      r.timestamp = timestamp;
    }
    const std::string batch = build_batch(BatchOptions{}, in);  // the request views it
    ProduceRequest req;
    req.acks = -1;
    req.timeout_ms = 30000;
    ProduceRequest::TopicProduceData t;
    t.name = topic;
    ProduceRequest::PartitionProduceData p;
    p.index = 0;
    p.records = batch;
    t.partition_data.push_back(p);
    req.topic_data.push_back(t);
    client_.request(int16_t{9}, ++id_, req);
    auto r = client_.response<ProduceResponse>(api_key::kProduce, 9, id_);
    const auto& answer = r.responses.at(0).partition_responses.at(0);
    EXPECT_EQ(answer.error_code, error::kNone);
    last_produce_log_start_ = answer.log_start_offset;
    return answer.base_offset;
  }

  // DeleteRecords for each (topic, partition, offset), in one request.
  std::vector<PartitionResult> delete_records(
      const std::vector<std::tuple<std::string, int32_t, int64_t>>& wanted, int16_t version = 2) {
    DeleteRecordsRequest req;
    req.timeout_ms = 30000;
    for (const auto& [topic, partition, offset] : wanted) {
      if (req.topics.empty() || req.topics.back().name != topic) {
        req.topics.emplace_back();
        req.topics.back().name = topic;
      }
      req.topics.back().partitions.push_back({partition, offset});
    }
    client_.request(version, ++id_, req);
    auto r = client_.response<DeleteRecordsResponse>(api_key::kDeleteRecords, version, id_);
    std::vector<PartitionResult> out;
    for (const auto& t : r.topics) out.insert(out.end(), t.partitions.begin(), t.partitions.end());
    return out;
  }
  PartitionResult delete_one(const std::string& topic, int64_t offset, int16_t version = 2) {
    auto r = delete_records({{topic, 0, offset}}, version);
    return r.empty() ? PartitionResult{} : r[0];
  }

  // ListOffsets of partition 0 for `timestamp` (-2: earliest).
  int64_t list_offset(const std::string& topic, int64_t timestamp) {
    ListOffsetsRequest req;
    req.replica_id = -1;
    ListOffsetsRequest::ListOffsetsTopic t;
    t.name = topic;
    ListOffsetsRequest::ListOffsetsPartition p;
    p.timestamp = timestamp;
    t.partitions.push_back(p);
    req.topics.push_back(t);
    client_.request(int16_t{6}, ++id_, req);
    auto r = client_.response<ListOffsetsResponse>(api_key::kListOffsets, 6, id_);
    const auto& answer = r.topics.at(0).partitions.at(0);
    EXPECT_EQ(answer.error_code, error::kNone);
    return answer.offset;
  }

  struct Fetched {
    int16_t error_code = -99;
    int64_t log_start_offset = -99;
    std::vector<int64_t> batch_offsets;  // base offsets of the batches served
  };
  Fetched fetch(const std::string& topic, int64_t offset) {
    FetchRequest req;
    req.max_wait_ms = 0;
    req.min_bytes = 1;
    req.max_bytes = 1 << 20;
    FetchRequest::FetchTopic t;
    t.topic = topic;
    FetchRequest::FetchPartition p;
    p.partition = 0;
    p.fetch_offset = offset;
    p.partition_max_bytes = 1 << 20;
    t.partitions.push_back(p);
    req.topics.push_back(t);
    client_.request(int16_t{12}, ++id_, req);
    auto r = client_.response<FetchResponse>(api_key::kFetch, 12, id_);
    const auto& d = r.responses.at(0).partitions.at(0);
    Fetched out{d.error_code, d.log_start_offset, {}};
    BatchIterator batches(d.records.value_or(std::string_view()));
    while (!batches.done()) {
      std::string_view batch;
      RecordBatchHeader h;
      if (batches.next(batch, h) != BatchParse::kOk) break;
      out.batch_offsets.push_back(h.base_offset);
    }
    return out;
  }

  TestBroker broker_;
  KafkaTestClient client_{broker_};
  int32_t id_ = 0;
  int64_t last_produce_log_start_ = -99;
};

TEST_F(KafkaDeleteRecordsTest, TheNewStartIsWhatListOffsetsFetchAndProduceShow) {
  ASSERT_EQ(produce("t", 3), 0);  // offsets 0..2
  ASSERT_EQ(produce("t", 2), 3);  // 3..4
  ASSERT_EQ(produce("t", 1), 5);  // 5
  auto r = delete_one("t", 3);
  EXPECT_EQ(r.error_code, error::kNone);
  EXPECT_EQ(r.low_watermark, 3);
  EXPECT_EQ(list_offset("t", -2), 3);
  EXPECT_EQ(list_offset("t", -1), 6);

  auto below = fetch("t", 2);
  EXPECT_EQ(below.error_code, error::kOffsetOutOfRange);
  EXPECT_TRUE(below.batch_offsets.empty());
  auto from = fetch("t", 3);
  EXPECT_EQ(from.error_code, error::kNone);
  EXPECT_EQ(from.log_start_offset, 3);
  EXPECT_EQ(from.batch_offsets, (std::vector<int64_t>{3, 5}));
  produce("t", 1);
  EXPECT_EQ(last_produce_log_start_, 3);
}

TEST_F(KafkaDeleteRecordsTest, ABatchThatStraddlesTheStartIsServedWhole) {
  produce("t", 3, 1000);  // 0..2
  produce("t", 2, 2000);  // 3..4
  EXPECT_EQ(delete_one("t", 4).low_watermark, 4);
  EXPECT_EQ(list_offset("t", -2), 4);
  EXPECT_EQ(fetch("t", 4).batch_offsets, (std::vector<int64_t>{3}));
  EXPECT_EQ(fetch("t", 3).error_code, error::kOffsetOutOfRange);
  // A time lookup never answers below the start, even inside the batch that straddles it.
  EXPECT_EQ(list_offset("t", 0), 4);
  EXPECT_EQ(list_offset("t", 1500), 4);
}

TEST_F(KafkaDeleteRecordsTest, MinusOneIsTheHighWatermarkAndOffsetsAtOrBelowTheStartChangeNothing) {
  produce("t", 4);
  EXPECT_EQ(delete_one("t", 2).low_watermark, 2);
  auto same = delete_one("t", 1);
  EXPECT_EQ(same.error_code, error::kNone);
  EXPECT_EQ(same.low_watermark, 2);
  auto all = delete_one("t", -1);
  EXPECT_EQ(all.error_code, error::kNone);
  EXPECT_EQ(all.low_watermark, 4);
  EXPECT_EQ(list_offset("t", -2), 4);
  EXPECT_EQ(fetch("t", 4).error_code, error::kNone);
  EXPECT_EQ(produce("t", 1), 4) << "offsets go on from where they were";
  EXPECT_EQ(fetch("t", 4).batch_offsets, (std::vector<int64_t>{4}));
}

TEST_F(KafkaDeleteRecordsTest, AnswersKafkasErrors) {
  produce("t", 4);
  produce("u", 1);
  auto r = delete_records({{"t", 0, 5},
                           {"t", 0, -2},
                           {"t", 1, 0},
                           {"missing", 0, 0},
                           {"__consumer_offsets", 0, 0},
                           {"u", 0, 1}});
  ASSERT_EQ(r.size(), 6u);
  const std::vector<int16_t> expected = {
      error::kOffsetOutOfRange,        error::kOffsetOutOfRange,
      error::kUnknownTopicOrPartition, error::kUnknownTopicOrPartition,
      error::kInvalidTopicException,   error::kNone};
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r[i].error_code, expected[i]) << i;
    EXPECT_EQ(r[i].low_watermark, expected[i] == error::kNone ? 1 : -1) << i;
  }
  EXPECT_EQ(r[2].partition_index, 1);
  EXPECT_EQ(list_offset("t", -2), 0) << "the refused offsets moved nothing";
}

TEST_F(KafkaDeleteRecordsTest, EveryVersionIsAnswered) {
  produce("t", 5);
  for (int16_t v = 0; v <= 2; ++v) {
    auto r = delete_one("t", v + 1, v);
    EXPECT_EQ(r.error_code, error::kNone) << v;
    EXPECT_EQ(r.low_watermark, v + 1) << v;
  }
}

}  // namespace
}  // namespace polymq::kafka
