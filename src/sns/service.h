// The SNS front-end: an http::Service for AWS SNS's query protocol (API version 2010-03-31)
// over the core's exchanges and bindings of one vhost (the SQS vhost). Requests reach it
// through the AWS endpoint router (server/aws_endpoint.h), which shares the SQS port.
//
// - A topic is a durable fanout exchange; a subscription of an SQS queue is a durable binding
//   from it to the queue whose arguments carry the subscription's attributes
//   (sns/subscription_arguments.h). Filter policies are applied by the core while routing
//   (sns/binding_filters.h); the envelope is rendered when the SQS client receives
//   (sns/notification_view.h). A publish is stored once, whatever the number of subscribers.
// - A FIFO topic (FifoTopic "true", a name ending in .fifo) is subscribed by FIFO queues only;
//   its publishes carry a MessageGroupId and a deduplication id (Message::group, dedup_id), so
//   the queues keep each group's order and drop repeats, and get a SequenceNumber. The topic
//   also drops a deduplication id it accepted in the last 5 minutes (a core::DedupWindow per
//   topic, in memory: after a restart the queues' own windows, rebuilt from what they hold,
//   are what is left).
// - Publish and PublishBatch answer once the message is durable in every queue it reached
//   (core::Publisher); CreateTopic, DeleteTopic, Subscribe, Unsubscribe and the attribute
//   changes that rebind, once the definition change is.
// - Topic attributes and tags are the exchange's arguments (sns/topic_arguments.h), given at
//   CreateTopic and changed in place by SetTopicAttributes, TagResource and UntagResource,
//   which answer once the definition change is durable.
//
// REQUIRES: every call on the broker's event loop thread; the service outlives no broker.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "aws/sigv4_verifier.h"
#include "core/broker.h"
#include "core/dedup_window.h"
#include "core/publisher.h"
#include "http/form.h"
#include "http/service.h"
#include "sns/errors.h"

namespace polymq::sns {

class HttpDeliverer;

struct ServiceConfig {
  std::string vhost = "/";
  std::string account_id = "000000000000";
  aws::VerifierOptions verifier;
};

// One request being answered.
struct Call {
  std::string action;
  http::Params params;
  std::string request_id;
  std::string host;
  std::string region;
  std::string user;      // the access key id that signed it; "" when unsigned
  core::GrantPtr grant;  // the user's grant in the vhost: non-null for every signed call
  http::Responder responder;

  std::optional<std::string> get(std::string_view name) const {
    std::optional<std::string_view> v = http::find_param(params, name);
    if (!v) return std::nullopt;
    return std::string(*v);
  }
};
using CallPtr = std::shared_ptr<Call>;

class Service final : public http::Service, private core::Publisher::Listener {
 public:
  Service(core::Broker& broker, ServiceConfig config);
  ~Service() override;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  void handle(http::Request request, http::Responder responder) override;

  // Who POSTs to http and https subscriptions; without one, Subscribe refuses them.
  void set_http_deliverer(HttpDeliverer* deliverer) { deliverer_ = deliverer; }

  // Whether `action` is one of SNS's (for routing a request that names no service).
  static bool serves_action(std::string_view action);

 private:
  using Action = void (Service::*)(const CallPtr&);
  static const std::map<std::string, Action, std::less<>>& actions();

  // <{action}Response xmlns=...><{action}Result>{result}</...><ResponseMetadata>...
  http::Response result_response(const Call& call, const std::string& result) const;
  http::Response error_response(const Call& call, const Error& error) const;
  void reply(const Call& call, const std::string& result) const {
    call.responder.send(result_response(call, result));
  }
  void fail(const Call& call, const Error& error) const {
    call.responder.send(error_response(call, error));
  }
  // Sends `result` once the definition changes recorded since `before` are durable.
  void reply_when_durable(const Call& call, uint64_t before, const std::string& result);
  uint64_t definitions_seq() const;

