#include "sns/http_deliverer.h"

#include <spdlog/spdlog.h>

#include "aws/query_protocol.h"
#include "core/shard.h"
#include "sns/delivery_policy.h"
#include "sns/envelope.h"
#include "sns/notification_view.h"
#include "sns/redrive_policy.h"
#include "sns/subscription_arguments.h"
#include "sqs/message_mapping.h"

namespace polymq::sns {

// The in-process subscriber of one subscription queue. Its POSTs hold it weakly: one that
// completes after the subscriber went (unsubscribed, shutting down) settles nothing; the
// lease then goes with the queue, or returns at the next start.
class HttpDeliverer::Subscriber final : public core::Consumer,
                                        public std::enable_shared_from_this<Subscriber> {
 public:
  Subscriber(HttpDeliverer& owner, core::QueueId queue, std::string name)
      : owner_(owner), queue_(queue), name_(std::move(name)) {}

  core::QueueId queue() const { return queue_; }
  core::HolderId holder() const { return reinterpret_cast<uintptr_t>(this); }

  // Not while a throttle (the delivery policy's maxReceivesPerSecond) holds the next POST
  // back: the throttle's timer dispatches again then.
  bool ready() const override {
    return in_flight_ < owner_.options_.max_in_flight &&
           (!throttled_ || std::chrono::steady_clock::now() >= next_post_);
  }

  void deliver(core::Queue& queue, core::Delivery delivery) override {
    std::optional<Post> post = owner_.render(queue, *delivery.message);
    // A stored endpoint that no longer parses (checked at Subscribe) is dropped too.
    std::optional<Url> url = post ? parse_url(post->endpoint) : std::nullopt;
    if (!url) {
      // Settled after this call: the queue is dispatching to us now.
      asio::post(owner_.io_, [weak = weak_from_this(), lease = delivery.lease] {
        if (auto self = weak.lock()) {
          self->owner_.broker_.shard().settle(self->queue_, lease, core::Shard::Settlement::kAck);
        }
      });
      return;
    }
    ++in_flight_;
    throttle(post->policy.max_receives_per_second);
    const uint32_t attempts = delivery.delivery_count + 1;
    // The last try keeps what it POSTs, for the dead-letter queue.
    std::optional<LastTry> last;
    if (!retry_delay(post->policy.retry, attempts) && !post->confirmation &&
        !post->dead_letter_arn.empty()) {
      last = LastTry{post->dead_letter_arn, post->body, delivery.message, post->raw};
    }
    std::weak_ptr<Subscriber> weak = shared_from_this();
    owner_.client_.post(
        *url, post->headers, std::move(post->body),
        [weak, lease = delivery.lease, attempts, endpoint = post->endpoint,
         retry = post->policy.retry, last = std::move(last)](const PostResult& result) mutable {
          if (auto self = weak.lock()) {
            self->completed(lease, attempts, endpoint, retry, std::move(last), result);
          }
        });
  }

  void cancelled_by_queue(core::Queue&) override { cancelled_ = true; }

 private:
  struct LastTry {
    std::string dead_letter_arn;
    std::string body;
    core::MessagePtr message;
    bool raw = false;
  };

  // Spaces POSTs 1/rate s apart (none: no throttle), from now or from the last one's slot.
  void throttle(std::optional<uint32_t> rate) {
    throttled_ = rate.has_value();
    if (!rate) return;
    const auto now = std::chrono::steady_clock::now();
    next_post_ =
        std::max(now, next_post_) + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                        std::chrono::duration<double>(1.0 / *rate));
    arm_throttle_timer();
  }

  // Dispatches the queue again once the next POST's slot has come (re-armed when a POST
  // meanwhile moved the slot on).
  void arm_throttle_timer() {
    if (timer_armed_) return;
    timer_armed_ = true;
    throttle_timer_.expires_at(next_post_);
    throttle_timer_.async_wait([weak = weak_from_this()](const asio::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->timer_armed_ = false;
      if (self->cancelled_) return;
      if (self->throttled_ && std::chrono::steady_clock::now() < self->next_post_) {
        self->arm_throttle_timer();
      } else {
        self->owner_.broker_.shard().dispatch(self->queue_);
      }
    });
  }

