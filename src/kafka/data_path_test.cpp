// The data path over a real session: Produce, Fetch (with its long poll), ListOffsets and
// OffsetForLeaderEpoch, against streams on disk synced by group commit.
#include <gtest/gtest.h>

#include "core/publisher.h"
#include "kafka/error_codes.h"
#include "kafka/kafka_test_client.h"
#include "kafka/protocol/record_batch.h"

namespace polymq::kafka {
namespace {

using testing::KafkaTestClient;
using testing::TestBroker;

constexpr int16_t kProduceVersion = 9;
constexpr int16_t kFetchVersion = 12;

struct Sent {
  std::string key;
  std::string value;
  int64_t timestamp = 1000;
};

std::string batch_of(const std::vector<Sent>& records) {
  std::vector<RecordInput> in;
  for (const Sent& s : records) {
    RecordInput r;
    r.key = s.key;
    r.value = s.value;
    r.timestamp = s.timestamp;
    r.headers.push_back({"h", std::string_view("v")});
    in.push_back(r);
  }
  return build_batch(BatchOptions{}, in);
}

ProduceRequest produce_request(const std::string& topic, const std::string& records,
                               int16_t acks = -1, int32_t partition = 0) {
  ProduceRequest req;
  req.acks = acks;
  req.timeout_ms = 30000;
  ProduceRequest::TopicProduceData t;
  t.name = topic;
  ProduceRequest::PartitionProduceData p;
  p.index = partition;
  p.records = records;
  t.partition_data.push_back(p);
  req.topic_data.push_back(t);
  return req;
}

ProduceResponse::PartitionProduceResponse produce(KafkaTestClient& client, int32_t id,
                                                  const std::string& topic,
                                                  const std::string& records) {
  client.request(kProduceVersion, id, produce_request(topic, records));
  auto r = client.response<ProduceResponse>(api_key::kProduce, kProduceVersion, id);
  EXPECT_EQ(r.responses.size(), 1u);
  if (r.responses.empty() || r.responses[0].partition_responses.empty()) return {};
  return r.responses[0].partition_responses[0];
}

FetchRequest fetch_request(const std::string& topic, int64_t offset, int32_t max_wait_ms = 0,
                           int32_t min_bytes = 1, int32_t partition_max_bytes = 1 << 20) {
  FetchRequest req;
  req.max_wait_ms = max_wait_ms;
  req.min_bytes = min_bytes;
  FetchRequest::FetchTopic t;
  t.topic = topic;
  FetchRequest::FetchPartition p;
  p.partition = 0;
  p.fetch_offset = offset;
  p.partition_max_bytes = partition_max_bytes;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  return req;
}

struct Got {
  int64_t offset;
  std::string key;
  std::string value;
  int64_t timestamp;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Every record of a fetched records field; fails the test on a batch that does not verify.
std::vector<Got> records_of(std::string_view records) {
  std::vector<Got> out;
  BatchIterator batches(records);
  while (!batches.done()) {
    std::string_view batch;
    RecordBatchHeader h;
    const BatchParse parsed = batches.next(batch, h);
    EXPECT_EQ(parsed, BatchParse::kOk);
    if (parsed != BatchParse::kOk) break;
    EXPECT_EQ(h.partition_leader_epoch, 0);
    RecordReader reader(batch, h);
    Record r;
    while (reader.next(r)) {
      Got g{h.base_offset + r.offset_delta,
            std::string(r.key.value_or("")),
            std::string(r.value.value_or("")),
            h.base_timestamp + r.timestamp_delta,
            {}};
      for (const RecordHeader& rh : r.headers) {
        g.headers.emplace_back(rh.key, rh.value.value_or(""));
      }
      out.push_back(g);
    }
    EXPECT_TRUE(reader.ok());
  }
  return out;
}

FetchResponse::PartitionData fetch(KafkaTestClient& client, int32_t id, const FetchRequest& req) {
  client.request(kFetchVersion, id, req);
  auto r = client.response<FetchResponse>(api_key::kFetch, kFetchVersion, id);
  EXPECT_EQ(r.error_code, error::kNone);
  EXPECT_EQ(r.session_id, 0);
  if (r.responses.empty() || r.responses[0].partitions.empty()) return {};
  return r.responses[0].partitions[0];
}

TEST(KafkaDataPath, ProducedBatchesAreFetchedBackWithTheirOffsets) {
  TestBroker broker;
  KafkaTestClient client(broker);
  auto p1 = produce(client, 1, "orders", batch_of({{"a", "one"}, {"b", "two"}, {"c", "three"}}));
  EXPECT_EQ(p1.error_code, error::kNone);
  EXPECT_EQ(p1.base_offset, 0);
  EXPECT_EQ(p1.log_start_offset, 0);
  EXPECT_EQ(p1.log_append_time_ms, -1);
  auto p2 = produce(client, 2, "orders", batch_of({{"d", "four"}}));
  EXPECT_EQ(p2.base_offset, 3);

  auto d = fetch(client, 3, fetch_request("orders", 0));
  EXPECT_EQ(d.error_code, error::kNone);
  EXPECT_EQ(d.high_watermark, 4);
  EXPECT_EQ(d.last_stable_offset, 4);
  EXPECT_EQ(d.log_start_offset, 0);
  auto got = records_of(*d.records);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].offset, 0);
  EXPECT_EQ(got[0].key, "a");
  EXPECT_EQ(got[2].value, "three");
  EXPECT_EQ(got[3].offset, 3);
  EXPECT_EQ(got[3].value, "four");
  EXPECT_EQ(got[3].headers, (std::vector<std::pair<std::string, std::string>>{{"h", "v"}}));