  core::VHost* vhost() const { return broker_.find_vhost(config_.vhost); }
  std::string topic_arn(const Call& call, std::string_view name) const;
  // Whether the call's user has `permission` on the exchange or queue `name` (core/
  // permissions.h; the mapping of actions to permissions is in docs/compatibility.md,
  // "Permissions"): AuthorizationError naming `arn` when not. An unsigned call (the
  // SubscribeURL and UnsubscribeURL, proven by what they carry) needs none.
  std::optional<Error> check_access(const Call& call, core::Permission permission,
                                    const std::string& name, const std::string& arn) const;
  // A change of the subscription `b` of `topic` (Unsubscribe, SetSubscriptionAttributes): as
  // AMQP's queue.bind/unbind, read on the topic and, for an sqs subscription, write on its queue.
  std::optional<Error> check_subscription_access(const Call& call, const core::Exchange& topic,
                                                 const core::Binding& b) const;
  // The topic an ARN parameter names, which the user must have `needs` on (none: the vhost
  // grant is enough), checked before the lookup; null after fail() (InvalidParameter,
  // AuthorizationError, or `missing_code`: the tagging actions answer ResourceNotFound where the
  // others answer NotFound).
  core::Exchange* resolve_topic(const Call& call, std::string_view parameter,
                                std::optional<core::Permission> needs,
                                std::string_view missing_code = "NotFound");
  // The subscription binding a SubscriptionArn names; null after fail().
  const core::Binding* resolve_subscription(const Call& call, core::Exchange*& topic);
  // Gives `topic` new exchange arguments (its attributes and tags) and answers `call` once the
  // change is durable.
  void change_topic(const Call& call, const core::Exchange& topic, const core::Table& arguments);

  // --- actions (topic_actions.cpp, subscription_actions.cpp, publish_actions.cpp) ---
  void create_topic(const CallPtr& call);
  void delete_topic(const CallPtr& call);
  void list_topics(const CallPtr& call);
  void get_topic_attributes(const CallPtr& call);
  void set_topic_attributes(const CallPtr& call);
  void tag_resource(const CallPtr& call);
  void untag_resource(const CallPtr& call);
  void list_tags_for_resource(const CallPtr& call);
  void subscribe(const CallPtr& call);
  void unsubscribe(const CallPtr& call);
  void confirm_subscription(const CallPtr& call);
  // Subscribe with Protocol http or https.
  void subscribe_http(const CallPtr& call, core::Exchange& topic, const std::string& protocol);
  void list_subscriptions(const CallPtr& call);
  void list_subscriptions_by_topic(const CallPtr& call);
  void get_subscription_attributes(const CallPtr& call);
  void set_subscription_attributes(const CallPtr& call);
  void publish(const CallPtr& call);
  void publish_batch(const CallPtr& call);

  // The subscriptions of `topics` as <member> entries, paged by NextToken.
  void list_subscriptions_of(const CallPtr& call, const std::vector<const core::Exchange*>& topics);

  // A FIFO publish's answer members (MessageId, SequenceNumber): those of the original when
  // `message` repeats a deduplication id `topic` accepted in the window (true: it is not to be
  // published), else a new SequenceNumber, annotated on `message`.
  bool deduplicate(const core::Exchange& topic, core::Message& message, std::string& result);
  // Puts a FIFO topic's `message`, published, in its deduplication window.
  void remember_publish(const core::Exchange& topic, const core::Message& message);
  std::string next_sequence_number();

  // core::Publisher::Listener
  void publishes_completed() override;

  core::Broker& broker_;
  ServiceConfig config_;
  HttpDeliverer* deliverer_ = nullptr;
  aws::Verifier verifier_;
  std::mt19937_64 random_;
  core::Publisher publisher_;
  // Publish and PublishBatch calls waiting for their messages to be durable: each tracked
  // publish id names the call's shared state, answered when its last publish completes.
  struct PendingPublish {
    CallPtr call;
    std::string result;
    size_t remaining = 0;
    bool failed = false;
  };
  std::map<uint64_t, std::shared_ptr<PendingPublish>> pending_;
  // The deduplication ids of each FIFO topic's publishes of the last 5 minutes, by topic name.
  std::map<std::string, core::DedupWindow, std::less<>> dedup_windows_;
  uint64_t last_sequence_number_ = 0;
};

}  // namespace polymq::sns
