#include "sns/service.h"

#include <algorithm>

#include "aws/query_protocol.h"
#include "sns/subscription_arguments.h"

namespace polymq::sns {
namespace {

constexpr std::string_view kNamespace = "http://sns.amazonaws.com/doc/2010-03-31/";

// AWS's text for an action IAM refuses.
Error not_authorized(const Call& call, const std::string& account, const std::string& resource) {
  return authorization_error("User: arn:aws:iam::" + account + ":user/" + call.user +
                             " is not authorized to perform: SNS:" + call.action +
                             " on resource: " + resource);
}

}  // namespace

Service::Service(core::Broker& broker, ServiceConfig config)
    : broker_(broker),
      config_(std::move(config)),
      verifier_([this](std::string_view key) { return broker_.users().known_password(key); },
                config_.verifier),
      random_(std::random_device{}() | (uint64_t{std::random_device{}()} << 32)),
      publisher_(broker.commits(), *this) {}

Service::~Service() = default;

const std::map<std::string, Service::Action, std::less<>>& Service::actions() {
  static const std::map<std::string, Action, std::less<>> kActions = {
      {"CreateTopic", &Service::create_topic},
      {"DeleteTopic", &Service::delete_topic},
      {"ListTopics", &Service::list_topics},
      {"GetTopicAttributes", &Service::get_topic_attributes},
      {"SetTopicAttributes", &Service::set_topic_attributes},
      {"TagResource", &Service::tag_resource},
      {"UntagResource", &Service::untag_resource},
      {"ListTagsForResource", &Service::list_tags_for_resource},
      {"Subscribe", &Service::subscribe},
      {"Unsubscribe", &Service::unsubscribe},
      {"ConfirmSubscription", &Service::confirm_subscription},
      {"ListSubscriptions", &Service::list_subscriptions},
      {"ListSubscriptionsByTopic", &Service::list_subscriptions_by_topic},
      {"GetSubscriptionAttributes", &Service::get_subscription_attributes},
      {"SetSubscriptionAttributes", &Service::set_subscription_attributes},
      {"Publish", &Service::publish},
      {"PublishBatch", &Service::publish_batch},
  };
  return kActions;
}

bool Service::serves_action(std::string_view action) { return actions().contains(action); }

void Service::handle(http::Request request, http::Responder responder) {
  auto call = std::make_shared<Call>();
  call->responder = std::move(responder);
  call->request_id = aws::random_uuid(random_);
  call->host = std::string(request.headers.get("Host"));
  std::optional<http::Params> params = aws::query_parameters(request);
  if (!params) {
    fail(*call,
         make_error("MalformedQueryString", 400, "The query string or form body is malformed."));
    return;
  }
  call->params = std::move(*params);
  call->action = std::string(http::find_param(call->params, "Action").value_or(""));

  // Who signed it: a PolyMQ user (the access key id) whose password is the secret.
  aws::AuthResult auth = verifier_.verify(request);
  // The SubscribeURL and UnsubscribeURL sent to endpoints are plain GETs, as in AWS: the token
  // (ConfirmSubscription) or the subscription ARN's random id (Unsubscribe) is what they prove.
  const bool unsigned_ok = !auth.ok() &&
                           auth.failure().error == aws::AuthError::kMissingAuthenticationToken &&
                           (call->action == "ConfirmSubscription" || call->action == "Unsubscribe");
  if (!auth.ok() && !unsigned_ok) {
    fail(*call, auth_error(auth.failure()));
    return;
  }
  if (unsigned_ok) {
    // The region the ARN names: arn:aws:sns:<region>:...
    const std::string arn =
        call->get(call->action == "Unsubscribe" ? "SubscriptionArn" : "TopicArn").value_or("");
    const size_t a = arn.find(':', arn.find(':', arn.find(':') + 1) + 1);
    const size_t b = a == std::string::npos ? a : arn.find(':', a + 1);
    call->region =
        b == std::string::npos || b == a + 1 ? "us-east-1" : arn.substr(a + 1, b - a - 1);
  } else {
    const core::User* user = broker_.users().find(auth.identity().access_key_id);
    if (user != nullptr && user->loopback_only && !request.remote_loopback) {
      fail(*call, authorization_error("User '" + user->name + "' can only connect via localhost."));
      return;
    }
    call->region = auth.identity().region.empty() ? "us-east-1" : auth.identity().region;
    call->user = auth.identity().access_key_id;
  }
  if (call->action.empty()) {
    fail(*call, make_error("MissingAction", 400, "The request must contain the parameter Action."));
    return;
  }
  if (vhost() == nullptr) {
    fail(*call, internal_error("The SNS vhost '" + config_.vhost + "' does not exist."));
    return;
  }
  auto it = actions().find(call->action);
  if (it == actions().end()) {
    fail(*call, make_error("InvalidAction", 400,
                           "The action " + call->action + " is not valid for this endpoint."));
    return;
  }
  // Every signed action needs a grant in the vhost (AMQP's connection.open); the action checks
  // the permissions it needs on the topics and queues it touches.
  if (!unsigned_ok) {
    call->grant = broker_.permissions().find(config_.vhost, call->user);
    if (call->grant == nullptr) {
      fail(*call, not_authorized(*call, config_.account_id,
                                 "arn:aws:sns:" + call->region + ":" + config_.account_id + ":*"));
      return;
    }
  }
  (this->*(it->second))(call);
}

http::Response Service::result_response(const Call& call, const std::string& result) const {
  http::Response r;
  r.headers.add("x-amzn-RequestId", call.request_id);
  r.headers.add("Content-Type", "text/xml");
  std::string& out = r.body;
  out = "<?xml version=\"1.0\"?><" + call.action + "Response xmlns=\"" + std::string(kNamespace) +
        "\"><" + call.action + "Result>" + result + "</" + call.action + "Result>";
  out += "<ResponseMetadata>";
  aws::xml_element(out, "RequestId", call.request_id);
  out += "</ResponseMetadata></" + call.action + "Response>";
  return r;
}

http::Response Service::error_response(const Call& call, const Error& error) const {
  http::Response r;
  r.status = error.status;
  r.headers.add("x-amzn-RequestId", call.request_id);
  r.headers.add("Content-Type", "text/xml");
  r.body =
      aws::render_query_error(kNamespace, error.code, error.message, error.sender, call.request_id);
  return r;
}

uint64_t Service::definitions_seq() const {
  core::DefinitionsLog* log = broker_.hooks().definitions;
  return log != nullptr ? log->last_recorded() : 0;
}

void Service::reply_when_durable(const Call& call, uint64_t before, const std::string& result) {
  core::DefinitionsLog* log = broker_.hooks().definitions;
  if (log == nullptr || log->last_recorded() == before) {
    reply(call, result);
    return;
  }
  // Only values are captured: the log may call back after this service is gone.
  log->when_durable(log->last_recorded(),
                    [responder = call.responder, ok = result_response(call, result),
                     failed = error_response(call, internal_error("The change could not be "
                                                                  "written to disk."))](bool done) {
                      responder.send(done ? ok : failed);
                    });
}

std::string Service::topic_arn(const Call& call, std::string_view name) const {
  return "arn:aws:sns:" + call.region + ":" + config_.account_id + ":" + std::string(name);
}

std::optional<Error> Service::check_access(const Call& call, core::Permission permission,
                                           const std::string& name, const std::string& arn) const {
  if (call.user.empty()) return std::nullopt;  // unsigned (handle)
  if (call.grant != nullptr && call.grant->allows(permission, name)) return std::nullopt;
  return not_authorized(call, config_.account_id, arn);
}

std::optional<Error> Service::check_subscription_access(const Call& call,
                                                        const core::Exchange& topic,
                                                        const core::Binding& b) const {
  if (auto e = check_access(call, core::Permission::kRead, topic.name(),
                            topic_arn(call, topic.name()))) {
    return e;
  }
  // The queue of an http(s) subscription is the broker's own (amq.sns.http.<id>).
  const std::string& queue = b.queue()->name();
  if (queue.starts_with(kHttpQueuePrefix)) return std::nullopt;
  return check_access(call, core::Permission::kWrite, queue,
                      "arn:aws:sqs:" + call.region + ":" + config_.account_id + ":" + queue);
}

core::Exchange* Service::resolve_topic(const Call& call, std::string_view parameter,
                                       std::optional<core::Permission> needs,
                                       std::string_view missing_code) {
  std::optional<std::string> arn = call.get(parameter);
  if (!arn || arn->empty()) {
    fail(call, invalid_parameter(std::string(parameter) + " Reason: no value for required "
                                                          "parameter"));
    return nullptr;
  }
  // arn:aws:sns:<region>:<account>:<name>
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t colon; (colon = arn->find(':', start)) != std::string::npos; start = colon + 1) {
    parts.push_back(arn->substr(start, colon - start));
  }
  parts.push_back(arn->substr(start));
  if (parts.size() != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[5].empty()) {
    fail(call, invalid_parameter(std::string(parameter) + " Reason: An ARN must have format "
                                                          "\"arn:<partition>:<service>:<region>:"
                                                          "<account-id>:<resource-id>\""));
    return nullptr;
  }
  if (needs && parts[4] == config_.account_id) {
    if (auto e = check_access(call, *needs, parts[5], *arn)) {
      fail(call, *e);
      return nullptr;
    }
  }
  core::Exchange* topic =
      parts[4] == config_.account_id ? vhost()->find_exchange(parts[5]) : nullptr;
  if (topic == nullptr || !is_topic(*topic)) {
    fail(call, missing_code == "NotFound"
                   ? not_found("Topic does not exist")
                   : make_error(std::string(missing_code), 404, "Resource does not exist"));
    return nullptr;
  }
  return topic;
}

