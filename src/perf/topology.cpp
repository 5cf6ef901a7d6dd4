#include "perf/topology.h"

#include <memory>

namespace polymq::perf {
namespace spec = amqp::spec;

void declare_topology(ClientConnection& conn, uint16_t channel, const Options& options,
                      std::function<void()> done) {
  // Calls on a channel are answered in order, so the last answer means every one succeeded.
  struct Pending {
    int calls = 0;
    std::function<void()> done;
  };
  auto pending = std::make_shared<Pending>();
  pending->done = std::move(done);
  auto answered = [pending](const auto&) {
    if (--pending->calls == 0) pending->done();
  };

  if (!options.exchange.empty()) {
    spec::ExchangeDeclare exchange;
    exchange.exchange = options.exchange;
    exchange.type = options.exchange_type;
    exchange.durable = options.durable;
    // Brokers refuse to declare amq.* exchanges except passively; they exist already.
    exchange.passive = options.exchange.rfind("amq.", 0) == 0;
    ++pending->calls;
    conn.call<spec::ExchangeDeclareOk>(channel, exchange, answered);
  }
  for (int i = 0; i < options.queue_count; ++i) {
    spec::QueueDeclare queue;
    queue.queue = options.queue_name(i);
    queue.durable = options.durable;
    queue.auto_delete = !options.durable;
    ++pending->calls;
    conn.call<spec::QueueDeclareOk>(channel, queue, answered);
    if (!options.exchange.empty()) {
      spec::QueueBind bind;
      bind.queue = queue.queue;
      bind.exchange = options.exchange;
      bind.routing_key = options.routing_key;
      ++pending->calls;
      conn.call<spec::QueueBindOk>(channel, bind, answered);
    }
  }
}

}  // namespace polymq::perf
