#include "core/vhost.h"

#include <algorithm>
#include <chrono>

#include "core/dead_lettering.h"
#include "core/declaration_rules.h"
#include "core/policies.h"
#include "core/routing/headers_match.h"
#include "core/shard.h"

namespace polymq::core {
namespace {

// Dead-lettering that dead-letters again (a TTL of 0 into itself through a rejection) stops
// here rather than recursing without end.
constexpr int kMaxDeadLetterDepth = 16;

}  // namespace

std::string strip_cr_lf(std::string_view name) {
  std::string out(name);
  if (out.find_first_of("\r\n") != std::string::npos) {
    std::erase_if(out, [](char c) { return c == '\r' || c == '\n'; });
  }
  return out;
}

bool survives_restart(const ExchangeOptions& exchange) { return exchange.durable; }

bool survives_restart(const QueueOptions& queue) {
  return queue.durable && !queue.exclusive && !queue.auto_delete;
}

bool survives_restart(const Exchange& source, const Binding& binding) {
  if (!survives_restart(source.options())) return false;
  if (binding.queue() != nullptr) return survives_restart(binding.queue()->options());
  if (binding.stream() != nullptr) return true;  // a stream lives on disk
  return binding.exchange() != nullptr && survives_restart(binding.exchange()->options());
}

VHost::VHost(std::string name, const VHostHooks* hooks) : name_(std::move(name)), hooks_(hooks) {
  add_builtin_exchanges();
}

VHost::~VHost() {
  if (hooks_ == nullptr || hooks_->shard == nullptr) return;
  for (const auto& [name, queue] : queues_) hooks_->shard->remove(queue->id());
}

const DeclarationRules& VHost::rules() const {
  if (hooks_ != nullptr && hooks_->declarations != nullptr) return *hooks_->declarations;
  return NeutralDeclarationRules::instance();
}

void VHost::add_builtin_exchanges() {
  for (BuiltinExchange& x : rules().builtin_exchanges()) {
    auto exchange = std::make_shared<Exchange>(x.name, x.type, x.options);
    exchanges_.emplace(std::move(x.name), std::move(exchange));
  }
}

std::string VHost::describe_queue(std::string_view name) const {
  return "queue '" + std::string(name) + "' in vhost '" + name_ + "'";
}

std::string VHost::describe_exchange(std::string_view name) const {
  return "exchange '" + std::string(name) + "' in vhost '" + name_ + "'";
}

Exchange* VHost::find_exchange(std::string_view name) {
  auto it = exchanges_.find(name);
  return it == exchanges_.end() ? nullptr : it->second.get();
}

Queue* VHost::find_queue(std::string_view name) {
  auto it = queues_.find(name);
  return it == queues_.end() ? nullptr : it->second.get();
}

Status VHost::declare_exchange(const std::string& requested, std::string_view type,
                               const ExchangeOptions& options, bool passive) {
  const std::string name = strip_cr_lf(requested);
  // RabbitMQ's order: the type (an active declare only), then the default exchange, which no
  // declare may name, not even a passive one.
  std::optional<ExchangeType> parsed;
  if (!passive) {
    parsed = parse_exchange_type(type);
    if (!parsed) {
      return {ErrorCode::kInvalidArgument, "unknown exchange type '" + std::string(type) + "'"};
    }
  }
  if (name.empty()) {
    return {ErrorCode::kAccessRefused, "operation not permitted on the default exchange"};
  }
  Exchange* existing = find_exchange(name);
  if (passive) {
    if (existing == nullptr) return {ErrorCode::kNotFound, "no " + describe_exchange(name)};
    return Status::Ok();
  }
  if (existing != nullptr) return rules().exchange_redeclare(name_, *existing, *parsed, options);
  if (Status s = rules().check_client_name(NameKind::kExchange, name_, name); !s.ok()) return s;
  auto added = std::make_shared<Exchange>(name, *parsed, options);
  exchanges_.emplace(name, added);
  if (survives_restart(options))
    record({.kind = DefinitionChange::Kind::kExchangeAdded, .exchange = added.get()});
  return Status::Ok();
}

Status VHost::delete_exchange(const std::string& requested, bool if_unused) {
  const std::string name = strip_cr_lf(requested);
  if (name.empty()) {
    return {ErrorCode::kAccessRefused, "operation not permitted on the default exchange"};
  }
  Exchange* exchange = find_exchange(name);
  // RabbitMQ 3.x answers delete of a missing exchange with delete-ok, even for a reserved name.
  if (exchange == nullptr) return Status::Ok();
  if (Status s = rules().check_client_name(NameKind::kExchange, name_, name); !s.ok()) return s;
  if (if_unused && exchange->has_bindings()) {
    return {ErrorCode::kPreconditionFailed, describe_exchange(name) + " in use"};
  }
  remove_exchange(name);
  return Status::Ok();
}

Status VHost::change_exchange_arguments(const std::string& name, const Table& arguments) {
  Exchange* exchange = name.empty() ? nullptr : find_exchange(name);
  if (exchange == nullptr) return {ErrorCode::kNotFound, "no " + describe_exchange(name)};
  exchange->set_arguments(arguments);
  if (survives_restart(exchange->options())) {
    record({.kind = DefinitionChange::Kind::kExchangeChanged, .exchange = exchange});
  }
  return Status::Ok();
}

void VHost::remove_exchange(const std::string& name) {
  auto it = exchanges_.find(name);
  if (it == exchanges_.end()) return;
  ExchangePtr exchange = it->second;
  exchanges_.erase(it);
  // Bindings whose destination is this exchange go too, which may auto-delete their sources.
  std::vector<Exchange*> touched;
  for (auto& [n, source] : exchanges_) {
    if (source->unbind_all(exchange.get()) > 0) touched.push_back(source.get());
  }
  for (Exchange* source : touched) maybe_auto_delete_exchange(*source);
  if (survives_restart(exchange->options())) {
    record({.kind = DefinitionChange::Kind::kExchangeRemoved, .exchange = exchange.get()});
  }
}

void VHost::maybe_auto_delete_exchange(Exchange& exchange) {
  if (exchange.options().auto_delete && !exchange.has_bindings()) {
    remove_exchange(exchange.name());
  }
}

Status VHost::exchange_binding_ends(const std::string& destination, const std::string& source,
                                    Exchange*& dst, Exchange*& src) {
  if (destination.empty() || source.empty()) {
    return {ErrorCode::kAccessRefused, "operation not permitted on the default exchange"};
  }
  src = find_exchange(source);
  dst = find_exchange(destination);
  // The source is named first when both are missing, as in RabbitMQ.
  if (src == nullptr) return {ErrorCode::kNotFound, "no " + describe_exchange(source)};
  if (dst == nullptr) return {ErrorCode::kNotFound, "no " + describe_exchange(destination)};
  return Status::Ok();
}

Status VHost::compile_filter(const Table& arguments,
                             std::shared_ptr<const BindingPredicate>& out) const {
  if (hooks_ == nullptr || hooks_->binding_filters == nullptr || arguments.empty()) {
    return Status::Ok();
  }
  return hooks_->binding_filters->compile(arguments, out);
}

Status VHost::bind_exchange(const std::string& destination_name, const std::string& source_name,
                            const std::string& key, const Table& arguments) {
  const std::string destination = strip_cr_lf(destination_name);
  const std::string source = strip_cr_lf(source_name);
  Exchange* dst = nullptr;
  Exchange* src = nullptr;
  if (Status s = exchange_binding_ends(destination, source, dst, src); !s.ok()) return s;
  if (Status s = rules().check_binding(name_, *src, arguments); !s.ok()) return s;
  std::shared_ptr<const BindingPredicate> filter;
  if (Status s = compile_filter(arguments, filter); !s.ok()) return s;
  if (src->bind(dst, key, arguments, std::move(filter)) && survives_restart(src->options()) &&
      survives_restart(dst->options())) {
    record({.kind = DefinitionChange::Kind::kBindingAdded,
            .exchange = src,
            .destination_exchange = dst,
            .key = key,
            .arguments = &arguments});
  }
  return Status::Ok();
}

Status VHost::unbind_exchange(const std::string& destination_name, const std::string& source_name,
                              const std::string& key, const Table& arguments) {
  const std::string destination = strip_cr_lf(destination_name);
  const std::string source = strip_cr_lf(source_name);
  Exchange* dst = nullptr;
  Exchange* src = nullptr;
  if (Status s = exchange_binding_ends(destination, source, dst, src); !s.ok()) {
    // RabbitMQ 3.x answers unbind-ok when an end is missing: there is nothing bound.
    return s.code() == ErrorCode::kNotFound ? Status::Ok() : s;
  }
  const bool durable = survives_restart(src->options()) && survives_restart(dst->options());
  // Unbinding what is not bound is a no-op in RabbitMQ 3.x.
  if (!src->unbind(dst, key, arguments)) return Status::Ok();
  if (durable) {
    record({.kind = DefinitionChange::Kind::kBindingRemoved,
            .exchange = src,
            .destination_exchange = dst,
            .key = key,
            .arguments = &arguments});
  }
  maybe_auto_delete_exchange(*src);
  return Status::Ok();
}

std::string VHost::generate_queue_name() { return rules().generated_queue_name(); }

Status VHost::locked(std::string_view name) const {
  return {ErrorCode::kResourceLocked,
          "cannot obtain exclusive access to locked " + describe_queue(name) +
              ". It could be originally declared on another connection or the exclusive "
              "property value does not match that of the original declaration."};
}

Status VHost::check_exclusive(const Queue& queue, OwnerId owner) const {
  if (queue.options().exclusive && queue.owner() != owner) return locked(queue.name());
  return Status::Ok();
}

Status VHost::declare_queue(const std::string& requested_name, const QueueOptions& options,
                            bool passive, OwnerId owner, QueueDeclareOutcome& out) {
  const std::string requested = strip_cr_lf(requested_name);
  if (passive) {
    auto it = queues_.find(requested);
    if (it == queues_.end()) return {ErrorCode::kNotFound, "no " + describe_queue(requested)};
    if (Status s = check_exclusive(*it->second, owner); !s.ok()) return s;
    it->second->touch();  // a passive declare renews x-expires too, as in RabbitMQ
    out = {it->second, false};
    return Status::Ok();
  }
  std::string name = requested;
  if (name.empty()) {
    do {
      name = generate_queue_name();
    } while (queues_.count(name) != 0);
  } else if (!restoring_) {
    if (Status s = rules().check_client_name(NameKind::kQueue, name_, name); !s.ok()) return s;
  }
  const QueueSettingsSource* source = hooks_ != nullptr ? hooks_->queue_settings : nullptr;
  QueueSettings settings;
  if (source != nullptr) {
    if (Status s = source->parse(name_, name, options, settings); !s.ok()) return s;
  }
  if (streams_.count(name) != 0) return locked(name);  // a stream has the name
  if (auto it = queues_.find(name); it != queues_.end()) {
    Queue& existing = *it->second;
    if (Status s = check_exclusive(existing, owner); !s.ok()) return s;
    if (existing.options().exclusive != options.exclusive) {
      // Even the owner may not change exclusivity; RabbitMQ answers 405 here, not 406.
      return locked(name);
    }
    if (Status s = rules().queue_redeclare(name_, existing, options); !s.ok()) return s;
    existing.touch();
    out = {it->second, false};
    return Status::Ok();
  }
  auto queue = std::make_shared<Queue>(name, name_, options, options.exclusive ? owner : 0);
  if (source != nullptr) {
    queue->set_applied_policies(complete_settings(*source, name, options, settings));
  }
  queue->configure(settings, this, hooks_ != nullptr ? hooks_->timers : nullptr);
  // A store that cannot be opened leaves the queue declared but refusing publishes, with the
  // reason logged, as a stopped queue does in RabbitMQ.
  (void)queue->attach_storage(hooks_ != nullptr ? hooks_->queue_stores : nullptr);
  queues_.emplace(name, queue);
  if (hooks_ != nullptr && hooks_->shard != nullptr) hooks_->shard->add(*queue);
  if (survives_restart(options))
    record({.kind = DefinitionChange::Kind::kQueueAdded, .queue = queue.get()});
  out = {std::move(queue), true};
  return Status::Ok();
}

Status VHost::change_queue_arguments(const std::string& name, const Table& arguments) {
  auto it = queues_.find(name);
  if (it == queues_.end()) return {ErrorCode::kNotFound, "no " + describe_queue(name)};
  Queue& queue = *it->second;
  QueueOptions options = queue.options();
  options.arguments = arguments;
  QueueSettings settings;
  AppliedPolicies applied;
  if (const QueueSettingsSource* source = hooks_ != nullptr ? hooks_->queue_settings : nullptr) {
    if (Status s = source->parse(name_, name, options, settings); !s.ok()) return s;
    applied = complete_settings(*source, name, options, settings);
  }
  const QueueSettings& now = queue.settings();
  if (settings.max_priority != now.max_priority || settings.expires_ms != now.expires_ms ||
      settings.single_active_consumer != now.single_active_consumer) {
    return {ErrorCode::kPreconditionFailed,
            "the priorities, expiry and single active consumer of " + describe_queue(name) +
                " cannot change while it exists"};
  }
  queue.reconfigure(std::move(options.arguments), settings);
  queue.set_applied_policies(std::move(applied));
  if (survives_restart(queue.options())) {
    record({.kind = DefinitionChange::Kind::kQueueChanged, .queue = &queue});
  }
  return Status::Ok();
}

AppliedPolicies VHost::complete_settings(const QueueSettingsSource& source,
                                         const std::string& queue, const QueueOptions& options,
                                         QueueSettings& settings) const {
  const PolicyStore* policies = hooks_ != nullptr ? hooks_->policies : nullptr;
  const PolicyStore* operator_policies = hooks_ != nullptr ? hooks_->operator_policies : nullptr;
  const Policy* policy = policies != nullptr ? policies->match_queue(name_, queue) : nullptr;
  const Policy* operator_policy =
      operator_policies != nullptr ? operator_policies->match_queue(name_, queue) : nullptr;
  source.complete(options, policy, operator_policy, settings);
  return {policy != nullptr ? policy->name : "",
          operator_policy != nullptr ? operator_policy->name : ""};
}

void VHost::reapply_policies() {
  const QueueSettingsSource* source = hooks_ != nullptr ? hooks_->queue_settings : nullptr;
  if (source == nullptr) return;
  // A length limit that drops messages may dead-letter into (and expire) other queues of this
  // vhost, so the queues are held first and looked at by name as the loop goes.
  std::vector<QueuePtr> held;
  held.reserve(queues_.size());
  for (const auto& [name, queue] : queues_) held.push_back(queue);
  for (const QueuePtr& queue : held) {
    if (queue->deleted()) continue;
    QueueSettings settings;
    // The arguments were accepted when the queue was declared; parsing them cannot fail now,
    // but a queue whose parse did would keep the settings it has.
    if (!source->parse(name_, queue->name(), queue->options(), settings).ok()) continue;
    AppliedPolicies applied = complete_settings(*source, queue->name(), queue->options(), settings);
    const QueueSettings& now = queue->settings();
    settings.max_priority = now.max_priority;
    settings.single_active_consumer = now.single_active_consumer;
    queue->reconfigure(queue->options().arguments, settings);
    queue->set_applied_policies(std::move(applied));
  }
}

Status VHost::use_queue(std::string_view name, OwnerId owner, QueuePtr& out) {
  auto it = queues_.find(name);
  if (it == queues_.end()) return {ErrorCode::kNotFound, "no " + describe_queue(name)};
  if (Status s = check_exclusive(*it->second, owner); !s.ok()) return s;
  out = it->second;
  return Status::Ok();
}

Status VHost::delete_queue(const std::string& requested, bool if_unused, bool if_empty,
                           OwnerId owner, size_t& message_count) {
  const std::string name = strip_cr_lf(requested);
  message_count = 0;
  auto it = queues_.find(name);
  // RabbitMQ 3.x answers delete of a missing queue with delete-ok and a count of zero.
  if (it == queues_.end()) return Status::Ok();
  QueuePtr queue = it->second;
  if (Status s = check_exclusive(*queue, owner); !s.ok()) return s;
  if (if_unused && queue->consumer_count() > 0) {
    return {ErrorCode::kPreconditionFailed, describe_queue(name) + " in use"};
  }
  // Held (delayed) messages are in the queue too: it is not empty, and they go with it.
  if (if_empty && queue->message_count() + queue->delayed_count() > 0) {
    return {ErrorCode::kPreconditionFailed, describe_queue(name) + " not empty"};
  }
  message_count = queue->message_count() + queue->delayed_count();
  remove_queue(queue);
  return Status::Ok();
}

void VHost::remove_queue(QueuePtr queue) {
  queues_.erase(queue->name());
  if (hooks_ != nullptr && hooks_->shard != nullptr) hooks_->shard->remove(queue->id());
  std::vector<Exchange*> touched;
  for (auto& [n, exchange] : exchanges_) {
    if (exchange->unbind_all(queue.get()) > 0) touched.push_back(exchange.get());
  }
  for (Exchange* exchange : touched) maybe_auto_delete_exchange(*exchange);
  queue->mark_deleted();
  if (survives_restart(queue->options())) {
    record({.kind = DefinitionChange::Kind::kQueueRemoved, .queue = queue.get()});
  }
}

Status VHost::purge_queue(const std::string& name, OwnerId owner, size_t& message_count) {
  QueuePtr queue;
  if (Status s = use_queue(name, owner, queue); !s.ok()) return s;
  message_count = queue->purge();
  return Status::Ok();
}

Status VHost::binding_ends(const std::string& queue_name, const std::string& exchange_name,
                           QueuePtr& queue, Exchange*& exchange) {
  if (exchange_name.empty()) {
    return {ErrorCode::kAccessRefused, "operation not permitted on the default exchange"};
  }
  // The exchange (the source) is named first when both are missing, as in RabbitMQ.
  exchange = find_exchange(exchange_name);
  if (exchange == nullptr) return {ErrorCode::kNotFound, "no " + describe_exchange(exchange_name)};
  auto it = queues_.find(queue_name);
  if (it == queues_.end()) return {ErrorCode::kNotFound, "no " + describe_queue(queue_name)};
  queue = it->second;
  return Status::Ok();
}

Status VHost::bind_queue(const std::string& queue_requested, const std::string& exchange_requested,
                         const std::string& key, const Table& arguments, OwnerId owner) {
  const std::string queue_name = strip_cr_lf(queue_requested);
  const std::string exchange_name = strip_cr_lf(exchange_requested);
  QueuePtr queue;
  Exchange* exchange = nullptr;
  if (Status s = binding_ends(queue_name, exchange_name, queue, exchange); !s.ok()) return s;
  if (Status s = rules().check_binding(name_, *exchange, arguments); !s.ok()) return s;
  if (Status s = check_exclusive(*queue, owner); !s.ok()) return s;
  std::shared_ptr<const BindingPredicate> filter;
  if (Status s = compile_filter(arguments, filter); !s.ok()) return s;
  if (exchange->bind(queue.get(), key, arguments, std::move(filter)) &&
      survives_restart(exchange->options()) && survives_restart(queue->options())) {
    record({.kind = DefinitionChange::Kind::kBindingAdded,
            .exchange = exchange,
            .queue = queue.get(),
            .key = key,
            .arguments = &arguments});
  }
  return Status::Ok();
}

Status VHost::unbind_queue(const std::string& queue_requested,
                           const std::string& exchange_requested, const std::string& key,
                           const Table& arguments, OwnerId owner) {
  const std::string queue_name = strip_cr_lf(queue_requested);
  const std::string exchange_name = strip_cr_lf(exchange_requested);
  QueuePtr queue;
  Exchange* exchange = nullptr;
  if (Status s = binding_ends(queue_name, exchange_name, queue, exchange); !s.ok()) {
    // RabbitMQ 3.x answers unbind-ok when the queue or the exchange is missing.
    return s.code() == ErrorCode::kNotFound ? Status::Ok() : s;
  }
  // Unbinding what is not bound is a no-op; only an existing binding checks exclusivity.
  if (!exchange->has_binding(queue.get(), key, arguments)) return Status::Ok();
  if (Status s = check_exclusive(*queue, owner); !s.ok()) return s;
  const bool durable = survives_restart(exchange->options()) && survives_restart(queue->options());
  if (!exchange->unbind(queue.get(), key, arguments)) return Status::Ok();
  if (durable) {
    record({.kind = DefinitionChange::Kind::kBindingRemoved,
            .exchange = exchange,
            .queue = queue.get(),
            .key = key,
            .arguments = &arguments});
  }
  maybe_auto_delete_exchange(*exchange);
  return Status::Ok();
}

Status VHost::restore_queue(const std::string& name, const QueueOptions& options) {
  if (name.empty()) return {ErrorCode::kInvalidArgument, "a stored queue has an empty name"};
  restoring_ = true;
  QueueDeclareOutcome out;
  Status s = declare_queue(name, options, false, 0, out);
  restoring_ = false;
  return s;
}

Status VHost::route(std::string_view exchange_name, const Message& message,
                    std::vector<Queue*>& out, bool internal_ok, const std::vector<std::string>* bcc,
                    std::vector<Stream*>* streams) {
  Exchange* start = nullptr;
  if (!exchange_name.empty()) {
    start = find_exchange(exchange_name);
    if (start == nullptr) return {ErrorCode::kNotFound, "no " + describe_exchange(exchange_name)};
    if (start->options().internal && !internal_ok) {
      return {ErrorCode::kAccessRefused,
              "cannot publish to internal " + describe_exchange(exchange_name)};
    }
  }
  // Sender-selected distribution (RabbitMQ's CC and BCC headers): the message is routed by
  // its own key and every listed one, at every exchange it passes; a queue reached by several
  // keys gets it once.
  bool has_cc = false;
  if (message.properties.headers) {
    for (std::string_view header : {"CC", "BCC"}) {
      const Value* v = find(*message.properties.headers, header);
      if (v == nullptr) continue;
      if (v->as_array() == nullptr) {
        return {ErrorCode::kPreconditionFailed, "invalid message: {unacceptable_type_in_header,\"" +
                                                    std::string(header) + "\"," +
                                                    rabbit_type_name(v->kind) + "}"};
      }
      if (header == "CC") has_cc = true;
    }
  }
  const size_t first = out.size();
  if (!has_cc && (bcc == nullptr || bcc->empty())) {
    route_keys(start, message, streams, {}, first, out);
    return Status::Ok();
  }
  std::vector<std::string> keys = header_routing_keys(message, "CC");
  if (bcc != nullptr) keys.insert(keys.end(), bcc->begin(), bcc->end());
  route_keys(start, message, streams, keys, first, out);
  return Status::Ok();
}

void VHost::route_keys(Exchange* start, const Message& message, std::vector<Stream*>* streams,
                       const std::vector<std::string>& extra_keys, size_t first,
                       std::vector<Queue*>& out) {
  auto add = [&](Queue* q) {
    if (std::find(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(), q) == out.end()) {
      out.push_back(q);
    }
  };
  auto add_stream = [&](Stream* st) {
    if (streams != nullptr && std::find(streams->begin(), streams->end(), st) == streams->end()) {
      streams->push_back(st);
    }
  };
  if (start == nullptr) {
    // The default exchange: the queue or stream named by the key (a name is one or the other).
    auto add_named = [&](const std::string& key) {
      if (Queue* q = find_queue(key)) {
        add(q);
      } else if (Stream* st = find_stream(key)) {
        add_stream(st);
      }
    };
    add_named(message.routing_key);
    for (const std::string& key : extra_keys) add_named(key);
    return;
  }
  // Breadth-first over exchange-to-exchange bindings; `visited` breaks cycles.
  thread_local std::vector<Exchange*> pending;
  thread_local std::vector<Exchange*> visited;
  thread_local std::vector<const Binding*> matches;
  pending.assign(1, start);
  visited.assign(1, start);
  auto visit = [&](Exchange* x) {
    if (std::find(visited.begin(), visited.end(), x) != visited.end()) return;
    visited.push_back(x);
    pending.push_back(x);
  };
  while (!pending.empty()) {
    Exchange* x = pending.back();
    pending.pop_back();
    matches.clear();
    x->route(message, message.routing_key, matches);
    // Fanout and headers exchanges do not look at keys: one match is enough.
    if (x->type() == ExchangeType::kDirect || x->type() == ExchangeType::kTopic) {
      for (const std::string& key : extra_keys) x->route(message, key, matches);
    }
    if (matches.empty()) {
      if (const std::string* ae = x->alternate_exchange()) {
        if (Exchange* alternate = find_exchange(*ae)) visit(alternate);
      }
      continue;
    }
    for (const Binding* b : matches) {
      if (Queue* q = b->queue()) {
        add(q);
      } else if (Stream* st = b->stream()) {
        add_stream(st);
      } else {
        visit(b->exchange());
      }
    }
  }
}

void VHost::dead_letter(Queue& queue, const MessagePtr& message, DeadLetterReason reason) {
  const std::optional<DeadLetterTarget>& dlx = queue.settings().dead_letter;
  if (!dlx) return;
  // A dead-lettering caused by the one being delivered is one generation further: past the
  // limit the chain is dropped (a TTL-0 loop that no model calls a cycle would never end).
  const int generation = delivering_dead_letter_ ? dead_letter_generation_ + 1 : 0;
  if (generation >= kMaxDeadLetterDepth) return;
  const DeadLettering* model = hooks_ != nullptr ? hooks_->dead_lettering : nullptr;
  MessagePtr dead;
  if (model != nullptr) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    dead = model->dead_lettered(
        *message, reason, queue.name(), *dlx,
        static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now).count()));
  } else {
    dead = readdressed(*message, *dlx);
  }
  dead_letters_.push_back(PendingDeadLetter{std::move(dead), reason, generation});
  // Iterative, not recursive: an enqueue below may dead-letter again (a full target dropping
  // its head, a TTL of 0); that only adds to the list, which this outermost call works off.
  if (delivering_dead_letter_) return;
  delivering_dead_letter_ = true;
  std::vector<Queue*> targets;
  std::vector<Stream*> streams;
  while (!dead_letters_.empty()) {
    PendingDeadLetter next = std::move(dead_letters_.front());
    dead_letters_.pop_front();
    dead_letter_generation_ = next.generation;
    targets.clear();
    streams.clear();
    // A dead-letter exchange that does not exist drops the message (RabbitMQ logs nothing).
    if (!route(next.message->exchange, *next.message, targets, true, nullptr, &streams).ok()) {
      continue;
    }
    // A stream keeps what it is given; it is durable with the next round (no one waits).
    for (Stream* stream : streams) {
      uint64_t offset = 0;
      (void)stream->append_routed(*next.message, offset);
    }
    for (Queue* target : targets) {
      if (model != nullptr && model->is_cycle(*next.message, target->name(), next.reason)) {
        continue;
      }
      (void)target->enqueue(next.message);
    }
  }
  delivering_dead_letter_ = false;
}

