// The core routes through a subscription's binding only what its filter policy matches
// (core/binding_filter.h implemented by sns/binding_filters.h), and refuses a bind whose
// policy does not parse.
#include "sns/binding_filters.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/vhost.h"
#include "sns/subscription_arguments.h"
#include "sqs/message_mapping.h"

namespace polymq::sns {
namespace {

class BindingFiltersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hooks_.binding_filters = &filters_;
    vhost_ = std::make_unique<core::VHost>("/", &hooks_);
    core::ExchangeOptions options;
    options.durable = true;
    ASSERT_TRUE(vhost_->declare_exchange("topic", "fanout", options, false).ok());
    for (const char* q : {"all", "red", "body"}) {
      core::QueueDeclareOutcome out;
      ASSERT_TRUE(vhost_->declare_queue(q, core::QueueOptions{}, false, 0, out).ok());
    }
  }

  core::Status subscribe(const std::string& queue, SubscriptionAttributes a) {
    return vhost_->bind_queue(queue, "topic", queue, a.to_arguments(queue), 0);
  }

  std::vector<std::string> route(const std::string& body,
                                 const std::vector<sqs::MessageAttribute>& attributes) {
    const core::Message m = sqs::to_core_message("", body, attributes, "id", 0);
    std::vector<core::Queue*> out;
    EXPECT_TRUE(vhost_->route("topic", m, out).ok());
    std::vector<std::string> names;
    for (core::Queue* q : out) names.push_back(q->name());
    std::sort(names.begin(), names.end());
    return names;
  }

  SubscriptionFilters filters_;
  core::VHostHooks hooks_;
  std::unique_ptr<core::VHost> vhost_;
};

TEST_F(BindingFiltersTest, RoutesThroughMatchingSubscriptionsOnly) {
  ASSERT_TRUE(subscribe("all", {}).ok());
  SubscriptionAttributes red;
  red.filter_policy = R"({"color": ["red"], "size": [{"numeric": [">", 2]}]})";
  ASSERT_TRUE(subscribe("red", red).ok());
  SubscriptionAttributes body;
  body.filter_policy = R"({"order": {"kind": [{"prefix": "gift"}]}})";
  body.filter_scope = "MessageBody";
  ASSERT_TRUE(subscribe("body", body).ok());

  EXPECT_EQ(route("x", {{"color", "String", "red"}, {"size", "Number", "3"}}),
            (std::vector<std::string>{"all", "red"}));
  EXPECT_EQ(route("x", {{"color", "String", "red"}, {"size", "Number", "2"}}),
            (std::vector<std::string>{"all"}));
  EXPECT_EQ(route(R"({"order": {"kind": "gift-card"}})", {}),
            (std::vector<std::string>{"all", "body"}));
  EXPECT_EQ(route(R"({"order": {"kind": "book"}})", {}), (std::vector<std::string>{"all"}));
}

TEST_F(BindingFiltersTest, RefusesABadPolicy) {
  SubscriptionAttributes bad;
  bad.filter_policy = R"({"color": "red"})";
  core::Status s = subscribe("red", bad);
  EXPECT_EQ(s.code(), core::ErrorCode::kPreconditionFailed);
  EXPECT_NE(s.message().find("filter policy"), std::string::npos);
  EXPECT_EQ(route("x", {}), std::vector<std::string>{});
}

TEST_F(BindingFiltersTest, BindingsWithoutAPolicyHaveNoFilter) {
  ASSERT_TRUE(vhost_->bind_queue("all", "topic", "", {}, 0).ok());
  EXPECT_EQ(vhost_->find_exchange("topic")->bindings().front()->filter, nullptr);
  EXPECT_EQ(route("x", {}), std::vector<std::string>{"all"});
}

}  // namespace
}  // namespace polymq::sns
