// The TaskHandle of a message move task (StartMessageMoveTask, CancelMessageMoveTask): opaque to
// clients, and, as AWS's, the base64 of a small JSON object that names the task and its source
// queue: {"taskId":"<id>","sourceArn":"<queue ARN>"}. A handle names a task of this process
// only: tasks are kept in memory.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace polymq::sqs {

struct MoveTaskHandle {
  std::string task_id;
  std::string source_arn;
  bool operator==(const MoveTaskHandle&) const = default;
};

std::string encode(const MoveTaskHandle& handle);
// nullopt for text that is not such a handle (not base64, not that JSON, a member missing).
std::optional<MoveTaskHandle> decode_move_task_handle(std::string_view text);

}  // namespace polymq::sqs