  void completed(core::LeaseId lease, uint32_t attempts, const std::string& endpoint,
                 const std::optional<RetryPolicy>& retry, std::optional<LastTry> last,
                 const PostResult& result) {
    --in_flight_;
    if (cancelled_) return;
    core::Shard& shard = owner_.broker_.shard();
    if (result.ok()) {
      shard.settle(queue_, lease, core::Shard::Settlement::kAck);
    } else {
      const std::string why =
          result.status != 0 ? "HTTP status " + std::to_string(result.status) : result.error;
      if (std::optional<std::chrono::milliseconds> delay = retry_delay(retry, attempts)) {
        spdlog::debug("SNS delivery to {} failed ({}), attempt {}; retrying in {} ms", endpoint,
                      why, attempts, delay->count());
        shard.settle(queue_, lease, core::Shard::Settlement::kRequeue, *delay);
      } else if (last && owner_.dead_letter(shared_from_this(), lease, last->dead_letter_arn,
                                            std::move(last->body), last->message, last->raw)) {
        spdlog::info("SNS delivery to {} failed ({}) after {} attempts; sent to {}", endpoint, why,
                     attempts, last->dead_letter_arn);
      } else {
        spdlog::warn(
            "SNS delivery to {} failed ({}) after {} attempts; message dropped{}", endpoint, why,
            attempts,
            last ? " (its dead-letter queue " + last->dead_letter_arn + " does not exist)" : "");
        shard.settle(queue_, lease, core::Shard::Settlement::kAck);
      }
    }
    shard.dispatch(queue_);  // a slot is free again
  }

  HttpDeliverer& owner_;
  core::QueueId queue_;
  std::string name_;
  size_t in_flight_ = 0;
  bool cancelled_ = false;
  bool throttled_ = false;
  std::chrono::steady_clock::time_point next_post_{};
  asio::steady_timer throttle_timer_{owner_.io_};
  bool timer_armed_ = false;
};

HttpDeliverer::HttpDeliverer(asio::io_context& io, core::Broker& broker, std::string vhost,
                             HttpDeliveryOptions options)
    : io_(io),
      broker_(broker),
      vhost_(std::move(vhost)),
      options_(std::move(options)),
      client_(io, options_.client),
      random_(std::random_device{}() | (uint64_t{std::random_device{}()} << 32)),
      publisher_(broker.commits(), *this) {}

HttpDeliverer::~HttpDeliverer() {
  for (const auto& [name, subscriber] : subscribers_) {
    broker_.shard().unsubscribe(subscriber->queue(), subscriber.get());
  }
}

void HttpDeliverer::start() {
  core::VHost* vhost = broker_.find_vhost(vhost_);
  if (vhost == nullptr) return;
  std::vector<std::string> names;
  for (const core::Queue* q : vhost->queues()) {
    if (q->name().starts_with(kHttpQueuePrefix)) names.push_back(q->name());
  }
  for (const std::string& name : names) attach(name);
}

void HttpDeliverer::attach(const std::string& name) {
  core::VHost* vhost = broker_.find_vhost(vhost_);
  core::Queue* queue = vhost != nullptr ? vhost->find_queue(name) : nullptr;
  if (queue == nullptr || subscribers_.contains(name)) return;
  auto subscriber = std::make_shared<Subscriber>(*this, queue->id(), name);
  core::ConsumerOptions options;
  options.holder = subscriber->holder();
  if (core::Status s = broker_.shard().subscribe(queue->id(), subscriber.get(), options); !s.ok()) {
    spdlog::error("cannot deliver SNS subscription queue {}: {}", name, s.message());
    return;
  }
  subscribers_.emplace(name, subscriber);
  broker_.shard().dispatch(queue->id());
}

void HttpDeliverer::detach(const std::string& name) {
  auto it = subscribers_.find(name);
  if (it == subscribers_.end()) return;
  broker_.shard().unsubscribe(it->second->queue(), it->second.get());
  subscribers_.erase(it);
}

bool HttpDeliverer::dead_letter(const std::shared_ptr<Subscriber>& subscriber, core::LeaseId lease,
                                const std::string& dead_letter_arn, std::string body,
                                const core::MessagePtr& original, bool raw) {
  const std::string dead_letter_queue = queue_of_sqs_arn(dead_letter_arn, options_.account_id);
  core::VHost* vhost = broker_.find_vhost(vhost_);
  core::Queue* queue = vhost != nullptr && !dead_letter_queue.empty()
                           ? vhost->find_queue(dead_letter_queue)
                           : nullptr;
  if (queue == nullptr || queue->options().exclusive) return false;
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  // As AWS: the body the endpoint would have got, as a new SQS message; a raw one keeps the
  // publish's message attributes (an enveloped one has them inside the envelope).
  auto message = std::make_shared<core::Message>(
      sqs::to_core_message(dead_letter_queue, std::move(body),
                           raw && original ? sqs::message_attributes_of(*original)
                                           : std::vector<sqs::MessageAttribute>{},
                           aws::random_uuid(random_), now));
  core::PublishResult published = publisher_.publish(*vhost, "", message, nullptr, true);
  if (!published.status.ok() || !published.routed) {
    spdlog::error("SNS dead-letter publish to queue {} failed: {}", dead_letter_queue,
                  published.status.ok() ? "not routed" : published.status.message());
    return false;
  }
  dead_lettered_[published.id] = DeadLettered{subscriber, lease};
  publishes_completed();
  return true;
}

