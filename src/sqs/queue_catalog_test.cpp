// The rows of the "sqs/queues" catalog: the queues ListQueues lists, with what
// GetQueueAttributes answers of them (counts as they are now), their tags and dead-letter queue.
#include "sqs/queue_catalog.h"

#include <gtest/gtest.h>

#include "core/fake_timers.h"
#include "sqs/queue_attributes.h"
#include "sqs/queue_tags.h"

namespace polymq::sqs {
namespace {

using namespace std::chrono_literals;

class QueueCatalogTest : public ::testing::Test {
 protected:
  QueueCatalogTest() {
    broker_.hooks().timers = &timers_;
    vhost_ = &broker_.add_vhost("/");
  }

  // A queue as CreateQueue declares it.
  core::Queue& create(const std::string& name, const std::map<std::string, std::string>& given,
                      const Tags& tags = {}) {
    QueueConfig config;
    EXPECT_FALSE(apply_attributes(given, config)) << name;
    core::QueueOptions options;
    options.durable = true;
    options.arguments = with_tags(to_arguments(config), tags);
    core::QueueDeclareOutcome out;
    EXPECT_TRUE(vhost_->declare_queue(name, options, false, 0, out).ok()) << name;
    return *out.queue;
  }

  void send(core::Queue& q, const std::string& body, std::optional<int64_t> not_before = {}) {
    auto m = std::make_shared<core::Message>();
    m->body = body;
    m->not_before_ms = not_before;
    q.enqueue(m);
  }

  static std::vector<std::string> names(const std::vector<core::Table>& rows) {
    std::vector<std::string> out;
    for (const core::Table& row : rows) out.push_back(*core::find_string(row, "name"));
    return out;
  }

  static const core::Table& row_of(const std::vector<core::Table>& rows, const std::string& name) {
    for (const core::Table& row : rows) {
      if (*core::find_string(row, "name") == name) return row;
    }
    ADD_FAILURE() << "no row " << name;
    static const core::Table kNone;
    return kNone;
  }

  static const core::Table& table(const core::Table& row, std::string_view field) {
    const core::Value* v = core::find(row, field);
    static const core::Table kNone;
    if (v == nullptr || v->as_table() == nullptr) {
      ADD_FAILURE() << "no table " << field;
      return kNone;
    }
    return *v->as_table();
  }

  static std::vector<std::pair<std::string, std::string>> strings(const core::Table& t) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [key, value] : t) {
      EXPECT_TRUE(value.as_string() != nullptr) << key;
      out.emplace_back(key, value.as_string() != nullptr ? *value.as_string() : "");
    }
    return out;
  }

  core::FakeTimers timers_;
  core::Broker broker_;
  core::VHost* vhost_ = nullptr;
};

TEST_F(QueueCatalogTest, ListsWhatListQueuesListsByName) {
  create("zeta", {});
  create("alpha", {});
  // Neither an exclusive queue (its AMQP connection's) nor a broker-named one is SQS's.
  core::QueueOptions exclusive;
  exclusive.exclusive = true;
  core::QueueDeclareOutcome out;
  ASSERT_TRUE(vhost_->declare_queue("mine", exclusive, false, 7, out).ok());
  ASSERT_TRUE(vhost_->restore_queue("amq.sns.http.x", core::QueueOptions{}).ok());

  const QueueCatalog catalog(broker_, "/", "123456789012");
  const std::vector<core::Table> rows = catalog.list();
  EXPECT_EQ(names(rows), (std::vector<std::string>{"alpha", "zeta"}));
  const core::Table& row = rows[0];
  ASSERT_GE(row.size(), 2u);
  EXPECT_EQ(row[0].first, "vhost");
  EXPECT_EQ(*row[0].second.as_string(), "/");
  EXPECT_EQ(row[1].first, "name");
  EXPECT_EQ(*core::find_string(row, "url_path"), "/123456789012/alpha");
  EXPECT_EQ(core::find_bool(row, "fifo"), false);
  EXPECT_TRUE(table(row, "tags").empty());
  EXPECT_EQ(core::find(row, "dead_letter_queue"), nullptr);
}

