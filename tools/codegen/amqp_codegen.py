#!/usr/bin/env python3
"""Generates PolyMQ's AMQP 0-9-1 method codec from RabbitMQ's protocol JSON.

Usage: tools/codegen/amqp_codegen.py --spec PATH/amqp-rabbitmq-0.9.1.json \
           --out src/amqp/codec/generated

Writes, into --out:
  amqp_spec.h          constants, one struct per method, the Method variant, decode_method()
  amqp_spec.cpp        argument encoders/decoders, method lookup tables, reply-code names
  amqp_properties.cpp  the basic class's property flags and property list
  amqp_spec_test.cpp   a GoogleTest round trip of every method with non-default values

The output is deterministic (same spec, same bytes) and is committed; see docs/codegen.md.
Python 3 standard library only.
"""

import argparse
import json
import os
import sys

GENERATOR = "tools/codegen/amqp_codegen.py"

# AMQP primitive type -> (C++ type, Writer/Reader call, default literal when the spec gives none)
TYPES = {
    "octet": ("uint8_t", "u8", "0"),
    "short": ("uint16_t", "u16", "0"),
    "long": ("uint32_t", "u32", "0"),
    "longlong": ("uint64_t", "u64", "0"),
    "timestamp": ("uint64_t", "u64", "0"),
    "bit": ("bool", None, "false"),
    "shortstr": ("std::string", "shortstr", None),
    "longstr": ("std::string", "longstr", None),
    "table": ("core::Table", None, None),
}

CPP_KEYWORDS = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
    "case", "catch", "char", "class", "compl", "concept", "const", "consteval", "constexpr",
    "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype",
    "default", "delete", "do", "double", "dynamic_cast", "else", "enum", "explicit", "export",
    "extern", "false", "float", "for", "friend", "goto", "if", "inline", "int", "long",
    "mutable", "namespace", "new", "noexcept", "not", "not_eq", "nullptr", "operator", "or",
    "or_eq", "private", "protected", "public", "register", "reinterpret_cast", "requires",
    "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct",
    "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid",
    "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while",
    "xor", "xor_eq",
}


def camel(name):
    """'recover-async' -> 'RecoverAsync'."""
    return "".join(part[:1].upper() + part[1:] for part in name.replace("_", "-").split("-"))


def const_name(name):
    """'FRAME-MIN-SIZE' -> 'kFrameMinSize'."""
    return "k" + "".join(p.capitalize() for p in name.lower().split("-"))


def field_name(name):
    """'auto-delete' -> 'auto_delete'; C++ keywords get a trailing underscore."""
    n = name.replace("-", "_").replace(" ", "_")
    return n + "_" if n in CPP_KEYWORDS else n


def cpp_string(s):
    """A C++ string literal for str (as UTF-8) or bytes."""
    data = s.encode("utf-8") if isinstance(s, str) else s
    out = []
    after_hex = False
    for ch in data:
        c = chr(ch)
        if 32 <= ch < 127:
            if after_hex and c in "0123456789abcdefABCDEF":
                out.append('" "')  # a hex escape would swallow this digit
            out.append("\\" + c if c in '"\\' else c)
            after_hex = False
        else:
            out.append("\\x%02x" % ch)
            after_hex = True
    return '"' + "".join(out) + '"'


class Field:
    def __init__(self, spec, raw):
        self.spec_name = raw["name"]
        self.name = field_name(raw["name"])
        self.type = spec.resolve(raw)
        if self.type not in TYPES:
            sys.exit("unsupported AMQP type %r for %r" % (self.type, self.spec_name))
        self.cpp_type, self.call, zero = TYPES[self.type]
        self.default = raw.get("default-value")
        self.initializer = self._initializer(zero)

    def _initializer(self, zero):
        d = self.default
        if self.type == "bit":
            return "true" if d else "false"
        if self.type in ("shortstr", "longstr"):
            return cpp_string(d) if d else None
        if self.type == "table":
            if d not in (None, {}):
                sys.exit("non-empty table default for %r is not supported" % self.spec_name)
            return None
        return str(int(d)) if d is not None else zero


