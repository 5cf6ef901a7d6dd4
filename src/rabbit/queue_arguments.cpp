#include "rabbit/queue_arguments.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <variant>

namespace polymq::rabbit {

using core::ErrorCode;
using core::find;
using core::find_bool;
using core::find_int;
using core::find_string;
using core::Overflow;
using core::QueueSettings;
using core::Status;
using core::Table;
using core::Value;
using core::ValueKind;

namespace {

// RabbitMQ's largest timer (rabbit_misc:check_expiry).
constexpr int64_t kMaxExpiry = 4294967295;
constexpr int64_t kMaxPriority = 255;

std::string type_name(ValueKind kind) { return core::rabbit_type_name(kind); }

// An argument check: empty when the value is acceptable, else RabbitMQ's error term.
using Check = std::function<std::string(const Value&, const Table&)>;

std::string unacceptable(const Value& v) { return "{unacceptable_type," + type_name(v.kind) + "}"; }

std::string check_int(const Value& v) {
  return v.is_integer() ? "" : "\"expected integer, got " + type_name(v.kind) + "\"";
}

// An integer as RabbitMQ compares and prints it. Erlang integers have no bound: a uint64 past
// int64's range (only a definitions file makes one) or an expiration of many digits keeps its
// exact text, and compares as INT64_MAX or INT64_MIN, beyond every limit checked here.
struct Integer {
  int64_t n = 0;
  std::string text;
};

Integer integer(const Value& v) {
  if (auto n = v.as_int()) return {*n, std::to_string(*n)};
  const auto* u = std::get_if<uint64_t>(&v.data);
  return {INT64_MAX, u == nullptr ? "0" : std::to_string(*u)};
}

std::string check_non_negative(const Value& v) {
  if (std::string e = check_int(v); !e.empty()) return e;
  return integer(v).n < 0 ? "{value_negative," + integer(v).text + "}" : "";
}

std::string check_expiry(const Integer& i) {
  if (i.n < 0) return "{value_negative," + i.text + "}";
  if (i.n > kMaxExpiry) return "{value_too_large," + i.text + "}";
  return "";
}

std::string check_longstr(const Value& v) {
  return v.kind == ValueKind::kString ? "" : unacceptable(v);
}

std::string check_one_of(const Value& v, std::initializer_list<std::string_view> allowed,
                         const char* error) {
  if (std::string e = check_longstr(v); !e.empty()) return e;
  const std::string& s = *v.as_string();
  return std::find(allowed.begin(), allowed.end(), s) == allowed.end() ? error : "";
}

// In RabbitMQ's order, so the first bad argument reported is the same one.
const std::array<std::pair<std::string_view, Check>, 14>& checks() {
  static const std::array<std::pair<std::string_view, Check>, 14> table = {{
      {"x-expires",
       [](const Value& v, const Table&) {
         if (std::string e = check_int(v); !e.empty()) return e;
         const Integer i = integer(v);
         return i.n == 0 ? std::string("{value_zero,0}") : check_expiry(i);
       }},
      {"x-message-ttl",
       [](const Value& v, const Table&) {
         if (std::string e = check_int(v); !e.empty()) return e;
         return check_expiry(integer(v));
       }},
      {"x-dead-letter-exchange", [](const Value& v, const Table&) { return check_longstr(v); }},
      {"x-dead-letter-routing-key",
       [](const Value& v, const Table& args) {
         if (std::string e = check_longstr(v); !e.empty()) return e;
         return find(args, "x-dead-letter-exchange") == nullptr
                    ? std::string("routing_key_but_no_dlx_defined")
                    : std::string();
       }},
      {"x-max-length", [](const Value& v, const Table&) { return check_non_negative(v); }},
      {"x-max-length-bytes", [](const Value& v, const Table&) { return check_non_negative(v); }},
      {"x-max-priority",
       [](const Value& v, const Table&) {
         if (std::string e = check_non_negative(v); !e.empty()) return e;
         const Integer i = integer(v);
         return i.n > kMaxPriority ? "{max_value_exceeded," + i.text + "}" : std::string();
       }},
      {"x-overflow",
       [](const Value& v, const Table&) {
         return check_one_of(v, {"drop-head", "reject-publish", "reject-publish-dlx"},
                             "invalid_overflow");
       }},
      {"x-single-active-consumer",
       [](const Value& v, const Table&) {
         return v.kind == ValueKind::kBool ? std::string() : unacceptable(v);
       }},
      {"x-queue-type",
       [](const Value& v, const Table&) {
         return check_one_of(v, {"classic", "quorum"}, "invalid_queue_type");
       }},
      {"x-delivery-limit", [](const Value& v, const Table&) { return check_non_negative(v); }},
      // PolyMQ's own (RabbitMQ has no queue-level delay): checked as x-message-ttl is.
      {kDeliveryDelayArgument,
       [](const Value& v, const Table&) {
         if (std::string e = check_int(v); !e.empty()) return e;
         return check_expiry(integer(v));
       }},
      {kMessageGroupsArgument,
       [](const Value& v, const Table&) {
         return v.kind == ValueKind::kBool ? std::string() : unacceptable(v);
       }},
      {kDedupWindowArgument,
       [](const Value& v, const Table&) {
         if (std::string e = check_int(v); !e.empty()) return e;
         return check_expiry(integer(v));
       }},
  }};
  return table;
}

Overflow overflow_from(const std::string& s) {
  if (s == "reject-publish") return Overflow::kRejectPublish;
  if (s == "reject-publish-dlx") return Overflow::kRejectPublishDlx;
  return Overflow::kDropHead;
}

std::optional<uint64_t> non_negative(const Table& t, std::string_view key) {
  auto n = find_int(t, key);
  if (!n || *n < 0) return std::nullopt;
  return static_cast<uint64_t>(*n);
}

void set_dead_letter_exchange(QueueSettings& out, const std::string& exchange) {
  if (out.dead_letter) {
    out.dead_letter->exchange = exchange;
  } else {
    out.dead_letter = core::DeadLetterTarget{exchange, std::nullopt};
  }
}

void take_smaller(std::optional<uint64_t>& slot, std::optional<uint64_t> candidate) {
  if (candidate && (!slot || *candidate < *slot)) slot = candidate;
}

}  // namespace

bool is_quorum(const Table& args) {
  const std::string* type = find_string(args, "x-queue-type");
  return type != nullptr && *type == "quorum";
}

Status dead_letter_exchange_argument(const Table& args, const std::string& queue,
                                     const std::string& vhost, const std::string*& out) {
  out = nullptr;
  const Value* v = find(args, "x-dead-letter-exchange");
  if (v == nullptr) return Status::Ok();
  // A longstr only: a byte array, which find_string would read as text too, is refused.
  if (v->kind == ValueKind::kString) {
    out = v->as_string();
    return Status::Ok();
  }
  return {ErrorCode::kPreconditionFailed, "invalid type '" + type_name(v->kind) +
                                              "' for arg 'x-dead-letter-exchange' in queue '" +
                                              queue + "' in vhost '" + vhost + "'"};
}

Status parse_queue_arguments(const Table& args, const std::string& queue, const std::string& vhost,
                             QueueSettings& out) {
  // RabbitMQ's channel checks the type of the dead-letter exchange first, with its own wording;
  // the routing key's type is one of the checks below ("{unacceptable_type,signedint}").
  const std::string* dead_letter_exchange = nullptr;
  if (Status s = dead_letter_exchange_argument(args, queue, vhost, dead_letter_exchange); !s.ok()) {
    return s;
  }
  for (const auto& [key, check] : checks()) {
    const Value* v = find(args, key);
    if (v == nullptr) continue;
    if (std::string error = check(*v, args); !error.empty()) {
      return {ErrorCode::kPreconditionFailed, "invalid arg '" + std::string(key) + "' for queue '" +
                                                  queue + "' in vhost '" + vhost + "': " + error};
    }
  }
  out = QueueSettings{};
  out.message_ttl_ms = non_negative(args, "x-message-ttl");
  out.expires_ms = non_negative(args, "x-expires");
  out.max_length = non_negative(args, "x-max-length");
  out.max_length_bytes = non_negative(args, "x-max-length-bytes");
  if (const std::string* s = find_string(args, "x-overflow")) out.overflow = overflow_from(*s);
  // The checks above refuse a routing key without an exchange.
  if (dead_letter_exchange != nullptr) {
    out.dead_letter = core::DeadLetterTarget{*dead_letter_exchange, std::nullopt};
    if (const std::string* key = find_string(args, "x-dead-letter-routing-key")) {
      out.dead_letter->routing_key = *key;
    }
  }
  out.delivery_limit = non_negative(args, "x-delivery-limit");
  out.delivery_delay_ms = non_negative(args, kDeliveryDelayArgument);
  out.max_priority = static_cast<uint8_t>(non_negative(args, "x-max-priority").value_or(0));
  out.single_active_consumer = find_bool(args, "x-single-active-consumer").value_or(false);
  out.always_count_deliveries = is_quorum(args);
  out.one_in_flight_per_group = find_bool(args, kMessageGroupsArgument).value_or(false);
  out.dedup_window_ms = non_negative(args, kDedupWindowArgument);
  if (out.dedup_window_ms == 0u) out.dedup_window_ms.reset();
  return Status::Ok();
}

void apply_policy(const PolicyDefinition& policy, const Table& own, QueueSettings& out) {
  const Table& d = policy.definition;
  take_smaller(out.message_ttl_ms, non_negative(d, "message-ttl"));
  // RabbitMQ refuses a policy's expires of 0; here it is ignored, leaving the queue's own.
  if (auto expires = non_negative(d, "expires"); expires != 0u)
    take_smaller(out.expires_ms, expires);
  take_smaller(out.max_length, non_negative(d, "max-length"));
  take_smaller(out.max_length_bytes, non_negative(d, "max-length-bytes"));
  take_smaller(out.delivery_limit, non_negative(d, "delivery-limit"));
  if (find(own, "x-overflow") == nullptr) {
    if (const std::string* s = find_string(d, "overflow")) out.overflow = overflow_from(*s);
  }
  if (find(own, "x-dead-letter-exchange") == nullptr) {
    if (const std::string* s = find_string(d, "dead-letter-exchange")) {
      set_dead_letter_exchange(out, *s);
    }
  }
  // A routing key without an exchange (from either side) dead-letters nothing: dropped.
  if (find(own, "x-dead-letter-routing-key") == nullptr && out.dead_letter) {
    if (const std::string* s = find_string(d, "dead-letter-routing-key")) {
      out.dead_letter->routing_key = *s;
    }
  }
}

Status parse_expiration(const std::string& text, uint64_t& ms) {
  auto invalid = [&](const std::string& error) {
    return Status{ErrorCode::kPreconditionFailed, "invalid expiration '" + text + "': " + error};
  };
  // Erlang's string:to_integer: an optional sign, then digits, then whatever is left over.
  size_t i = 0;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
  size_t digits_end = i;
  while (digits_end < text.size() && text[digits_end] >= '0' && text[digits_end] <= '9') {
    ++digits_end;
  }
  if (digits_end == i) return invalid("no_integer");
  Integer n;
  const char* first = text.data() + (text[0] == '+' ? 1 : 0);
  auto [ptr, ec] = std::from_chars(first, text.data() + digits_end, n.n);
  if (ec == std::errc()) {
    n.text = std::to_string(n.n);
  } else {
    // Out of int64's range: printed in full as Erlang does, without the zeros it leads with.
    n.n = text[0] == '-' ? INT64_MIN : INT64_MAX;
    const size_t significant = text.find_first_not_of('0', i);
    n.text = (text[0] == '-' ? "-" : "") + text.substr(significant, digits_end - significant);
  }
  if (digits_end != text.size()) {
    return invalid("{leftover_string,\"" + text.substr(digits_end) + "\"}");
  }
  if (std::string e = check_expiry(n); !e.empty()) return invalid(e);
  ms = static_cast<uint64_t>(n.n);
  return Status::Ok();
}

}  // namespace polymq::rabbit