TEST_F(QueueCatalogTest, AttributesAreGetQueueAttributesAllButTheArn) {
  core::Queue& q = create("orders", {{"VisibilityTimeout", "45"},
                                     {"MessageRetentionPeriod", "600"},
                                     {"DelaySeconds", "0"},
                                     {"ReceiveMessageWaitTimeSeconds", "20"},
                                     {"MaximumMessageSize", "2048"}});
  send(q, "a");
  send(q, "b");
  send(q, "c");
  send(q, "later", timers_.wall_ms() + 60000);
  core::Delivery d;
  ASSERT_TRUE(q.receive(d, core::Queue::ReceiveOptions{}));

  const std::vector<core::Table> rows = QueueCatalog(broker_, "/", "000000000000").list();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(strings(table(rows[0], "attributes")),
            (std::vector<std::pair<std::string, std::string>>{
                {"ApproximateNumberOfMessages", "2"},
                {"ApproximateNumberOfMessagesNotVisible", "1"},
                {"ApproximateNumberOfMessagesDelayed", "1"},
                {"VisibilityTimeout", "45"},
                {"MessageRetentionPeriod", "600"},
                {"DelaySeconds", "0"},
                {"ReceiveMessageWaitTimeSeconds", "20"},
                {"MaximumMessageSize", "2048"},
            }));

  // The counts are read at each list(): the delayed message becomes visible.
  timers_.advance(61s);
  const std::vector<core::Table> later = QueueCatalog(broker_, "/", "0").list();
  const core::Table& attributes = table(later[0], "attributes");
  EXPECT_EQ(*core::find_string(attributes, "ApproximateNumberOfMessages"), "3");
  EXPECT_EQ(*core::find_string(attributes, "ApproximateNumberOfMessagesDelayed"), "0");
}

TEST_F(QueueCatalogTest, FifoQueueTagsAndDeadLetterQueue) {
  create("dlq.fifo", {{"FifoQueue", "true"}});
  create(
      "jobs.fifo",
      {{"FifoQueue", "true"},
       {"ContentBasedDeduplication", "true"},
       {"DeduplicationScope", "messageGroup"},
       {"FifoThroughputLimit", "perMessageGroupId"},
       {"RedrivePolicy", R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq.fifo",)"
                         R"("maxReceiveCount":3})"},
       {"RedriveAllowPolicy", R"({"redrivePermission":"denyAll"})"}},
      {{"team", "billing"}, {"env", "prod"}});

  const std::vector<core::Table> rows = QueueCatalog(broker_, "/", "000000000000").list();
  EXPECT_EQ(names(rows), (std::vector<std::string>{"dlq.fifo", "jobs.fifo"}));
  const core::Table& jobs = row_of(rows, "jobs.fifo");
  EXPECT_EQ(core::find_bool(jobs, "fifo"), true);
  EXPECT_EQ(*core::find_string(jobs, "dead_letter_queue"), "dlq.fifo");
  EXPECT_EQ(strings(table(jobs, "tags")), (std::vector<std::pair<std::string, std::string>>{
                                              {"env", "prod"}, {"team", "billing"}}));
  const auto attributes = strings(table(jobs, "attributes"));
  const std::vector<std::pair<std::string, std::string>> tail(attributes.begin() + 8,
                                                              attributes.end());
  EXPECT_EQ(tail, (std::vector<std::pair<std::string, std::string>>{
                      {"RedrivePolicy",
                       R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq.fifo",)"
                       R"("maxReceiveCount":3})"},
                      {"RedriveAllowPolicy", R"({"redrivePermission":"denyAll"})"},
                      {"FifoQueue", "true"},
                      {"ContentBasedDeduplication", "true"},
                      {"DeduplicationScope", "messageGroup"},
                      {"FifoThroughputLimit", "perMessageGroupId"},
                  }));
  for (const auto& [name, value] : attributes) EXPECT_NE(name, "QueueArn");

  // A FIFO queue with the defaults shows them; a standard queue has none of them.
  const auto dlq = strings(table(row_of(rows, "dlq.fifo"), "attributes"));
  EXPECT_EQ(dlq.size(), 12u);
  EXPECT_EQ(dlq[9], (std::pair<std::string, std::string>{"ContentBasedDeduplication", "false"}));
}

TEST_F(QueueCatalogTest, AbsentVhostListsNothing) {
  create("q", {});
  EXPECT_TRUE(QueueCatalog(broker_, "elsewhere", "000000000000").list().empty());
  // A stateless reader: the vhost is looked up at each list().
  const QueueCatalog catalog(broker_, "later", "000000000000");
  EXPECT_TRUE(catalog.list().empty());
  core::QueueDeclareOutcome out;
  ASSERT_TRUE(broker_.add_vhost("later").declare_queue("q2", {}, false, 0, out).ok());
  EXPECT_EQ(names(catalog.list()), (std::vector<std::string>{"q2"}));
}

}  // namespace
}  // namespace polymq::sqs