class Method:
    def __init__(self, spec, klass, raw):
        self.klass = klass
        self.spec_name = raw["name"]
        self.id = raw["id"]
        self.full_name = "%s.%s" % (klass.name, raw["name"])
        self.struct = camel(klass.name) + camel(raw["name"])
        self.content = bool(raw.get("content", False))
        self.synchronous = bool(raw.get("synchronous", False))
        self.fields = [Field(spec, a) for a in raw.get("arguments", [])]
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            sys.exit("duplicate argument names in %s" % self.full_name)


class Klass:
    def __init__(self, spec, raw):
        self.name = raw["name"]
        self.id = raw["id"]
        self.methods = [Method(spec, self, m) for m in raw.get("methods", [])]
        self.properties = [Field(spec, p) for p in raw.get("properties", None) or []]


class Spec:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            raw = json.load(f)
        self.file_name = os.path.basename(path)
        self.major = raw["major-version"]
        self.minor = raw["minor-version"]
        self.revision = raw["revision"]
        self.port = raw["port"]
        self.domains = {name: typ for name, typ in raw["domains"]}
        self.constants = [(c["name"], c["value"], c.get("class")) for c in raw["constants"]]
        self.classes = [Klass(self, c) for c in raw["classes"]]
        self.methods = [m for c in self.classes for m in c.methods]

    def resolve(self, raw):
        t = raw.get("type") or raw.get("domain")
        seen = set()
        while t in self.domains and self.domains[t] != t:
            if t in seen:
                sys.exit("domain cycle at %r" % t)
            seen.add(t)
            t = self.domains[t]
        return t


def banner(spec):
    return ("// Generated by %s from %s. DO NOT EDIT.\n"
            "// Regenerate with the command in docs/codegen.md.\n" % (GENERATOR, spec.file_name))


def bit_groups(fields):
    """Yields ('field', f) or ('bits', [f...]) with consecutive bits packed 8 per octet."""
    group = []
    for f in fields:
        if f.type == "bit":
            group.append(f)
            if len(group) == 8:
                yield ("bits", group)
                group = []
            continue
        if group:
            yield ("bits", group)
            group = []
        yield ("field", f)
    if group:
        yield ("bits", group)


def is_reply_code(name, cls):
    return cls is not None or name.startswith("REPLY-")


def constant_type(name, value, cls):
    if is_reply_code(name, cls):
        return "uint16_t"
    return "uint8_t" if value <= 0xFF else "uint32_t"


def wrap_terms(prefix, terms, suffix, indent):
    """prefix + terms joined by ' | ', broken before 100 columns, aligned under the first."""
    lines = []
    line = prefix
    for i, t in enumerate(terms):
        piece = t + (" |" if i + 1 < len(terms) else suffix)
        if line != prefix and len(line) + 1 + len(piece) > 100:
            lines.append(line)
            line = " " * indent + piece
        else:
            line = line + ("" if line == prefix else " ") + piece
    lines.append(line)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# amqp_spec.h


