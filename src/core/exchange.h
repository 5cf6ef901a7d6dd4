// An exchange routes a message to the queues and exchanges bound to it. The match rule is the
// exchange type's; each type keeps the index that makes its match cheap (hash for direct, trie
// for topic, a scan for headers and fanout).
//
// REQUIRES: all calls on the thread that owns the vhost.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/binding_filter.h"
#include "core/destination.h"
#include "core/message.h"
#include "core/routing/topic_trie.h"
#include "core/value.h"

namespace polymq::core {

class Queue;
class Exchange;

enum class ExchangeType { kDirect, kFanout, kTopic, kHeaders };

std::optional<ExchangeType> parse_exchange_type(std::string_view name);
const char* exchange_type_name(ExchangeType type);

struct ExchangeOptions {
  bool durable = false;
  bool auto_delete = false;
  bool internal = false;
  Table arguments;
};

struct Binding {
  BindingId id = 0;
  Destination to;
  std::string key;
  Table arguments;
  // A broker model's filter read from `arguments` (core/binding_filter.h); null: none.
  std::shared_ptr<const BindingPredicate> filter;

  // Whether a message the exchange matched to this binding goes through it.
  bool passes(const Message& message) const {
    return filter == nullptr || filter->matches(message);
  }
  Queue* queue() const { return to.queue(); }
  Stream* stream() const { return to.stream(); }
  Exchange* exchange() const { return to.exchange(); }
  bool same_as(const Destination& destination, std::string_view k, const Table& args) const;
};

class Exchange {
 public:
  Exchange(std::string name, ExchangeType type, ExchangeOptions options);
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const std::string& name() const { return name_; }
  ExchangeType type() const { return type_; }
  const ExchangeOptions& options() const { return options_; }
  // The alternate exchange named by the "alternate-exchange" argument, if any.
  const std::string* alternate_exchange() const;
  // New declare arguments (VHost::change_exchange_arguments); type and flags stay.
  void set_arguments(Table arguments) { options_.arguments = std::move(arguments); }

  // Adds a binding unless an identical one exists. Returns false when it already existed.
  // `filter` is what the vhost's BindingFilters compiled from `arguments`.
  bool bind(const Destination& destination, std::string key, Table arguments,
            std::shared_ptr<const BindingPredicate> filter = nullptr);
  // Whether an identical binding exists.
  bool has_binding(const Destination& destination, std::string_view key,
                   const Table& arguments) const;
  // Removes the identical binding; false when there was none.
  bool unbind(const Destination& destination, std::string_view key, const Table& arguments);
  // Removes every binding to `destination`; returns how many.
  size_t unbind_all(const Destination& destination);
  bool has_bindings() const { return !bindings_.empty(); }
  size_t binding_count() const { return bindings_.size(); }
  bool has_binding_to(const Destination& destination) const;
  std::vector<const Binding*> bindings() const;

  // Appends the bindings that match `message` (each once) and whose filter lets it through.
  void route(const Message& message, std::vector<const Binding*>& out) const {
    route(message, message.routing_key, out);
  }
  // The same, matching `routing_key` instead of the message's own key (CC and BCC keys).
  void route(const Message& message, const std::string& routing_key,
             std::vector<const Binding*>& out) const;

 private:
  void index_add(const Binding& binding);
  void index_remove(const Binding& binding);

  std::string name_;
  ExchangeType type_;
  ExchangeOptions options_;
  BindingId next_binding_id_ = 1;
  std::unordered_map<BindingId, Binding> bindings_;
  // The bindings of each destination (queue or exchange), so that binding, unbinding and
  // removing a destination cost its own bindings, not all of the exchange's.
  std::unordered_map<Destination, std::vector<BindingId>, DestinationHash> by_destination_;
  std::unordered_map<std::string, std::vector<BindingId>> direct_index_;
  TopicTrie topic_index_;
};

using ExchangePtr = std::shared_ptr<Exchange>;

}  // namespace polymq::core
