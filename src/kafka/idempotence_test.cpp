// The idempotent producer over a real session: InitProducerId, duplicates answered with the
// first offsets and not stored twice, sequence and epoch errors, and the state read back from
// the log by a fresh registry (what a restart does).
#include <gtest/gtest.h>

#include <chrono>

#include "kafka/error_codes.h"
#include "kafka/idempotent_producers.h"
#include "kafka/kafka_test_client.h"
#include "kafka/producer_ids.h"
#include "kafka/protocol/record_batch.h"

namespace polymq::kafka {
namespace {

using testing::KafkaTestClient;
using testing::TestBroker;

constexpr int16_t kProduceVersion = 9;

class CountingIds final : public ProducerIdSource {
 public:
  int64_t next_producer_id() override { return next_++; }

 private:
  int64_t next_ = 4000;
};

struct IdempotentBroker {
  TestBroker b;
  CountingIds ids;
  std::unique_ptr<IdempotentProducers> producers = std::make_unique<IdempotentProducers>();
  IdempotentBroker() {
    b.config.producer_ids = &ids;
    b.config.producers = producers.get();
  }
  // What a restart does to the producers' state: only the log is left.
  void forget_producers() {
    b.config.producers = nullptr;
    producers = std::make_unique<IdempotentProducers>();
    b.config.producers = producers.get();
  }
};

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Records stamped `timestamp` (default: now; batches older than the expiration are not read
// back).
std::string producer_batch(int64_t producer, int16_t epoch, int32_t sequence, int records,
                           int64_t timestamp = -1) {
  std::vector<std::string> values;
  for (int i = 0; i < records; ++i) values.push_back("v" + std::to_string(sequence + i));
  std::vector<RecordInput> in;
  for (const std::string& v : values) {
    RecordInput r;
    r.value = v;
    r.timestamp = timestamp < 0 ? now_ms() : timestamp;
    in.push_back(r);
  }
  BatchOptions options;
  options.producer_id = producer;
  options.producer_epoch = epoch;
  options.base_sequence = sequence;
  return build_batch(options, in);
}

ProduceResponse::PartitionProduceResponse produce(KafkaTestClient& client, int32_t id,
                                                  const std::string& records) {
  ProduceRequest req;
  req.acks = -1;
  req.timeout_ms = 30000;
  ProduceRequest::TopicProduceData t;
  t.name = "events";
  ProduceRequest::PartitionProduceData p;
  p.index = 0;
  p.records = records;
  t.partition_data.push_back(p);
  req.topic_data.push_back(t);
  client.request(kProduceVersion, id, req);
  auto r = client.response<ProduceResponse>(api_key::kProduce, kProduceVersion, id);
  EXPECT_EQ(r.responses.size(), 1u);
  if (r.responses.empty() || r.responses[0].partition_responses.empty()) return {};
  return r.responses[0].partition_responses[0];
}

int64_t init_producer_id(KafkaTestClient& client, int32_t id) {
  InitProducerIdRequest req;
  req.transactional_id = std::nullopt;
  req.transaction_timeout_ms = 60000;
  client.request(int16_t{4}, id, req);
  auto r = client.response<InitProducerIdResponse>(api_key::kInitProducerId, 4, id);
  EXPECT_EQ(r.error_code, error::kNone);
  EXPECT_EQ(r.producer_epoch, 0);
  return r.producer_id;
}

int64_t end_offset(TestBroker& b) {
  core::Stream* stream = b.broker.find_vhost("/")->find_stream("events");
  return stream == nullptr ? -1 : static_cast<int64_t>(stream->next_offset(0));
}

TEST(KafkaIdempotence, EachInitProducerIdGivesANewIdAndTransactionalIdsAreRefused) {
  IdempotentBroker ib;
  KafkaTestClient client(ib.b);
  const int64_t first = init_producer_id(client, 1);
  const int64_t second = init_producer_id(client, 2);
  EXPECT_GE(first, 0);
  EXPECT_NE(first, second);

  InitProducerIdRequest txn;
  txn.transactional_id = "orders-tx";
  client.request(int16_t{4}, 3, txn);
  auto r = client.response<InitProducerIdResponse>(api_key::kInitProducerId, 4, 3);
  EXPECT_EQ(r.error_code, error::kTransactionalIdAuthorizationFailed);
  EXPECT_EQ(r.producer_id, -1);
}

TEST(KafkaIdempotence, ARetriedBatchIsAnsweredWithItsFirstOffsetAndStoredOnce) {
  IdempotentBroker ib;
  KafkaTestClient client(ib.b);
  const int64_t pid = init_producer_id(client, 1);
  EXPECT_EQ(produce(client, 2, producer_batch(pid, 0, 0, 3)).base_offset, 0);
  EXPECT_EQ(produce(client, 3, producer_batch(pid, 0, 3, 2)).base_offset, 3);
  const auto again = produce(client, 4, producer_batch(pid, 0, 0, 3));
  EXPECT_EQ(again.error_code, error::kNone);
  EXPECT_EQ(again.base_offset, 0);
  EXPECT_EQ(produce(client, 5, producer_batch(pid, 0, 3, 2)).base_offset, 3);
  EXPECT_EQ(end_offset(ib.b), 5);

  const auto gap = produce(client, 6, producer_batch(pid, 0, 9, 1));
  EXPECT_EQ(gap.error_code, error::kOutOfOrderSequenceNumber);
  const auto fenced = produce(client, 7, producer_batch(pid, -1, 5, 1));
  EXPECT_EQ(fenced.error_code, error::kInvalidProducerEpoch);
  EXPECT_EQ(end_offset(ib.b), 5);
  EXPECT_EQ(produce(client, 8, producer_batch(pid, 0, 5, 1)).base_offset, 5);
}

TEST(KafkaIdempotence, TheStateIsReadBackFromTheLog) {
  IdempotentBroker ib;
  KafkaTestClient client(ib.b);
  const int64_t pid = init_producer_id(client, 1);
  ASSERT_EQ(produce(client, 2, producer_batch(pid, 0, 0, 2)).base_offset, 0);
  // A batch without a producer and one from another producer between.
  ASSERT_EQ(produce(client, 3, producer_batch(-1, -1, -1, 1)).base_offset, 2);
  ASSERT_EQ(produce(client, 4, producer_batch(pid + 1, 0, 0, 1)).base_offset, 3);
  ASSERT_EQ(produce(client, 5, producer_batch(pid, 0, 2, 2)).base_offset, 4);

  ib.forget_producers();
  const auto retried = produce(client, 6, producer_batch(pid, 0, 2, 2));
  EXPECT_EQ(retried.error_code, error::kNone);
  EXPECT_EQ(retried.base_offset, 4);
  EXPECT_EQ(produce(client, 7, producer_batch(pid + 1, 0, 0, 1)).base_offset, 3);
  EXPECT_EQ(end_offset(ib.b), 6);
  EXPECT_EQ(produce(client, 8, producer_batch(pid, 0, 7, 1)).error_code,
            error::kOutOfOrderSequenceNumber);
  EXPECT_EQ(produce(client, 9, producer_batch(pid, 0, 4, 1)).base_offset, 6);
}

TEST(KafkaIdempotence, ProducersIdleLongerThanTheExpirationAreNotReadBack) {
  IdempotentBroker ib;
  KafkaTestClient client(ib.b);
  const int64_t two_days_ago = now_ms() - 2 * IdempotentProducers::kDefaultExpirationMs;
  ASSERT_EQ(produce(client, 1, producer_batch(77, 0, 0, 2, two_days_ago)).base_offset, 0);
  // Still remembered in this run.
  EXPECT_EQ(produce(client, 2, producer_batch(77, 0, 0, 2, two_days_ago)).base_offset, 0);
  ib.forget_producers();
  // Expired as Kafka expires it: the same batch is new again, stored a second time.
  EXPECT_EQ(produce(client, 3, producer_batch(77, 0, 0, 2, two_days_ago)).base_offset, 2);
}

}  // namespace
}  // namespace polymq::kafka
