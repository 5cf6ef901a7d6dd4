#include "core/exchange.h"

#include <algorithm>

#include "core/routing/headers_match.h"

namespace polymq::core {
namespace {

bool tables_equal(const Table& a, const Table& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [key, value] : a) {
    const Value* other = find(b, key);
    if (other == nullptr || !value.equals(*other)) return false;
  }
  return true;
}

}  // namespace

std::optional<ExchangeType> parse_exchange_type(std::string_view name) {
  if (name == "direct") return ExchangeType::kDirect;
  if (name == "fanout") return ExchangeType::kFanout;
  if (name == "topic") return ExchangeType::kTopic;
  if (name == "headers") return ExchangeType::kHeaders;
  return std::nullopt;
}

const char* exchange_type_name(ExchangeType type) {
  switch (type) {
    case ExchangeType::kDirect:
      return "direct";
    case ExchangeType::kFanout:
      return "fanout";
    case ExchangeType::kTopic:
      return "topic";
    case ExchangeType::kHeaders:
      return "headers";
  }
  return "direct";
}

bool Binding::same_as(const Destination& destination, std::string_view k, const Table& args) const {
  return to == destination && key == k && tables_equal(arguments, args);
}

Exchange::Exchange(std::string name, ExchangeType type, ExchangeOptions options)
    : name_(std::move(name)), type_(type), options_(std::move(options)) {}

const std::string* Exchange::alternate_exchange() const {
  return find_string(options_.arguments, "alternate-exchange");
}

bool Exchange::bind(const Destination& destination, std::string key, Table arguments,
                    std::shared_ptr<const BindingPredicate> filter) {
  std::vector<BindingId>& mine = by_destination_[destination];
  for (BindingId id : mine) {
    if (bindings_.at(id).same_as(destination, key, arguments)) return false;
  }
  Binding binding{next_binding_id_++, destination, std::move(key), std::move(arguments),
                  std::move(filter)};
  index_add(binding);
  mine.push_back(binding.id);
  bindings_.emplace(binding.id, std::move(binding));
  return true;
}

bool Exchange::has_binding(const Destination& destination, std::string_view key,
                           const Table& arguments) const {
  auto mine = by_destination_.find(destination);
  if (mine == by_destination_.end()) return false;
  return std::any_of(mine->second.begin(), mine->second.end(), [&](BindingId id) {
    return bindings_.at(id).same_as(destination, key, arguments);
  });
}

bool Exchange::unbind(const Destination& destination, std::string_view key,
                      const Table& arguments) {
  auto mine = by_destination_.find(destination);
  if (mine == by_destination_.end()) return false;
  std::vector<BindingId>& ids = mine->second;
  for (auto id = ids.begin(); id != ids.end(); ++id) {
    auto it = bindings_.find(*id);
    if (it->second.same_as(destination, key, arguments)) {
      index_remove(it->second);
      bindings_.erase(it);
      ids.erase(id);
      if (ids.empty()) by_destination_.erase(mine);
      return true;
    }
  }
  return false;
}

size_t Exchange::unbind_all(const Destination& destination) {
  auto mine = by_destination_.find(destination);
  if (mine == by_destination_.end()) return 0;
  const size_t removed = mine->second.size();
  for (BindingId id : mine->second) {
    auto it = bindings_.find(id);
    index_remove(it->second);
    bindings_.erase(it);
  }
  by_destination_.erase(mine);
  return removed;
}

bool Exchange::has_binding_to(const Destination& destination) const {
  return by_destination_.contains(destination);
}

std::vector<const Binding*> Exchange::bindings() const {
  std::vector<const Binding*> out;
  out.reserve(bindings_.size());
  for (const auto& [id, b] : bindings_) out.push_back(&b);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->id < b->id; });
  return out;
}

void Exchange::index_add(const Binding& binding) {
  if (type_ == ExchangeType::kDirect) {
    direct_index_[binding.key].push_back(binding.id);
  } else if (type_ == ExchangeType::kTopic) {
    topic_index_.add(binding.key, binding.id);
  }
}

void Exchange::index_remove(const Binding& binding) {
  if (type_ == ExchangeType::kDirect) {
    auto it = direct_index_.find(binding.key);
    if (it == direct_index_.end()) return;
    std::erase(it->second, binding.id);
    if (it->second.empty()) direct_index_.erase(it);
  } else if (type_ == ExchangeType::kTopic) {
    topic_index_.remove(binding.key, binding.id);
  }
}

void Exchange::route(const Message& message, const std::string& routing_key,
                     std::vector<const Binding*>& out) const {
  auto add = [&](const Binding& b) {
    if (b.passes(message)) out.push_back(&b);
  };
  switch (type_) {
    case ExchangeType::kDirect: {
      auto it = direct_index_.find(routing_key);
      if (it == direct_index_.end()) return;
      for (BindingId id : it->second) add(bindings_.at(id));
      return;
    }
    case ExchangeType::kFanout:
      for (const auto& [id, b] : bindings_) add(b);
      return;
    case ExchangeType::kTopic: {
      std::vector<BindingId> ids;
      topic_index_.match(routing_key, ids);
      for (BindingId id : ids) add(bindings_.at(id));
      return;
    }
    case ExchangeType::kHeaders: {
      const Table* headers = message.properties.headers ? &*message.properties.headers : nullptr;
      for (const auto& [id, b] : bindings_) {
        if (headers_match(b.arguments, headers)) add(b);
      }
      return;
    }
  }
}

}  // namespace polymq::core
