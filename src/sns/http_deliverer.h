// Delivers SNS messages to http and https subscriptions. Each such subscription has a durable
// queue of its own (kHttpQueuePrefix + its id, bound to the topic's exchange like an sqs
// subscription's queue), which holds its SubscriptionConfirmation and the publishes still to
// be POSTed, so they survive a restart. The deliverer consumes every such queue as an
// in-process subscriber: a message is POSTed to the endpoint (at most kMaxInFlight at once
// per subscription, fewer a second when the delivery policy throttles) and acknowledged on a
// 2xx answer; otherwise it is requeued with the delay the subscription's effective delivery
// policy (sns/delivery_policy.h) says. Past its last attempt, a notification goes to the
// dead-letter queue of the subscription's RedrivePolicy (sns/redrive_policy.h), as the body the
// endpoint would have got, and is acknowledged once that publish is durable; without a
// RedrivePolicy, or when that queue does not exist, it is dropped (with a warning).
//
// What is POSTed is decided at delivery time from the subscription's binding: the
// confirmation while it is pending (dropped once it is confirmed), the JSON envelope or, with
// RawMessageDelivery, the message itself; a message whose subscription is gone is dropped.
//
// REQUIRES: every call on the broker's event loop thread, which runs `io`.
#pragma once

#include <asio.hpp>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "core/broker.h"
#include "core/publisher.h"
#include "sns/delivery_policy.h"
#include "sns/http_post.h"

namespace polymq::sns {

inline constexpr std::string_view kTypeAnnotation = "sns.Type";  // "SubscriptionConfirmation"
inline constexpr std::string_view kHostAnnotation = "sns.Host";  // the SNS endpoint's host

struct HttpDeliveryOptions {
  HttpClientOptions client;
  size_t max_in_flight = 4;                 // per subscription
  std::string account_id = "000000000000";  // whose queues RedrivePolicy ARNs may name
};

class HttpDeliverer final : private core::Publisher::Listener {
 public:
  HttpDeliverer(asio::io_context& io, core::Broker& broker, std::string vhost,
                HttpDeliveryOptions options);
  ~HttpDeliverer();
  HttpDeliverer(const HttpDeliverer&) = delete;
  HttpDeliverer& operator=(const HttpDeliverer&) = delete;

  // Consumes every subscription queue of the vhost (after the definitions are restored).
  void start();
  // Starts and stops consuming one subscription queue.
  void attach(const std::string& queue);
  void detach(const std::string& queue);

  struct Post {
    HttpClient::Headers headers;
    std::string body;
    std::string endpoint;
    bool confirmation = false;
    bool raw = false;             // RawMessageDelivery: the body is the message itself
    std::string dead_letter_arn;  // of the RedrivePolicy; "" when none
    DeliveryPolicy policy;        // the effective one (sns/delivery_policy.h)
  };
  // What to POST for `message` taken from `queue`; nullopt when it is to be dropped.
  std::optional<Post> render(const core::Queue& queue, const core::Message& message) const;

 private:
  class Subscriber;

  // Publishes `body` (with `original`'s message attributes when `raw`) to the SQS queue
  // `dead_letter_arn` names and settles `lease` of the subscriber once it is durable. False
  // when that queue does not exist (nothing was published).
  bool dead_letter(const std::shared_ptr<Subscriber>& subscriber, core::LeaseId lease,
                   const std::string& dead_letter_arn, std::string body,
                   const core::MessagePtr& original, bool raw);
  // core::Publisher::Listener
  void publishes_completed() override;

  asio::io_context& io_;
  core::Broker& broker_;
  std::string vhost_;
  HttpDeliveryOptions options_;
  HttpClient client_;
  std::map<std::string, std::shared_ptr<Subscriber>> subscribers_;
  std::mt19937_64 random_;  // for the dead-lettered messages' ids
  core::Publisher publisher_;
  // The dead-letter publishes not durable yet, by publish id: whose lease each settles.
  struct DeadLettered {
    std::weak_ptr<Subscriber> subscriber;
    core::LeaseId lease = 0;
  };
  std::map<uint64_t, DeadLettered> dead_lettered_;
};

}  // namespace polymq::sns
