#include "core/message_codec.h"

#include <cstring>
#include <memory>

namespace polymq::core {
namespace {

constexpr uint8_t kVersion = 1;
constexpr uint8_t kFlagTransient = 1;
// Nesting deeper than this is refused on decode; nothing legitimate comes near it.
constexpr int kMaxDepth = 64;

template <class T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));  // little-endian hosts only (x86-64, arm64)
  out.append(buf, sizeof(T));
}

void put_str(std::string& out, std::string_view s) {
  put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

template <class T>
bool get(std::string_view& in, T& v) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(&v, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

bool get_str(std::string_view& in, std::string& s) {
  uint32_t n = 0;
  if (!get(in, n) || in.size() < n) return false;
  s.assign(in.data(), n);
  in.remove_prefix(n);
  return true;
}

void encode_value(std::string& out, const Value& v);

void encode_table_entries(std::string& out, const Table& table) {
  put<uint32_t>(out, static_cast<uint32_t>(table.size()));
  for (const auto& [key, value] : table) {
    put_str(out, key);
    encode_value(out, value);
  }
}

void encode_value(std::string& out, const Value& v) {
  put<uint8_t>(out, static_cast<uint8_t>(v.kind));
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
        } else if constexpr (std::is_same_v<T, bool>) {
          put<uint8_t>(out, x ? 1 : 0);
        } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t> ||
                             std::is_same_v<T, double>) {
          put<T>(out, x);
        } else if constexpr (std::is_same_v<T, Decimal>) {
          put<uint8_t>(out, x.scale);
          put<uint32_t>(out, x.digits);
        } else if constexpr (std::is_same_v<T, std::string>) {
          put_str(out, x);
        } else if constexpr (std::is_same_v<T, std::shared_ptr<Array>>) {
          put<uint32_t>(out, static_cast<uint32_t>(x->size()));
          for (const Value& e : *x) encode_value(out, e);
        } else {
          encode_table_entries(out, *x);
        }
      },
      v.data);
}

bool decode_value(std::string_view& in, Value& v, int depth);

