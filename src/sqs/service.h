// The SQS front-end: an http::Service that verifies each request's SigV4 signature against
// the broker's users, decodes it in the protocol it came in (the query protocol or AWS JSON
// 1.0, request.h), performs the action on the core's queues of one vhost, and answers in the
// same protocol.
//
// - Queues are the core's durable queues of `ServiceConfig::vhost`, the same ones AMQP clients
//   use; a QueueUrl is http://<Host header>/<account id>/<name>.
// - A received message is a lease with a deadline (the visibility timeout); its receipt handle
//   names the lease (receipt_handle.h). DeleteMessage settles it, ChangeMessageVisibility
//   moves its deadline.
// - SendMessage answers once the message is durable (core::Publisher's completions);
//   CreateQueue and DeleteQueue once the definition change is (core::DefinitionsLog).
// - A ReceiveMessage that finds nothing waits up to WaitTimeSeconds as a subscriber of the
//   queue, and answers as soon as messages arrive (receive_wait.h).
//
// REQUIRES: every call on the broker's event loop thread; the service outlives no broker.
#pragma once

#include <cstdint>
#include <deque>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "aws/sigv4_verifier.h"
#include "core/broker.h"
#include "core/message_mover.h"
#include "core/publisher.h"
#include "core/timer.h"
#include "http/service.h"
#include "sqs/delivery_view.h"
#include "sqs/errors.h"
#include "sqs/queue_attributes.h"
#include "sqs/receipt_handle.h"
#include "sqs/request.h"

namespace polymq::sqs {

class ReceiveWait;

struct ServiceConfig {
  std::string vhost = "/";
  std::string account_id = "000000000000";
  aws::VerifierOptions verifier;
};

// One request being answered.
struct Call {
  Protocol protocol = Protocol::kQuery;
  std::string action;
  ActionInput input;
  std::string request_id;
  std::string host;  // the Host header, for QueueUrls
  std::string path;  // the request path, which may name the queue ("/<account>/<name>")
  std::string region;
  std::string user;      // the access key id that signed it
  core::GrantPtr grant;  // the user's grant in the vhost: non-null once dispatched
  http::Responder responder;
};
using CallPtr = std::shared_ptr<Call>;

class Service final : public http::Service, private core::Publisher::Listener {
 public:
  Service(core::Broker& broker, core::TimerService& timers, ServiceConfig config);
  ~Service() override;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  void handle(http::Request request, http::Responder responder) override;

  // Renders what other services left in queues (sqs/delivery_view.h); null: none. The view
  // outlives the service.
  void set_delivery_view(const DeliveryView* view) { delivery_view_ = view; }

  // ReceiveMessage calls waiting for messages now.
  size_t waiting_receives() const { return waits_.size(); }

  // The answers, rendered in the call's protocol.
  static http::Response result_response(const Call& call, const Result& result);
  static http::Response error_response(const Call& call, const Error& error);

 private:
  friend class ReceiveWait;

  void dispatch(const CallPtr& call);
  void reply(const Call& call, const Result& result) {
    call.responder.send(result_response(call, result));
  }
  void fail(const Call& call, const Error& error) {
    call.responder.send(error_response(call, error));
  }
  // Sends `result` once the definition changes recorded since `before` are durable.
  void reply_when_durable(const Call& call, uint64_t before, const Result& result);
  uint64_t definitions_seq() const;

  core::VHost* vhost() const { return broker_.find_vhost(config_.vhost); }
  // Whether the call's user has `permission` on the queue `name` (core/permissions.h; the
  // mapping of actions to permissions is in docs/compatibility.md, "Permissions"): AccessDenied
  // when not, checked before the queue is looked up, as RabbitMQ does.
  std::optional<Error> check_access(const Call& call, core::Permission permission,
                                    const std::string& name) const;
  // The queue the call addresses (QueueUrl, else the request path), which the user must have
  // `needs` on (none: the vhost grant is enough); null after fail().
  core::Queue* resolve_queue(const Call& call, std::optional<core::Permission> needs);
  std::string queue_url(const Call& call, const std::string& name) const;
  std::string queue_arn(const Call& call, const std::string& name) const;