std::optional<std::string> VHost::dead_lettered_from(const Message& message) const {
  const DeadLettering* model = hooks_ != nullptr ? hooks_->dead_lettering : nullptr;
  if (model == nullptr) return std::nullopt;
  return model->dead_lettered_from(message);
}

void VHost::queue_expired(Queue& queue) {
  auto it = queues_.find(queue.name());
  if (it == queues_.end() || it->second.get() != &queue) return;
  // Kept alive until this returns: the queue's own timer is the caller.
  QueuePtr keep = it->second;
  remove_queue(keep);
}

void VHost::consumer_removed(Queue& queue) {
  if (queue.options().auto_delete && queue.consumer_count() == 0 && !queue.deleted()) {
    auto it = queues_.find(queue.name());
    if (it != queues_.end()) remove_queue(it->second);
  }
}

void VHost::release_owner(OwnerId owner) {
  std::vector<QueuePtr> owned;
  for (auto& [n, q] : queues_) {
    if (q->options().exclusive && q->owner() == owner) owned.push_back(q);
  }
  for (auto& q : owned) remove_queue(q);
}

std::vector<const Exchange*> VHost::exchanges() const {
  std::vector<const Exchange*> out;
  for (auto& [n, x] : exchanges_) out.push_back(x.get());
  return out;
}

std::vector<const Queue*> VHost::queues() const {
  std::vector<const Queue*> out;
  for (auto& [n, q] : queues_) out.push_back(q.get());
  return out;
}

}  // namespace polymq::core
