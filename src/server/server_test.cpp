// The server's pieces without a process: size and watermark parsing, [[policies]] in the
// config file, the disk probe.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include "server/config.h"
#include "server/resource_monitor.h"

namespace polymq::server {
namespace {

TEST(ByteSize, UnitsAsRabbitMQ) {
  uint64_t v = 0;
  EXPECT_EQ(parse_byte_size("1048576", v), "");
  EXPECT_EQ(v, 1048576u);
  EXPECT_EQ(parse_byte_size("512MB", v), "");
  EXPECT_EQ(v, 512'000'000u);
  EXPECT_EQ(parse_byte_size("1GiB", v), "");
  EXPECT_EQ(v, 1ull << 30);
  EXPECT_EQ(parse_byte_size("2k", v), "");
  EXPECT_EQ(v, 2048u);
  EXPECT_EQ(parse_byte_size("2kB", v), "");
  EXPECT_EQ(v, 2000u);
  EXPECT_EQ(parse_byte_size("1000TB", v), "");
  EXPECT_EQ(v, 1'000'000'000'000'000u);
  EXPECT_EQ(parse_byte_size(" 1.5 GiB ", v), "");
  EXPECT_EQ(v, 1610612736u);
  EXPECT_EQ(parse_byte_size("50MB", v), "");
  EXPECT_EQ(v, 50'000'000u);
  EXPECT_EQ(parse_byte_size("7B", v), "");
  EXPECT_EQ(v, 7u);
}

TEST(ByteSize, RejectsWhatIsNotASize) {
  uint64_t v = 0;
  EXPECT_NE(parse_byte_size("", v), "");
  EXPECT_NE(parse_byte_size("MB", v), "");
  EXPECT_NE(parse_byte_size("-5", v), "");
  EXPECT_NE(parse_byte_size("10 parsecs", v), "");
  EXPECT_NE(parse_byte_size("1.5", v), "");  // a fraction of a byte
  EXPECT_NE(parse_byte_size("99999999999TiB", v), "");
  EXPECT_NE(parse_byte_size("18446744073709551616", v), "");
}

TEST(MemoryWatermark, FractionBelowOneElseBytes) {
  MemoryWatermark w;
  EXPECT_EQ(parse_memory_watermark("0.4", w), "");
  EXPECT_FALSE(w.absolute);
  EXPECT_DOUBLE_EQ(w.fraction, 0.4);
  EXPECT_EQ(w.resolve(1000), 400u);
  EXPECT_EQ(parse_memory_watermark("1MB", w), "");
  EXPECT_TRUE(w.absolute);
  EXPECT_EQ(w.resolve(1000), 1'000'000u);
  EXPECT_EQ(parse_memory_watermark("2000000", w), "");
  EXPECT_TRUE(w.absolute);
  EXPECT_EQ(w.bytes, 2'000'000u);
  EXPECT_NE(parse_memory_watermark("1.5", w), "");
  EXPECT_NE(parse_memory_watermark("lots", w), "");
}

class ConfigFile : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    path_ = std::filesystem::temp_directory_path() /
            ("polymq_server_test_" + std::to_string(::getpid()) + ".toml");
    std::ofstream(path_) << text;
    return path_.string();
  }
  void TearDown() override {
    if (!path_.empty()) std::filesystem::remove(path_);
  }
  std::filesystem::path path_;
};

TEST_F(ConfigFile, FlowControlKeys) {
  Config c;
  EXPECT_EQ(apply_toml(write("memory_high_watermark = 0.25\ndisk_free_limit = \"1GB\"\n"), c), "");
  EXPECT_FALSE(c.memory_high_watermark.absolute);
  EXPECT_DOUBLE_EQ(c.memory_high_watermark.fraction, 0.25);
  EXPECT_EQ(c.disk_free_limit, 1'000'000'000u);
  EXPECT_EQ(apply_toml(write("memory_high_watermark = \"512MiB\"\ndisk_free_limit = 10\n"), c), "");
  EXPECT_TRUE(c.memory_high_watermark.absolute);
  EXPECT_EQ(c.memory_high_watermark.bytes, 512ull << 20);
  EXPECT_EQ(c.disk_free_limit, 10u);
  EXPECT_EQ(apply_toml(write("memory_high_watermark = 1048576\n"), c), "");
  EXPECT_EQ(c.memory_high_watermark.bytes, 1048576u);
  EXPECT_NE(apply_toml(write("memory_high_watermark = 1.5\n"), c), "");
  EXPECT_NE(apply_toml(write("disk_free_limit = \"many\"\n"), c), "");
  EXPECT_NE(apply_toml(write("disk_free_limit = 0.5\n"), c), "");
}

TEST_F(ConfigFile, AmqpProduct) {
  Config c;
  EXPECT_EQ(c.amqp_product, "PolyMQ");
  EXPECT_EQ(apply_toml(write("[amqp]\nproduct = \"RabbitMQ\"\n"), c), "");
  EXPECT_EQ(c.amqp_product, "RabbitMQ");
  EXPECT_NE(apply_toml(write("[amqp]\nproduct = 7\n"), c), "");
  EXPECT_NE(apply_toml(write("[amqp]\nproduct = \"\"\n"), c), "");
}

TEST_F(ConfigFile, KafkaKeys) {
  Config c;
  EXPECT_EQ(c.kafka_port, 9092);
  EXPECT_TRUE(c.kafka_auto_create_topics);
  EXPECT_EQ(apply_toml(write("[kafka]\nport = 19092\nadvertised_host = \"kafka.example\"\n"
                             "vhost = \"events\"\nauto_create_topics = false\n"
                             "num_partitions = 4\n"),
                       c),
            "");
  EXPECT_EQ(c.kafka_port, 19092);
  EXPECT_EQ(c.kafka_advertised_host, "kafka.example");
  EXPECT_EQ(c.kafka_vhost, "events");
  EXPECT_FALSE(c.kafka_auto_create_topics);
  EXPECT_EQ(c.kafka_num_partitions, 4u);
  EXPECT_NE(apply_toml(write("[kafka]\nport = 70000\n"), c), "");
  EXPECT_NE(apply_toml(write("[kafka]\nauto_create_topics = 1\n"), c), "");
  EXPECT_NE(apply_toml(write("[kafka]\nnum_partitions = 0\n"), c), "");
  EXPECT_NE(apply_toml(write("[kafka]\nvhost = \"\"\n"), c), "");
}

TEST_F(ConfigFile, SqsKeys) {
  Config c;
  EXPECT_EQ(c.sqs_port, 9324);
  EXPECT_EQ(c.sqs_vhost, "/");
  EXPECT_EQ(c.sqs_account_id, "000000000000");
  EXPECT_EQ(apply_toml(write("[sqs]\nport = 19324\nvhost = \"aws\"\n"
                             "account_id = \"123456789012\"\n"),
                       c),
            "");
  EXPECT_EQ(c.sqs_port, 19324);
  EXPECT_EQ(c.sqs_vhost, "aws");
  EXPECT_EQ(c.sqs_account_id, "123456789012");
  EXPECT_NE(apply_toml(write("[sqs]\nport = 70000\n"), c), "");
  EXPECT_NE(apply_toml(write("[sqs]\nvhost = \"\"\n"), c), "");
  EXPECT_NE(apply_toml(write("[sqs]\naccount_id = \"12ab\"\n"), c), "");
  EXPECT_NE(apply_toml(write("[sqs]\naccount_id = 123456789012\n"), c), "");
}

TEST_F(ConfigFile, SnsHttpsCaFile) {
  Config c;
  EXPECT_EQ(c.sns_https_ca_file, "");
  EXPECT_EQ(apply_toml(write("[sns]\nhttps_ca_file = \"/etc/polymq/ca.pem\"\n"), c), "");
  EXPECT_EQ(c.sns_https_ca_file, "/etc/polymq/ca.pem");
  EXPECT_NE(apply_toml(write("[sns]\nhttps_ca_file = 1\n"), c), "");
}

TEST_F(ConfigFile, ManagementPort) {
  Config c;
  EXPECT_EQ(c.management_port, 15672);
  EXPECT_EQ(apply_toml(write("[management]\nport = 0\n"), c), "");
  EXPECT_EQ(c.management_port, 0);
  EXPECT_EQ(apply_toml(write("[management]\nport = 25672\n"), c), "");
  EXPECT_EQ(c.management_port, 25672);
  EXPECT_NE(apply_toml(write("[management]\nport = 70000\n"), c), "");
  EXPECT_NE(apply_toml(write("[management]\nport = \"x\"\n"), c), "");
}

TEST(KafkaAdvertisedHost, TheBindAddressUnlessConfigured) {
  Config c;
  c.bind = "0.0.0.0";
  EXPECT_EQ(kafka_advertised_host(c), "127.0.0.1");
  c.bind = "::";
  EXPECT_EQ(kafka_advertised_host(c), "127.0.0.1");
  c.bind = "192.0.2.7";
  EXPECT_EQ(kafka_advertised_host(c), "192.0.2.7");
  c.kafka_advertised_host = "broker.example";
  EXPECT_EQ(kafka_advertised_host(c), "broker.example");
}

TEST_F(ConfigFile, Policies) {
  Config c;
  const std::string text = R"(
[[policies]]
name = "retry"
pattern = "^work\\."
apply-to = "queues"
priority = 1
vhost = "orders"
[policies.definition]
message-ttl = 5000
dead-letter-exchange = "dlx"
ratio = 0.5
flag = true

[[policies]]
name = "limits"
pattern = ""
[policies.definition]
max-length = 10
)";
  ASSERT_EQ(apply_toml(write(text), c), "");
  ASSERT_EQ(c.policies.size(), 2u);
  const rabbit::PolicyDefinition& p = c.policies[0];
  EXPECT_EQ(p.name, "retry");
  EXPECT_EQ(p.pattern, "^work\\.");
  EXPECT_EQ(p.apply_to, "queues");
  EXPECT_EQ(p.priority, 1);
  EXPECT_EQ(p.vhost, "orders");
  ASSERT_EQ(p.definition.size(), 4u);  // toml++ keeps keys sorted, not in file order
  const core::Value* ttl = core::find(p.definition, "message-ttl");
  ASSERT_NE(ttl, nullptr);
  EXPECT_EQ(ttl->kind, core::ValueKind::kInt64);
  EXPECT_EQ(std::get<int64_t>(ttl->data), 5000);
  const core::Value* dlx = core::find(p.definition, "dead-letter-exchange");
  ASSERT_NE(dlx, nullptr);
  EXPECT_EQ(dlx->kind, core::ValueKind::kString);
  EXPECT_EQ(std::get<std::string>(dlx->data), "dlx");
  ASSERT_NE(core::find(p.definition, "ratio"), nullptr);
  EXPECT_EQ(core::find(p.definition, "ratio")->kind, core::ValueKind::kDouble);
  ASSERT_NE(core::find(p.definition, "flag"), nullptr);
  EXPECT_EQ(core::find(p.definition, "flag")->kind, core::ValueKind::kBool);
  EXPECT_EQ(c.policies[1].vhost, "/");
  EXPECT_EQ(c.policies[1].apply_to, "queues");
  EXPECT_EQ(c.policies[1].priority, 0);
}

TEST_F(ConfigFile, MalformedPoliciesNameTheEntry) {
  Config c;
  std::string err = apply_toml(write("[[policies]]\npattern = \"x\"\n[policies.definition]\n"), c);
  EXPECT_NE(err.find("policies entry 1"), std::string::npos) << err;
  err = apply_toml(write("[[policies]]\nname = \"p\"\npattern = \"x\"\n"), c);
  EXPECT_NE(err.find("policy 'p'"), std::string::npos) << err;
  err = apply_toml(
      write("[[policies]]\nname = \"p\"\npattern = \"x\"\n[policies.definition]\nk = [1]\n"), c);
  EXPECT_NE(err.find("'k'"), std::string::npos) << err;
  err = apply_toml(write("[[policies]]\nname = \"p\"\npattern = 3\n[policies.definition]\n"), c);
  EXPECT_NE(err.find("pattern"), std::string::npos) << err;
  err = apply_toml(write("policies = 3\n"), c);
  EXPECT_NE(err, "");
}

TEST(ResourceProbes, MemoryAndDisk) {
  EXPECT_GT(physical_memory_bytes(), 0u);
  std::string error;
  auto free = free_disk_bytes(std::filesystem::temp_directory_path().string(), error);
  ASSERT_TRUE(free.has_value()) << error;
  EXPECT_FALSE(free_disk_bytes("/no/such/directory/polymq", error).has_value());
  EXPECT_NE(error, "");
}

TEST(ResourceMonitor, StartSamplesAtOnce) {
  asio::io_context io;
  core::Broker broker;
  ResourceMonitor monitor(io, broker, std::filesystem::temp_directory_path().string());
  monitor.start(core::ResourceAlarms::kNoLimit, core::ResourceAlarms::kNoLimit - 1);
  EXPECT_TRUE(broker.alarms().disk_alarm());  // no filesystem has 16 EiB free
  EXPECT_EQ(broker.alarms().reason(), "low on disk");
  monitor.stop();
}

}  // namespace
}  // namespace polymq::server