  // From the middle of the first batch: the batch comes whole (the client skips the records
  // before its offset), then the next.
  auto mid = records_of(*fetch(client, 4, fetch_request("orders", 1)).records);
  ASSERT_EQ(mid.size(), 4u);
  auto end = fetch(client, 5, fetch_request("orders", 4));
  EXPECT_EQ(end.error_code, error::kNone);
  EXPECT_TRUE(end.records->empty());
  auto beyond = fetch(client, 6, fetch_request("orders", 5));
  EXPECT_EQ(beyond.error_code, error::kOffsetOutOfRange);
}

TEST(KafkaDataPath, LargeFetchedRecordsAreSentFromTheirBufferWithTheRightFrameSize) {
  TestBroker broker;
  KafkaTestClient client(broker);
  const std::string big(300 * 1024, 'x');
  for (int i = 0; i < 3; ++i) produce(client, i, "t", batch_of({{"k", big + std::to_string(i)}}));
  // Two fetches in one write: the second frame must start exactly where the first ends.
  std::string both;
  append_request(both, kFetchVersion, 10, std::string("c"), fetch_request("t", 0));
  append_request(both, kFetchVersion, 11, std::string("c"), fetch_request("t", 2));
  client.send(both);
  auto first = client.response<FetchResponse>(api_key::kFetch, kFetchVersion, 10);
  auto second = client.response<FetchResponse>(api_key::kFetch, kFetchVersion, 11);
  auto all = records_of(*first.responses.at(0).partitions.at(0).records);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].value, big + "2");
  auto last = records_of(*second.responses.at(0).partitions.at(0).records);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].offset, 2);
}

TEST(KafkaDataPath, PartitionMaxBytesStopsAfterTheFirstBatchButNeverBeforeIt) {
  TestBroker broker;
  KafkaTestClient client(broker);
  const std::string big(2000, 'x');
  produce(client, 1, "t", batch_of({{"a", big}}));
  produce(client, 2, "t", batch_of({{"b", big}}));
  auto d = fetch(client, 3, fetch_request("t", 0, 0, 1, /*partition_max_bytes=*/100));
  auto got = records_of(*d.records);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].key, "a");
}

