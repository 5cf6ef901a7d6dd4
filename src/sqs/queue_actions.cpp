// The queue actions: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, GetQueueAttributes,
// PurgeQueue.
#include <algorithm>
#include <charconv>

#include "sqs/service.h"

namespace polymq::sqs {
namespace {

// AWS: 1 to 80 characters of alphanumerics, hyphens and underscores (and ".fifo" for FIFO
// queues, not served yet).
std::optional<Error> check_queue_name(const std::string& name) {
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".fifo") == 0) {
    return unsupported_operation("FIFO queues are not supported by PolyMQ yet.");
  }
  const bool ok =
      !name.empty() && name.size() <= 80 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
      });
  if (!ok) {
    return invalid_parameter_value(
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  }
  return std::nullopt;
}

}  // namespace

void Service::create_queue(const CallPtr& call) {
  std::optional<std::string> name = call->input.get("QueueName");
  if (!name) return fail(*call, missing_parameter("QueueName"));
  if (auto e = check_queue_name(*name)) return fail(*call, *e);
  QueueConfig config;
  if (auto e = apply_attributes(call->input.attributes, config)) return fail(*call, *e);

  core::VHost& v = *vhost();
  if (core::Queue* existing = v.find_queue(*name)) {
    if (existing->options().exclusive ||
        !matches(queue_config(*existing), call->input.attributes)) {
      return fail(*call, queue_name_exists(*name));
    }
    return reply(*call, QueueUrlResult{queue_url(*call, *name)});
  }
  const uint64_t before = definitions_seq();
  core::QueueOptions options;
  options.durable = true;
  options.arguments = to_arguments(config);
  core::QueueDeclareOutcome out;
  if (core::Status st = v.declare_queue(*name, options, false, 0, out); !st.ok()) {
    return fail(*call, invalid_parameter_value(st.message()));
  }
  reply_when_durable(*call, before, QueueUrlResult{queue_url(*call, *name)});
}

void Service::get_queue_url(const CallPtr& call) {
  std::optional<std::string> name = call->input.get("QueueName");
  if (!name) return fail(*call, missing_parameter("QueueName"));
  core::Queue* queue = vhost()->find_queue(*name);
  if (queue == nullptr || queue->options().exclusive) return fail(*call, queue_does_not_exist());
  reply(*call, QueueUrlResult{queue_url(*call, *name)});
}

void Service::list_queues(const CallPtr& call) {
  const std::string prefix = call->input.get("QueueNamePrefix").value_or("");
  size_t max = 1000;
  if (std::optional<std::string> text = call->input.get("MaxResults")) {
    int n = 0;
    auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
    if (ec != std::errc() || p != text->data() + text->size() || n < 1 || n > 1000) {
      return fail(*call, invalid_parameter_value("Value " + *text +
                                                 " for parameter MaxResults is invalid. Reason: "
                                                 "must be between 1 and 1000."));
    }
    max = static_cast<size_t>(n);
  }
  std::vector<std::string> names;
  for (const core::Queue* q : vhost()->queues()) {
    if (q->options().exclusive || q->name().compare(0, prefix.size(), prefix) != 0) continue;
    names.push_back(q->name());
  }
  std::sort(names.begin(), names.end());
  if (names.size() > max) names.resize(max);
  ListQueuesResult result;
  for (const std::string& n : names) result.queue_urls.push_back(queue_url(*call, n));
  reply(*call, result);
}

void Service::delete_queue(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call);
  if (queue == nullptr) return;
  const std::string name = queue->name();
  const uint64_t before = definitions_seq();
  size_t count = 0;
  if (core::Status st = vhost()->delete_queue(name, false, false, 0, count); !st.ok()) {
    return fail(*call, invalid_parameter_value(st.message()));
  }
  reply_when_durable(*call, before, EmptyResult{});
}

void Service::get_queue_attributes(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call);
  if (queue == nullptr) return;
  bool all = false;
  for (const std::string& n : call->input.attribute_names) {
    if (!is_queue_attribute_name(n)) return fail(*call, invalid_attribute_name(n));
    all = all || n == "All";
  }
  auto wanted = [&](std::string_view n) {
    return all || std::find(call->input.attribute_names.begin(), call->input.attribute_names.end(),
                            n) != call->input.attribute_names.end();
  };
  const QueueConfig config = queue_config(*queue);
  AttributesResult result;
  auto add = [&](std::string_view n, std::string value) {
    if (wanted(n)) result.attributes.emplace_back(std::string(n), std::move(value));
  };
  add("QueueArn", "arn:aws:sqs:" + call->region + ":" + config_.account_id + ":" + queue->name());
  add("ApproximateNumberOfMessages", std::to_string(queue->message_count()));
  add("ApproximateNumberOfMessagesNotVisible", std::to_string(queue->unacked_count()));
  add("ApproximateNumberOfMessagesDelayed", std::to_string(queue->delayed_count()));
  add("VisibilityTimeout", std::to_string(config.visibility_timeout));
  add("MessageRetentionPeriod", std::to_string(config.message_retention_period));
  add("DelaySeconds", std::to_string(config.delay_seconds));
  add("ReceiveMessageWaitTimeSeconds", std::to_string(config.receive_message_wait_time));
  add("MaximumMessageSize", std::to_string(config.maximum_message_size));
  reply(*call, result);
}

void Service::purge_queue(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call);
  if (queue == nullptr) return;
  size_t count = 0;
  if (core::Status st = vhost()->purge_queue(queue->name(), 0, count); !st.ok()) {
    return fail(*call, invalid_parameter_value(st.message()));
  }
  reply(*call, EmptyResult{});
}

}  // namespace polymq::sqs
