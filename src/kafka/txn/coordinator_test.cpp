// The transaction coordinator over real storage: producer ids and epochs, markers in the
// partitions, the last stable offset and aborted transactions, offsets committed with a
// transaction, timeouts, and the replay of __transaction_state by a new coordinator (a
// broker restart).
#include "kafka/txn/coordinator.h"

#include <gtest/gtest.h>

#include "core/fake_timers.h"
#include "core/test_storage.h"
#include "kafka/error_codes.h"
#include "kafka/groups/group_errors.h"
#include "kafka/groups/group_test_util.h"
#include "kafka/protocol/record_batch.h"

namespace polymq::kafka::txn {
namespace {

class CountingIds final : public ProducerIdSource {
 public:
  int64_t next_producer_id() override { return next_++; }

 private:
  int64_t next_ = 1000;
};

using groups::testing::Answer;

struct Marker {
  int64_t producer_id = -1;
  int16_t epoch = -1;
  bool commit = false;
};

class TxnCoordinatorTest : public ::testing::Test {
 protected:
  TxnCoordinatorTest() {
    hooks_.queue_stores = &storage_.stores();
    start();
  }
  ~TxnCoordinatorTest() override { stop(); }

  void stop() {
    coordinator_.reset();
    index_.reset();
    groups_.reset();
    vhost_.reset();
  }
  // A broker start over the same storage.
  void start() {
    stop();
    vhost_ = std::make_unique<core::VHost>("/", &hooks_);
    core::StreamSettings settings;
    settings.partitions = 2;
    ASSERT_TRUE(vhost_->declare_stream("orders", settings, orders_).ok());
    groups_ = std::make_unique<groups::GroupCoordinator>(timers_, commits_);
    ASSERT_TRUE(groups_->load(*vhost_).ok());
    index_ = std::make_unique<TxnIndex>();
    coordinator_ = std::make_unique<TransactionCoordinator>(timers_, commits_, *groups_, *index_,
                                                            id_expiration_ms_);
    ASSERT_TRUE(coordinator_->load(*vhost_).ok());
  }

  template <class R>
  R wait(Answer<R>& answer) {
    EXPECT_TRUE(storage_.loop().run_until([&] { return answer.calls > 0; }));
    EXPECT_EQ(answer.calls, 1);
    return answer.value.value_or(R{});
  }

