#include "rabbit/dead_letter.h"

#include <algorithm>

namespace polymq::rabbit {

using core::Array;
using core::DeadLetterReason;
using core::find;
using core::find_int;
using core::find_string;
using core::header_routing_keys;
using core::Message;
using core::MessagePtr;
using core::set;
using core::Table;
using core::Value;

namespace {

const std::string* entry_string(const Value& entry, std::string_view key) {
  const Table* t = entry.as_table();
  return t == nullptr ? nullptr : find_string(*t, key);
}

bool is_entry_for(const Value& entry, const std::string& queue, std::string_view reason) {
  const std::string* q = entry_string(entry, "queue");
  const std::string* r = entry_string(entry, "reason");
  return q != nullptr && r != nullptr && *q == queue && *r == reason;
}

// The routing keys a message was published with: its key, then the CC header's.
Array published_routing_keys(const Message& message) {
  Array keys{Value::String(message.routing_key)};
  for (std::string& key : header_routing_keys(message, "CC")) {
    keys.push_back(Value::String(std::move(key)));
  }
  return keys;
}

}  // namespace

const char* dead_letter_reason_name(DeadLetterReason reason) {
  switch (reason) {
    case DeadLetterReason::kRejected:
      return "rejected";
    case DeadLetterReason::kExpired:
      return "expired";
    case DeadLetterReason::kMaxLen:
      return "maxlen";
    case DeadLetterReason::kDeliveryLimit:
      return "delivery_limit";
  }
  return "rejected";
}

MessagePtr make_dead_lettered(const Message& message, DeadLetterReason reason,
                              const std::string& queue, const std::string& dead_letter_exchange,
                              const std::optional<std::string>& routing_key, uint64_t now_seconds) {
  auto out = std::make_shared<Message>(message);
  const std::string reason_name = dead_letter_reason_name(reason);
  Table headers = message.properties.headers.value_or(Table{});

  Array deaths;
  if (const Value* existing = find(headers, "x-death")) {
    if (const Array* a = existing->as_array()) deaths = *a;
  }
  auto same = std::find_if(deaths.begin(), deaths.end(), [&](const Value& entry) {
    return is_entry_for(entry, queue, reason_name);
  });
  if (same != deaths.end()) {
    Table entry = *same->as_table();
    const int64_t count = find_int(entry, "count").value_or(0);
    set(entry, "count", Value::Int64(count + 1));
    deaths.erase(same);
    deaths.insert(deaths.begin(), Value::Tab(std::move(entry)));
  } else {
    if (deaths.empty() && find(headers, "x-death") == nullptr) {
      set(headers, "x-first-death-exchange", Value::String(message.exchange));
      set(headers, "x-first-death-queue", Value::String(queue));
      set(headers, "x-first-death-reason", Value::String(reason_name));
    }
    Table entry;
    entry.emplace_back("count", Value::Int64(1));
    entry.emplace_back("exchange", Value::String(message.exchange));
    if (message.properties.expiration) {
      entry.emplace_back("original-expiration", Value::String(*message.properties.expiration));
    }
    entry.emplace_back("queue", Value::String(queue));
    entry.emplace_back("reason", Value::String(reason_name));
    entry.emplace_back("routing-keys", Value::Arr(published_routing_keys(message)));
    entry.emplace_back("time", Value::Timestamp(now_seconds));
    deaths.insert(deaths.begin(), Value::Tab(std::move(entry)));
  }
  set(headers, "x-death", Value::Arr(std::move(deaths)));
  if (routing_key) {
    std::erase_if(headers, [](const auto& entry) { return entry.first == "CC"; });
    out->routing_key = *routing_key;
  }
  out->properties.headers = std::move(headers);
  out->properties.expiration.reset();
  out->exchange = dead_letter_exchange;
  return out;
}

bool dead_letter_cycle(const Message& message, const std::string& queue, DeadLetterReason reason) {
  if (reason == DeadLetterReason::kRejected || !message.properties.headers) return false;
  const Value* x_death = find(*message.properties.headers, "x-death");
  const Array* deaths = x_death == nullptr ? nullptr : x_death->as_array();
  if (deaths == nullptr) return false;
  // Newest first: up to and including the last visit to `queue`, was anything rejected?
  for (const Value& entry : *deaths) {
    const std::string* r = entry_string(entry, "reason");
    if (r == nullptr || *r == "rejected") return false;
    const std::string* q = entry_string(entry, "queue");
    if (q != nullptr && *q == queue) return true;
  }
  return false;
}

std::optional<std::string> last_dead_lettered_from(const Message& message) {
  if (!message.properties.headers) return std::nullopt;
  const Value* x_death = find(*message.properties.headers, "x-death");
  const Array* deaths = x_death == nullptr ? nullptr : x_death->as_array();
  if (deaths == nullptr || deaths->empty()) return std::nullopt;
  const std::string* queue = entry_string(deaths->front(), "queue");
  if (queue == nullptr) return std::nullopt;
  return *queue;
}

}  // namespace polymq::rabbit
