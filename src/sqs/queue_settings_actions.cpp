// The actions that change a queue in place: SetQueueAttributes, TagQueue, UntagQueue (and
// ListQueueTags). Each computes the queue's new declare arguments and hands them to the core
// (VHost::change_queue_arguments), which applies them at once and records them as a durable
// definition change; the answer waits until that change is on disk.
#include "sqs/queue_tags.h"
#include "sqs/service.h"

namespace polymq::sqs {

std::string Service::queue_arn(const Call& call, const std::string& name) const {
  return "arn:aws:sqs:" + call.region + ":" + config_.account_id + ":" + name;
}

std::optional<Error> Service::check_redrive(const Call& call, const std::string& source,
                                            const QueueConfig& config) {
  if (!config.redrive_policy) return std::nullopt;
  const RedrivePolicy& policy = *config.redrive_policy;
  // As RabbitMQ checks x-dead-letter-exchange at queue.declare: the messages dead-lettered are
  // taken out of the queue (read) and put into the dead-letter queue (write).
  if (auto e = check_access(call, core::Permission::kRead, source)) return e;
  if (auto e = check_access(call, core::Permission::kWrite, policy.dead_letter_queue)) return e;
  std::optional<QueueArn> arn = parse_queue_arn(policy.dead_letter_target_arn);
  const core::Queue* dlq = arn && arn->account == config_.account_id
                               ? vhost()->find_queue(policy.dead_letter_queue)
                               : nullptr;
  if (dlq == nullptr || dlq->options().exclusive) {
    Error e = queue_does_not_exist();
    e.message = "Value " + render(policy) +
                " for parameter RedrivePolicy is invalid. Reason: the dead-letter target " +
                policy.dead_letter_target_arn + " does not exist.";
    return e;
  }
  const QueueConfig target = queue_config(*dlq);
  if (target.fifo_queue != config.fifo_queue) {
    return invalid_parameter_value("Value " + render(policy) +
                                   " for parameter RedrivePolicy is invalid. Reason: Dead-letter "
                                   "queue must be same type of queue as the source..");
  }
  if (target.redrive_allow_policy &&
      !target.redrive_allow_policy->allows(queue_arn(call, source))) {
    return invalid_parameter_value("Value " + render(policy) +
                                   " for parameter RedrivePolicy is invalid. Reason: the "
                                   "RedriveAllowPolicy of the dead-letter target does not allow "
                                   "this queue as its source.");
  }
  return std::nullopt;
}

void Service::change_arguments(const Call& call, const std::string& queue,
                               const core::Table& arguments) {
  const uint64_t before = definitions_seq();
  if (core::Status st = vhost()->change_queue_arguments(queue, arguments); !st.ok()) {
    return fail(call, invalid_parameter_value(st.message()));
  }
  reply_when_durable(call, before, EmptyResult{});
}

void Service::set_queue_attributes(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call, core::Permission::kConfigure);
  if (queue == nullptr) return;
  const std::map<std::string, std::string>& attributes = call->input.attributes;
  if (attributes.empty()) return fail(*call, missing_parameter("Attribute.1.Name"));
  // A queue's type is fixed at creation.
  if (attributes.count("FifoQueue") != 0) return fail(*call, invalid_attribute_name("FifoQueue"));
  QueueConfig config = queue_config(*queue);
  if (auto e = apply_attributes(attributes, config)) return fail(*call, *e);
  if (attributes.count("RedrivePolicy") != 0) {
    if (auto e = check_redrive(*call, queue->name(), config)) return fail(*call, *e);
  }
  change_arguments(*call, queue->name(),
                   updated_arguments(queue->options().arguments, attributes, config));
}

void Service::tag_queue(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call, core::Permission::kConfigure);
  if (queue == nullptr) return;
  if (call->input.tags.empty()) return fail(*call, missing_parameter("Tags"));
  Tags tags = tags_of(queue->options().arguments);
  if (auto e = check_tags(queue->name(), tags, call->input.tags)) return fail(*call, *e);
  // A key already there takes the new value.
  for (const auto& [key, value] : call->input.tags) tags[key] = value;
  change_arguments(*call, queue->name(), with_tags(queue->options().arguments, tags));
}

void Service::untag_queue(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call, core::Permission::kConfigure);
  if (queue == nullptr) return;
  if (call->input.tag_keys.empty()) return fail(*call, missing_parameter("TagKeys"));
  Tags tags = tags_of(queue->options().arguments);
  for (const std::string& key : call->input.tag_keys) tags.erase(key);  // absent keys: no-op
  change_arguments(*call, queue->name(), with_tags(queue->options().arguments, tags));
}

void Service::list_queue_tags(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call, std::nullopt);
  if (queue == nullptr) return;
  reply(*call, TagsResult{tags_of(queue->options().arguments)});
}

}  // namespace polymq::sqs
