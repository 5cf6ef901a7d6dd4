// AMQP 0-9-1 field tables and field values, in RabbitMQ's dialect of the type tags.
//
//   tag  wire                      core::ValueKind     storage in core::Value
//   t    octet, 0 = false          kBool               bool
//   b    int8                      kInt8               int64_t
//   B    uint8                     kUInt8              uint64_t
//   s    int16                     kInt16              int64_t
//   u    uint16                    kUInt16             uint64_t
//   I    int32                     kInt32              int64_t
//   i    uint32                    kUInt32             uint64_t
//   l    int64                     kInt64              int64_t
//   f    IEEE-754 binary32         kFloat              double
//   d    IEEE-754 binary64         kDouble             double
//   D    scale octet + uint32      kDecimal            core::Decimal
//   S    uint32 length + bytes     kString             std::string
//   x    uint32 length + bytes     kBytes              std::string
//   T    uint64 seconds            kTimestamp          uint64_t
//   A    uint32 length + values    kArray              shared_ptr<Array>
//   F    uint32 length + entries   kTable              shared_ptr<Table>
//   V    nothing                   kVoid               monostate
//
// kUInt64 has no tag of its own: it is written as 'l' when it fits in int64 and as 'T' otherwise
// (the only unsigned 64-bit tag), so the number survives; it comes back as kInt64 or kTimestamp.
//
// Decoding rejects an unknown tag, any length running past its container, and nesting deeper than
// kMaxFieldDepth (tables and arrays count alike), so hostile input cannot exhaust the stack.
// Encoding writes a value nested deeper than that limit as void, for the same reason.
#pragma once

#include <cstddef>

#include "amqp/codec/wire.h"
#include "core/value.h"

namespace polymq::amqp {

inline constexpr int kMaxFieldDepth = 64;

// A table as a method argument or property: uint32 byte length, then (shortstr name, tag, value)*.
bool decode_table(Reader& in, core::Table& out);
void encode_table(Writer& out, const core::Table& table);

// One tagged value (tag octet + value). `depth` is the nesting level of the enclosing container.
bool decode_field_value(Reader& in, core::Value& out, int depth = 0);
void encode_field_value(Writer& out, const core::Value& value, int depth = 0);

// The tag a value is written with.
char field_tag(const core::Value& value);

}  // namespace polymq::amqp