TEST(KafkaDataPath, MaxBytesCountsAcrossPartitionsAfterTheFirstBatch) {
  TestBroker broker;
  broker.config.default_partitions = 2;
  KafkaTestClient client(broker);
  const std::string big(3000, 'x');
  // Two batches in one records field: each is its own entry, with consecutive offsets.
  client.request(kProduceVersion, 1,
                 produce_request("wide", batch_of({{"a", big}}) + batch_of({{"b", big}})));
  auto p0 = client.response<ProduceResponse>(api_key::kProduce, kProduceVersion, 1);
  EXPECT_EQ(p0.responses.at(0).partition_responses.at(0).base_offset, 0);
  client.request(kProduceVersion, 2, produce_request("wide", batch_of({{"c", big}}), -1, 1));
  client.response<ProduceResponse>(api_key::kProduce, kProduceVersion, 2);

  FetchRequest req = fetch_request("wide", 0);
  FetchRequest::FetchPartition second = req.topics[0].partitions[0];
  second.partition = 1;
  req.topics[0].partitions.push_back(second);
  req.max_bytes = 100;  // below one batch: only the first batch of the first partition
  client.request(kFetchVersion, 3, req);
  auto r = client.response<FetchResponse>(api_key::kFetch, kFetchVersion, 3);
  const auto& parts = r.responses.at(0).partitions;
  ASSERT_EQ(parts.size(), 2u);
  auto first = records_of(*parts[0].records);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].key, "a");
  EXPECT_TRUE(parts[1].records->empty());
  EXPECT_EQ(parts[1].high_watermark, 1);

  req.max_bytes = 1 << 20;
  client.request(kFetchVersion, 4, req);
  auto all = client.response<FetchResponse>(api_key::kFetch, kFetchVersion, 4);
  EXPECT_EQ(records_of(*all.responses.at(0).partitions.at(0).records).size(), 2u);
  EXPECT_EQ(records_of(*all.responses.at(0).partitions.at(1).records).size(), 1u);
}

TEST(KafkaDataPath, BadBatchesGetKafkasErrors) {
  TestBroker broker;
  KafkaTestClient client(broker);
  std::string corrupt = batch_of({{"a", "one"}});
  corrupt.back() ^= 0x01;
  auto r = produce(client, 1, "t", corrupt);
  EXPECT_EQ(r.error_code, error::kCorruptMessage);
  EXPECT_EQ(r.base_offset, -1);
  ASSERT_TRUE(r.error_message.has_value());

  client.request(kProduceVersion, 2, produce_request("t", batch_of({{"a", "b"}}), /*acks=*/2));
  auto bad_acks = client.response<ProduceResponse>(api_key::kProduce, kProduceVersion, 2);
  EXPECT_EQ(bad_acks.responses.at(0).partition_responses.at(0).error_code,
            error::kInvalidRequiredAcks);

  client.request(kProduceVersion, 3, produce_request("t", batch_of({{"a", "b"}}), -1, 7));
  auto no_partition = client.response<ProduceResponse>(api_key::kProduce, kProduceVersion, 3);
  EXPECT_EQ(no_partition.responses.at(0).partition_responses.at(0).error_code,
            error::kUnknownTopicOrPartition);
  EXPECT_EQ(produce(client, 5, "bad/name", batch_of({{"a", "b"}})).error_code,
            error::kInvalidTopicException);

  std::vector<RecordInput> in(1);
  in[0].value = "v";
  BatchOptions txn;
  txn.attributes = batch_attr::kTransactional;
  txn.producer_id = 7;
  txn.producer_epoch = 0;
  auto t = produce(client, 4, "t", build_batch(txn, in));
  EXPECT_EQ(t.error_code, error::kInvalidTxnState);

  // None of it was appended.
  EXPECT_EQ(fetch(client, 6, fetch_request("t", 0)).high_watermark, 0);
}

// A failed write (a full disk): the partition gets KAFKA_STORAGE_ERROR and nothing of the
// batch is stored; later produces go on once the disk takes writes again. (A failed sync, which
// poisons the partition until restart, is answered the same way by the round's listener; the
// storage's fault hooks cannot fail a group-commit sync, so that path is not exercised here.)
TEST(KafkaDataPath, AProduceWhoseWriteFailsGetsAStorageErrorAndStoresNothing) {
  bool fail_writes = false;
  core::QueueStoreOptions options;
  options.hooks.on_write = [&](std::string_view, size_t) -> std::optional<storage::WriteFault> {
    if (!fail_writes) return std::nullopt;
    return storage::WriteFault{0, ENOSPC};
  };
  TestBroker broker(options);
  KafkaTestClient client(broker);
  EXPECT_EQ(produce(client, 1, "t", batch_of({{"a", "kept"}})).error_code, error::kNone);
  fail_writes = true;
  auto lost = produce(client, 2, "t", batch_of({{"b", "lost"}}));
  EXPECT_EQ(lost.error_code, error::kKafkaStorageError);
  EXPECT_EQ(lost.base_offset, -1);
  fail_writes = false;
  EXPECT_EQ(produce(client, 3, "t", batch_of({{"c", "later"}})).base_offset, 1);
  auto got = records_of(*fetch(client, 4, fetch_request("t", 0)).records);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].value, "kept");
  EXPECT_EQ(got[1].value, "later");
}

