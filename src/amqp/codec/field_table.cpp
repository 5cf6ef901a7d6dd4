#include "amqp/codec/field_table.h"

#include <bit>
#include <limits>
#include <memory>
#include <string_view>
#include <utility>

namespace polymq::amqp {
namespace {

using core::Value;
using core::ValueKind;

// `depth` is the nesting level of the container being decoded (1 for a top-level table).
bool decode_table_at(Reader& in, core::Table& out, int depth) {
  out.clear();
  std::string_view body;
  if (!in.bytes(in.u32(), body)) return false;
  Reader entries(body);
  while (entries.remaining() > 0) {
    std::string key;
    entries.shortstr(key);
    Value value;
    if (!decode_field_value(entries, value, depth)) {
      in.fail();
      return false;
    }
    out.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

bool decode_array_at(Reader& in, core::Array& out, int depth) {
  out.clear();
  std::string_view body;
  if (!in.bytes(in.u32(), body)) return false;
  Reader items(body);
  while (items.remaining() > 0) {
    Value value;
    if (!decode_field_value(items, value, depth)) {
      in.fail();
      return false;
    }
    out.push_back(std::move(value));
  }
  return true;
}

// Integer payload of a value whatever alternative holds it; 0 when it holds no number.
uint64_t bits_of(const Value& v) {
  if (auto* i = std::get_if<int64_t>(&v.data)) return static_cast<uint64_t>(*i);
  if (auto* u = std::get_if<uint64_t>(&v.data)) return *u;
  if (auto* b = std::get_if<bool>(&v.data)) return *b ? 1 : 0;
  if (auto* d = std::get_if<double>(&v.data)) {
    if (*d >= -9.2e18 && *d <= 9.2e18) return static_cast<uint64_t>(static_cast<int64_t>(*d));
  }
  return 0;
}

double double_of(const Value& v) { return v.as_double().value_or(0.0); }

// Narrowing a double outside float's range is undefined; saturate to infinity instead.
float float_of(const Value& v) {
  double d = double_of(v);
  constexpr double kMax = std::numeric_limits<float>::max();
  if (d > kMax) return std::numeric_limits<float>::infinity();
  if (d < -kMax) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(d);
}

std::string_view text_of(const Value& v) {
  const std::string* s = v.as_string();
  return s != nullptr ? std::string_view(*s) : std::string_view();
}

void encode_table_at(Writer& out, const core::Table& table, int depth) {
  size_t len_pos = out.position();
  out.u32(0);
  for (const auto& [key, value] : table) {
    out.shortstr(key);
    encode_field_value(out, value, depth);
  }
  out.patch_u32(len_pos, static_cast<uint32_t>(out.position() - len_pos - 4));
}

void encode_array_at(Writer& out, const core::Array& array, int depth) {
  size_t len_pos = out.position();
  out.u32(0);
  for (const Value& value : array) encode_field_value(out, value, depth);
  out.patch_u32(len_pos, static_cast<uint32_t>(out.position() - len_pos - 4));
}

bool uint64_fits_int64(const Value& v) {
  if (std::holds_alternative<int64_t>(v.data)) return true;
  return bits_of(v) <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
}

}  // namespace

bool decode_table(Reader& in, core::Table& out) { return decode_table_at(in, out, 1); }

void encode_table(Writer& out, const core::Table& table) { encode_table_at(out, table, 1); }

bool decode_field_value(Reader& in, Value& out, int depth) {
  uint8_t tag = in.u8();
  if (!in.ok()) return false;
  switch (tag) {
    case 't':
      out = Value::Bool(in.u8() != 0);
      break;
    case 'b':
      out = Value::Int(ValueKind::kInt8, static_cast<int8_t>(in.u8()));
      break;
    case 'B':
      out = Value::UInt(ValueKind::kUInt8, in.u8());
      break;
    case 's':
      out = Value::Int(ValueKind::kInt16, static_cast<int16_t>(in.u16()));
      break;
    case 'u':
      out = Value::UInt(ValueKind::kUInt16, in.u16());
      break;
    case 'I':
      out = Value::Int(ValueKind::kInt32, static_cast<int32_t>(in.u32()));
      break;
    case 'i':
      out = Value::UInt(ValueKind::kUInt32, in.u32());
      break;
    case 'l':
      out = Value::Int(ValueKind::kInt64, static_cast<int64_t>(in.u64()));
      break;
    case 'f':
      out = Value::Float(std::bit_cast<float>(in.u32()));
      break;
    case 'd':
      out = Value::Double(std::bit_cast<double>(in.u64()));
      break;
    case 'D': {
      core::Decimal d;
      d.scale = in.u8();
      d.digits = in.u32();
      out = Value::Dec(d);
      break;
    }
    case 'S':
    case 'x': {
      std::string s;
      in.longstr(s);
      out = tag == 'S' ? Value::String(std::move(s)) : Value::Bytes(std::move(s));
      break;
    }
    case 'T':
      out = Value::Timestamp(in.u64());
      break;
    case 'V':
      out = Value::Void();
      break;
    case 'A': {
      if (depth + 1 > kMaxFieldDepth) {
        in.fail();
        return false;
      }
      core::Array a;
      if (!decode_array_at(in, a, depth + 1)) return false;
      out = Value::Arr(std::move(a));
      break;
    }
    case 'F': {
      if (depth + 1 > kMaxFieldDepth) {
        in.fail();
        return false;
      }
      core::Table t;
      if (!decode_table_at(in, t, depth + 1)) return false;
      out = Value::Tab(std::move(t));
      break;
    }
    default:
      in.fail();
      return false;
  }
  return in.ok();
}

char field_tag(const Value& value) {
  switch (value.kind) {
    case ValueKind::kVoid:
      return 'V';
    case ValueKind::kBool:
      return 't';
    case ValueKind::kInt8:
      return 'b';
    case ValueKind::kUInt8:
      return 'B';
    case ValueKind::kInt16:
      return 's';
    case ValueKind::kUInt16:
      return 'u';
    case ValueKind::kInt32:
      return 'I';
    case ValueKind::kUInt32:
      return 'i';
    case ValueKind::kInt64:
      return 'l';
    case ValueKind::kUInt64:
      return uint64_fits_int64(value) ? 'l' : 'T';
    case ValueKind::kFloat:
      return 'f';
    case ValueKind::kDouble:
      return 'd';
    case ValueKind::kDecimal:
      return 'D';
    case ValueKind::kString:
      return 'S';
    case ValueKind::kBytes:
      return 'x';
    case ValueKind::kTimestamp:
      return 'T';
    case ValueKind::kArray:
      return 'A';
    case ValueKind::kTable:
      return 'F';
  }
  return 'V';
}

void encode_field_value(Writer& out, const Value& value, int depth) {
  char tag = field_tag(value);
  if ((tag == 'A' || tag == 'F') && depth + 1 > kMaxFieldDepth) tag = 'V';
  out.u8(static_cast<uint8_t>(tag));
  switch (tag) {
    case 't':
      out.u8(value.as_bool().value_or(bits_of(value) != 0) ? 1 : 0);
      break;
    case 'b':
    case 'B':
      out.u8(static_cast<uint8_t>(bits_of(value)));
      break;
    case 's':
    case 'u':
      out.u16(static_cast<uint16_t>(bits_of(value)));
      break;
    case 'I':
    case 'i':
      out.u32(static_cast<uint32_t>(bits_of(value)));
      break;
    case 'l':
    case 'T':
      out.u64(bits_of(value));
      break;
    case 'f':
      out.u32(std::bit_cast<uint32_t>(float_of(value)));
      break;
    case 'd':
      out.u64(std::bit_cast<uint64_t>(double_of(value)));
      break;
    case 'D': {
      core::Decimal d;
      if (auto* p = std::get_if<core::Decimal>(&value.data)) d = *p;
      out.u8(d.scale);
      out.u32(d.digits);
      break;
    }
    case 'S':
    case 'x':
      out.longstr(text_of(value));
      break;
    case 'A': {
      const core::Array* a = value.as_array();
      encode_array_at(out, a != nullptr ? *a : core::Array{}, depth + 1);
      break;
    }
    case 'F': {
      const core::Table* t = value.as_table();
      encode_table_at(out, t != nullptr ? *t : core::Table{}, depth + 1);
      break;
    }
    default:  // 'V'
      break;
  }
}

}  // namespace polymq::amqp