def gen_header(spec):
    o = [banner(spec)]
    o.append("""//
// AMQP 0-9-1 as RabbitMQ speaks it: every constant, one plain struct per method with its
// arguments as fields (defaults from the spec), and decoding of a method frame payload into the
// Method variant. Consecutive bit arguments are packed into octets, first bit in the low bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "amqp/codec/wire.h"
#include "core/value.h"

namespace polymq::amqp::spec {

""")
    o.append("constexpr uint8_t kVersionMajor = %d;\n" % spec.major)
    o.append("constexpr uint8_t kVersionMinor = %d;\n" % spec.minor)
    o.append("constexpr uint8_t kVersionRevision = %d;\n" % spec.revision)
    o.append("constexpr uint16_t kDefaultPort = %d;\n\n" % spec.port)
    o.append("// Frame types and sizes.\n")
    for name, value, cls in spec.constants:
        if not is_reply_code(name, cls):
            o.append("constexpr %s %s = %d;\n"
                     % (constant_type(name, value, cls), const_name(name), value))
    o.append("\n// Reply codes (connection.close / channel.close reply-code).\n")
    for name, value, cls in spec.constants:
        if is_reply_code(name, cls):
            o.append("constexpr %s %s = %d;\n"
                     % (constant_type(name, value, cls), const_name(name), value))
    o.append("\n// Class ids.\n")
    for c in spec.classes:
        o.append("constexpr uint16_t kClass%s = %d;\n" % (camel(c.name), c.id))
    o.append("""
// True for a reply code the spec classes as a hard error (closes the connection) rather than a
// soft error (closes the channel). Codes the spec does not class are reported as hard.
bool is_hard_error(uint16_t reply_code);
// The spec's name of a reply code with '-' as '_' ("NOT_FOUND"), as RabbitMQ prefixes its reply
// texts; nullptr for an unknown code.
const char* reply_code_name(uint16_t reply_code);

""")
    for m in spec.methods:
        o.append("struct %s {\n" % m.struct)
        o.append("  static constexpr uint16_t kClassId = %d;\n" % m.klass.id)
        o.append("  static constexpr uint16_t kMethodId = %d;\n" % m.id)
        o.append("  static constexpr const char* kName = \"%s\";\n" % m.full_name)
        o.append("  static constexpr bool kHasContent = %s;\n" % ("true" if m.content else "false"))
        o.append("  static constexpr bool kSynchronous = %s;\n"
                 % ("true" if m.synchronous else "false"))
        if m.fields:
            o.append("\n")
        for f in m.fields:
            if f.initializer is None:
                o.append("  %s %s;\n" % (f.cpp_type, f.name))
            else:
                o.append("  %s %s = %s;\n" % (f.cpp_type, f.name, f.initializer))
        o.append("\n  void encode_args(Writer& out) const;\n")
        o.append("  bool decode_args(Reader& in);\n")
        o.append("};\n\n")

    o.append("using Method = std::variant<std::monostate")
    for m in spec.methods:
        o.append(",\n                            %s" % m.struct)
    o.append(">;\n\n")
    o.append("""struct MethodInfo {
  uint16_t class_id;
  uint16_t method_id;
  const char* name;  // "basic.publish"
  bool has_content;
  bool synchronous;
};

// nullptr for an unknown method / for std::monostate.
const MethodInfo* method_info(uint16_t class_id, uint16_t method_id);
const MethodInfo* method_info(const Method& method);
// nullptr if unknown.
const char* method_name(uint16_t class_id, uint16_t method_id);
// false if unknown.
bool method_has_content(uint16_t class_id, uint16_t method_id);

enum class MethodDecode { kOk, kUnknownMethod, kMalformed };

// Decodes a method frame payload (class id, method id, arguments). As RabbitMQ does, the
// arguments must fill the payload exactly: a payload shorter than its method's arguments, a
// malformed table, or bytes left over after the last argument are kMalformed. A class/method
// pair the spec does not define is kUnknownMethod. On anything but kOk, `out` is unspecified.
MethodDecode decode_method(const uint8_t* payload, size_t size, Method& out);

// Writes class id, method id and arguments; writes nothing for std::monostate.
void encode_method(Writer& out, const Method& method);

}  // namespace polymq::amqp::spec
""")
    return "".join(o)


# --------------------------------------------------------------------------------------------
# amqp_spec.cpp


def gen_encode(m):
    o = []
    out = "out" if m.fields else ""
    o.append("void %s::encode_args(Writer&%s) const {\n" % (m.struct, " " + out if out else ""))
    for kind, item in bit_groups(m.fields):
        if kind == "bits":
            terms = ["(%s ? 0x%02x : 0)" % (f.name, 1 << i) for i, f in enumerate(item)]
            if len(terms) == 1:
                o.append("  out.u8(%s ? 1 : 0);\n" % item[0].name)
            else:
                prefix = "  out.u8(static_cast<uint8_t>("
                o.append(wrap_terms(prefix, terms, "));", len(prefix)))
        elif item.type == "table":
            o.append("  encode_table(out, %s);\n" % item.name)
        else:
            o.append("  out.%s(%s);\n" % (item.call, item.name))
    o.append("}\n\n")
    return "".join(o)