  InitProducerIdResponse init(const std::string& id, int32_t timeout_ms = 60000,
                              int16_t version = 3) {
    InitProducerIdRequest r;
    r.transactional_id = id;
    r.transaction_timeout_ms = timeout_ms;
    r.producer_id = -1;
    r.producer_epoch = -1;
    Answer<InitProducerIdResponse> answer;
    coordinator_->init_producer_id(r, version, ids_, answer.callback());
    return wait(answer);
  }
  AddPartitionsToTxnResponse add(const std::string& id, const InitProducerIdResponse& p,
                                 const std::string& topic, std::vector<int32_t> partitions,
                                 int16_t version = 3) {
    AddPartitionsToTxnRequest r;
    r.v3_and_below_transactional_id = id;
    r.v3_and_below_producer_id = p.producer_id;
    r.v3_and_below_producer_epoch = p.producer_epoch;
    r.v3_and_below_topics.push_back({topic, std::move(partitions)});
    Answer<AddPartitionsToTxnResponse> answer;
    coordinator_->add_partitions(
        r, version, [](const std::string&) { return true; }, answer.callback());
    return wait(answer);
  }
  int16_t end(const std::string& id, const InitProducerIdResponse& p, bool commit) {
    EndTxnRequest r;
    r.transactional_id = id;
    r.producer_id = p.producer_id;
    r.producer_epoch = p.producer_epoch;
    r.committed = commit;
    Answer<EndTxnResponse> answer;
    coordinator_->end(r, 3, answer.callback());
    return wait(answer).error_code;
  }
  // Appends a transactional batch of one record, as the producer would.
  void produce(const InitProducerIdResponse& p, uint32_t partition, int32_t sequence) {
    BatchOptions o;
    o.base_offset = static_cast<int64_t>(orders_->next_offset(partition));
    o.attributes = batch_attr::kTransactional;
    o.producer_id = p.producer_id;
    o.producer_epoch = p.producer_epoch;
    o.base_sequence = sequence;
    RecordInput record;
    record.value = std::string_view("v");
    record.timestamp = 1;
    const std::string batch = build_batch(o, std::span<const RecordInput>(&record, 1));
    const storage::RecordInput entry{batch, 1, 1};
    uint64_t at = 0;
    ASSERT_TRUE(orders_->append(partition, std::span<const storage::RecordInput>(&entry, 1), at).ok());
  }
  // The control markers in the partition, in order.
  std::vector<Marker> markers(uint32_t partition) {
    std::vector<Marker> out;
    uint64_t next = 0;
    (void)orders_->read(
        partition, orders_->first_offset(partition), 1 << 20,
        [&](const storage::RecordView& v) {
          RecordBatchHeader h;
          if (parse_batch_header(v.payload, h) != BatchParse::kOk || !h.control()) return true;
          RecordReader reader(v.payload.substr(0, h.size()), h);
          Record r;
          EXPECT_TRUE(reader.next(r));
          EXPECT_EQ(r.key.value_or("").size(), 4u);
          out.push_back({h.producer_id, h.producer_epoch, r.key.value_or("xxxx")[3] == 1});
          return true;
        },
        next);
    return out;
  }
  const PartitionTxns* txns(uint32_t partition) { return index_->find(*orders_, partition); }
  int64_t lso(uint32_t partition) {
    const auto hw = static_cast<int64_t>(orders_->durable_offset(partition));
    return txns(partition) != nullptr ? txns(partition)->last_stable_offset(hw) : hw;
  }

  core::testing::TestStorage storage_{"kafka-txn"};
  core::VHostHooks hooks_;
  core::CommitTracker commits_{&storage_.committer()};
  core::FakeTimers timers_;
  CountingIds ids_;
  int64_t id_expiration_ms_ = TransactionCoordinator::kDefaultIdExpirationMs;
  std::unique_ptr<core::VHost> vhost_;
  core::Stream* orders_ = nullptr;
  std::unique_ptr<groups::GroupCoordinator> groups_;
  std::unique_ptr<TxnIndex> index_;
  std::unique_ptr<TransactionCoordinator> coordinator_;
};

TEST_F(TxnCoordinatorTest, EachInitBumpsTheEpochAndFencesTheOlderProducer) {
  const InitProducerIdResponse first = init("tx");
  EXPECT_EQ(first.error_code, error::kNone);
  EXPECT_EQ(first.producer_id, 1000);
  EXPECT_EQ(first.producer_epoch, 0);
  const InitProducerIdResponse second = init("tx");
  EXPECT_EQ(second.producer_id, 1000);
  EXPECT_EQ(second.producer_epoch, 1);
  EXPECT_EQ(init("other").producer_id, 1001);
  // The older producer is fenced, in the error its request version knows.
  EXPECT_EQ(add("tx", first, "orders", {0}, 1).results_by_topic_v3_and_below[0]
                .results_by_partition[0].partition_error_code,
            error::kInvalidProducerEpoch);
  EXPECT_EQ(add("tx", first, "orders", {0}, 2).results_by_topic_v3_and_below[0]
                .results_by_partition[0].partition_error_code,
            error::kProducerFenced);
  InitProducerIdResponse stranger = second;
  stranger.producer_id = 5;
  EXPECT_EQ(end("tx", stranger, true), error::kInvalidProducerIdMapping);
  EXPECT_EQ(end("nobody", second, true), error::kInvalidProducerIdMapping);
  EXPECT_EQ(init("tx", 0).error_code, error::kInvalidTransactionTimeout);
  EXPECT_EQ(init("tx", TransactionCoordinator::kMaxTimeoutMs + 1).error_code,
            error::kInvalidTransactionTimeout);
}

TEST_F(TxnCoordinatorTest, ACommitWritesAMarkerAndReleasesTheStableOffset) {
  const InitProducerIdResponse p = init("tx");
  produce(p, 0, 0);  // not transactional-ly added: before the transaction
  storage_.run_round();
  const AddPartitionsToTxnResponse added = add("tx", p, "orders", {0});
  EXPECT_EQ(added.results_by_topic_v3_and_below[0].results_by_partition[0].partition_error_code,
            error::kNone);
  EXPECT_EQ(coordinator_->find("tx")->state, TxnState::kOngoing);
  produce(p, 0, 1);
  produce(p, 0, 2);
  storage_.run_round();
  EXPECT_EQ(orders_->durable_offset(0), 3u);
  EXPECT_EQ(lso(0), 1);  // held at the transaction's start
  EXPECT_EQ(end("tx", p, true), error::kNone);
  EXPECT_EQ(coordinator_->find("tx")->state, TxnState::kCompleteCommit);
  EXPECT_EQ(orders_->durable_offset(0), 4u);  // the marker is durable when answered
  EXPECT_EQ(lso(0), 4);
  const std::vector<Marker> m = markers(0);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].producer_id, p.producer_id);
  EXPECT_TRUE(m[0].commit);
  EXPECT_TRUE(txns(0)->aborted_between(0, 100).empty());
  // A retried EndTxn gets the same answer; the opposite one is refused.
  EXPECT_EQ(end("tx", p, true), error::kNone);
  EXPECT_EQ(end("tx", p, false), error::kInvalidTxnState);
  EXPECT_EQ(markers(0).size(), 1u);
}

