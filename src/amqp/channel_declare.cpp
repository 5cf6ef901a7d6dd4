// Channel methods that declare, bind and delete exchanges and queues.
#include "amqp/channel.h"
#include "amqp/session.h"
#include "rabbit/names.h"
#include "rabbit/queue_arguments.h"
#include "rabbit/stream_arguments.h"

namespace polymq::amqp {
namespace {

const std::string kDefaultExchangeName = "amq.default";

// The reply to an operation that may have changed durable definitions: sent when the changes
// recorded since `before` are on disk (Session::reply_when_durable), in order with every
// other reply of the connection.
template <class M>
void reply_durably(Session& session, uint16_t channel, uint64_t before, const M& reply) {
  std::string frame;
  append_method_frame(frame, channel, reply);
  session.reply_when_durable(before, std::move(frame));
}

}  // namespace

AmqpStatus Channel::check_access(core::Permission permission, const char* kind,
                                 const std::string& name, uint16_t class_id,
                                 uint16_t method_id) const {
  // RabbitMQ checks the default exchange under the name it shows for it.
  const std::string& resource = name.empty() && kind[0] == 'e' ? kDefaultExchangeName : name;
  if (session_.grant().allows(permission, resource)) return AmqpStatus::Ok();
  return AmqpStatus(spec::kAccessRefused,
                    std::string("access to ") + kind + " '" + resource + "' in vhost '" +
                        session_.vhost().name() + "' refused for user '" + session_.user() + "'",
                    class_id, method_id);
}

AmqpStatus Channel::check_binding_access(const char* destination_kind,
                                         const std::string& destination, const std::string& source,
                                         uint16_t class_id, uint16_t method_id) const {
  if (AmqpStatus a = check_access(core::Permission::kWrite, destination_kind, destination, class_id,
                                  method_id);
      !a.ok()) {
    return a;
  }
  return check_access(core::Permission::kRead, "exchange", source, class_id, method_id);
}

AmqpStatus Channel::check_dead_letter_access(const core::Table& arguments, const std::string& queue,
                                             uint16_t class_id, uint16_t method_id) const {
  const std::string* exchange = nullptr;
  if (core::Status s = rabbit::dead_letter_exchange_argument(arguments, queue,
                                                             session_.vhost().name(), exchange);
      !s.ok()) {
    return AmqpStatus::From(s, class_id, method_id);
  }
  if (exchange == nullptr) return AmqpStatus::Ok();
  if (AmqpStatus a = check_access(core::Permission::kRead, "queue", queue, class_id, method_id);
      !a.ok()) {
    return a;
  }
  return check_access(core::Permission::kWrite, "exchange", *exchange, class_id, method_id);
}

AmqpStatus Channel::resolve_queue_name(const std::string& given, std::string& out,
                                       uint16_t class_id, uint16_t method_id) const {
  if (!given.empty()) {
    out = given;
    return AmqpStatus::Ok();
  }
  if (last_queue_.empty()) {
    return AmqpStatus(spec::kNotFound, "no previously declared queue", class_id, method_id);
  }
  out = last_queue_;
  return AmqpStatus::Ok();
}

AmqpStatus Channel::use_queue(const std::string& given, uint16_t class_id, uint16_t method_id,
                              core::QueuePtr& out) const {
  std::string name;
  if (AmqpStatus s = resolve_queue_name(given, name, class_id, method_id); !s.ok()) return s;
  core::Status s = session_.vhost().use_queue(name, session_.owner_id(), out);
  if (!s.ok() && session_.vhost().find_stream(name) != nullptr) {
    // A channel error (RabbitMQ refuses a stream consume it cannot serve with 406 too), so
    // the connection's other channels go on.
    return AmqpStatus(spec::kPreconditionFailed,
                      "consuming from stream queue '" + name +
                          "' over AMQP 0-9-1 is not supported yet; read it with a Kafka client",
                      class_id, method_id);
  }
  return AmqpStatus::From(s, class_id, method_id);
}

AmqpStatus Channel::declare_stream_queue(const spec::QueueDeclare& m) {
  using M = spec::QueueDeclare;
  core::VHost& vhost = session_.vhost();
  const std::string where = "queue '" + m.queue + "' in vhost '" + vhost.name() + "'";
  core::Stream* stream = vhost.find_stream(m.queue);
  if (m.passive) {
    if (stream == nullptr)
      return AmqpStatus(spec::kNotFound, "no " + where, M::kClassId, M::kMethodId);
  } else {
    // RabbitMQ's rules for stream queues, with its texts.
    const char* bad = !m.durable      ? "non-durable"
                      : m.exclusive   ? "exclusive"
                      : m.auto_delete ? "auto-delete"
                                      : nullptr;
    if (bad != nullptr) {
      return AmqpStatus(spec::kPreconditionFailed,
                        std::string("invalid property '") + bad + "' for " + where, M::kClassId,
                        M::kMethodId);
    }
    if (AmqpStatus a =
            check_access(core::Permission::kConfigure, "queue", m.queue, M::kClassId, M::kMethodId);
        !a.ok()) {
      return a;
    }
    if (stream == nullptr) {
      if (AmqpStatus a = check_dead_letter_access(m.arguments, m.queue, M::kClassId, M::kMethodId);
          !a.ok()) {
        return a;
      }
    }
    if (const char* refused = rabbit::unsupported_stream_argument(m.arguments)) {
      return AmqpStatus(spec::kPreconditionFailed,
                        std::string("invalid arg '") + refused + "' for " + where +
                            " of queue type " + rabbit::kStreamQueueTypeName,
                        M::kClassId, M::kMethodId);
    }
    core::StreamSettings settings;
    if (core::Status st = rabbit::stream_settings(m.arguments, settings); !st.ok()) {
      return AmqpStatus(spec::kPreconditionFailed, "invalid arg for " + where + ": " + st.message(),
                        M::kClassId, M::kMethodId);
    }
    const uint64_t before = session_.definitions_recorded();
    if (core::Status st = vhost.declare_stream(m.queue, settings, stream); !st.ok()) {
      return AmqpStatus::From(st, M::kClassId, M::kMethodId);
    }
    last_queue_ = stream->name();
    if (!m.nowait) {
      spec::QueueDeclareOk ok;
      ok.queue = stream->name();
      reply_durably(session_, id(), before, ok);
    }
    return AmqpStatus::Ok();
  }
  last_queue_ = stream->name();
  if (!m.nowait) {
    spec::QueueDeclareOk ok;
    ok.queue = stream->name();
    send(ok);
  }
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::ExchangeDeclare& m) {
  using M = spec::ExchangeDeclare;
  core::ExchangeOptions options;
  options.durable = m.durable;
  options.auto_delete = m.auto_delete;
  options.internal = m.internal;
  options.arguments = m.arguments;
  if (!m.passive) {
    if (AmqpStatus a = check_access(core::Permission::kConfigure, "exchange", m.exchange,
                                    M::kClassId, M::kMethodId);
        !a.ok()) {
      return a;
    }
  }
  const uint64_t before = session_.definitions_recorded();
  core::Status s = session_.vhost().declare_exchange(m.exchange, m.type, options, m.passive);
  if (!s.ok()) return AmqpStatus::From(s, M::kClassId, M::kMethodId);
  if (!m.nowait) reply_durably(session_, id(), before, spec::ExchangeDeclareOk{});
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::ExchangeDelete& m) {
  using M = spec::ExchangeDelete;
  if (AmqpStatus a = check_access(core::Permission::kConfigure, "exchange", m.exchange, M::kClassId,
                                  M::kMethodId);
      !a.ok()) {
    return a;
  }
  const uint64_t before = session_.definitions_recorded();
  core::Status s = session_.vhost().delete_exchange(m.exchange, m.if_unused);
  if (!s.ok()) return AmqpStatus::From(s, M::kClassId, M::kMethodId);
  if (!m.nowait) reply_durably(session_, id(), before, spec::ExchangeDeleteOk{});
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::ExchangeBind& m) {
  using M = spec::ExchangeBind;
  if (AmqpStatus a =
          check_binding_access("exchange", m.destination, m.source, M::kClassId, M::kMethodId);
      !a.ok()) {
    return a;
  }
  const uint64_t before = session_.definitions_recorded();
  core::Status s =
      session_.vhost().bind_exchange(m.destination, m.source, m.routing_key, m.arguments);
  if (!s.ok()) return AmqpStatus::From(s, M::kClassId, M::kMethodId);
  if (!m.nowait) reply_durably(session_, id(), before, spec::ExchangeBindOk{});
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::ExchangeUnbind& m) {
  using M = spec::ExchangeUnbind;
  if (AmqpStatus a =
          check_binding_access("exchange", m.destination, m.source, M::kClassId, M::kMethodId);
      !a.ok()) {
    return a;
  }
  const uint64_t before = session_.definitions_recorded();
  core::Status s =
      session_.vhost().unbind_exchange(m.destination, m.source, m.routing_key, m.arguments);
  if (!s.ok()) return AmqpStatus::From(s, M::kClassId, M::kMethodId);
  if (!m.nowait) reply_durably(session_, id(), before, spec::ExchangeUnbindOk{});
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::QueueDeclare& m) {
  using M = spec::QueueDeclare;
  if (names_reply_queue(m.queue) && session_.reply_channels() != nullptr) {
    return declare_reply_queue(m);
  }
  if (rabbit::is_stream_queue(m.arguments) ||
      (m.passive && session_.vhost().find_stream(m.queue) != nullptr)) {
    return declare_stream_queue(m);
  }
  core::QueueOptions options;
  options.durable = m.durable;
  options.exclusive = m.exclusive;
  options.auto_delete = m.auto_delete;
  options.arguments = m.arguments;
  if (!m.passive) {
    // A server-named queue is checked under the prefix of the names the broker makes.
    const std::string name = m.queue.empty() ? std::string(rabbit::kGeneratedQueuePrefix) : m.queue;
    if (AmqpStatus a =
            check_access(core::Permission::kConfigure, "queue", name, M::kClassId, M::kMethodId);
        !a.ok()) {
      return a;
    }
    // As RabbitMQ, only a queue about to be made is checked for its dead-letter exchange.
    core::VHost& vhost = session_.vhost();
    if (m.queue.empty() ||
        (vhost.find_queue(m.queue) == nullptr && vhost.find_stream(m.queue) == nullptr)) {
      if (AmqpStatus a = check_dead_letter_access(m.arguments, name, M::kClassId, M::kMethodId);
          !a.ok()) {
        return a;
      }
    }
  }
  core::QueueDeclareOutcome outcome;
  const uint64_t before = session_.definitions_recorded();
  core::Status s =
      session_.vhost().declare_queue(m.queue, options, m.passive, session_.owner_id(), outcome);
  if (!s.ok()) return AmqpStatus::From(s, M::kClassId, M::kMethodId);
  last_queue_ = outcome.queue->name();
  if (!m.nowait) {
    spec::QueueDeclareOk ok;
    ok.queue = outcome.queue->name();
    ok.message_count = static_cast<uint32_t>(outcome.queue->message_count());
    ok.consumer_count = static_cast<uint32_t>(outcome.queue->consumer_count());
    reply_durably(session_, id(), before, ok);
  }
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::QueueBind& m) {
  using M = spec::QueueBind;
  std::string queue;
  if (AmqpStatus s = resolve_queue_name(m.queue, queue, M::kClassId, M::kMethodId); !s.ok()) {
    return s;
  }
  if (AmqpStatus a = check_binding_access("queue", queue, m.exchange, M::kClassId, M::kMethodId);
      !a.ok()) {
    return a;
  }
  // An empty routing key with an implied queue binds with the queue's name, per the spec.
  const std::string& key = m.queue.empty() && m.routing_key.empty() ? queue : m.routing_key;
  const uint64_t before = session_.definitions_recorded();
  core::Status s =
      session_.vhost().find_stream(queue) != nullptr
          ? session_.vhost().bind_stream(queue, m.exchange, key, m.arguments)
          : session_.vhost().bind_queue(queue, m.exchange, key, m.arguments, session_.owner_id());
  if (!s.ok()) return AmqpStatus::From(s, M::kClassId, M::kMethodId);
  if (!m.nowait) reply_durably(session_, id(), before, spec::QueueBindOk{});
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::QueueUnbind& m) {
  using M = spec::QueueUnbind;
  std::string queue;
  if (AmqpStatus s = resolve_queue_name(m.queue, queue, M::kClassId, M::kMethodId); !s.ok()) {
    return s;
  }
  if (AmqpStatus a = check_binding_access("queue", queue, m.exchange, M::kClassId, M::kMethodId);
      !a.ok()) {
    return a;
  }
  const uint64_t before = session_.definitions_recorded();
  core::Status s =
      session_.vhost().find_stream(queue) != nullptr
          ? session_.vhost().unbind_stream(queue, m.exchange, m.routing_key, m.arguments)
          : session_.vhost().unbind_queue(queue, m.exchange, m.routing_key, m.arguments,
                                          session_.owner_id());
  if (!s.ok()) return AmqpStatus::From(s, M::kClassId, M::kMethodId);
  reply_durably(session_, id(), before, spec::QueueUnbindOk{});
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::QueuePurge& m) {
  using M = spec::QueuePurge;
  std::string queue;
  if (AmqpStatus s = resolve_queue_name(m.queue, queue, M::kClassId, M::kMethodId); !s.ok()) {
    return s;
  }
  if (AmqpStatus a =
          check_access(core::Permission::kRead, "queue", queue, M::kClassId, M::kMethodId);
      !a.ok()) {
    return a;
  }
  size_t count = 0;
  core::Status s = session_.vhost().purge_queue(queue, session_.owner_id(), count);
  if (!s.ok()) return AmqpStatus::From(s, M::kClassId, M::kMethodId);
  if (!m.nowait) {
    spec::QueuePurgeOk ok;
    ok.message_count = static_cast<uint32_t>(count);
    send(ok);
  }
  return AmqpStatus::Ok();
}

AmqpStatus Channel::on(const spec::QueueDelete& m) {
  using M = spec::QueueDelete;
  std::string queue;
  if (AmqpStatus s = resolve_queue_name(m.queue, queue, M::kClassId, M::kMethodId); !s.ok()) {
    return s;
  }
  if (AmqpStatus a =
          check_access(core::Permission::kConfigure, "queue", queue, M::kClassId, M::kMethodId);
      !a.ok()) {
    return a;
  }
  size_t count = 0;
  const uint64_t before = session_.definitions_recorded();
  core::Status s = session_.vhost().find_stream(queue) != nullptr
                       ? session_.vhost().delete_stream(queue)
                       : session_.vhost().delete_queue(queue, m.if_unused, m.if_empty,
                                                       session_.owner_id(), count);
  if (!s.ok()) return AmqpStatus::From(s, M::kClassId, M::kMethodId);
  if (!m.nowait) {
    spec::QueueDeleteOk ok;
    ok.message_count = static_cast<uint32_t>(count);
    reply_durably(session_, id(), before, ok);
  }
  return AmqpStatus::Ok();
}

}  // namespace polymq::amqp