def gen_decode(m):
    o = []
    if not m.fields:
        return "bool %s::decode_args(Reader&) { return true; }\n\n" % m.struct
    o.append("bool %s::decode_args(Reader& in) {\n" % m.struct)
    n_bits = 0
    for kind, item in bit_groups(m.fields):
        if kind == "bits":
            if len(item) == 1:
                o.append("  %s = (in.u8() & 0x01) != 0;\n" % item[0].name)
                continue
            var = "bits%d" % n_bits
            n_bits += 1
            o.append("  uint8_t %s = in.u8();\n" % var)
            for i, f in enumerate(item):
                o.append("  %s = (%s & 0x%02x) != 0;\n" % (f.name, var, 1 << i))
        elif item.type == "table":
            o.append("  decode_table(in, %s);\n" % item.name)
        elif item.type in ("shortstr", "longstr"):
            o.append("  in.%s(%s);\n" % (item.call, item.name))
        else:
            o.append("  %s = in.%s();\n" % (item.name, item.call))
    o.append("  return in.ok();\n}\n\n")
    return "".join(o)


def gen_source(spec):
    o = [banner(spec)]
    o.append("""#include "amqp/codec/generated/amqp_spec.h"

#include <type_traits>

#include "amqp/codec/field_table.h"

namespace polymq::amqp::spec {
namespace {

constexpr uint32_t key(uint16_t class_id, uint16_t method_id) {
  return (uint32_t{class_id} << 16) | method_id;
}

template <class M>
bool decode_into(Reader& in, Method& out) {
  return out.emplace<M>().decode_args(in);
}

// Indexed by Method::index(); entry 0 stands for std::monostate.
constexpr MethodInfo kMethods[] = {
    {0, 0, nullptr, false, false},
""")
    for m in spec.methods:
        o.append("    {%d, %d, \"%s\", %s, %s},\n" % (
            m.klass.id, m.id, m.full_name, "true" if m.content else "false",
            "true" if m.synchronous else "false"))
    o.append("""};
static_assert(std::size(kMethods) == std::variant_size_v<Method>);

}  // namespace

bool is_hard_error(uint16_t reply_code) {
  switch (reply_code) {
""")
    soft = [(n, v) for n, v, cls in spec.constants if cls == "soft-error"]
    for n, v in soft:
        o.append("    case %s:\n" % const_name(n))
    o.append("      return false;\n    default:\n      return true;\n  }\n}\n\n")
    o.append("const char* reply_code_name(uint16_t reply_code) {\n  switch (reply_code) {\n")
    for n, v, cls in spec.constants:
        if cls is None and n != "REPLY-SUCCESS":
            continue
        o.append("    case %s:\n      return \"%s\";\n" % (const_name(n), n.replace("-", "_")))
    o.append("    default:\n      return nullptr;\n  }\n}\n\n")

    o.append("const MethodInfo* method_info(uint16_t class_id, uint16_t method_id) {\n")
    o.append("  switch (key(class_id, method_id)) {\n")
    for i, m in enumerate(spec.methods):
        o.append("    case key(%d, %d):\n      return &kMethods[%d];\n" % (m.klass.id, m.id, i + 1))
    o.append("    default:\n      return nullptr;\n  }\n}\n\n")
    o.append("""const MethodInfo* method_info(const Method& method) {
  return method.index() == 0 ? nullptr : &kMethods[method.index()];
}

const char* method_name(uint16_t class_id, uint16_t method_id) {
  const MethodInfo* info = method_info(class_id, method_id);
  return info != nullptr ? info->name : nullptr;
}

bool method_has_content(uint16_t class_id, uint16_t method_id) {
  const MethodInfo* info = method_info(class_id, method_id);
  return info != nullptr && info->has_content;
}

MethodDecode decode_method(const uint8_t* payload, size_t size, Method& out) {
  Reader in(payload, size);
  uint16_t class_id = in.u16();
  uint16_t method_id = in.u16();
  if (!in.ok()) return MethodDecode::kMalformed;
  bool ok = false;
  switch (key(class_id, method_id)) {
""")
    for m in spec.methods:
        o.append("    case key(%d, %d):\n      ok = decode_into<%s>(in, out);\n      break;\n"
                 % (m.klass.id, m.id, m.struct))
    o.append("""    default:
      return MethodDecode::kUnknownMethod;
  }
  return ok && in.remaining() == 0 ? MethodDecode::kOk : MethodDecode::kMalformed;
}

void encode_method(Writer& out, const Method& method) {
  std::visit(
      [&out](const auto& m) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(m)>, std::monostate>) {
          out.u16(m.kClassId);
          out.u16(m.kMethodId);
          m.encode_args(out);
        }
      },
      method);
}

""")
    for m in spec.methods:
        o.append(gen_encode(m))
        o.append(gen_decode(m))
    o.append("}  // namespace polymq::amqp::spec\n")
    return "".join(o)