const core::Binding* Service::resolve_subscription(const Call& call, core::Exchange*& topic) {
  std::optional<std::string> arn = call.get("SubscriptionArn");
  if (!arn || arn->empty()) {
    fail(call, invalid_parameter("SubscriptionArn Reason: no value for required parameter"));
    return nullptr;
  }
  // <topic ARN>:<id>
  const size_t colon = arn->rfind(':');
  const std::string id = colon == std::string::npos ? "" : arn->substr(colon + 1);
  const std::string topic_part = colon == std::string::npos ? "" : arn->substr(0, colon);
  if (id.empty() || std::count(topic_part.begin(), topic_part.end(), ':') != 5 ||
      topic_part.rfind("arn:", 0) != 0) {
    fail(call, invalid_parameter("SubscriptionArn Reason: An ARN must have format "
                                 "\"arn:<partition>:<service>:<region>:<account-id>:"
                                 "<resource-id>\""));
    return nullptr;
  }
  const std::string name = topic_part.substr(topic_part.rfind(':') + 1);
  topic = vhost()->find_exchange(name);
  if (topic != nullptr && is_topic(*topic)) {
    for (const core::Binding* b : topic->bindings()) {
      const std::string* sid = subscription_id(*b);
      if (sid != nullptr && *sid == id) return b;
    }
  }
  fail(call, not_found("Subscription does not exist"));
  return nullptr;
}

void Service::change_topic(const Call& call, const core::Exchange& topic,
                           const core::Table& arguments) {
  const uint64_t before = definitions_seq();
  if (core::Status s = vhost()->change_exchange_arguments(topic.name(), arguments); !s.ok()) {
    return fail(call, internal_error(s.message()));
  }
  reply_when_durable(call, before, "");
}

void Service::publishes_completed() {
  publisher_.drain([this](uint64_t first, uint64_t last, bool ok) {
    for (uint64_t id = first; id <= last; ++id) {
      auto it = pending_.find(id);
      if (it == pending_.end()) continue;
      std::shared_ptr<PendingPublish> p = it->second;
      pending_.erase(it);
      if (!ok) p->failed = true;
      if (--p->remaining > 0) continue;
      if (p->failed) {
        fail(*p->call, internal_error("The message could not be stored."));
      } else {
        reply(*p->call, p->result);
      }
    }
  });
}

}  // namespace polymq::sns
