// The rows of the "sns/topics" and "sns/subscriptions" catalogs, over topics and subscriptions
// kept in the core as the SNS front-end keeps them (sns/subscription_arguments.h).
#include "sns/catalogs.h"

#include <gtest/gtest.h>

#include "sns/subscription_arguments.h"
#include "sns/topic_arguments.h"

namespace polymq::sns {
namespace {

using Strings = std::vector<std::pair<std::string, std::string>>;

class CatalogsTest : public ::testing::Test {
 protected:
  CatalogsTest() { vhost_ = &broker_.add_vhost("/"); }

  // A topic as CreateTopic declares it.
  void create_topic(const std::string& name, const StringMap& attributes,
                    const StringMap& tags = {}) {
    core::ExchangeOptions options;
    options.durable = true;
    options.arguments.emplace_back(std::string(kTopicArgument), core::Value::Bool(true));
    options.arguments =
        with_prefixed_arguments(options.arguments, kTopicAttributePrefix, attributes);
    options.arguments = with_prefixed_arguments(options.arguments, kTopicTagPrefix, tags);
    ASSERT_TRUE(vhost_->declare_exchange(name, "fanout", options, false).ok()) << name;
  }
  void create_queue(const std::string& name) {
    core::QueueDeclareOutcome out;
    ASSERT_TRUE(vhost_->declare_queue(name, {}, false, 0, out).ok()) << name;
  }
  // An sqs subscription of `queue` to `topic`, as Subscribe binds it.
  void subscribe(const std::string& topic, const std::string& queue, const std::string& id,
                 const SubscriptionAttributes& a) {
    ASSERT_TRUE(vhost_->bind_queue(queue, topic, id, a.to_arguments(id), 0).ok()) << id;
  }
  // An http(s) subscription: a binding to a queue of its own.
  void subscribe_http(const std::string& topic, const std::string& id,
                      const SubscriptionAttributes& a) {
    const std::string queue = std::string(kHttpQueuePrefix) + id;
    ASSERT_TRUE(vhost_->restore_queue(queue, core::QueueOptions{}).ok());
    subscribe(topic, queue, id, a);
  }

  static const core::Table& row_of(const std::vector<core::Table>& rows, const std::string& name) {
    for (const core::Table& row : rows) {
      if (*core::find_string(row, "name") == name) return row;
    }
    ADD_FAILURE() << "no row " << name;
    static const core::Table kNone;
    return kNone;
  }
  static std::vector<std::string> names(const std::vector<core::Table>& rows) {
    std::vector<std::string> out;
    for (const core::Table& row : rows) out.push_back(*core::find_string(row, "name"));
    return out;
  }
  static Strings strings(const core::Table& row, std::string_view field) {
    Strings out;
    const core::Value* v = core::find(row, field);
    if (v == nullptr || v->as_table() == nullptr) {
      ADD_FAILURE() << "no table " << field;
      return out;
    }
    for (const auto& [key, value] : *v->as_table()) {
      EXPECT_TRUE(value.as_string() != nullptr) << key;
      out.emplace_back(key, value.as_string() != nullptr ? *value.as_string() : "");
    }
    return out;
  }
  static std::string text(const core::Table& row, std::string_view field) {
    const std::string* s = core::find_string(row, field);
    return s != nullptr ? *s : "<absent>";
  }
  // Whether `needle` is anywhere in `table`, as a key or a string value, however deep.
  static bool mentions(const core::Table& table, const std::string& needle) {
    for (const auto& [key, value] : table) {
      if (key.find(needle) != std::string::npos) return true;
      if (const std::string* s = value.as_string(); s && s->find(needle) != std::string::npos) {
        return true;
      }
      if (const core::Table* t = value.as_table(); t && mentions(*t, needle)) return true;
    }
    return false;
  }

