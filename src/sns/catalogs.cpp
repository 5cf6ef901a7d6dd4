#include "sns/catalogs.h"

#include <algorithm>
#include <cstdint>

#include "sns/subscription_arguments.h"
#include "sns/topic_arguments.h"

namespace polymq::sns {
namespace {

// The vhost's topics, by name.
std::vector<const core::Exchange*> topics_of(const core::VHost& vhost) {
  std::vector<const core::Exchange*> topics;
  for (const core::Exchange* x : vhost.exchanges()) {
    if (is_topic(*x)) topics.push_back(x);
  }
  std::sort(topics.begin(), topics.end(),
            [](const core::Exchange* a, const core::Exchange* b) { return a->name() < b->name(); });
  return topics;
}

core::Table string_table(const StringMap& values) {
  core::Table t;
  t.reserve(values.size());
  for (const auto& [key, value] : values) t.emplace_back(key, core::Value::String(value));
  return t;
}

core::Value count(size_t n) { return core::Value::Int64(static_cast<int64_t>(n)); }

}  // namespace

std::vector<core::Table> TopicCatalog::list() const {
  std::vector<core::Table> rows;
  const core::VHost* vhost = broker_.find_vhost(vhost_);
  if (vhost == nullptr) return rows;
  for (const core::Exchange* topic : topics_of(*vhost)) {
    const SubscriptionCounts counts = subscription_counts(*topic);
    core::Table row;
    row.emplace_back("vhost", core::Value::String(vhost_));
    row.emplace_back("name", core::Value::String(topic->name()));
    row.emplace_back("fifo", core::Value::Bool(is_fifo_topic(*topic)));
    row.emplace_back("attributes", core::Value::Tab(string_table(shown_topic_attributes(*topic))));
    row.emplace_back("tags", core::Value::Tab(string_table(topic_tags(*topic))));
    row.emplace_back("subscriptions_confirmed", count(counts.confirmed));
    row.emplace_back("subscriptions_pending", count(counts.pending));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<core::Table> SubscriptionCatalog::list() const {
  std::vector<core::Table> rows;
  const core::VHost* vhost = broker_.find_vhost(vhost_);
  if (vhost == nullptr) return rows;
  for (const core::Exchange* topic : topics_of(*vhost)) {
    std::vector<std::pair<std::string, const core::Binding*>> subscriptions;
    for (const core::Binding* b : topic->bindings()) {
      const std::string* id = subscription_id(*b);
      if (id != nullptr && b->queue() != nullptr) subscriptions.emplace_back(*id, b);
    }
    std::sort(subscriptions.begin(), subscriptions.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [id, b] : subscriptions) {
      // The token stays in `a`: nothing below reads it.
      const SubscriptionAttributes a = SubscriptionAttributes::from_arguments(b->arguments);
      core::Table row;
      row.emplace_back("vhost", core::Value::String(vhost_));
      row.emplace_back("name", core::Value::String(id));
      row.emplace_back("topic", core::Value::String(topic->name()));
      row.emplace_back("protocol", core::Value::String(a.protocol));
      row.emplace_back("endpoint",
                       core::Value::String(a.protocol == "sqs" ? b->queue()->name() : a.endpoint));
      row.emplace_back("pending_confirmation", core::Value::Bool(a.pending));
      row.emplace_back("raw_message_delivery", core::Value::Bool(a.raw));
      if (!a.filter_policy.empty()) {
        row.emplace_back("filter_policy", core::Value::String(a.filter_policy));
      }
      row.emplace_back("filter_policy_scope", core::Value::String(a.filter_scope));
      if (!a.redrive_policy.empty()) {
        row.emplace_back("redrive_policy", core::Value::String(a.redrive_policy));
      }
      if (!a.delivery_policy.empty()) {
        row.emplace_back("delivery_policy", core::Value::String(a.delivery_policy));
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace polymq::sns