TEST_F(TxnCoordinatorTest, AnAbortIsToldToReadCommittedFetches) {
  const InitProducerIdResponse p = init("tx");
  add("tx", p, "orders", {0, 1});
  produce(p, 1, 0);
  EXPECT_EQ(end("tx", p, false), error::kNone);
  EXPECT_EQ(markers(0).size(), 1u);
  ASSERT_EQ(markers(1).size(), 1u);
  EXPECT_FALSE(markers(1)[0].commit);
  EXPECT_EQ(txns(1)->aborted_between(0, 100), (std::vector<AbortedTxn>{{p.producer_id, 0, 1}}));
  EXPECT_EQ(lso(1), 2);
  EXPECT_EQ(end("tx", p, true), error::kInvalidTxnState);  // nothing open
}

TEST_F(TxnCoordinatorTest, AnUnknownPartitionFailsTheWholeRequest) {
  const InitProducerIdResponse p = init("tx");
  AddPartitionsToTxnRequest r;
  r.v3_and_below_transactional_id = "tx";
  r.v3_and_below_producer_id = p.producer_id;
  r.v3_and_below_producer_epoch = p.producer_epoch;
  r.v3_and_below_topics.push_back({"orders", {0, 7}});
  r.v3_and_below_topics.push_back({"secret", {0}});
  Answer<AddPartitionsToTxnResponse> answer;
  coordinator_->add_partitions(
      r, 3, [](const std::string& topic) { return topic != "secret"; }, answer.callback());
  const AddPartitionsToTxnResponse out = wait(answer);
  ASSERT_EQ(out.results_by_topic_v3_and_below.size(), 2u);
  const auto& orders = out.results_by_topic_v3_and_below[0].results_by_partition;
  EXPECT_EQ(orders[0].partition_error_code, error::kOperationNotAttempted);
  EXPECT_EQ(orders[1].partition_error_code, error::kUnknownTopicOrPartition);
  EXPECT_EQ(out.results_by_topic_v3_and_below[1].results_by_partition[0].partition_error_code,
            error::kTopicAuthorizationFailed);
  EXPECT_EQ(txns(0), nullptr);  // nothing was added
  EXPECT_EQ(coordinator_->find("tx")->state, TxnState::kEmpty);
}