# --------------------------------------------------------------------------------------------
# amqp_properties.cpp


def gen_properties(spec):
    basic = [c for c in spec.classes if c.name == "basic"]
    if not basic or not basic[0].properties:
        sys.exit("the spec has no basic class properties")
    props = basic[0].properties
    if len(props) > 15:
        sys.exit("more than 15 properties would need continuation flag words")
    for p in props:
        if p.type not in ("shortstr", "octet", "timestamp", "table"):
            sys.exit("unsupported property type %r" % p.type)
    # Bits below the last property's flag, down to and including the continuation bit 0.
    unused_mask = (1 << (16 - len(props))) - 1
    o = [banner(spec)]
    o.append("""//
// The basic class's content properties, in spec order: flag bit 15 is the first property.
#include "amqp/codec/content_header.h"
#include "amqp/codec/field_table.h"

namespace polymq::amqp {

void encode_basic_properties(Writer& out, const core::Properties& props) {
  uint16_t flags = 0;
""")
    for i, p in enumerate(props):
        o.append("  if (props.%s) flags |= 0x%04x;\n" % (p.name, 1 << (15 - i)))
    o.append("  out.u16(flags);\n")
    for p in props:
        if p.type == "table":
            o.append("  if (props.%s) encode_table(out, *props.%s);\n" % (p.name, p.name))
        else:
            o.append("  if (props.%s) out.%s(*props.%s);\n" % (p.name, p.call, p.name))
    o.append("""}

bool decode_basic_properties(Reader& in, core::Properties& props) {
  props = core::Properties{};
  uint16_t flags = in.u16();
""")
    o.append("  // No continuation word and no flag beyond the last property.\n")
    o.append("  if ((flags & 0x%04x) != 0) in.fail();\n" % unused_mask)
    o.append("  if (!in.ok()) return false;\n")
    for i, p in enumerate(props):
        bit = 1 << (15 - i)
        if p.type == "table":
            o.append("  if ((flags & 0x%04x) != 0) decode_table(in, props.%s.emplace());\n"
                     % (bit, p.name))
        elif p.type == "shortstr":
            o.append("  if ((flags & 0x%04x) != 0) in.shortstr(props.%s.emplace());\n"
                     % (bit, p.name))
        else:
            o.append("  if ((flags & 0x%04x) != 0) props.%s = in.%s();\n" % (bit, p.name, p.call))
    o.append("  return in.ok();\n}\n\n}  // namespace polymq::amqp\n")
    return "".join(o)


# --------------------------------------------------------------------------------------------
# amqp_spec_test.cpp


def sample_value(f, i):
    """A C++ expression for a value of field f that differs from its default."""
    if f.type == "bit":
        return "false" if f.default else "true"
    if f.type == "octet":
        v = (0xA5 + 17 * i) & 0xFF
        return str(v if v != (f.default or 0) else v ^ 1)
    if f.type == "short":
        v = (0xBEEF + 257 * i) & 0xFFFF
        return str(v if v != (f.default or 0) else v ^ 1)
    if f.type == "long":
        return "%du" % ((0xDEADBEEF + 65537 * i) & 0xFFFFFFFF)
    if f.type in ("longlong", "timestamp"):
        return "%dull" % ((0xF123456789ABCDEF + 4099 * i) & 0xFFFFFFFFFFFFFFFF)
    if f.type == "shortstr":
        return "std::string(%s)" % cpp_string("%s-%d" % (f.spec_name, i))
    if f.type == "longstr":
        data = b"\0" + f.spec_name.encode() + b"\xff" + str(i).encode()
        return "std::string(%s, %d)" % (cpp_string(data), len(data))
    if f.type == "table":
        return ('core::Table{{"k%d", core::Value::Int32(%d)},\n'
                '                      {"s", core::Value::String("v")}}' % (i, -i - 1))
    raise ValueError(f.type)