void HttpDeliverer::publishes_completed() {
  publisher_.drain([this](uint64_t first, uint64_t last, bool ok) {
    for (auto it = dead_lettered_.lower_bound(first);
         it != dead_lettered_.end() && it->first <= last;) {
      if (!ok) spdlog::error("SNS dead-letter publish {} was not stored", it->first);
      // The message stays in the subscription's queue until its copy is durable; a subscriber
      // gone meanwhile left the lease to its queue.
      if (auto subscriber = it->second.subscriber.lock()) {
        broker_.shard().settle(
            subscriber->queue(), it->second.lease,
            ok ? core::Shard::Settlement::kAck : core::Shard::Settlement::kRequeue);
      }
      it = dead_lettered_.erase(it);
    }
  });
}

std::optional<HttpDeliverer::Post> HttpDeliverer::render(const core::Queue& queue,
                                                         const core::Message& message) const {
  const std::string* topic_arn = core::find_string(message.annotations, kTopicArnAnnotation);
  core::VHost* vhost = broker_.find_vhost(vhost_);
  if (topic_arn == nullptr || vhost == nullptr) return std::nullopt;
  core::Exchange* topic = vhost->find_exchange(topic_arn->substr(topic_arn->rfind(':') + 1));
  if (topic == nullptr) return std::nullopt;
  const core::Binding* binding = nullptr;
  for (const core::Binding* b : topic->bindings()) {
    if (b->queue() == &queue && subscription_id(*b) != nullptr) binding = b;
  }
  if (binding == nullptr) return std::nullopt;  // unsubscribed meanwhile
  const SubscriptionAttributes a = SubscriptionAttributes::from_arguments(binding->arguments);
  const std::string subscription_arn = *topic_arn + ":" + *subscription_id(*binding);
  const std::string* host = core::find_string(message.annotations, kHostAnnotation);
  const std::string base =
      "http://" + (host != nullptr && !host->empty() ? *host : std::string("localhost"));
  const std::string message_id = message.properties.message_id.value_or("");
  const std::string* type = core::find_string(message.annotations, kTypeAnnotation);
  const bool confirmation = type != nullptr && *type == "SubscriptionConfirmation";
  if (confirmation != a.pending) return std::nullopt;  // confirmed already, or not yet

  Post post;
  post.endpoint = a.endpoint;
  post.confirmation = confirmation;
  post.raw = a.raw;
  const std::string* topic_policy = core::find_string(
      topic->options().arguments, std::string(kTopicAttributePrefix) + "DeliveryPolicy");
  post.policy =
      effective_delivery_policy(topic_policy != nullptr ? *topic_policy : "", a.delivery_policy);
  if (!a.redrive_policy.empty()) post.dead_letter_arn = dead_letter_target(a.redrive_policy);
  post.headers = {
      {"x-amz-sns-message-type", confirmation ? "SubscriptionConfirmation" : "Notification"},
      {"x-amz-sns-message-id", message_id},
      {"x-amz-sns-topic-arn", *topic_arn},
  };
  if (confirmation) {
    Confirmation c;
    c.message_id = message_id;
    c.token = a.token;
    c.topic_arn = *topic_arn;
    c.subscribe_url =
        base + "/?Action=ConfirmSubscription&TopicArn=" + *topic_arn + "&Token=" + a.token;
    c.timestamp_ms = message.timestamp_ms.value_or(0);
    c.signing_cert_url = base + "/SimpleNotificationService-polymq.pem";
    post.body = render_confirmation(c);
  } else {
    post.headers.emplace_back("x-amz-sns-subscription-arn", subscription_arn);
    if (a.raw) {
      post.headers.emplace_back("x-amz-sns-rawdelivery", "true");
      post.body = std::string(message.body.view());
    } else {
      post.body = render_envelope(notification_of(message, *topic_arn, subscription_arn, base));
    }
  }
  post.headers.emplace_back("Content-Type", confirmation || !post.policy.content_type
                                                ? std::string("text/plain; charset=UTF-8")
                                                : *post.policy.content_type);
  post.headers.emplace_back("User-Agent", "Amazon Simple Notification Service Agent");
  return post;
}

}  // namespace polymq::sns