TEST_F(TxnCoordinatorTest, OffsetsAreCommittedWithTheTransactionOnly) {
  const InitProducerIdResponse p = init("tx");
  auto send_offsets = [&](int64_t offset) {
    AddOffsetsToTxnRequest a;
    a.transactional_id = "tx";
    a.producer_id = p.producer_id;
    a.producer_epoch = p.producer_epoch;
    a.group_id = "billing";
    Answer<AddOffsetsToTxnResponse> added;
    coordinator_->add_offsets(a, 3, added.callback());
    EXPECT_EQ(wait(added).error_code, error::kNone);
    TxnOffsetCommitRequest c;
    c.transactional_id = "tx";
    c.group_id = "billing";
    c.producer_id = p.producer_id;
    c.producer_epoch = p.producer_epoch;
    c.topics.push_back({"orders", {{0, offset, -1, std::string("m")}}});
    Answer<TxnOffsetCommitResponse> committed;
    coordinator_->commit_offsets(c, 3, committed.callback());
    EXPECT_EQ(wait(committed).topics[0].partitions[0].error_code, error::kNone);
  };
  auto committed_offset = [&]() -> int64_t {
    const groups::Group* g = groups_->find_group("billing");
    if (g == nullptr) return -1;
    const auto it = g->offsets().find(groups::TopicPartition{"orders", 0});
    return it == g->offsets().end() ? -1 : it->second.offset;
  };
  // OffsetFetch v7: with require_stable a pending partition is UNSTABLE_OFFSET_COMMIT.
  auto fetch_v7 = [&](bool require_stable) {
    OffsetFetchRequest f;
    f.group_id = "billing";
    f.require_stable = require_stable;
    f.topics = std::vector<OffsetFetchRequest::OffsetFetchRequestTopic>{{"orders", {0}}};
    Answer<OffsetFetchResponse> answer;
    groups_->fetch(f, 7, answer.callback());
    const OffsetFetchResponse r = wait(answer);
    EXPECT_EQ(r.topics.size(), 1u);
    return r.topics.empty() ? OffsetFetchResponse::OffsetFetchResponsePartition{}
                            : r.topics[0].partitions.at(0);
  };
  send_offsets(5);
  EXPECT_EQ(committed_offset(), -1);  // pending
  EXPECT_EQ(fetch_v7(true).error_code, error::kUnstableOffsetCommit);
  EXPECT_EQ(fetch_v7(false).error_code, error::kNone);
  EXPECT_EQ(fetch_v7(false).committed_offset, -1);
  EXPECT_EQ(end("tx", p, false), error::kNone);
  EXPECT_EQ(committed_offset(), -1);  // aborted with the transaction
  send_offsets(9);
  EXPECT_EQ(end("tx", p, true), error::kNone);
  storage_.run_round();
  EXPECT_EQ(committed_offset(), 9);
  EXPECT_EQ(fetch_v7(true).error_code, error::kNone);
  EXPECT_EQ(fetch_v7(true).committed_offset, 9);
  start();  // they are durable
  EXPECT_EQ(committed_offset(), 9);
}

TEST_F(TxnCoordinatorTest, ARestartKeepsOpenTransactionsAndAbortsAndANewInitAbortsTheOpenOne) {
  const InitProducerIdResponse p = init("tx");
  add("tx", p, "orders", {0});
  produce(p, 0, 0);
  storage_.run_round();
  const InitProducerIdResponse q = init("other");
  add("other", q, "orders", {1});
  produce(q, 1, 0);
  EXPECT_EQ(end("other", q, false), error::kNone);

  start();
  EXPECT_EQ(coordinator_->find("tx")->state, TxnState::kOngoing);
  EXPECT_EQ(lso(0), 0);  // still held
  EXPECT_EQ(txns(1)->aborted_between(0, 100), (std::vector<AbortedTxn>{{q.producer_id, 0, 1}}));
  // The producer comes back: its open transaction is aborted under the new epoch.
  const InitProducerIdResponse again = init("tx");
  EXPECT_EQ(again.producer_id, p.producer_id);
  EXPECT_EQ(again.producer_epoch, p.producer_epoch + 1);
  const std::vector<Marker> m = markers(0);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_FALSE(m[0].commit);
  EXPECT_EQ(m[0].epoch, again.producer_epoch);
  EXPECT_EQ(lso(0), 2);
  EXPECT_EQ(txns(0)->aborted_between(0, 100), (std::vector<AbortedTxn>{{p.producer_id, 0, 1}}));
}

