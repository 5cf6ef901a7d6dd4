#include "core/value.h"

#include <cmath>

namespace polymq::core {

std::optional<int64_t> Value::as_int() const {
  if (auto* i = std::get_if<int64_t>(&data)) return *i;
  if (auto* u = std::get_if<uint64_t>(&data)) {
    if (*u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(*u);
  }
  if (auto* d = std::get_if<double>(&data)) {
    if (!std::isfinite(*d) || std::trunc(*d) != *d) return std::nullopt;
    if (*d < -9.2e18 || *d > 9.2e18) return std::nullopt;
    return static_cast<int64_t>(*d);
  }
  return std::nullopt;
}

std::optional<double> Value::as_double() const {
  if (auto* d = std::get_if<double>(&data)) return *d;
  if (auto* i = std::get_if<int64_t>(&data)) return static_cast<double>(*i);
  if (auto* u = std::get_if<uint64_t>(&data)) return static_cast<double>(*u);
  return std::nullopt;
}

std::optional<bool> Value::as_bool() const {
  if (auto* b = std::get_if<bool>(&data)) return *b;
  return std::nullopt;
}

bool Value::equals(const Value& other) const {
  if (is_integer() && other.is_integer()) {
    auto a = as_int();
    auto b = other.as_int();
    if (a && b) return *a == *b;
  }
  if (is_string() && other.is_string()) return *as_string() == *other.as_string();
  if (kind != other.kind) return false;
  if (auto* t = as_table()) {
    const Table* o = other.as_table();
    if (t->size() != o->size()) return false;
    for (size_t i = 0; i < t->size(); ++i) {
      if ((*t)[i].first != (*o)[i].first || !(*t)[i].second.equals((*o)[i].second)) return false;
    }
    return true;
  }
  if (auto* a = as_array()) {
    const Array* o = other.as_array();
    if (a->size() != o->size()) return false;
    for (size_t i = 0; i < a->size(); ++i) {
      if (!(*a)[i].equals((*o)[i])) return false;
    }
    return true;
  }
  return data == other.data;
}

const Value* find(const Table& table, std::string_view key) {
  for (const auto& [k, v] : table) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::optional<int64_t> find_int(const Table& table, std::string_view key) {
  const Value* v = find(table, key);
  if (v == nullptr || !v->is_integer()) return std::nullopt;
  return v->as_int();
}

const std::string* find_string(const Table& table, std::string_view key) {
  const Value* v = find(table, key);
  return v == nullptr ? nullptr : v->as_string();
}

std::optional<bool> find_bool(const Table& table, std::string_view key) {
  const Value* v = find(table, key);
  return v == nullptr ? std::nullopt : v->as_bool();
}

void set(Table& table, std::string key, Value value) {
  for (auto& [k, v] : table) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  table.emplace_back(std::move(key), std::move(value));
}

// RabbitMQ's name for the field type a value is decoded as (rabbit_binary_parser).
const char* rabbit_type_name(ValueKind kind) {
  switch (kind) {
    case ValueKind::kVoid:
      return "void";
    case ValueKind::kBool:
      return "bool";
    case ValueKind::kInt8:
      return "byte";
    case ValueKind::kUInt8:
      return "unsignedbyte";
    case ValueKind::kInt16:
      return "short";
    case ValueKind::kUInt16:
      return "unsignedshort";
    case ValueKind::kInt32:
      return "signedint";
    case ValueKind::kUInt32:
      return "unsignedint";
    case ValueKind::kInt64:
      return "long";
    case ValueKind::kUInt64:
      return "long";  // AMQP 0-9-1 as RabbitMQ reads it has no unsigned 64
    case ValueKind::kFloat:
      return "float";
    case ValueKind::kDouble:
      return "double";
    case ValueKind::kDecimal:
      return "decimal";
    case ValueKind::kString:
      return "longstr";
    case ValueKind::kBytes:
      return "binary";
    case ValueKind::kTimestamp:
      return "timestamp";
    case ValueKind::kArray:
      return "array";
    case ValueKind::kTable:
      return "table";
  }
  return "void";
}

}  // namespace polymq::core
