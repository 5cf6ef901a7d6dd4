#include "rabbit/json_values.h"

#include <cmath>
#include <cstdint>

namespace polymq::rabbit {

using namespace polymq::core;

namespace {

using Json = rapidjson::Value;
using Writer = JsonWriter;

// --- base64 (RFC 4648, with padding), as RabbitMQ encodes password_hash ---

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string encode_base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << 16 |
                       static_cast<uint32_t>(static_cast<uint8_t>(in[i + 1])) << 8 |
                       static_cast<uint8_t>(in[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kBase64[(n >> shift) & 63]);
  }
  if (const size_t rest = in.size() - i; rest > 0) {
    uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << 16;
    if (rest == 2) n |= static_cast<uint32_t>(static_cast<uint8_t>(in[i + 1])) << 8;
    out.push_back(kBase64[(n >> 18) & 63]);
    out.push_back(kBase64[(n >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> decode_base64(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    uint32_t n = 0;
    int padding = 0;
    for (size_t j = 0; j < 4; ++j) {
      const char c = in[i + j];
      uint32_t v = 0;
      if (c == '=' && i + 4 == in.size() && j >= 2) {
        ++padding;
      } else if (padding > 0) {
        return std::nullopt;  // data after padding
      } else if (const char* p = std::char_traits<char>::find(kBase64, 64, c)) {
        v = static_cast<uint32_t>(p - kBase64);
      } else {
        return std::nullopt;
      }
      n = n << 6 | v;
    }
    out.push_back(static_cast<char>(n >> 16));
    if (padding < 2) out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (padding < 1) out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

// --- export ---

void write_string(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void write_table(Writer& w, const Table& table, int depth);

void write_value(Writer& w, const Value& v, int depth) {
  switch (v.kind) {
    case ValueKind::kVoid:
      w.Null();
      return;
    case ValueKind::kBool:
      w.Bool(v.as_bool().value_or(false));
      return;
    case ValueKind::kFloat:
    case ValueKind::kDouble: {
      const double d = v.as_double().value_or(0);
      // JSON has no NaN or infinity.
      if (std::isfinite(d)) {
        w.Double(d);
      } else {
        w.Null();
      }
      return;
    }
    case ValueKind::kDecimal: {
      // As RabbitMQ shows a decimal: its numeric value.
      const Decimal dec = std::get<Decimal>(v.data);
      w.Double(static_cast<double>(dec.digits) / std::pow(10.0, dec.scale));
      return;
    }
    case ValueKind::kString:
    case ValueKind::kBytes:
      write_string(w, *v.as_string());
      return;
    case ValueKind::kArray:
      if (depth >= kMaxValueDepth) {
        w.Null();
        return;
      }
      w.StartArray();
      for (const Value& item : *v.as_array()) write_value(w, item, depth + 1);
      w.EndArray();
      return;
    case ValueKind::kTable:
      if (depth >= kMaxValueDepth) {
        w.Null();
        return;
      }
      write_table(w, *v.as_table(), depth + 1);
      return;
    default:
      break;
  }
  // Integers and timestamps.
  if (const auto* i = std::get_if<int64_t>(&v.data)) {
    w.Int64(*i);
  } else if (const auto* u = std::get_if<uint64_t>(&v.data)) {
    w.Uint64(*u);
  } else {
    w.Null();
  }
}

void write_table(Writer& w, const Table& table, int depth) {
  w.StartObject();
  for (const auto& [key, value] : table) {
    write_string(w, key);
    write_value(w, value, depth);
  }
  w.EndObject();
}

Status invalid(const std::string& where, const std::string& what) {
  return {ErrorCode::kInvalidArgument, where + ": " + what};
}

std::string json_string(const Json& v) { return std::string(v.GetString(), v.GetStringLength()); }

Status to_value(const Json& in, Value& out, int depth, const std::string& where);

Status to_table(const Json& in, Table& out, int depth, const std::string& where) {
  if (depth > kMaxValueDepth)
    return invalid(where, "nested deeper than " + std::to_string(kMaxValueDepth));
  for (auto m = in.MemberBegin(); m != in.MemberEnd(); ++m) {
    Value v;
    if (Status s = to_value(m->value, v, depth, where); !s.ok()) return s;
    out.emplace_back(json_string(m->name), std::move(v));
  }
  return Status::Ok();
}

Status to_value(const Json& in, Value& out, int depth, const std::string& where) {
  if (in.IsNull()) {
    out = Value::Void();
  } else if (in.IsBool()) {
    out = Value::Bool(in.GetBool());
  } else if (in.IsInt64()) {
    out = Value::Int64(in.GetInt64());
  } else if (in.IsUint64()) {
    out = Value::UInt(ValueKind::kUInt64, in.GetUint64());
  } else if (in.IsNumber()) {
    out = Value::Double(in.GetDouble());
  } else if (in.IsString()) {
    out = Value::String(json_string(in));
  } else if (in.IsArray()) {
    if (depth + 1 > kMaxValueDepth) {
      return invalid(where, "nested deeper than " + std::to_string(kMaxValueDepth));
    }
    Array items;
    items.reserve(in.Size());
    for (const Json& item : in.GetArray()) {
      Value v;
      if (Status s = to_value(item, v, depth + 1, where); !s.ok()) return s;
      items.push_back(std::move(v));
    }
    out = Value::Arr(std::move(items));
  } else {
    Table table;
    if (Status s = to_table(in, table, depth + 1, where); !s.ok()) return s;
    out = Value::Tab(std::move(table));
  }
  return Status::Ok();
}

}  // namespace

void write_json_table(JsonWriter& w, const Table& table) { write_table(w, table, 1); }
void write_json_value(JsonWriter& w, const Value& value) { write_value(w, value, 1); }

Status json_to_table(const Json& object, Table& out, const std::string& where) {
  if (!object.IsObject()) return {ErrorCode::kInvalidArgument, where + " must be an object"};
  return to_table(object, out, 1, where);
}

std::string base64_encode(std::string_view bytes) { return encode_base64(bytes); }
std::optional<std::string> base64_decode(std::string_view text) { return decode_base64(text); }

std::string password_hash(const User& user) {
  return user.password_digest.empty() ? std::string()
                                      : encode_base64(user.salt + user.password_digest);
}

}  // namespace polymq::rabbit
