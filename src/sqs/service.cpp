#include "sqs/service.h"

#include <chrono>

#include "aws/query_protocol.h"
#include "http/form.h"
#include "sqs/digests.h"
#include "sqs/json_codec.h"
#include "sqs/query_codec.h"
#include "sqs/receive_wait.h"

namespace polymq::sqs {
namespace {

constexpr std::string_view kJsonTargetPrefix = "AmazonSQS.";

// The region of the credential scope: "<key>/<date>/<region>/..." in the Authorization header
// or the X-Amz-Credential parameter; "us-east-1" when neither says.
std::string region_of(const aws::Identity& identity) {
  return identity.region.empty() ? "us-east-1" : identity.region;
}

}  // namespace

Service::Service(core::Broker& broker, core::TimerService& timers, ServiceConfig config)
    : broker_(broker),
      timers_(timers),
      config_(std::move(config)),
      verifier_([this](std::string_view key) { return broker_.users().known_password(key); },
                config_.verifier),
      incarnation_(std::random_device{}() | (uint64_t{std::random_device{}()} << 32)),
      random_(incarnation_ ^ 0x9e3779b97f4a7c15ull),
      publisher_(broker.commits(), *this) {}

Service::~Service() {
  // Waiting receives leave their queues; their clients get no answer (the connections close).
  for (auto& wait : waits_) wait->leave();
}

std::string Service::new_request_id() { return aws::format_uuid(random_(), random_()); }

std::string Service::message_id_for(const core::Message& message) {
  if (message.properties.message_id && !message.properties.message_id->empty()) {
    return *message.properties.message_id;
  }
  // A message from another protocol without an id: one derived from where it lives, unique
  // among the messages of this process (so every receive of it shows the same id).
  const auto address = reinterpret_cast<uintptr_t>(&message);
  return aws::format_uuid(incarnation_, static_cast<uint64_t>(address) * 0x9e3779b97f4a7c15ull);
}

void Service::handle(http::Request request, http::Responder responder) {
  auto call = std::make_shared<Call>();
  call->responder = std::move(responder);
  call->request_id = new_request_id();
  call->host = std::string(request.headers.get("Host"));
  call->path = std::string(request.path());
  const std::optional<std::string_view> target = request.headers.find("X-Amz-Target");
  call->protocol = target ? Protocol::kJson : Protocol::kQuery;

  // The action and its input, in the request's protocol.
  std::variant<ActionInput, Error> input = ActionInput{};
  if (target) {
    if (target->substr(0, kJsonTargetPrefix.size()) != kJsonTargetPrefix) {
      fail(*call, invalid_action(*target));
      return;
    }
    call->action = std::string(target->substr(kJsonTargetPrefix.size()));
    input = parse_json_input(request.body);
  } else {
    std::optional<http::Params> params = aws::query_parameters(request);
    if (!params) {
      Error e = invalid_parameter_value("The query string or form body is malformed.");
      e.query_code = e.json_type = "MalformedQueryString";
      fail(*call, e);
      return;
    }
    call->action = std::string(http::find_param(*params, "Action").value_or(""));
    input = parse_query_input(*params);
  }

  // Who signed it: a PolyMQ user (the access key id) whose password is the secret.
  aws::AuthResult auth = verifier_.verify(request);
  if (!auth.ok()) {
    fail(*call, auth_error(auth.failure()));
    return;
  }
  const core::User* user = broker_.users().find(auth.identity().access_key_id);
  if (user != nullptr && user->loopback_only && !request.remote_loopback) {
    fail(*call, access_denied("User '" + user->name + "' can only connect via localhost."));
    return;
  }
  call->region = region_of(auth.identity());
  call->user = auth.identity().access_key_id;

  if (const Error* e = std::get_if<Error>(&input)) {
    fail(*call, *e);
    return;
  }
  call->input = std::move(std::get<ActionInput>(input));
  if (call->action.empty()) {
    Error e = missing_parameter("Action");
    e.query_code = e.json_type = "MissingAction";
    fail(*call, e);
    return;
  }
  dispatch(call);
}

void Service::dispatch(const CallPtr& call) {
  if (vhost() == nullptr) {
    fail(*call, internal_error("The SQS vhost '" + config_.vhost + "' does not exist."));
    return;
  }
  using Action = void (Service::*)(const CallPtr&);
  static const std::map<std::string, Action, std::less<>> kActions = {
      {"CreateQueue", &Service::create_queue},
      {"GetQueueUrl", &Service::get_queue_url},
      {"ListQueues", &Service::list_queues},
      {"DeleteQueue", &Service::delete_queue},
      {"GetQueueAttributes", &Service::get_queue_attributes},
      {"PurgeQueue", &Service::purge_queue},
      {"SendMessage", &Service::send_message},
      {"ReceiveMessage", &Service::receive_message},
      {"DeleteMessage", &Service::delete_message},
      {"ChangeMessageVisibility", &Service::change_message_visibility},
      {"SendMessageBatch", &Service::send_message_batch},
      {"DeleteMessageBatch", &Service::delete_message_batch},
      {"ChangeMessageVisibilityBatch", &Service::change_message_visibility_batch},
      {"SetQueueAttributes", &Service::set_queue_attributes},
      {"TagQueue", &Service::tag_queue},
      {"UntagQueue", &Service::untag_queue},
      {"ListQueueTags", &Service::list_queue_tags},
      {"ListDeadLetterSourceQueues", &Service::list_dead_letter_source_queues},
      {"StartMessageMoveTask", &Service::start_message_move_task},
      {"ListMessageMoveTasks", &Service::list_message_move_tasks},
      {"CancelMessageMoveTask", &Service::cancel_message_move_task},
  };
  auto it = kActions.find(call->action);
  if (it == kActions.end()) {
    fail(*call, invalid_action(call->action));
    return;
  }
  // Every action needs a grant in the vhost (AMQP's connection.open); the action checks the
  // permissions it needs on the queues it touches.
  call->grant = broker_.permissions().find(config_.vhost, call->user);
  if (call->grant == nullptr) {
    const std::string host = call->host.empty() ? "localhost" : call->host;
    fail(*call, access_denied("Access to the resource http://" + host + "/ is denied."));
    return;
  }
  (this->*(it->second))(call);
}

http::Response Service::result_response(const Call& call, const Result& result) {
  http::Response r;
  r.headers.add("x-amzn-RequestId", call.request_id);
  if (call.protocol == Protocol::kJson) {
    r.headers.add("Content-Type", "application/x-amz-json-1.0");
    r.body = render_json_result(result);
  } else {
    r.headers.add("Content-Type", "text/xml");
    r.body = render_query_result(call.action, result, call.request_id);
  }
  return r;
}

http::Response Service::error_response(const Call& call, const Error& error) {
  http::Response r;
  r.status = error.status;
  r.headers.add("x-amzn-RequestId", call.request_id);
  if (call.protocol == Protocol::kJson) {
    r.headers.add("Content-Type", "application/x-amz-json-1.0");
    r.headers.add("x-amzn-query-error", query_error_header(error));
    r.body = render_json_error(error);
  } else {
    r.headers.add("Content-Type", "text/xml");
    r.body = render_query_error(error, call.request_id);
  }
  return r;
}

uint64_t Service::definitions_seq() const {
  core::DefinitionsLog* log = broker_.hooks().definitions;
  return log != nullptr ? log->last_recorded() : 0;
}

void Service::reply_when_durable(const Call& call, uint64_t before, const Result& result) {
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

std::string Service::queue_url(const Call& call, const std::string& name) const {
  const std::string host = call.host.empty() ? "localhost" : call.host;
  return "http://" + host + "/" + config_.account_id + "/" + name;
}

std::optional<Error> Service::check_access(const Call& call, core::Permission permission,
                                           const std::string& name) const {
  if (call.grant != nullptr && call.grant->allows(permission, name)) return std::nullopt;
  return access_denied("Access to the resource " + queue_url(call, name) + " is denied.");
}

core::Queue* Service::resolve_queue(const Call& call, std::optional<core::Permission> needs) {
  std::string path;
  if (std::optional<std::string> url = call.input.get("QueueUrl")) {
    // http://host[:port]/<account>/<name>: what follows the authority.
    path = *url;
    if (const size_t scheme = path.find("://"); scheme != std::string::npos) {
      const size_t slash = path.find('/', scheme + 3);
      path = slash == std::string::npos ? "" : path.substr(slash);
    }
  } else {
    path = call.path;
  }
  // "/<account>/<name>"
  std::string name;
  if (!path.empty() && path.front() == '/') path.erase(0, 1);
  const size_t slash = path.find('/');
  if (slash != std::string::npos && path.substr(0, slash) == config_.account_id) {
    name = path.substr(slash + 1);
  }
  if (name.empty() || name.find('/') != std::string::npos) {
    if (!call.input.get("QueueUrl") && call.path.size() <= 1) {
      fail(call, missing_parameter("QueueUrl"));
    } else {
      fail(call, queue_does_not_exist());
    }
    return nullptr;
  }
  if (needs) {
    if (auto e = check_access(call, *needs, name)) {
      fail(call, *e);
      return nullptr;
    }
  }
  core::Queue* queue = vhost()->find_queue(name);
  if (queue == nullptr || queue->options().exclusive) {
    fail(call, queue_does_not_exist());
    return nullptr;
  }
  return queue;
}

void Service::publishes_completed() { drain_publishes(); }

void Service::drain_publishes() {
  publisher_.drain([this](uint64_t first, uint64_t last, bool ok) {
    for (uint64_t id = first; id <= last; ++id) {
      auto it = pending_sends_.find(id);
      if (it == pending_sends_.end()) continue;
      publish_done(it->second, ok);
      pending_sends_.erase(it);
    }
  });
}

}  // namespace polymq::sqs
