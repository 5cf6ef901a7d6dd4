// The batch actions: SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch.
//
// A batch is checked as a whole first (AWS's request-level errors: no entries, more than 10,
// an Id that is malformed or repeated, a SendMessageBatch whose messages together exceed the
// queue's MaximumMessageSize); then each entry succeeds or fails on its own, with the error
// its single action would give, reported in Failed with its Id.
#include <algorithm>
#include <chrono>
#include <set>

#include "sqs/digests.h"
#include "sqs/fifo_parameters.h"
#include "sqs/message_mapping.h"
#include "sqs/params.h"
#include "sqs/receipt_handle.h"
#include "sqs/service.h"

namespace polymq::sqs {
namespace {

constexpr size_t kMaxBatchEntries = 10;
constexpr size_t kMaxEntryIdLength = 80;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool valid_entry_id(const std::string& id) {
  return !id.empty() && id.size() <= kMaxEntryIdLength &&
         std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
         });
}

BatchFailure failure(const std::string& id, const Error& e) {
  return BatchFailure{id, e.sender, e.query_code, e.message};
}

std::optional<Error> check_batch(const ActionInput& in, std::string_view entry_shape) {
  if (in.entries.empty()) return empty_batch_request(entry_shape);
  if (in.entries.size() > kMaxBatchEntries) {
    return too_many_entries_in_batch_request(in.entries.size());
  }
  std::set<std::string> ids;
  for (const BatchEntry& e : in.entries) {
    const std::string id = e.get("Id").value_or("");
    if (!valid_entry_id(id)) return invalid_batch_entry_id();
    if (!ids.insert(id).second) return batch_entry_ids_not_distinct(id);
  }
  return std::nullopt;
}

// What SendMessage would refuse in one entry of a SendMessageBatch.
std::optional<Error> check_send_entry(const BatchEntry& e, bool fifo) {
  std::optional<std::string> body = e.get("MessageBody");
  if (!body || body->empty()) return missing_parameter("MessageBody");
  // A FIFO queue refuses any DelaySeconds (apply_send_parameters).
  int64_t delay = 0;
  if (auto error = fifo ? std::nullopt : int_param(e.scalars, "DelaySeconds", 0, 900, delay)) {
    return error;
  }
  if (auto error = check_message_attributes(e.message_attributes)) return error;
  if (auto error = check_system_attributes(e.system_attributes)) return error;
  return check_body(*body);
}

}  // namespace

std::optional<Error> Service::check_receipt_handle(const core::Queue& queue,
                                                   const std::optional<std::string>& text,
                                                   ReceiptHandle& out) const {
  if (!text) return missing_parameter("ReceiptHandle");
  std::optional<ReceiptHandle> handle = decode_receipt_handle(*text);
  if (!handle || handle->incarnation != incarnation_ || handle->queue != queue.id()) {
    return receipt_handle_is_invalid(*text);
  }
  out = *handle;
  return std::nullopt;
}

