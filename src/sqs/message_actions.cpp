// The message actions: SendMessage, ReceiveMessage (and the end of its long poll),
// DeleteMessage, ChangeMessageVisibility.
#include <chrono>

#include "sqs/digests.h"
#include "sqs/fifo_parameters.h"
#include "sqs/message_mapping.h"
#include "sqs/params.h"
#include "sqs/receipt_handle.h"
#include "sqs/receive_wait.h"
#include "sqs/service.h"

namespace polymq::sqs {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool wants(const std::vector<std::string>& names, std::string_view name) {
  for (const std::string& n : names) {
    if (n == "All" || n == name) return true;
  }
  return false;
}

}  // namespace

void Service::send_message(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call, core::Permission::kWrite);
  if (queue == nullptr) return;
  std::optional<std::string> body = call->input.get("MessageBody");
  if (!body || body->empty()) return fail(*call, missing_parameter("MessageBody"));
  const std::vector<MessageAttribute>& attributes = call->input.message_attributes;
  const std::vector<MessageAttribute>& system_attributes = call->input.system_attributes;
  if (auto e = check_message_attributes(attributes)) return fail(*call, *e);
  if (auto e = check_system_attributes(system_attributes)) return fail(*call, *e);
  if (auto e = check_body(*body)) return fail(*call, *e);
  const QueueConfig config = queue_config(*queue);
  const int64_t max_size = config.maximum_message_size;
  if (message_size(*body, attributes) > static_cast<size_t>(max_size)) {
    return fail(*call, invalid_parameter_value(
                           "One or more parameters are invalid. Reason: Message must be shorter "
                           "than " +
                           std::to_string(max_size) + " bytes."));
  }

  SendMessageResult result;
  result.message_id = new_request_id();
  result.md5_of_body = md5_hex(*body);
  result.md5_of_attributes = md5_of_message_attributes(attributes);
  result.md5_of_system_attributes = md5_of_message_attributes(system_attributes);
  const int64_t now = now_ms();
  auto message = std::make_shared<core::Message>(
      to_core_message(queue->name(), std::move(*body), attributes, result.message_id, now));
  apply_system_attributes(system_attributes, *message);
  const SendParameters params{call->input.get("MessageGroupId"),
                              call->input.get("MessageDeduplicationId"),
                              call->input.get("DelaySeconds")};
  if (auto e = apply_send_parameters(config, params, now, *message)) return fail(*call, *e);
  if (!prepare_send(*queue, *message, result)) return reply(*call, result);
  core::PublishResult published = publisher_.publish(*vhost(), "", message, nullptr, true);
  if (!published.status.ok()) return fail(*call, internal_error(published.status.message()));
  pending_sends_[published.id] = PendingSend{call, std::move(result)};
  drain_publishes();
}

std::string Service::next_sequence_number() {
  const uint64_t from_clock = static_cast<uint64_t>(now_ms()) * 1'000'000;
  last_sequence_number_ = std::max(last_sequence_number_ + 1, from_clock);
  return std::to_string(last_sequence_number_);
}

bool Service::prepare_send(core::Queue& queue, core::Message& message, SendMessageResult& result) {
  if (!message.dedup_id || !message.group || !queue.settings().one_in_flight_per_group) {
    return true;
  }
  if (const core::Message* original = queue.duplicate_of(*message.dedup_id)) {
    result.message_id = message_id_for(*original);
    if (const std::string* s =
            core::find_string(original->annotations, kSequenceNumberAnnotation)) {
      result.sequence_number = *s;
    }
    return false;
  }
  result.sequence_number = next_sequence_number();
  message.annotations.emplace_back(kSequenceNumberAnnotation,
                                   core::Value::String(result.sequence_number));
  return true;
}

void Service::receive_message(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call, core::Permission::kRead);
  if (queue == nullptr) return;
  const QueueConfig config = queue_config(*queue);
  int64_t max = 1;
  int64_t visibility = config.visibility_timeout;
  int64_t wait = config.receive_message_wait_time;
  if (auto e = int_param(call->input, "MaxNumberOfMessages", 1, 10, max)) return fail(*call, *e);
  if (auto e = int_param(call->input, "VisibilityTimeout", 0, 43200, visibility)) {
    return fail(*call, *e);
  }
  if (auto e = int_param(call->input, "WaitTimeSeconds", 0, 20, wait)) return fail(*call, *e);

  const core::Clock::time_point now = timers_.now();
  core::Queue::ReceiveOptions options;
  options.deadline = now + std::chrono::seconds(visibility);
  std::vector<core::Delivery> deliveries;
  broker_.shard().receive(queue->id(), static_cast<size_t>(max), options, deliveries);
  if (!deliveries.empty() || wait == 0) {
    return reply(*call, received(*call, *queue, deliveries));
  }
  auto w = std::make_unique<ReceiveWait>(*this, call, queue->id(), static_cast<size_t>(max),
                                         std::chrono::seconds(visibility),
                                         now + std::chrono::seconds(wait));
  if (!w->start()) return reply(*call, ReceiveMessageResult{});
  waits_.push_back(std::move(w));
}

void Service::finish_wait(ReceiveWait* wait) {
  auto it = std::find_if(waits_.begin(), waits_.end(),
                         [wait](const std::unique_ptr<ReceiveWait>& w) { return w.get() == wait; });
  if (it == waits_.end()) return;
  std::unique_ptr<ReceiveWait> owned = std::move(*it);
  waits_.erase(it);
  owned->leave();
  const Call& call = *owned->call();
  core::Queue* queue = broker_.shard().find(owned->queue());
  if (queue == nullptr) {
    reply(call, ReceiveMessageResult{});
  } else if (call.responder.abandoned()) {
    // Nobody will see them: back to the queue now rather than at the visibility deadline.
    for (const core::Delivery& d : owned->deliveries()) {
      broker_.shard().settle(owned->queue(), d.lease, core::Shard::Settlement::kRequeue);
    }
  } else {
    reply(call, received(call, *queue, owned->deliveries()));
  }
  // `owned` (and its timer, whose callback this is) goes here; nothing of it is used after.
}

