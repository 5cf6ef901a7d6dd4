// Protocol-neutral typed values: message headers, queue/exchange arguments, peer properties.
//
// Each value keeps its precise numeric kind so a header published through one protocol is
// delivered with the same type it arrived with (a client may care whether 5 is an int32 or an
// int64). The core reads values only through the accessors below and never sees wire bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace polymq::core {

// Deepest nesting of arrays and tables a stored or imported value may have; decoders refuse
// deeper input (nothing legitimate comes near it, and recursion stays bounded).
inline constexpr int kMaxValueDepth = 64;

struct Value;

// Ordered (insertion order is kept and re-encoded as received); lookups are linear, which
// is the right trade for the handful of entries real tables carry.
using Table = std::vector<std::pair<std::string, Value>>;
using Array = std::vector<Value>;

struct Decimal {
  uint8_t scale = 0;
  uint32_t digits = 0;
  bool operator==(const Decimal&) const = default;
};

enum class ValueKind : uint8_t {
  kVoid,
  kBool,
  kInt8,
  kUInt8,
  kInt16,
  kUInt16,
  kInt32,
  kUInt32,
  kInt64,
  kUInt64,
  kFloat,
  kDouble,
  kDecimal,
  kString,     // text (AMQP long string)
  kBytes,      // binary (AMQP byte array 'x')
  kTimestamp,  // seconds since the epoch
  kArray,
  kTable,
};

struct Value {
  // Integers of every width live in int64_t/uint64_t; `kind` remembers the width.
  using Storage = std::variant<std::monostate, bool, int64_t, uint64_t, double, Decimal,
                               std::string, std::shared_ptr<Array>, std::shared_ptr<Table>>;

  ValueKind kind = ValueKind::kVoid;
  Storage data;

  static Value Void() { return {}; }
  static Value Bool(bool b) { return {ValueKind::kBool, b}; }
  static Value Int(ValueKind k, int64_t v) { return {k, v}; }
  static Value UInt(ValueKind k, uint64_t v) { return {k, v}; }
  static Value Int32(int32_t v) { return {ValueKind::kInt32, int64_t{v}}; }
  static Value Int64(int64_t v) { return {ValueKind::kInt64, v}; }
  static Value Float(float v) { return {ValueKind::kFloat, double{v}}; }
  static Value Double(double v) { return {ValueKind::kDouble, v}; }
  static Value Dec(Decimal d) { return {ValueKind::kDecimal, d}; }
  static Value String(std::string s) { return {ValueKind::kString, std::move(s)}; }
  static Value Bytes(std::string s) { return {ValueKind::kBytes, std::move(s)}; }
  static Value Timestamp(uint64_t t) { return {ValueKind::kTimestamp, t}; }
  static Value Arr(Array a) { return {ValueKind::kArray, std::make_shared<Array>(std::move(a))}; }
  static Value Tab(Table t) { return {ValueKind::kTable, std::make_shared<Table>(std::move(t))}; }

  bool is_integer() const { return kind >= ValueKind::kInt8 && kind <= ValueKind::kUInt64; }
  bool is_string() const { return kind == ValueKind::kString || kind == ValueKind::kBytes; }

  // Numeric view of any integer, float or timestamp value; nullopt for the rest.
  std::optional<int64_t> as_int() const;
  std::optional<double> as_double() const;
  // Text of a string or byte array; nullptr otherwise.
  const std::string* as_string() const { return std::get_if<std::string>(&data); }
  std::optional<bool> as_bool() const;
  const Table* as_table() const {
    auto* p = std::get_if<std::shared_ptr<Table>>(&data);
    return p ? p->get() : nullptr;
  }
  const Array* as_array() const {
    auto* p = std::get_if<std::shared_ptr<Array>>(&data);
    return p ? p->get() : nullptr;
  }

  // Deep equality, as the headers exchange compares values (type-insensitive for numbers
  // of different widths, as RabbitMQ compares 1 (int32) equal to 1 (int64)).
  bool equals(const Value& other) const;
};

// RabbitMQ's name for the AMQP field type of a value (rabbit_binary_parser: "signedint",
// "longstr", ...), as its error texts print it.
const char* rabbit_type_name(ValueKind kind);

// First entry with `key`, or nullptr.
const Value* find(const Table& table, std::string_view key);
// Convenience for arguments: the entry as an integer / string / bool if present and of that kind.
std::optional<int64_t> find_int(const Table& table, std::string_view key);
const std::string* find_string(const Table& table, std::string_view key);
std::optional<bool> find_bool(const Table& table, std::string_view key);
// Replace or append.
void set(Table& table, std::string key, Value value);

}  // namespace polymq::core
