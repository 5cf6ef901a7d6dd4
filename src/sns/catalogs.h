// The SNS topics and subscriptions as the management API lists them (core/catalogs.h). Rows,
// topics ordered by name, subscriptions by topic then id:
//
// "sns/topics": vhost, name, fifo (bool), attributes (table: what GetTopicAttributes shows of
//   the topic's own attributes, sns/topic_arguments.h; no ARN, whose region is the request's),
//   tags (table), subscriptions_confirmed, subscriptions_pending (counts).
// "sns/subscriptions": vhost, name (the subscription id, the last part of its ARN), topic,
//   protocol (sqs, http, https), endpoint (the queue's name for sqs, the URL for http(s)),
//   pending_confirmation, raw_message_delivery (bools), filter_policy (absent when none),
//   filter_policy_scope, redrive_policy and delivery_policy (absent when none). Never the
//   confirmation token: whoever holds it can confirm the subscription.
//
// Stateless readers: each list() looks the vhost up, so an absent vhost lists nothing.
// REQUIRES: every call on the broker's event loop thread; the broker outlives the catalogs.
#pragma once

#include <string>
#include <vector>

#include "core/broker.h"
#include "core/catalogs.h"

namespace polymq::sns {

class TopicCatalog final : public core::Catalog {
 public:
  // The SNS front-end's vhost (sns::ServiceConfig).
  TopicCatalog(core::Broker& broker, std::string vhost)
      : broker_(broker), vhost_(std::move(vhost)) {}

  std::vector<core::Table> list() const override;

 private:
  core::Broker& broker_;
  std::string vhost_;
};

class SubscriptionCatalog final : public core::Catalog {
 public:
  SubscriptionCatalog(core::Broker& broker, std::string vhost)
      : broker_(broker), vhost_(std::move(vhost)) {}

  std::vector<core::Table> list() const override;

 private:
  core::Broker& broker_;
  std::string vhost_;
};

}  // namespace polymq::sns
