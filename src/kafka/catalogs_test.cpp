// The Kafka catalogs the management API lists: topics with their partitions' offsets, groups
// with members, committed offsets and lag; and the decoding of consumer-protocol assignments.
#include "kafka/catalogs.h"

#include <gtest/gtest.h>

#include "kafka/kafka_test_client.h"
#include "kafka/protocol/wire.h"

namespace polymq::kafka {
namespace {

using testing::TestBroker;

// core::find and its typed forms, failing the test when the field is missing.
int64_t int_field(const core::Table& table, std::string_view key) {
  const std::optional<int64_t> v = core::find_int(table, key);
  EXPECT_TRUE(v.has_value()) << key;
  return v.value_or(-1);
}
std::string string_field(const core::Table& table, std::string_view key) {
  const std::string* v = core::find_string(table, key);
  EXPECT_NE(v, nullptr) << key;
  return v == nullptr ? "" : *v;
}
const core::Array& array_field(const core::Table& table, std::string_view key) {
  static const core::Array kEmpty;
  const core::Value* v = core::find(table, key);
  EXPECT_TRUE(v != nullptr && v->as_array() != nullptr) << key;
  return v == nullptr || v->as_array() == nullptr ? kEmpty : *v->as_array();
}

core::Stream* declare(TestBroker& b, const std::string& name, uint32_t partitions,
                      int64_t retention_ms = -2) {
  core::StreamSettings settings;
  settings.partitions = partitions;
  if (retention_ms != -2) settings.retention_ms = retention_ms;
  core::Stream* stream = nullptr;
  EXPECT_TRUE(b.broker.find_vhost("/")->declare_stream(name, settings, stream).ok());
  return stream;
}

void append(TestBroker& b, core::Stream& stream, uint32_t partition, int count) {
  core::Message m;
  m.body = "x";
  for (int i = 0; i < count; ++i) {
    uint64_t offset = 0;
    ASSERT_TRUE(stream.append_message(partition, m, 1000, offset).ok());
  }
  b.storage.run_round();
}

TEST(KafkaCatalogs, TopicsShowEachPartitionsOffsetsAndTheConfigsSet) {
  TestBroker b;
  core::Stream* orders = declare(b, "orders", 2, 60000);
  append(b, *orders, 1, 3);
  TopicCatalog catalog(b.broker, "/");
  std::vector<core::Table> rows = catalog.list();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(string_field(rows[0], "vhost"), "/");
  EXPECT_EQ(string_field(rows[0], "name"), "orders");
  EXPECT_EQ(int_field(rows[0], "partition_count"), 2);
  EXPECT_EQ(int_field(rows[0], "messages"), 3);
  const core::Array& partitions = array_field(rows[0], "partitions");
  ASSERT_EQ(partitions.size(), 2u);
  EXPECT_EQ(int_field(*partitions[1].as_table(), "partition"), 1);
  EXPECT_EQ(int_field(*partitions[1].as_table(), "log_start_offset"), 0);
  EXPECT_EQ(int_field(*partitions[1].as_table(), "high_watermark"), 3);
  EXPECT_EQ(int_field(*partitions[1].as_table(), "log_end_offset"), 3);
  EXPECT_EQ(int_field(*partitions[0].as_table(), "high_watermark"), 0);
  const core::Value* configs = core::find(rows[0], "configs");
  ASSERT_TRUE(configs != nullptr && configs->as_table() != nullptr);
  ASSERT_EQ(configs->as_table()->size(), 1u);  // only what differs from the defaults
  EXPECT_EQ(string_field(*configs->as_table(), "retention.ms"), "60000");

  EXPECT_TRUE(TopicCatalog(b.broker, "/missing").list().empty());
}

OffsetCommitRequest commit_request(const std::string& group, const std::string& topic,
                                   int32_t partition, int64_t offset) {
  OffsetCommitRequest r;
  r.group_id = group;
  r.generation_id_or_member_epoch = -1;
  OffsetCommitRequest::OffsetCommitRequestTopic t;
  t.name = topic;
  OffsetCommitRequest::OffsetCommitRequestPartition p;
  p.partition_index = partition;
  p.committed_offset = offset;
  t.partitions.push_back(p);
  r.topics.push_back(t);
  return r;
}

TEST(KafkaCatalogs, GroupsShowTheirCommittedOffsetsAndLagBehindTheHighWatermark) {
  TestBroker b;
  core::Stream* orders = declare(b, "orders", 1);
  append(b, *orders, 0, 5);
  // Without load(), the coordinator keeps offsets in memory and answers commits at once.
  groups::GroupCoordinator coordinator(b.timers, b.storage.stores().tracker());
  int answered = 0;
  auto count = [&](const OffsetCommitResponse&) { ++answered; };
  coordinator.commit(commit_request("billing", "orders", 0, 2), 8, count);
  coordinator.commit(commit_request("billing", "gone", 0, 7), 8, count);
  ASSERT_EQ(answered, 2);

  std::vector<core::Table> rows = GroupCatalog(coordinator, b.broker, "/").list();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(string_field(rows[0], "name"), "billing");
  EXPECT_EQ(string_field(rows[0], "state"), "Empty");
  EXPECT_TRUE(array_field(rows[0], "members").empty());
  EXPECT_EQ(int_field(rows[0], "lag"), 3);
  const core::Array& offsets = array_field(rows[0], "offsets");
  ASSERT_EQ(offsets.size(), 2u);  // by topic: "gone", then "orders"
  const core::Table& gone = *offsets[0].as_table();
  EXPECT_EQ(string_field(gone, "topic"), "gone");
  EXPECT_EQ(core::find(gone, "lag")->kind, core::ValueKind::kVoid);  // no such topic: no lag
  const core::Table& on_orders = *offsets[1].as_table();
  EXPECT_EQ(int_field(on_orders, "committed_offset"), 2);
  EXPECT_EQ(int_field(on_orders, "high_watermark"), 5);
  EXPECT_EQ(int_field(on_orders, "lag"), 3);
}

std::string assignment_bytes(int16_t version,
                             const std::vector<std::pair<std::string, std::vector<int32_t>>>& t,
                             int32_t topic_count_override = -2) {
  std::string out;
  Writer w(out);
  w.int16(version);
  w.int32(topic_count_override != -2 ? topic_count_override : static_cast<int32_t>(t.size()));
  for (const auto& [topic, partitions] : t) {
    w.string(topic, false);
    w.int32(static_cast<int32_t>(partitions.size()));
    for (int32_t p : partitions) w.int32(p);
  }
  w.int32(-1);  // no user data
  return out;
}

TEST(KafkaCatalogs, ConsumerAssignmentsAreDecodedAndMalformedOnesRefused) {
  TopicPartitions expected = {{"orders", {0, 2}}, {"payments", {1}}};
  EXPECT_EQ(decode_consumer_assignment(assignment_bytes(3, expected)), expected);
  EXPECT_EQ(decode_consumer_assignment(assignment_bytes(0, {})), TopicPartitions{});
  // Truncated anywhere, a negative version, or a count larger than the bytes could hold.
  const std::string whole = assignment_bytes(1, expected);
  for (size_t n : {0ul, 1ul, 5ul, 9ul, 15ul, 22ul}) {
    EXPECT_EQ(decode_consumer_assignment(whole.substr(0, n)), std::nullopt) << n;
  }
  EXPECT_EQ(decode_consumer_assignment(assignment_bytes(-1, expected)), std::nullopt);
  EXPECT_EQ(decode_consumer_assignment(assignment_bytes(0, expected, 0x7fffffff)), std::nullopt);
}

}  // namespace
}  // namespace polymq::kafka
