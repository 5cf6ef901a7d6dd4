// The queue actions: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, GetQueueAttributes,
// PurgeQueue, ListDeadLetterSourceQueues.
#include <algorithm>
#include <charconv>

#include "sqs/digests.h"
#include "sqs/queue_tags.h"
#include "sqs/service.h"

namespace polymq::sqs {
namespace {

bool is_fifo_name(const std::string& name) {
  return name.size() > 5 && name.compare(name.size() - 5, 5, ".fifo") == 0;
}

// AWS: 1 to 80 characters of alphanumerics, hyphens and underscores, ending in ".fifo" (counted
// in the 80) exactly when the queue is a FIFO queue (FifoQueue true).
std::optional<Error> check_queue_name(const std::string& name, bool fifo) {
  if (fifo && !is_fifo_name(name)) {
    return invalid_parameter_value(
        "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
        "underscores, must end with .fifo suffix and be 1 to 80 in length.");
  }
  // A standard queue's name has no '.', so "x.fifo" without FifoQueue fails here.
  const std::string_view base =
      fifo ? std::string_view(name).substr(0, name.size() - 5) : std::string_view(name);
  const bool ok =
      !base.empty() && name.size() <= 80 && std::all_of(base.begin(), base.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
      });
  if (!ok) {
    if (fifo) {
      return invalid_parameter_value(
          "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
          "underscores, must end with .fifo suffix and be 1 to 80 in length.");
    }
    return invalid_parameter_value(
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  }
  return std::nullopt;
}

// A page of `names` (sorted) as ListQueues and ListDeadLetterSourceQueues give it: from after
// the name NextToken ends at, at most MaxResults (1 .. 1000, default 1000). `next_token` is
// set when MaxResults was given and names remain: the base64 of the last name returned,
// opaque to clients.
std::optional<Error> page(const ActionInput& in, std::vector<std::string>& names,
                          std::string& next_token) {
  size_t max = 1000;
  const std::optional<std::string> max_text = in.get("MaxResults");
  if (max_text) {
    int n = 0;
    auto [p, ec] = std::from_chars(max_text->data(), max_text->data() + max_text->size(), n);
    if (ec != std::errc() || p != max_text->data() + max_text->size() || n < 1 || n > 1000) {
      return invalid_parameter_value("Value " + *max_text +
                                     " for parameter MaxResults is invalid. Reason: must be "
                                     "between 1 and 1000.");
    }
    max = static_cast<size_t>(n);
  }
  std::sort(names.begin(), names.end());
  if (std::optional<std::string> token = in.get("NextToken")) {
    std::optional<std::string> after = base64_decode(*token);
    if (!after || after->rfind("q:", 0) != 0) {
      return invalid_parameter_value("Invalid NextToken value.");
    }
    const std::string last = after->substr(2);
    names.erase(names.begin(), std::upper_bound(names.begin(), names.end(), last));
  }
  if (names.size() > max) {
    names.resize(max);
    if (max_text) next_token = base64_encode("q:" + names.back());
  }
  return std::nullopt;
}

}  // namespace

void Service::create_queue(const CallPtr& call) {
  std::optional<std::string> name = call->input.get("QueueName");
  if (!name) return fail(*call, missing_parameter("QueueName"));
  // A declare that is never passive: configure, even when the queue exists.
  if (auto e = check_access(*call, core::Permission::kConfigure, *name)) return fail(*call, *e);
  QueueConfig config;
  if (auto e = apply_attributes(call->input.attributes, config)) return fail(*call, *e);
  if (auto e = check_queue_name(*name, config.fifo_queue)) return fail(*call, *e);
  if (auto e = check_tags(*name, {}, call->input.tags)) return fail(*call, *e);

  core::VHost& v = *vhost();
  if (core::Queue* existing = v.find_queue(*name)) {
    if (existing->options().exclusive ||
        !matches(queue_config(*existing), call->input.attributes)) {
      return fail(*call, queue_name_exists(*name));
    }
    return reply(*call, QueueUrlResult{queue_url(*call, *name)});
  }
  if (auto e = check_redrive(*call, *name, config)) return fail(*call, *e);
  const uint64_t before = definitions_seq();
  core::QueueOptions options;
  options.durable = true;
  options.arguments = with_tags(to_arguments(config), call->input.tags);
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
  std::vector<std::string> names;
  for (const core::Queue* q : vhost()->queues()) {
    if (is_listed_queue(*q) && q->name().starts_with(prefix)) names.push_back(q->name());
  }
  ListQueuesResult result;
  if (auto e = page(call->input, names, result.next_token)) return fail(*call, *e);
  for (const std::string& n : names) result.queue_urls.push_back(queue_url(*call, n));
  reply(*call, result);
}

void Service::list_dead_letter_source_queues(const CallPtr& call) {
  core::Queue* dlq = resolve_queue(*call, std::nullopt);
  if (dlq == nullptr) return;
  std::vector<std::string> names;
  for (const core::Queue* q : vhost()->queues()) {
    if (q->options().exclusive) continue;
    const QueueConfig config = queue_config(*q);
    if (config.redrive_policy && config.redrive_policy->dead_letter_queue == dlq->name()) {
      names.push_back(q->name());
    }
  }
  DeadLetterSourcesResult result;
  if (auto e = page(call->input, names, result.next_token)) return fail(*call, *e);
  for (const std::string& n : names) result.queue_urls.push_back(queue_url(*call, n));
  reply(*call, result);
}

void Service::delete_queue(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call, core::Permission::kConfigure);
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
  core::Queue* queue = resolve_queue(*call, std::nullopt);
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
  AttributesResult result;
  auto add = [&](std::string_view n, std::string value) {
    if (wanted(n)) result.attributes.emplace_back(std::string(n), std::move(value));
  };
  add("QueueArn", queue_arn(*call, queue->name()));
  for (auto& [name, value] : queue_attribute_values(*queue, queue_config(*queue))) {
    add(name, std::move(value));
  }
  reply(*call, result);
}

void Service::purge_queue(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call, core::Permission::kRead);
  if (queue == nullptr) return;
  size_t count = 0;
  if (core::Status st = vhost()->purge_queue(queue->name(), 0, count); !st.ok()) {
    return fail(*call, invalid_parameter_value(st.message()));
  }
  reply(*call, EmptyResult{});
}

}  // namespace polymq::sqs
