#include "rabbit/declarations.h"

#include <array>
#include <string_view>

#include "core/names.h"
#include "rabbit/names.h"

namespace polymq::rabbit {
namespace {

using core::ErrorCode;
using core::Status;
using core::Value;

// Queue arguments RabbitMQ compares when a queue is declared again, and PolyMQ's own
// x-delivery-delay, which changes what consumers see as much as x-message-ttl does.
constexpr std::array<std::string_view, 13> kEquivalentQueueArguments = {"x-expires",
                                                                        "x-message-ttl",
                                                                        "x-max-length",
                                                                        "x-max-length-bytes",
                                                                        "x-max-priority",
                                                                        "x-overflow",
                                                                        "x-dead-letter-exchange",
                                                                        "x-dead-letter-routing-key",
                                                                        "x-queue-type",
                                                                        "x-single-active-consumer",
                                                                        "x-delivery-limit",
                                                                        "x-queue-mode",
                                                                        "x-delivery-delay"};

std::string bool_text(bool b) { return b ? "true" : "false"; }

std::string value_text(const Value* v) {
  if (v == nullptr) return "none";
  if (const std::string* s = v->as_string()) return "'" + *s + "'";
  if (auto i = v->as_int()) return "'" + std::to_string(*i) + "'";
  if (auto b = v->as_bool()) return "'" + bool_text(*b) + "'";
  return "a value";
}

// RabbitMQ's wording when only one side has the argument: "the value '10' of type 'long'".
std::string typed_value_text(const Value* v) {
  if (v == nullptr) return "none";
  std::string text = value_text(v);
  if (text.size() >= 2 && text.front() == '\'') text = text.substr(1, text.size() - 2);
  return "the value '" + text + "' of type '" + core::rabbit_type_name(v->kind) + "'";
}

// "inequivalent arg 'durable' for queue 'q' in vhost '/': received 'true' but current is
// 'false'"; `received` and `current` come quoted (or as "none" / "the value ...").
Status inequivalent(std::string_view arg, std::string_view what, const std::string& name,
                    const std::string& vhost, const std::string& received,
                    const std::string& current) {
  return {ErrorCode::kPreconditionFailed,
          "inequivalent arg '" + std::string(arg) + "' for " + std::string(what) + " '" + name +
              "' in vhost '" + vhost + "': received " + received + " but current is " + current};
}

std::string quoted(bool b) { return "'" + bool_text(b) + "'"; }

}  // namespace

std::vector<core::BuiltinExchange> builtin_exchanges() {
  core::ExchangeOptions durable;
  durable.durable = true;
  return {{"amq.direct", core::ExchangeType::kDirect, durable},
          {"amq.fanout", core::ExchangeType::kFanout, durable},
          {"amq.topic", core::ExchangeType::kTopic, durable},
          {"amq.headers", core::ExchangeType::kHeaders, durable},
          {"amq.match", core::ExchangeType::kHeaders, durable}};
}

Status check_client_name(core::NameKind kind, const std::string& name) {
  if (!has_reserved_prefix(name)) return Status::Ok();
  return {ErrorCode::kAccessRefused,
          std::string(kind == core::NameKind::kExchange ? "exchange" : "queue") + " name '" + name +
              "' contains reserved prefix 'amq.*'"};
}

std::string generated_queue_name() { return core::random_name(kGeneratedQueuePrefix); }

Status exchange_redeclare(const std::string& vhost, const core::Exchange& existing,
                          core::ExchangeType type, const core::ExchangeOptions& requested) {
  const core::ExchangeOptions& current = existing.options();
  auto differs = [&](std::string_view arg, const std::string& received, const std::string& now) {
    return inequivalent(arg, "exchange", existing.name(), vhost, "'" + received + "'",
                        "'" + now + "'");
  };
  if (existing.type() != type) {
    return differs("type", core::exchange_type_name(type),
                   core::exchange_type_name(existing.type()));
  }
  if (current.durable != requested.durable) {
    return differs("durable", bool_text(requested.durable), bool_text(current.durable));
  }
  if (current.auto_delete != requested.auto_delete) {
    return differs("auto_delete", bool_text(requested.auto_delete), bool_text(current.auto_delete));
  }
  if (current.internal != requested.internal) {
    return differs("internal", bool_text(requested.internal), bool_text(current.internal));
  }
  return Status::Ok();
}

Status queue_redeclare(const std::string& vhost, const core::Queue& existing,
                       const core::QueueOptions& requested) {
  const core::QueueOptions& current = existing.options();
  const std::string& name = existing.name();
  if (current.durable != requested.durable) {
    return inequivalent("durable", "queue", name, vhost, quoted(requested.durable),
                        quoted(current.durable));
  }
  if (current.auto_delete != requested.auto_delete) {
    return inequivalent("auto_delete", "queue", name, vhost, quoted(requested.auto_delete),
                        quoted(current.auto_delete));
  }
  for (std::string_view arg : kEquivalentQueueArguments) {
    const Value* received = core::find(requested.arguments, arg);
    const Value* now = core::find(current.arguments, arg);
    if (received == nullptr && now == nullptr) continue;
    if (received == nullptr || now == nullptr || !received->equals(*now)) {
      const bool both = received != nullptr && now != nullptr;
      return inequivalent(arg, "queue", name, vhost,
                          both ? value_text(received) : typed_value_text(received),
                          both ? value_text(now) : typed_value_text(now));
    }
  }
  return Status::Ok();
}

}  // namespace polymq::rabbit