  // --- actions (queue_actions.cpp, message_actions.cpp) ---
  void create_queue(const CallPtr& call);
  void get_queue_url(const CallPtr& call);
  void list_queues(const CallPtr& call);
  void delete_queue(const CallPtr& call);
  void get_queue_attributes(const CallPtr& call);
  void purge_queue(const CallPtr& call);
  void send_message(const CallPtr& call);
  void receive_message(const CallPtr& call);
  void delete_message(const CallPtr& call);
  void change_message_visibility(const CallPtr& call);
  void send_message_batch(const CallPtr& call);  // batch_actions.cpp
  void delete_message_batch(const CallPtr& call);
  void change_message_visibility_batch(const CallPtr& call);
  void set_queue_attributes(const CallPtr& call);  // queue_settings_actions.cpp
  void tag_queue(const CallPtr& call);
  void untag_queue(const CallPtr& call);
  void list_queue_tags(const CallPtr& call);
  void list_dead_letter_source_queues(const CallPtr& call);
  void start_message_move_task(const CallPtr& call);  // move_task_actions.cpp
  void list_message_move_tasks(const CallPtr& call);
  void cancel_message_move_task(const CallPtr& call);

  // Whether `config`'s RedrivePolicy (if any) of the queue `source` names an existing queue
  // whose RedriveAllowPolicy lets `source` use it.
  std::optional<Error> check_redrive(const Call& call, const std::string& source,
                                     const QueueConfig& config);
  // Gives the queue `queue` new declare arguments (VHost::change_queue_arguments) and answers
  // once the change is durable.
  void change_arguments(const Call& call, const std::string& queue, const core::Table& arguments);

  // The receipt handle `text` of a message of `queue`, from this process: MissingParameter
  // when absent, ReceiptHandleIsInvalid when it names nothing of this queue.
  std::optional<Error> check_receipt_handle(const core::Queue& queue,
                                            const std::optional<std::string>& text,
                                            ReceiptHandle& out) const;

  // The messages of a receive, as the call asked for them (attributes, message attributes).
  ReceiveMessageResult received(const Call& call, const core::Queue& queue,
                                std::vector<core::Delivery>& deliveries);
  // A waiting receive is done (receive_wait.h); answers it and forgets it.
  void finish_wait(ReceiveWait* wait);

  // core::Publisher::Listener
  void publishes_completed() override;
  void drain_publishes();

  std::string new_request_id();
  // A FIFO send's SequenceNumber: larger than every one before, in this process and (while
  // the wall clock does not go back) in earlier ones: ms since the epoch times a million, or
  // the last one plus one.
  std::string next_sequence_number();
  // Sends `message` (a SendMessage or batch entry, checked) to `queue`: a FIFO send whose
  // deduplication id the queue accepted in the window answers the original's MessageId and
  // SequenceNumber in `result` and returns false (nothing to publish); otherwise a FIFO
  // message gets its SequenceNumber, in `result` too, and it returns true.
  bool prepare_send(core::Queue& queue, core::Message& message, SendMessageResult& result);
  std::string message_id_for(const core::Message& message);

  core::Broker& broker_;
  core::TimerService& timers_;
  ServiceConfig config_;
  aws::Verifier verifier_;
  uint64_t incarnation_;  // receipt handles of an earlier process name nothing
  uint64_t last_sequence_number_ = 0;
  std::mt19937_64 random_;
  core::Publisher publisher_;
  // A SendMessageBatch waiting for the publishes of its accepted entries; answered when the
  // last completes (a failed one moves its entry from Successful to Failed).
  struct PendingBatch {
    CallPtr call;
    BatchResult result;
    size_t outstanding = 0;
  };
  // SendMessage calls waiting for their publish to complete, by publish id, with the answer
  // to send when it succeeds; or an entry of a SendMessageBatch (`batch` set).
  struct PendingSend {
    CallPtr call;
    SendMessageResult result;
    std::shared_ptr<PendingBatch> batch;
    std::string entry_id;
  };
  // The publish of `pending` completed: answers its call, or its batch when it was the last.
  void publish_done(PendingSend& pending, bool ok);
  std::map<uint64_t, PendingSend> pending_sends_;
  std::list<std::unique_ptr<ReceiveWait>> waits_;
  const DeliveryView* delivery_view_ = nullptr;

  // A message move task (move_task_actions.cpp): the core's MessageMover and what
  // ListMessageMoveTasks shows of it. In memory only: a restart ends running tasks (their
  // messages stay in, or go back to, the source) and forgets the history.
  struct MoveTask {
    std::string id;
    std::string source_arn;
    std::string destination_arn;  // "" when none was given
    int64_t started_ms = 0;
    std::unique_ptr<core::MessageMover> mover;
  };
  // check_access on the queue the ARN `arn` names; none when it names no queue of this account.
  std::optional<Error> check_arn_access(const Call& call, core::Permission permission,
                                        const std::string& arn) const;
  // The queue named by the ARN `arn` (of this account, any region), or null.
  core::Queue* queue_by_arn(const std::string& arn);
  // Tasks by source queue name, newest first, at most 10 each (the most ListMessageMoveTasks
  // shows). Last member: running movers go (and return what they hold) before the rest.
  std::map<std::string, std::deque<MoveTask>> move_tasks_;
};

}  // namespace polymq::sqs