void Service::send_message_batch(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call, core::Permission::kWrite);
  if (queue == nullptr) return;
  const ActionInput& in = call->input;
  if (auto e = check_batch(in, "SendMessageBatchRequestEntry")) return fail(*call, *e);
  const QueueConfig config = queue_config(*queue);
  const size_t max_size = static_cast<size_t>(config.maximum_message_size);
  size_t total = 0;
  for (const BatchEntry& e : in.entries) {
    total += message_size(e.get("MessageBody").value_or(""), e.message_attributes);
  }
  if (total > max_size) return fail(*call, batch_request_too_long(max_size, total));

  auto batch = std::make_shared<PendingBatch>();
  batch->call = call;
  batch->result.successful.reserve(in.entries.size());
  std::vector<std::pair<uint64_t, std::string>> publishes;  // publish id, entry id
  publishes.reserve(in.entries.size());
  for (const BatchEntry& e : in.entries) {
    const std::string id = *e.get("Id");
    std::optional<Error> error = check_send_entry(e, config.fifo_queue);
    if (error) {
      batch->result.failed.push_back(failure(id, *error));
      continue;
    }
    SendMessageResult sent;
    sent.message_id = new_request_id();
    std::string body = *e.get("MessageBody");
    sent.md5_of_body = md5_hex(body);
    sent.md5_of_attributes = md5_of_message_attributes(e.message_attributes);
    sent.md5_of_system_attributes = md5_of_message_attributes(e.system_attributes);
    const int64_t now = now_ms();
    auto message = std::make_shared<core::Message>(to_core_message(
        queue->name(), std::move(body), e.message_attributes, sent.message_id, now));
    apply_system_attributes(e.system_attributes, *message);
    const SendParameters params{e.get("MessageGroupId"), e.get("MessageDeduplicationId"),
                                e.get("DelaySeconds")};
    if (auto send_error = apply_send_parameters(config, params, now, *message)) {
      batch->result.failed.push_back(failure(id, *send_error));
      continue;
    }
    if (!prepare_send(*queue, *message, sent)) {
      // A duplicate within the window: successful, with the original's ids, nothing sent.
      batch->result.successful.push_back(BatchSuccess{id, std::move(sent)});
      continue;
    }
    core::PublishResult published = publisher_.publish(*vhost(), "", message, nullptr, true);
    if (!published.status.ok()) {
      batch->result.failed.push_back(failure(id, internal_error(published.status.message())));
      continue;
    }
    // Successful in the order of the entries; each stays until its publish completes.
    batch->result.successful.push_back(BatchSuccess{id, std::move(sent)});
    publishes.emplace_back(published.id, id);
  }
  batch->outstanding = publishes.size();
  if (publishes.empty()) return reply(*call, batch->result);
  for (const auto& [publish, entry] : publishes) {
    pending_sends_[publish] = PendingSend{call, {}, batch, entry};
  }
  drain_publishes();
}

void Service::publish_done(PendingSend& pending, bool ok) {
  if (!pending.batch) {
    if (ok) {
      reply(*pending.call, pending.result);
    } else {
      fail(*pending.call, internal_error("The message could not be stored."));
    }
    return;
  }
  PendingBatch& batch = *pending.batch;
  if (!ok) {
    auto& s = batch.result.successful;
    s.erase(std::remove_if(s.begin(), s.end(),
                           [&](const BatchSuccess& b) { return b.id == pending.entry_id; }),
            s.end());
    batch.result.failed.push_back(
        failure(pending.entry_id, internal_error("The message could not be stored.")));
  }
  if (--batch.outstanding == 0) reply(*batch.call, batch.result);
}

void Service::delete_message_batch(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call, core::Permission::kRead);
  if (queue == nullptr) return;
  if (auto e = check_batch(call->input, "DeleteMessageBatchRequestEntry")) {
    return fail(*call, *e);
  }
  BatchResult result;
  for (const BatchEntry& e : call->input.entries) {
    const std::string id = *e.get("Id");
    ReceiptHandle handle;
    if (auto error = check_receipt_handle(*queue, e.get("ReceiptHandle"), handle)) {
      result.failed.push_back(failure(id, *error));
      continue;
    }
    // As DeleteMessage: a handle whose lease is gone deletes nothing and succeeds.
    broker_.shard().settle(queue->id(), handle.lease, core::Shard::Settlement::kAck);
    result.successful.push_back(BatchSuccess{id, std::nullopt});
  }
  reply(*call, result);
}

void Service::change_message_visibility_batch(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call, core::Permission::kRead);
  if (queue == nullptr) return;
  if (auto e = check_batch(call->input, "ChangeMessageVisibilityBatchRequestEntry")) {
    return fail(*call, *e);
  }
  BatchResult result;
  for (const BatchEntry& e : call->input.entries) {
    const std::string id = *e.get("Id");
    ReceiptHandle handle;
    int64_t visibility = 0;
    std::optional<Error> error = check_receipt_handle(*queue, e.get("ReceiptHandle"), handle);
    if (!error && !e.get("VisibilityTimeout")) error = missing_parameter("VisibilityTimeout");
    if (!error) error = int_param(e.scalars, "VisibilityTimeout", 0, 43200, visibility);
    if (!error && !broker_.shard().extend(queue->id(), handle.lease,
                                          timers_.now() + std::chrono::seconds(visibility))) {
      error = invalid_parameter_value(
          "Value " + *e.get("ReceiptHandle") +
          " for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not "
          "available for visibility timeout change.");
    }
    if (error) {
      result.failed.push_back(failure(id, *error));
    } else {
      result.successful.push_back(BatchSuccess{id, std::nullopt});
    }
  }
  reply(*call, result);
}

}  // namespace polymq::sqs