TEST(KafkaDataPath, NoTopicIsCreatedOnProduceWhenAutoCreationIsOff) {
  TestBroker broker;
  broker.config.auto_create_topics = false;
  KafkaTestClient client(broker);
  EXPECT_EQ(produce(client, 1, "absent", batch_of({{"a", "b"}})).error_code,
            error::kUnknownTopicOrPartition);
  client.request(kFetchVersion, 2, fetch_request("absent", 0));
  auto f = client.response<FetchResponse>(api_key::kFetch, kFetchVersion, 2);
  EXPECT_EQ(f.responses.at(0).partitions.at(0).error_code, error::kUnknownTopicOrPartition);
}

TEST(KafkaDataPath, AnAcksZeroProduceGetsNoAnswerAndTheNextRequestItsOwn) {
  TestBroker broker;
  KafkaTestClient client(broker);
  client.request(kProduceVersion, 1, produce_request("t", batch_of({{"a", "b"}}), /*acks=*/0));
  client.request(int16_t{3}, 2, ApiVersionsRequest{});
  client.response<ApiVersionsResponse>(api_key::kApiVersions, 3, 2);
  // Answered once the record is durable (the fetch waits for it).
  EXPECT_EQ(fetch(client, 3, fetch_request("t", 0, /*max_wait_ms=*/60000)).high_watermark, 1);
}

TEST(KafkaDataPath, AFailedAcksZeroProduceClosesTheConnection) {
  TestBroker broker;
  KafkaTestClient client(broker);
  std::string corrupt = batch_of({{"a", "one"}});
  corrupt.back() ^= 0x01;
  client.request(kProduceVersion, 1, produce_request("t", corrupt, /*acks=*/0));
  EXPECT_TRUE(client.closed_by_server());
}

TEST(KafkaDataPath, ALaterRequestsAnswerWaitsBehindAProduceWaitingForItsSync) {
  TestBroker broker;
  KafkaTestClient client(broker);
  // Both requests in one write: the second is handled while the produce waits for its round.
  std::string both;
  append_request(both, kProduceVersion, 1, std::string("c"),
                 produce_request("t", batch_of({{"a", "b"}})));
  append_request(both, int16_t{3}, 2, std::string("c"), ApiVersionsRequest{});
  client.send(both);
  auto p = client.response<ProduceResponse>(api_key::kProduce, kProduceVersion, 1);
  EXPECT_EQ(p.responses.at(0).partition_responses.at(0).error_code, error::kNone);
  client.response<ApiVersionsResponse>(api_key::kApiVersions, 3, 2);
}

TEST(KafkaDataPath, AWaitingFetchIsAnsweredWhenARecordArrives) {
  TestBroker broker;
  KafkaTestClient consumer(broker);
  KafkaTestClient producer(broker);
  produce(producer, 1, "t", batch_of({{"a", "first"}}));
  consumer.request(kFetchVersion, 7, fetch_request("t", 1, /*max_wait_ms=*/60000));
  consumer.run_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(consumer.anything_received()) << "answered before anything arrived";
  produce(producer, 2, "t", batch_of({{"b", "second"}}));
  auto r = consumer.response<FetchResponse>(api_key::kFetch, kFetchVersion, 7);
  auto got = records_of(*r.responses.at(0).partitions.at(0).records);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].offset, 1);
  EXPECT_EQ(got[0].value, "second");
}