ReceiveMessageResult Service::received(const Call& call, const core::Queue& queue,
                                       std::vector<core::Delivery>& deliveries) {
  std::vector<std::string> system_names = call.input.attribute_names;
  system_names.insert(system_names.end(), call.input.system_attribute_names.begin(),
                      call.input.system_attribute_names.end());
  const int64_t now = now_ms();
  const core::Clock::time_point steady_now = timers_.now();
  ReceiveMessageResult result;
  for (core::Delivery& d : deliveries) {
    const core::Message& m = *d.message;
    ReceivedMessage r;
    r.message_id = message_id_for(m);
    r.receipt_handle = encode_receipt_handle({incarnation_, queue.id(), d.lease});
    bool with_attributes = true;
    if (delivery_view_ == nullptr ||
        !delivery_view_->render(queue, m, call.host, r.body, with_attributes)) {
      r.body = std::string(m.body.view());
    }
    r.md5_of_body = md5_hex(r.body);
    if (wants(system_names, "SenderId")) {
      r.attributes.emplace_back("SenderId", m.properties.user_id.value_or(config_.account_id));
    }
    if (wants(system_names, "SentTimestamp")) {
      r.attributes.emplace_back("SentTimestamp", std::to_string(sent_timestamp_ms(m, now)));
    }
    if (wants(system_names, "ApproximateReceiveCount")) {
      r.attributes.emplace_back("ApproximateReceiveCount", std::to_string(d.delivery_count + 1));
    }
    if (m.group && wants(system_names, "MessageGroupId")) {
      r.attributes.emplace_back("MessageGroupId", *m.group);
    }
    if (std::optional<std::string> dedup = dedup_id_of(m);
        dedup && wants(system_names, "MessageDeduplicationId")) {
      r.attributes.emplace_back("MessageDeduplicationId", std::move(*dedup));
    }
    if (const std::string* sequence = core::find_string(m.annotations, kSequenceNumberAnnotation);
        sequence != nullptr && wants(system_names, "SequenceNumber")) {
      r.attributes.emplace_back("SequenceNumber", *sequence);
    }
    if (const std::string* trace = trace_header_of(m);
        trace != nullptr && wants(system_names, "AWSTraceHeader")) {
      r.attributes.emplace_back("AWSTraceHeader", *trace);
    }
    if (wants(system_names, "ApproximateFirstReceiveTimestamp")) {
      int64_t first = now;
      if (d.first_delivered != core::Clock::time_point{}) {
        first -=
            std::chrono::duration_cast<std::chrono::milliseconds>(steady_now - d.first_delivered)
                .count();
      }
      r.attributes.emplace_back("ApproximateFirstReceiveTimestamp", std::to_string(first));
    }
    if (with_attributes && !call.input.message_attribute_names.empty()) {
      for (MessageAttribute& a : message_attributes_of(m)) {
        if (selected(call.input.message_attribute_names, a.name)) {
          r.message_attributes.push_back(std::move(a));
        }
      }
      r.md5_of_attributes = md5_of_message_attributes(r.message_attributes);
    }
    result.messages.push_back(std::move(r));
  }
  return result;
}

void Service::delete_message(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call, core::Permission::kRead);
  if (queue == nullptr) return;
  std::optional<std::string> text = call->input.get("ReceiptHandle");
  if (!text) return fail(*call, missing_parameter("ReceiptHandle"));
  std::optional<ReceiptHandle> handle = decode_receipt_handle(*text);
  if (!handle || handle->incarnation != incarnation_ || handle->queue != queue->id()) {
    return fail(*call, receipt_handle_is_invalid(*text));
  }
  // A handle whose lease is gone (an older receive of a message received again, or one whose
  // visibility timeout passed) deletes nothing and succeeds, as AWS specifies.
  broker_.shard().settle(queue->id(), handle->lease, core::Shard::Settlement::kAck);
  reply(*call, EmptyResult{});
}

void Service::change_message_visibility(const CallPtr& call) {
  core::Queue* queue = resolve_queue(*call, core::Permission::kRead);
  if (queue == nullptr) return;
  std::optional<std::string> text = call->input.get("ReceiptHandle");
  if (!text) return fail(*call, missing_parameter("ReceiptHandle"));
  if (!call->input.get("VisibilityTimeout")) {
    return fail(*call, missing_parameter("VisibilityTimeout"));
  }
  int64_t visibility = 0;
  if (auto e = int_param(call->input, "VisibilityTimeout", 0, 43200, visibility)) {
    return fail(*call, *e);
  }
  std::optional<ReceiptHandle> handle = decode_receipt_handle(*text);
  if (!handle || handle->incarnation != incarnation_ || handle->queue != queue->id()) {
    return fail(*call, receipt_handle_is_invalid(*text));
  }
  if (!broker_.shard().extend(queue->id(), handle->lease,
                              timers_.now() + std::chrono::seconds(visibility))) {
    return fail(*call, invalid_parameter_value(
                           "Value " + *text +
                           " for parameter ReceiptHandle is invalid. Reason: Message does not "
                           "exist or is not available for visibility timeout change."));
  }
  reply(*call, EmptyResult{});
}

}  // namespace polymq::sqs
