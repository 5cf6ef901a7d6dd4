// SQS's dead-letter redrive: StartMessageMoveTask, ListMessageMoveTasks and
// CancelMessageMoveTask over the core's MessageMover (core/message_mover.h), which does the
// moving on the loop. The checks and their texts are AWS's: the source must be the dead-letter
// queue of at least one queue, one active task per source, ResourceNotFoundException for
// unknown queues and tasks.
#include "aws/query_protocol.h"
#include "sqs/move_task_handle.h"
#include "sqs/params.h"
#include "sqs/redrive_policy.h"
#include "sqs/service.h"

namespace polymq::sqs {
namespace {

constexpr size_t kTasksKept = 10;  // per source: ListMessageMoveTasks's MaxResults limit

const char* status_name(core::MessageMover::State state) {
  using State = core::MessageMover::State;
  switch (state) {
    case State::kRunning:
      return "RUNNING";
    case State::kCompleted:
      return "COMPLETED";
    case State::kCancelling:
      return "CANCELLING";
    case State::kCancelled:
      return "CANCELLED";
    case State::kFailed:
      return "FAILED";
  }
  return "FAILED";
}

// FailureReason: AWS's error code for a queue that went; PolyMQ's own names otherwise.
const char* failure_reason(core::MessageMover::Failure failure) {
  using Failure = core::MessageMover::Failure;
  switch (failure) {
    case Failure::kNone:
      return "";
    case Failure::kSourceGone:
    case Failure::kDestinationGone:
      return "AWS.SimpleQueueService.NonExistentQueue";
    case Failure::kOriginUnknown:
      return "CouldNotDetermineMessageSource";
    case Failure::kPublishRefused:
      return "AWS.SimpleQueueService.InternalError";
  }
  return "";
}

Error arn_not_found(std::string_view parameter) {
  return resource_not_found("The resource that you specified for the " + std::string(parameter) +
                            " parameter doesn't exist.");
}

}  // namespace

std::optional<Error> Service::check_arn_access(const Call& call, core::Permission permission,
                                               const std::string& arn) const {
  // An ARN that names no queue of this account is answered by the lookup (not found).
  std::optional<QueueArn> parsed = parse_queue_arn(arn);
  if (!parsed || parsed->account != config_.account_id) return std::nullopt;
  return check_access(call, permission, parsed->name);
}

core::Queue* Service::queue_by_arn(const std::string& arn) {
  std::optional<QueueArn> parsed = parse_queue_arn(arn);
  if (!parsed || parsed->account != config_.account_id) return nullptr;
  core::Queue* queue = vhost()->find_queue(parsed->name);
  return queue == nullptr || queue->options().exclusive ? nullptr : queue;
}

void Service::start_message_move_task(const CallPtr& call) {
  const std::optional<std::string> source_arn = call->input.get("SourceArn");
  if (!source_arn || source_arn->empty()) return fail(*call, missing_parameter("SourceArn"));
  // The messages are taken out of the source (read) and put into the destination (write).
  if (auto e = check_arn_access(*call, core::Permission::kRead, *source_arn)) {
    return fail(*call, *e);
  }
  core::Queue* source = queue_by_arn(*source_arn);
  if (source == nullptr) return fail(*call, arn_not_found("SourceArn"));
  // The queues that dead-letter into the source: where a task without a destination moves
  // messages back to.
  std::vector<std::string> redrive_sources;
  for (const core::Queue* q : vhost()->queues()) {
    if (q->options().exclusive) continue;
    const QueueConfig config = queue_config(*q);
    if (config.redrive_policy && config.redrive_policy->dead_letter_queue == source->name()) {
      redrive_sources.push_back(q->name());
    }
  }
  if (redrive_sources.empty()) {
    return fail(*call,
                invalid_parameter_value("Source queue must be configured as a Dead Letter Queue."));
  }
  const std::optional<std::string> destination_arn = call->input.get("DestinationArn");
  std::optional<std::string> destination;
  if (!destination_arn || destination_arn->empty()) {
    for (const std::string& name : redrive_sources) {
      if (auto e = check_access(*call, core::Permission::kWrite, name)) return fail(*call, *e);
    }
  } else {
    if (auto e = check_arn_access(*call, core::Permission::kWrite, *destination_arn)) {
      return fail(*call, *e);
    }
    const core::Queue* target = queue_by_arn(*destination_arn);
    if (target == nullptr) return fail(*call, arn_not_found("DestinationArn"));
    if (target == source) {
      return fail(*call, invalid_parameter_value(
                             "Value for parameter DestinationArn is invalid. Reason: the source "
                             "and destination queues must be different."));
    }
    destination = target->name();
  }
  int64_t per_second = 0;
  const bool rate_given = call->input.get("MaxNumberOfMessagesPerSecond").has_value();
  if (rate_given && int_param(call->input, "MaxNumberOfMessagesPerSecond", 1, 500, per_second)) {
    return fail(*call, invalid_parameter_value(
                           "Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: "
                           "You must enter a number that's between 1 and 500."));
  }
  std::deque<MoveTask>& tasks = move_tasks_[source->name()];
  if (!tasks.empty() && tasks.front().mover->active()) {
    return fail(*call, invalid_parameter_value(
                           "There is already a task running. Only one active task is allowed for "
                           "a source queue arn at a given time."));
  }
  // The history of sources deleted since holds no running task and names nothing: forget it.
  std::erase_if(move_tasks_, [&](const auto& entry) {
    const auto& [name, history] = entry;
    return history.empty() ||
           (vhost()->find_queue(name) == nullptr && !history.front().mover->active());
  });
  std::deque<MoveTask>& history = move_tasks_[source->name()];

  MoveTask task;
  task.id = aws::format_uuid(random_(), random_());
  task.source_arn = *source_arn;
  task.destination_arn = destination ? *destination_arn : "";
  task.started_ms = timers_.wall_ms();
  core::MessageMover::Options options;
  options.vhost = config_.vhost;
  options.source = source->id();
  options.destination = destination;
  options.per_second = static_cast<uint32_t>(per_second);
  task.mover = std::make_unique<core::MessageMover>(broker_, timers_, std::move(options), nullptr);
  core::MessageMover& mover = *task.mover;
  history.push_front(std::move(task));
  while (history.size() > kTasksKept) history.pop_back();
  mover.start();
  reply(*call, MoveTaskStarted{encode(MoveTaskHandle{history.front().id, *source_arn})});
}

void Service::list_message_move_tasks(const CallPtr& call) {
  const std::optional<std::string> source_arn = call->input.get("SourceArn");
  if (!source_arn || source_arn->empty()) return fail(*call, missing_parameter("SourceArn"));
  int64_t max_results = 1;
  if (int_param(call->input, "MaxResults", 1, 10, max_results)) {
    return fail(*call, invalid_parameter_value(
                           "Value for parameter MaxResults is invalid. Reason: You must enter a "
                           "number that's between 1 and 10."));
  }
  const core::Queue* source = queue_by_arn(*source_arn);
  if (source == nullptr) return fail(*call, arn_not_found("SourceArn"));
  MoveTasksResult result;
  auto it = move_tasks_.find(source->name());
  if (it != move_tasks_.end()) {
    for (const MoveTask& task : it->second) {
      if (result.results.size() >= static_cast<size_t>(max_results)) break;
      const core::MessageMover& mover = *task.mover;
      MoveTaskEntry entry;
      if (mover.state() == core::MessageMover::State::kRunning) {
        entry.task_handle = encode(MoveTaskHandle{task.id, task.source_arn});
      }
      entry.status = status_name(mover.state());
      entry.source_arn = task.source_arn;
      entry.destination_arn = task.destination_arn;
      if (mover.per_second() != 0) entry.max_per_second = mover.per_second();
      entry.moved = mover.moved();
      entry.to_move = mover.to_move();
      if (mover.state() == core::MessageMover::State::kFailed) {
        entry.failure_reason = failure_reason(mover.failure());
      }
      entry.started_ms = task.started_ms;
      result.results.push_back(std::move(entry));
    }
  }
  reply(*call, result);
}

void Service::cancel_message_move_task(const CallPtr& call) {
  const std::optional<std::string> text = call->input.get("TaskHandle");
  if (!text || text->empty()) return fail(*call, missing_parameter("TaskHandle"));
  const std::optional<MoveTaskHandle> handle = decode_move_task_handle(*text);
  if (!handle) {
    return fail(*call, invalid_parameter_value("Value for parameter TaskHandle is invalid."));
  }
  // Cancelling stops taking messages out of the source: read, as to start the task.
  if (auto e = check_arn_access(*call, core::Permission::kRead, handle->source_arn)) {
    return fail(*call, *e);
  }
  const core::Queue* source = queue_by_arn(handle->source_arn);
  if (source == nullptr) return fail(*call, arn_not_found("SourceArn"));
  auto it = move_tasks_.find(source->name());
  if (it != move_tasks_.end()) {
    for (MoveTask& task : it->second) {
      if (task.id != handle->task_id) continue;
      if (task.mover->state() != core::MessageMover::State::kRunning) {
        return fail(*call, invalid_parameter_value(
                               "Only a task in status RUNNING can be cancelled; this one is " +
                               std::string(status_name(task.mover->state())) + "."));
      }
      task.mover->cancel();
      return reply(*call, MoveTaskCancelled{task.mover->moved()});
    }
  }
  fail(*call, resource_not_found("Task does not exist."));
}

}  // namespace polymq::sqs