TEST_F(TxnCoordinatorTest, ATransactionOpenPastItsTimeoutIsAbortedAndItsProducerFenced) {
  const InitProducerIdResponse p = init("tx", 5000);
  add("tx", p, "orders", {0});
  produce(p, 0, 0);
  timers_.advance(std::chrono::milliseconds(4000));
  EXPECT_EQ(coordinator_->find("tx")->state, TxnState::kOngoing);
  timers_.advance(std::chrono::milliseconds(2000));
  storage_.run_round();
  EXPECT_EQ(coordinator_->find("tx")->state, TxnState::kCompleteAbort);
  EXPECT_EQ(coordinator_->find("tx")->producer_epoch, p.producer_epoch + 1);
  EXPECT_EQ(markers(0).size(), 1u);
  EXPECT_EQ(end("tx", p, true), error::kProducerFenced);
}

TEST_F(TxnCoordinatorTest, ALogOfManyChangesIsRewrittenAsItsStateAndReplaysTheSame) {
  const InitProducerIdResponse q = init("other");
  add("other", q, "orders", {1});
  produce(q, 1, 0);
  EXPECT_EQ(end("other", q, false), error::kNone);
  // 21 rounds of 500 InitProducerId calls, each a state record: a rewrite is due after 10000.
  InitProducerIdRequest again;
  again.transactional_id = "tx";
  again.transaction_timeout_ms = 60000;
  again.producer_id = -1;
  again.producer_epoch = -1;
  for (int round = 0; round < 21; ++round) {
    for (int i = 0; i < 500; ++i) {
      coordinator_->init_producer_id(again, 3, ids_, [](const InitProducerIdResponse&) {});
    }
    storage_.run_round();
  }
  EXPECT_EQ(coordinator_->log_rewrites(), 1u);
  start();
  EXPECT_EQ(coordinator_->find("tx")->producer_epoch, 10499);
  EXPECT_EQ(coordinator_->find("other")->state, TxnState::kCompleteAbort);
  EXPECT_EQ(txns(1)->aborted_between(0, 100), (std::vector<AbortedTxn>{{q.producer_id, 0, 1}}));
}

TEST_F(TxnCoordinatorTest, AnIdleTransactionalIdExpiresAndStaysForgottenAfterARestart) {
  id_expiration_ms_ = 60000;
  start();
  const InitProducerIdResponse p = init("tx");
  const InitProducerIdResponse q = init("busy", 120000);
  add("busy", q, "orders", {0});  // open: never expires while open
  timers_.advance(std::chrono::milliseconds(30000));
  EXPECT_NE(coordinator_->find("tx"), nullptr);
  timers_.advance(std::chrono::milliseconds(31000));
  storage_.run_round();
  EXPECT_EQ(coordinator_->find("tx"), nullptr);
  ASSERT_NE(coordinator_->find("busy"), nullptr);
  EXPECT_EQ(coordinator_->find("busy")->state, TxnState::kOngoing);
  start();
  EXPECT_EQ(coordinator_->find("tx"), nullptr);
  EXPECT_NE(coordinator_->find("busy"), nullptr);
  // A producer coming back gets a new producer id.
  EXPECT_NE(init("tx").producer_id, p.producer_id);
}

}  // namespace
}  // namespace polymq::kafka::txn