  core::Broker broker_;
  core::VHost* vhost_ = nullptr;
};

TEST_F(CatalogsTest, TopicsWithAttributesTagsAndSubscriptionCounts) {
  create_topic("orders", {{"DisplayName", "Orders"}, {"Policy", "{\"Version\":\"2012-10-17\"}"}},
               {{"team", "shop"}});
  create_topic("events.fifo", {{"FifoTopic", "true"}});
  // A plain exchange is no topic.
  ASSERT_TRUE(vhost_->declare_exchange("plain", "fanout", core::ExchangeOptions{}, false).ok());
  create_queue("q1");
  create_queue("q2");
  subscribe("orders", "q1", "s1", {});
  subscribe("orders", "q2", "s2", {});
  SubscriptionAttributes http;
  http.protocol = "http";
  http.endpoint = "http://127.0.0.1:8080/hook";
  http.pending = true;
  http.token = "0123456789abcdef";
  subscribe_http("orders", "s3", http);

  const std::vector<core::Table> rows = TopicCatalog(broker_, "/").list();
  EXPECT_EQ(names(rows), (std::vector<std::string>{"events.fifo", "orders"}));
  const core::Table& orders = row_of(rows, "orders");
  ASSERT_GE(orders.size(), 2u);
  EXPECT_EQ(orders[0].first, "vhost");
  EXPECT_EQ(*orders[0].second.as_string(), "/");
  EXPECT_EQ(orders[1].first, "name");
  EXPECT_EQ(core::find_bool(orders, "fifo"), false);
  EXPECT_EQ(strings(orders, "attributes"),
            (Strings{{"DisplayName", "Orders"}, {"Policy", "{\"Version\":\"2012-10-17\"}"}}));
  EXPECT_EQ(strings(orders, "tags"), (Strings{{"team", "shop"}}));
  EXPECT_EQ(core::find_int(orders, "subscriptions_confirmed"), 2);
  EXPECT_EQ(core::find_int(orders, "subscriptions_pending"), 1);
  EXPECT_EQ(core::find(orders, "arn"), nullptr);

  // A FIFO topic shows AWS's defaults for what was not given.
  const core::Table& events = row_of(rows, "events.fifo");
  EXPECT_EQ(core::find_bool(events, "fifo"), true);
  EXPECT_EQ(strings(events, "attributes"), (Strings{{"ContentBasedDeduplication", "false"},
                                                    {"DisplayName", ""},
                                                    {"FifoTopic", "true"}}));
  EXPECT_TRUE(strings(events, "tags").empty());
  EXPECT_EQ(core::find_int(events, "subscriptions_confirmed"), 0);
  EXPECT_EQ(core::find_int(events, "subscriptions_pending"), 0);

  // Confirming (a rebind without the pending mark, as ConfirmSubscription does) moves the
  // http subscription from pending to confirmed.
  core::Table pending_arguments;
  for (const core::Binding* b : vhost_->find_exchange("orders")->bindings()) {
    if (*subscription_id(*b) == "s3") pending_arguments = b->arguments;
  }
  http.pending = false;
  ASSERT_TRUE(
      vhost_->bind_queue("amq.sns.http.s3", "orders", "s3", http.to_arguments("s3"), 0).ok());
  ASSERT_TRUE(vhost_->unbind_queue("amq.sns.http.s3", "orders", "s3", pending_arguments, 0).ok());
  const std::vector<core::Table> rows_after = TopicCatalog(broker_, "/").list();
  const core::Table& after = row_of(rows_after, "orders");
  EXPECT_EQ(core::find_int(after, "subscriptions_confirmed"), 3);
  EXPECT_EQ(core::find_int(after, "subscriptions_pending"), 0);
}

TEST_F(CatalogsTest, SubscriptionsOfEveryProtocolWithoutTheToken) {
  create_topic("b-topic", {});
  create_topic("a-topic", {});
  create_queue("inbox");
  SubscriptionAttributes filtered;
  filtered.raw = true;
  filtered.filter_policy = R"({"color":["red"]})";
  filtered.filter_scope = "MessageBody";
  filtered.redrive_policy = R"({"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq"})";
  subscribe("b-topic", "inbox", "sub-sqs", filtered);
  SubscriptionAttributes http;
  http.protocol = "https";
  http.endpoint = "https://example.com/sns";
  http.pending = true;
  http.token = "secret0token1which2confirms";
  http.delivery_policy = R"({"healthyRetryPolicy":{"numRetries":5}})";
  subscribe_http("a-topic", "sub-http", http);
  create_queue("plain");
  // A binding that is no subscription (an AMQP client's) is not listed.
  ASSERT_TRUE(vhost_->bind_queue("plain", "a-topic", "", {}, 0).ok());

  const std::vector<core::Table> rows = SubscriptionCatalog(broker_, "/").list();
  // By topic, then id.
  EXPECT_EQ(names(rows), (std::vector<std::string>{"sub-http", "sub-sqs"}));

  const core::Table& h = row_of(rows, "sub-http");
  ASSERT_GE(h.size(), 2u);
  EXPECT_EQ(h[0].first, "vhost");
  EXPECT_EQ(h[1].first, "name");
  EXPECT_EQ(text(h, "topic"), "a-topic");
  EXPECT_EQ(text(h, "protocol"), "https");
  EXPECT_EQ(text(h, "endpoint"), "https://example.com/sns");
  EXPECT_EQ(core::find_bool(h, "pending_confirmation"), true);
  EXPECT_EQ(core::find_bool(h, "raw_message_delivery"), false);
  EXPECT_EQ(core::find(h, "filter_policy"), nullptr);
  EXPECT_EQ(text(h, "filter_policy_scope"), "MessageAttributes");
  EXPECT_EQ(core::find(h, "redrive_policy"), nullptr);
  EXPECT_EQ(text(h, "delivery_policy"), http.delivery_policy);
  EXPECT_FALSE(mentions(h, "secret0token1which2confirms"));
  EXPECT_FALSE(mentions(h, "token"));

  const core::Table& s = row_of(rows, "sub-sqs");
  EXPECT_EQ(text(s, "topic"), "b-topic");
  EXPECT_EQ(text(s, "protocol"), "sqs");
  EXPECT_EQ(text(s, "endpoint"), "inbox");
  EXPECT_EQ(core::find_bool(s, "pending_confirmation"), false);
  EXPECT_EQ(core::find_bool(s, "raw_message_delivery"), true);
  EXPECT_EQ(text(s, "filter_policy"), filtered.filter_policy);
  EXPECT_EQ(text(s, "filter_policy_scope"), "MessageBody");
  EXPECT_EQ(text(s, "redrive_policy"), filtered.redrive_policy);
  EXPECT_EQ(core::find(s, "delivery_policy"), nullptr);
}

TEST_F(CatalogsTest, AbsentVhostListsNothing) {
  create_topic("t", {});
  create_queue("q");
  subscribe("t", "q", "s", {});
  EXPECT_TRUE(TopicCatalog(broker_, "other").list().empty());
  EXPECT_TRUE(SubscriptionCatalog(broker_, "other").list().empty());
  EXPECT_EQ(TopicCatalog(broker_, "/").list().size(), 1u);
  EXPECT_EQ(SubscriptionCatalog(broker_, "/").list().size(), 1u);
}

}  // namespace
}  // namespace polymq::sns
