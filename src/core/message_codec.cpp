#include "core/message_codec.h"

#include <cstring>
#include <memory>

namespace polymq::core {
namespace {

constexpr uint8_t kVersion1 = 1;
constexpr uint8_t kVersion2 = 2;
constexpr uint8_t kFlagTransient = 1;

// Version 2's fields, each written as u8 tag | u32 length | bytes. A reader skips tags it does
// not know, so a later build may add fields that older builds can ignore; a change an older
// build must not ignore takes a new version byte.
enum Tag : uint8_t {
  kTagExchange = 1,
  kTagRoutingKey = 2,
  kTagProperties = 3,  // u16 presence bits, then the present fields in Properties' order
  kTagKey = 4,
  kTagTimestampMs = 5,  // i64
  kTagAnnotations = 6,  // a table
  kTagBody = 7,         // always present, and last
  // i64 ms since the epoch: not handed out before (Message::not_before_ms). An older build
  // skips it and serves the message without waiting, which loses nothing.
  kTagNotBeforeMs = 8,
  // Message::group and Message::dedup_id, bytes. An older build skips them: it serves the
  // message as if ungrouped and never deduplicates against it.
  kTagGroup = 9,
  kTagDedupId = 10,
};

// Stored value kinds: the code is the index here. Frozen: codes already on disk never change
// meaning (v1 wrote ValueKind's order at the time, which is this table), new kinds go last.
constexpr ValueKind kStoredKinds[] = {
    ValueKind::kVoid,    ValueKind::kBool,   ValueKind::kInt8,  ValueKind::kUInt8,
    ValueKind::kInt16,   ValueKind::kUInt16, ValueKind::kInt32, ValueKind::kUInt32,
    ValueKind::kInt64,   ValueKind::kUInt64, ValueKind::kFloat, ValueKind::kDouble,
    ValueKind::kDecimal, ValueKind::kString, ValueKind::kBytes, ValueKind::kTimestamp,
    ValueKind::kArray,   ValueKind::kTable,
};
constexpr size_t kStoredKindCount = sizeof(kStoredKinds) / sizeof(kStoredKinds[0]);

uint8_t stored_kind_code(ValueKind kind) {
  for (size_t i = 0; i < kStoredKindCount; ++i) {
    if (kStoredKinds[i] == kind) return static_cast<uint8_t>(i);
  }
  return 0;  // unreachable: every kind is in the table (value_test checks the round trip)
}

// Little-endian whatever the host, like the rest of storage.
template <class T>
void put(std::string& out, T v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  char buf[sizeof(T)];
  for (size_t i = 0; i < sizeof(T); ++i) buf[i] = static_cast<char>((bits >> (8 * i)) & 0xff);
  out.append(buf, sizeof(T));
}

void put_str(std::string& out, std::string_view s) {
  put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}

template <class T>
bool get(std::string_view& in, T& v) {
  if (in.size() < sizeof(T)) return false;
  uint64_t bits = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    bits |= uint64_t{static_cast<uint8_t>(in[i])} << (8 * i);
  }
  std::memcpy(&v, &bits, sizeof(T));
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
  put<uint8_t>(out, stored_kind_code(v.kind));
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
  if (depth > kMaxValueDepth || !get(in, n)) return false;
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
  if (depth > kMaxValueDepth || !get(in, kind_byte)) return false;
  if (kind_byte >= kStoredKindCount) return false;
  const ValueKind kind = kStoredKinds[kind_byte];
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

namespace {

void encode_properties(std::string& out, const Properties& props) {
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
}

bool decode_properties(std::string_view& in, Properties& props) {
  uint16_t present = 0;
  if (!get(in, present)) return false;
  bool ok = true;
  int bit = 0;
  for_each_property(props, [&](auto& field) {
    if (ok && (present & (1u << bit)) != 0) {
      field.emplace();
      ok = decode_field(in, *field);
    }
    ++bit;
  });
  return ok;
}

// Appends a tagged field whose bytes `write` appends; its length is patched in afterwards.
template <class Fn>
void put_field(std::string& out, Tag tag, Fn&& write) {
  put<uint8_t>(out, tag);
  const size_t length_at = out.size();
  put<uint32_t>(out, 0);
  write();
  const auto length = static_cast<uint32_t>(out.size() - length_at - 4);
  for (size_t i = 0; i < 4; ++i) out[length_at + i] = static_cast<char>((length >> (8 * i)) & 0xff);
}

// Version 1: exchange, routing key, properties and body, one after the other.
bool decode_v1(std::string_view in, Message& message) {
  if (!get_str(in, message.exchange) || !get_str(in, message.routing_key) ||
      !decode_properties(in, message.properties)) {
    return false;
  }
  uint32_t body_size = 0;
  if (!get(in, body_size) || in.size() != body_size) return false;
  message.body = Body(in);
  return true;
}

// The body is always written, last: a record cut anywhere lacks it or part of it and fails.
bool decode_v2(std::string_view in, Message& message) {
  bool body = false;
  while (!in.empty()) {
    if (body) return false;  // nothing follows the body
    uint8_t tag = 0;
    uint32_t length = 0;
    if (!get(in, tag) || !get(in, length) || in.size() < length) return false;
    std::string_view field = in.substr(0, length);
    in.remove_prefix(length);
    bool ok = true;
    switch (tag) {
      case kTagExchange:
        message.exchange.assign(field);
        break;
      case kTagRoutingKey:
        message.routing_key.assign(field);
        break;
      case kTagProperties:
        ok = decode_properties(field, message.properties) && field.empty();
        break;
      case kTagKey:
        message.key.emplace(field);
        break;
      case kTagTimestampMs: {
        int64_t ts = 0;
        ok = get(field, ts) && field.empty();
        message.timestamp_ms = ts;
        break;
      }
      case kTagAnnotations:
        ok = decode_table_entries(field, message.annotations, 1) && field.empty();
        break;
      case kTagNotBeforeMs: {
        int64_t ms = 0;
        ok = get(field, ms) && field.empty();
        message.not_before_ms = ms;
        break;
      }
      case kTagGroup:
        message.group.emplace(field);
        break;
      case kTagDedupId:
        message.dedup_id.emplace(field);
        break;
      case kTagBody:
        message.body = Body(field);
        body = true;
        break;
      default:
        break;  // a field of a later build: skipped
    }
    if (!ok) return false;
  }
  return body;
}

}  // namespace

void encode_stored_message(std::string& out, uint64_t sequence, bool transient,
                           const Message& message, std::optional<int64_t> not_before_ms) {
  out.reserve(out.size() + message.body.size() + message.routing_key.size() + 64);
  put<uint8_t>(out, kVersion2);
  put<uint8_t>(out, transient ? kFlagTransient : 0);
  put<uint64_t>(out, sequence);
  if (!message.exchange.empty()) {
    put_field(out, kTagExchange, [&] { out.append(message.exchange); });
  }
  put_field(out, kTagRoutingKey, [&] { out.append(message.routing_key); });
  put_field(out, kTagProperties, [&] { encode_properties(out, message.properties); });
  if (message.key) put_field(out, kTagKey, [&] { out.append(*message.key); });
  if (message.timestamp_ms) {
    put_field(out, kTagTimestampMs, [&] { put<int64_t>(out, *message.timestamp_ms); });
  }
  if (!not_before_ms) not_before_ms = message.not_before_ms;
  if (not_before_ms) {
    put_field(out, kTagNotBeforeMs, [&] { put<int64_t>(out, *not_before_ms); });
  }
  if (message.group) put_field(out, kTagGroup, [&] { out.append(*message.group); });
  if (message.dedup_id) put_field(out, kTagDedupId, [&] { out.append(*message.dedup_id); });
  if (!message.annotations.empty()) {
    put_field(out, kTagAnnotations, [&] { encode_table_entries(out, message.annotations); });
  }
  put_field(out, kTagBody, [&] { out.append(message.body.view()); });
}

bool decode_stored_message(std::string_view in, StoredMessage& out) {
  uint8_t version = 0;
  uint8_t flags = 0;
  uint64_t sequence = 0;
  if (!get(in, version) || !get(in, flags) || !get(in, sequence)) return false;
  auto message = std::make_shared<Message>();
  bool ok = false;
  if (version == kVersion1) {
    ok = decode_v1(in, *message);
  } else if (version == kVersion2) {
    ok = decode_v2(in, *message);
  }
  if (!ok) return false;
  out.sequence = sequence;
  out.transient = (flags & kFlagTransient) != 0;
  out.message = std::move(message);
  return true;
}

}  // namespace polymq::core
