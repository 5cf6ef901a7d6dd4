#include "kafka/fetch.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "core/timer.h"
#include "kafka/fetch_read.h"
#include "kafka/topics.h"

namespace polymq::kafka {

class Fetcher::Waiting final : public core::StreamWatch {
 public:
  Waiting(Fetcher& owner, const FetchRequest& request, const TopicAccess& access,
          const Reply& reply)
      : owner_(owner), request_(request), access_(access), reply_(reply) {}
  ~Waiting() override {
    for (core::Stream* s : watched_) s->remove_watch(this);
  }

  // Starts waiting; REQUIRES: owned by owner_.waiting_ at `self`.
  void start(std::list<std::unique_ptr<Waiting>>::iterator self, core::TimerService& timers) {
    self_ = self;
    for (const FetchRequest::FetchTopic& topic : request_.topics) {
      if (!access_.may_read(topic.topic)) continue;
      core::Stream* s = find_topic(owner_.broker_, owner_.config_, topic.topic, false);
      if (s != nullptr && std::find(watched_.begin(), watched_.end(), s) == watched_.end()) {
        s->add_watch(this);
        watched_.push_back(s);
      }
    }
    timer_ = timers.create([this] { answer(true); });
    timer_->arm(timers.now() + std::chrono::milliseconds(request_.max_wait_ms));
  }

  std::list<std::unique_ptr<Waiting>>::iterator self() const { return self_; }

  void stream_advanced(core::Stream& stream, uint32_t partition) override {
    if (fetch_wants(request_, stream, partition)) answer(false);
  }

  void stream_closing(core::Stream& stream) override {
    watched_.erase(std::remove(watched_.begin(), watched_.end(), &stream), watched_.end());
    // The topic is going away: answered from the timer (soon), not from inside the stream's
    // teardown, with the topic's error then.
    if (timer_ != nullptr) timer_->arm(core::Clock::now());
  }

 private:
  // Answers when min_bytes are there, or in any case when `final`; may destroy this.
  void answer(bool final) {
    if (reply_.abandoned()) {
      owner_.finish(this);
      return;
    }
    auto read = std::make_shared<FetchRead>();
    read_fetch(owner_.broker_, owner_.config_, access_, request_, *read);
    if (!final && !read->error && read->bytes < static_cast<size_t>(request_.min_bytes)) return;
    reply_.send_sharing_records(read->response, read);
    owner_.finish(this);
  }

  Fetcher& owner_;
  const FetchRequest request_;
  const TopicAccess access_;
  const Reply reply_;
  std::vector<core::Stream*> watched_;
  std::unique_ptr<core::Timer> timer_;
  std::list<std::unique_ptr<Waiting>>::iterator self_;
};

Fetcher::Fetcher(core::Broker& broker, const Config& config) : broker_(broker), config_(config) {}

Fetcher::~Fetcher() = default;

void Fetcher::handle(const FetchRequest& request, const TopicAccess& access, const Reply& reply) {
  // Shared with the connection's output until its records are written: they are sent from
  // the buffers they were read into, not copied again.
  auto read = std::make_shared<FetchRead>();
  read_fetch(broker_, config_, access, request, *read);
  core::TimerService* timers = broker_.hooks().timers;
  const bool enough = read->bytes >= static_cast<size_t>(std::max(request.min_bytes, 0));
  if (read->error || enough || request.max_wait_ms <= 0 || timers == nullptr) {
    reply.send_sharing_records(read->response, read);
    return;
  }
  waiting_.push_back(std::make_unique<Waiting>(*this, request, access, reply));
  auto it = std::prev(waiting_.end());
  (*it)->start(it, *timers);
}

void Fetcher::finish(Waiting* w) { waiting_.erase(w->self()); }

}  // namespace polymq::kafka
