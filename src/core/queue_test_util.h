// Shorthands for the core's queue tests.
#pragma once

#include <map>
#include <string>

#include "core/queue.h"
#include "core/queue_settings.h"

namespace polymq::core::testing {

// basic.get without a holder or a deadline: the message stays leased until settled.
inline bool take(Queue& q, Delivery& out) { return q.receive(out, Queue::ReceiveOptions{}); }

inline ConsumerOptions consumer_options(bool exclusive, int32_t priority = 0) {
  ConsumerOptions o;
  o.exclusive = exclusive;
  o.priority = priority;
  return o;
}

// Settings by queue name, as a broker model would derive them from a declaration; other
// queues get the defaults.
class NamedSettings : public QueueSettingsSource {
 public:
  std::map<std::string, QueueSettings> by_name;
  Status parse(const std::string&, const std::string& queue, const QueueOptions&,
               QueueSettings& out) const override {
    auto it = by_name.find(queue);
    out = it == by_name.end() ? QueueSettings{} : it->second;
    return Status::Ok();
  }
  void complete(const QueueOptions&, const Policy*, const Policy*, QueueSettings&) const override {}
  Status check_policy(PolicyKind, const Policy&) const override { return Status::Ok(); }
};

}  // namespace polymq::core::testing