def gen_test(spec):
    o = [banner(spec)]
    o.append("""//
// Every method with every argument set to a value other than its default: encode as a frame,
// parse, decode, compare, re-encode byte-for-byte; then every truncation and one extra byte.
#include <gtest/gtest.h>

#include <string>

#include "amqp/codec/field_table.h"
#include "amqp/codec/frame.h"
#include "amqp/codec/generated/amqp_spec.h"

namespace polymq::amqp::spec {
namespace {

std::string table_bytes(const core::Table& t) {
  std::string s;
  Writer w(s);
  encode_table(w, t);
  return s;
}

template <class M>
void round_trip(const M& m, M& decoded) {
  std::string bytes;
  append_method_frame(bytes, 7, m);
  Frame f{};
  size_t consumed = 0;
  ASSERT_EQ(parse_frame(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), 0, f,
                        consumed),
            FrameParse::kFrame);
  ASSERT_EQ(consumed, bytes.size());
  ASSERT_EQ(f.type, kFrameMethod);
  ASSERT_EQ(f.channel, 7);
  Method out;
  ASSERT_EQ(decode_method(f.payload, f.size, out), MethodDecode::kOk);
  ASSERT_TRUE(std::holds_alternative<M>(out));
  decoded = std::get<M>(out);

  std::string again;
  append_method_frame(again, 7, out);
  EXPECT_EQ(again, bytes);

  const MethodInfo* info = method_info(out);
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->class_id, M::kClassId);
  EXPECT_EQ(info->method_id, M::kMethodId);
  EXPECT_STREQ(info->name, M::kName);
  EXPECT_EQ(info->has_content, M::kHasContent);
  EXPECT_EQ(info->synchronous, M::kSynchronous);
  EXPECT_STREQ(method_name(M::kClassId, M::kMethodId), M::kName);
  EXPECT_EQ(method_has_content(M::kClassId, M::kMethodId), M::kHasContent);

  Method scratch;
  for (uint32_t n = 0; n < f.size; ++n) {
    EXPECT_EQ(decode_method(f.payload, n, scratch), MethodDecode::kMalformed) << "length " << n;
  }
  std::string padded(reinterpret_cast<const char*>(f.payload), f.size);
  padded.push_back('\\0');
  EXPECT_EQ(decode_method(reinterpret_cast<const uint8_t*>(padded.data()), padded.size(), scratch),
            MethodDecode::kMalformed);
}

""")
    for m in spec.methods:
        o.append("TEST(GeneratedMethodRoundTrip, %s) {\n" % m.struct)
        o.append("  %s m;\n" % m.struct)
        for i, f in enumerate(m.fields):
            o.append("  m.%s = %s;\n" % (f.name, sample_value(f, i)))
        o.append("  %s d;\n" % m.struct)
        o.append("  round_trip(m, d);\n")
        o.append("  if (HasFatalFailure()) return;\n")
        for f in m.fields:
            if f.type == "table":
                o.append("  EXPECT_EQ(table_bytes(d.%s), table_bytes(m.%s));\n" % (f.name, f.name))
            else:
                o.append("  EXPECT_EQ(d.%s, m.%s);\n" % (f.name, f.name))
        o.append("}\n\n")
    o.append("}  // namespace\n}  // namespace polymq::amqp::spec\n")
    return "".join(o)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", required=True, help="path to amqp-rabbitmq-0.9.1.json")
    ap.add_argument("--out", required=True, help="output directory (src/amqp/codec/generated)")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if any output file differs from what is there")
    args = ap.parse_args()

    spec = Spec(args.spec)
    outputs = {
        "amqp_spec.h": gen_header(spec),
        "amqp_spec.cpp": gen_source(spec),
        "amqp_properties.cpp": gen_properties(spec),
        "amqp_spec_test.cpp": gen_test(spec),
    }
    stale = []
    if not args.check:
        os.makedirs(args.out, exist_ok=True)
    for name, text in outputs.items():
        path = os.path.join(args.out, name)
        try:
            with open(path, encoding="utf-8") as f:
                current = f.read()
        except FileNotFoundError:
            current = None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    if args.check and stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