bool decode_table_entries(std::string_view& in, Table& table, int depth) {
  uint32_t n = 0;
  if (depth > kMaxDepth || !get(in, n)) return false;
  // Each entry takes at least 5 bytes; a count beyond what is left is malformed.
  if (n > in.size() / 5) return false;
  table.clear();
  table.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    std::string key;
    Value value;
    if (!get_str(in, key) || !decode_value(in, value, depth + 1)) return false;
    table.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

bool decode_value(std::string_view& in, Value& v, int depth) {
  uint8_t kind_byte = 0;
  if (depth > kMaxDepth || !get(in, kind_byte)) return false;
  if (kind_byte > static_cast<uint8_t>(ValueKind::kTable)) return false;
  const auto kind = static_cast<ValueKind>(kind_byte);
  v.kind = kind;
  switch (kind) {
    case ValueKind::kVoid:
      v.data = std::monostate{};
      return true;
    case ValueKind::kBool: {
      uint8_t b = 0;
      if (!get(in, b)) return false;
      v.data = b != 0;
      return true;
    }
    case ValueKind::kInt8:
    case ValueKind::kInt16:
    case ValueKind::kInt32:
    case ValueKind::kInt64: {
      int64_t x = 0;
      if (!get(in, x)) return false;
      v.data = x;
      return true;
    }
    case ValueKind::kUInt8:
    case ValueKind::kUInt16:
    case ValueKind::kUInt32:
    case ValueKind::kUInt64:
    case ValueKind::kTimestamp: {
      uint64_t x = 0;
      if (!get(in, x)) return false;
      v.data = x;
      return true;
    }
    case ValueKind::kFloat:
    case ValueKind::kDouble: {
      double x = 0;
      if (!get(in, x)) return false;
      v.data = x;
      return true;
    }
    case ValueKind::kDecimal: {
      Decimal d;
      if (!get(in, d.scale) || !get(in, d.digits)) return false;
      v.data = d;
      return true;
    }
    case ValueKind::kString:
    case ValueKind::kBytes: {
      std::string s;
      if (!get_str(in, s)) return false;
      v.data = std::move(s);
      return true;
    }
    case ValueKind::kArray: {
      uint32_t n = 0;
      if (!get(in, n) || n > in.size()) return false;
      auto array = std::make_shared<Array>();
      array->reserve(n);
      for (uint32_t i = 0; i < n; ++i) {
        Value e;
        if (!decode_value(in, e, depth + 1)) return false;
        array->push_back(std::move(e));
      }
      v.data = std::move(array);
      return true;
    }
    case ValueKind::kTable: {
      auto table = std::make_shared<Table>();
      if (!decode_table_entries(in, *table, depth + 1)) return false;
      v.data = std::move(table);
      return true;
    }
  }
  return false;
}

// Properties' optional fields, in declaration order, each with its presence bit.
template <class P, class Fn>  // P: Properties or const Properties
void for_each_property(P& p, Fn&& fn) {
  fn(p.content_type);
  fn(p.content_encoding);
  fn(p.headers);
  fn(p.delivery_mode);
  fn(p.priority);
  fn(p.correlation_id);
  fn(p.reply_to);
  fn(p.expiration);
  fn(p.message_id);
  fn(p.timestamp);
  fn(p.type);
  fn(p.user_id);
  fn(p.app_id);
  fn(p.cluster_id);
}

void encode_field(std::string& out, const std::string& s) { put_str(out, s); }
void encode_field(std::string& out, const Table& t) { encode_table_entries(out, t); }
void encode_field(std::string& out, uint8_t v) { put<uint8_t>(out, v); }
void encode_field(std::string& out, uint64_t v) { put<uint64_t>(out, v); }

bool decode_field(std::string_view& in, std::string& s) { return get_str(in, s); }
bool decode_field(std::string_view& in, Table& t) { return decode_table_entries(in, t, 1); }
bool decode_field(std::string_view& in, uint8_t& v) { return get(in, v); }
bool decode_field(std::string_view& in, uint64_t& v) { return get(in, v); }

}  // namespace

void encode_table(std::string& out, const Table& table) { encode_table_entries(out, table); }

bool decode_table(std::string_view& in, Table& out) { return decode_table_entries(in, out, 0); }

void encode_stored_message(std::string& out, uint64_t sequence, bool transient,
                           const Message& message) {
  out.reserve(out.size() + message.body.size() + message.routing_key.size() + 64);
  put<uint8_t>(out, kVersion);
  put<uint8_t>(out, transient ? kFlagTransient : 0);
  put<uint64_t>(out, sequence);
  put_str(out, message.exchange);
  put_str(out, message.routing_key);
  const Properties& props = message.properties;
  uint16_t present = 0;
  int bit = 0;
  for_each_property(props, [&](const auto& field) {
    if (field.has_value()) present = static_cast<uint16_t>(present | (1u << bit));
    ++bit;
  });
  put<uint16_t>(out, present);
  for_each_property(props, [&](const auto& field) {
    if (field.has_value()) encode_field(out, *field);
  });
  put_str(out, message.body.view());
}

bool decode_stored_message(std::string_view in, StoredMessage& out) {
  uint8_t version = 0;
  uint8_t flags = 0;
  if (!get(in, version) || version != kVersion || !get(in, flags)) return false;
  auto message = std::make_shared<Message>();
  uint16_t present = 0;
  if (!get(in, out.sequence) || !get_str(in, message->exchange) ||
      !get_str(in, message->routing_key) || !get(in, present)) {
    return false;
  }
  bool ok = true;
  int bit = 0;
  for_each_property(message->properties, [&](auto& field) {
    if (ok && (present & (1u << bit)) != 0) {
      field.emplace();
      ok = decode_field(in, *field);
    }
    ++bit;
  });
  uint32_t body_size = 0;
  if (!ok || !get(in, body_size) || in.size() != body_size) return false;
  message->body = Body(in);
  out.transient = (flags & kFlagTransient) != 0;
  out.message = std::move(message);
  return true;
}

}  // namespace polymq::core