TEST(KafkaDataPath, AWaitingFetchIsAnsweredEmptyAtMaxWait) {
  TestBroker broker;
  KafkaTestClient client(broker);
  produce(client, 1, "t", batch_of({{"a", "first"}}));
  auto d = fetch(client, 2, fetch_request("t", 1, /*max_wait_ms=*/50));
  EXPECT_EQ(d.error_code, error::kNone);
  EXPECT_TRUE(d.records->empty());
  EXPECT_EQ(d.high_watermark, 1);
}

TEST(KafkaDataPath, AWaitingFetchOfADeletedTopicIsAnsweredWithTheTopicsError) {
  TestBroker broker;
  KafkaTestClient client(broker);
  produce(client, 1, "doomed", batch_of({{"a", "first"}}));
  client.request(kFetchVersion, 2, fetch_request("doomed", 1, /*max_wait_ms=*/60000));
  client.run_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(broker.broker.find_vhost("/")->delete_stream("doomed").ok());
  auto r = client.response<FetchResponse>(api_key::kFetch, kFetchVersion, 2);
  EXPECT_EQ(r.responses.at(0).partitions.at(0).error_code, error::kUnknownTopicOrPartition);
}

TEST(KafkaDataPath, AClientThatLeavesWhileItsFetchWaitsLeavesNothingBehind) {
  TestBroker broker;
  KafkaTestClient producer(broker);
  produce(producer, 1, "t", batch_of({{"a", "first"}}));
  {
    KafkaTestClient consumer(broker);
    consumer.request(kFetchVersion, 2, fetch_request("t", 1, /*max_wait_ms=*/60000));
    consumer.run_for(std::chrono::milliseconds(50));
  }
  producer.run_for(std::chrono::milliseconds(50));
  // The stream no longer tells the gone fetch (AddressSanitizer would catch it).
  EXPECT_EQ(produce(producer, 3, "t", batch_of({{"b", "second"}})).base_offset, 1);
}

TEST(KafkaDataPath, FetchSessionsAreNotKept) {
  TestBroker broker;
  KafkaTestClient client(broker);
  FetchRequest req = fetch_request("t", 0);
  req.session_id = 42;
  req.session_epoch = 3;
  client.request(kFetchVersion, 1, req);
  EXPECT_EQ(client.response<FetchResponse>(api_key::kFetch, kFetchVersion, 1).error_code,
            error::kFetchSessionIdNotFound);
  req.session_id = 0;
  req.session_epoch = 0;  // asks for a session: answered in full, without one
  client.request(kFetchVersion, 2, req);
  auto r = client.response<FetchResponse>(api_key::kFetch, kFetchVersion, 2);
  EXPECT_EQ(r.error_code, error::kNone);
  EXPECT_EQ(r.session_id, 0);
}

TEST(KafkaDataPath, ListOffsetsEarliestLatestAndByTimestamp) {
  TestBroker broker;
  KafkaTestClient client(broker);
  produce(client, 1, "t", batch_of({{"a", "1", 1000}, {"b", "2", 2000}}));
  produce(client, 2, "t", batch_of({{"c", "3", 3000}}));
  ListOffsetsRequest req;
  req.replica_id = -1;
  ListOffsetsRequest::ListOffsetsTopic t;
  t.name = "t";
  for (int64_t ts : {-2, -1, 1500, 2000, 2500, 9999}) {
    ListOffsetsRequest::ListOffsetsPartition p;
    p.timestamp = ts;
    t.partitions.push_back(p);
  }
  req.topics.push_back(t);
  client.request(int16_t{6}, 3, req);
  auto r = client.response<ListOffsetsResponse>(api_key::kListOffsets, 6, 3);
  const auto& ps = r.topics.at(0).partitions;
  ASSERT_EQ(ps.size(), 6u);
  for (const auto& p : ps) EXPECT_EQ(p.error_code, error::kNone);
  EXPECT_EQ(ps[0].offset, 0);
  EXPECT_EQ(ps[1].offset, 3);
  EXPECT_EQ(ps[2].offset, 1);  // inside the first batch
  EXPECT_EQ(ps[2].timestamp, 2000);
  EXPECT_EQ(ps[3].offset, 1);
  EXPECT_EQ(ps[4].offset, 2);
  EXPECT_EQ(ps[4].timestamp, 3000);
  EXPECT_EQ(ps[5].offset, -1);  // none so late
  EXPECT_EQ(ps[5].timestamp, -1);
}

TEST(KafkaDataPath, OffsetForLeaderEpochEndsEpochZeroAtTheHighWatermark) {
  TestBroker broker;
  KafkaTestClient client(broker);
  produce(client, 1, "t", batch_of({{"a", "1"}, {"b", "2"}}));
  OffsetForLeaderEpochRequest req;
  OffsetForLeaderEpochRequest::OffsetForLeaderTopic t;
  t.topic = "t";
  OffsetForLeaderEpochRequest::OffsetForLeaderPartition p;
  p.current_leader_epoch = 0;
  p.leader_epoch = 0;
  t.partitions.push_back(p);
  req.topics.push_back(t);
  client.request(int16_t{4}, 2, req);
  auto r = client.response<OffsetForLeaderEpochResponse>(api_key::kOffsetForLeaderEpoch, 4, 2);
  const auto& e = r.topics.at(0).partitions.at(0);
  EXPECT_EQ(e.error_code, error::kNone);
  EXPECT_EQ(e.leader_epoch, 0);
  EXPECT_EQ(e.end_offset, 2);
}

struct NoListener final : core::Publisher::Listener {
  void publishes_completed() override {}
};

// The cross-protocol promise, as an AMQP publish takes it (the AMQP front-end does not yet
// bind exchanges to streams, so the binding is made in the core): a message an exchange routes
// into a topic reaches a Kafka consumer as a record.
TEST(KafkaDataPath, AMessageAnExchangeRoutesIntoTheTopicIsFetchedAsARecord) {
  TestBroker broker;
  KafkaTestClient client(broker);
  produce(client, 1, "mixed", batch_of({{"k", "from kafka"}}));
  core::VHost& vhost = *broker.broker.find_vhost("/");
  ASSERT_TRUE(vhost.declare_exchange("events", "fanout", core::ExchangeOptions{}, false).ok());
  ASSERT_TRUE(vhost.bind_stream("mixed", "events", "", {}).ok());
  auto m = std::make_shared<core::Message>();
  m->exchange = "events";
  m->routing_key = "orders.eu";
  m->body = core::Body("from amqp");
  m->timestamp_ms = 5000;
  m->properties.headers =
      core::Table{{"origin", core::Value::String("amqp")}, {"count", core::Value::Int32(3)}};
  NoListener listener;
  core::Publisher publisher(broker.broker.commits(), listener);
  ASSERT_TRUE(publisher.publish(vhost, "events", m, nullptr, false).status.ok());
  // The consumer waits until the routed message is durable.
  auto got = records_of(*fetch(client, 2, fetch_request("mixed", 1, 60000)).records);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].offset, 1);
  EXPECT_EQ(got[0].key, "orders.eu");
  EXPECT_EQ(got[0].value, "from amqp");
  EXPECT_EQ(got[0].timestamp, 5000);
  // Only string headers have a Kafka form.
  EXPECT_EQ(got[0].headers, (std::vector<std::pair<std::string, std::string>>{{"origin", "amqp"}}));
}

TEST(KafkaDataPath, ABatchAskingForLogAppendTimeIsStampedWithTheBrokersTime) {
  TestBroker broker;
  KafkaTestClient client(broker);
  std::vector<RecordInput> in(1);
  in[0].value = "v";
  in[0].timestamp = 1000;
  BatchOptions options;
  options.attributes = batch_attr::kLogAppendTime;
  auto r = produce(client, 1, "t", build_batch(options, in));
  EXPECT_EQ(r.error_code, error::kNone);
  EXPECT_GT(r.log_append_time_ms, 1000);
  auto d = fetch(client, 2, fetch_request("t", 0));
  RecordBatchHeader h;
  ASSERT_EQ(parse_batch_header(*d.records, h), BatchParse::kOk);
  EXPECT_EQ(verify_batch_crc(d.records->substr(0, h.size()), h), BatchParse::kOk);
  EXPECT_EQ(h.timestamp_type(), TimestampType::kLogAppendTime);
  EXPECT_EQ(h.max_timestamp, r.log_append_time_ms);
}

}  // namespace
}  // namespace polymq::kafka
