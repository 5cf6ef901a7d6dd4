#!/usr/bin/env python3
"""Generates PolyMQ's Kafka request/response codec from Apache Kafka's message schemas.

Usage: tools/codegen/kafka_codegen.py --spec ../shared/specs/kafka/message \
           --out src/kafka/protocol/generated [--check]

Writes, into --out (see docs/codegen.md):
  <api>.h / <api>.cpp  one struct per request and response of the API (nested structs for struct
                       arrays and struct fields, commonStructs too) with encode(Writer&, version)
                       and decode(Reader&, version)
  headers.h / .cpp     RequestHeader (v0-v2) and ResponseHeader (v0-v1)
  api_keys.h / .cpp    api key -> name, version range, first flexible version; header versions
  messages.h / .cpp    RequestBody / ResponseBody variants and decoding by api key
  messages_test.cpp    a GoogleTest round trip of every message at every valid version
  sources.cmake        the list of generated .cpp files, for src/kafka/protocol/CMakeLists.txt

The output is deterministic (same schemas, same bytes) and is committed.
Python 3 standard library only.
"""

import argparse
import json
import os
import re
import sys

GENERATOR = "tools/codegen/kafka_codegen.py"

# The APIs PolyMQ's Kafka front-end speaks (issue 11), in api key order of appearance here.
APIS = [
    "ApiVersions", "Metadata", "Produce", "Fetch", "ListOffsets", "OffsetForLeaderEpoch",
    "FindCoordinator", "JoinGroup", "SyncGroup", "Heartbeat", "LeaveGroup", "OffsetCommit",
    "OffsetFetch", "ListGroups", "DescribeGroups", "DeleteGroups", "OffsetDelete",
    "CreateTopics", "DeleteTopics", "CreatePartitions", "DescribeConfigs", "AlterConfigs",
    "IncrementalAlterConfigs", "DeleteRecords", "DescribeCluster", "InitProducerId",
    "SaslHandshake", "SaslAuthenticate", "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn",
    "TxnOffsetCommit",
]
HEADERS = ["RequestHeader", "ResponseHeader"]

# Kafka primitive -> (C++ type, Writer/Reader call, zero literal, minimum wire size)
PRIMITIVES = {
    "bool": ("bool", "boolean", "false", 1),
    "int8": ("int8_t", "int8", "0", 1),
    "int16": ("int16_t", "int16", "0", 2),
    "uint16": ("uint16_t", "uint16", "0", 2),
    "int32": ("int32_t", "int32", "0", 4),
    "uint32": ("uint32_t", "uint32", "0", 4),
    "int64": ("int64_t", "int64", "0", 8),
    "float64": ("double", "float64", "0.0", 8),
    "uuid": ("Uuid", "uuid", None, 16),
}
VARIABLE = ("string", "bytes", "records")
INT_RANGES = {
    "int8": (-2**7, 2**7 - 1), "int16": (-2**15, 2**15 - 1), "uint16": (0, 2**16 - 1),
    "int32": (-2**31, 2**31 - 1), "uint32": (0, 2**32 - 1), "int64": (-2**63, 2**63 - 1),
}

CPP_KEYWORDS = {
    "alignas", "alignof", "and", "asm", "auto", "bool", "break", "case", "catch", "char", "class",
    "const", "constexpr", "continue", "default", "delete", "do", "double", "else", "enum",
    "explicit", "export", "extern", "false", "float", "for", "friend", "goto", "if", "inline",
    "int", "long", "mutable", "namespace", "new", "noexcept", "not", "nullptr", "operator", "or",
    "private", "protected", "public", "register", "return", "short", "signed", "sizeof",
    "static", "struct", "switch", "template", "this", "throw", "true", "try", "typedef",
    "typename", "union", "unsigned", "using", "virtual", "void", "volatile", "while", "xor",
}
# Names the generated functions use for their parameters and locals.
RESERVED = {"in", "out", "ver", "flexible", "tagged", "n", "i", "e", "v", "t", "tag", "tag_count",
            "field", "scratch"}


def load_schema(path):
    """Kafka's JSON with // comment lines (the Kafka build strips them the same way)."""
    with open(path, encoding="utf-8") as f:
        text = "".join(line for line in f if not line.lstrip().startswith("//"))
    return json.loads(text)


def snake(name):
    """'ThrottleTimeMs' -> 'throttle_time_ms', 'V3AndBelowTopics' -> 'v3_and_below_topics'."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    s = s.lower()
    return s + "_" if s in CPP_KEYWORDS else s


def cpp_string(s):
    out = []
    for ch in s.encode("utf-8"):
        c = chr(ch)
        if 32 <= ch < 127 and c not in '"\\':
            out.append(c)
        else:
            out.append("\\x%02x\" \"" % ch)
    return '"' + "".join(out) + '"'


class Versions:
    """A version range: '3+', '1-4', '7', 'none'. hi None means open-ended."""

    def __init__(self, text):
        text = (text or "none").strip()
        self.text = text
        if text == "none":
            self.lo, self.hi = None, None
        elif text.endswith("+"):
            self.lo, self.hi = int(text[:-1]), None
        elif "-" in text:
            lo, hi = text.split("-")
            self.lo, self.hi = int(lo), int(hi)
        else:
            self.lo = self.hi = int(text)

    def empty(self):
        return self.lo is None

    def contains(self, v):
        return not self.empty() and v >= self.lo and (self.hi is None or v <= self.hi)

    def cond(self, valid, var="ver"):
        """A C++ condition for 'var is in this range', knowing var is within valid (lo, hi)."""
        if self.empty():
            return "false"
        lo_ok = self.lo <= valid[0]
        hi_ok = self.hi is None or self.hi >= valid[1]
        if self.lo > valid[1] or (self.hi is not None and self.hi < valid[0]):
            return "false"
        if lo_ok and hi_ok:
            return "true"
        if lo_ok:
            return "%s <= %d" % (var, self.hi)
        if hi_ok:
            return "%s >= %d" % (var, self.lo)
        if self.lo == self.hi:
            return "%s == %d" % (var, self.lo)
        return "(%s >= %d && %s <= %d)" % (var, self.lo, var, self.hi)


def cond_and(a, b):
    if a == "false" or b == "false":
        return "false"
    if a == "true":
        return b
    if b == "true" or a == b:
        return a
    return "%s && %s" % (a, b)


class Field:
    def __init__(self, msg, raw, owner):
        self.msg = msg
        self.spec_name = raw["name"]
        self.name = snake(raw["name"])
        if self.name in RESERVED:
            sys.exit("%s: field name %r clashes with a generated name" % (msg.name, self.name))
        self.type = raw["type"]
        self.versions = Versions(raw.get("versions"))
        self.nullable = Versions(raw.get("nullableVersions"))
        self.tag = raw.get("tag")
        self.tagged = Versions(raw.get("taggedVersions")) if self.tag is not None else None
        if self.tag is not None and self.tagged.empty():
            sys.exit("%s.%s: a tag without taggedVersions" % (msg.name, self.spec_name))
        # A field may override the message's flexible versions (RequestHeader.ClientId: "none").
        fv = raw.get("flexibleVersions")
        self.flex_override = Versions(fv) if fv is not None else None
        self.default = raw.get("default")
        self.is_array = self.type.startswith("[]")
        elem = self.type[2:] if self.is_array else self.type
        self.elem = elem
        self.struct = None
        if elem not in PRIMITIVES and elem not in VARIABLE:
            self.struct = msg.struct_for(elem, raw, owner)
            if not self.is_array and not self.nullable.empty():
                sys.exit("%s.%s: nullable struct fields are not supported"
                         % (msg.name, self.spec_name))
        if self.is_array and elem == "records":
            sys.exit("%s.%s: arrays of records" % (msg.name, self.spec_name))
        self.optional = not self.nullable.empty() and self.type in ("string", "bytes") \
            or (self.is_array and not self.nullable.empty())

    def nullable_cond(self):
        """A C++ condition for 'null is allowed in ver', where ver is a version having f."""
        lo, hi = self.msg.valid
        if self.versions.empty():
            return "false"
        have = (max(lo, self.versions.lo), hi if self.versions.hi is None
                else min(hi, self.versions.hi))
        return self.nullable.cond(have)

    # ---- C++ type and default ----
    def elem_cpp(self):
        if self.struct:
            return self.struct.name
        if self.elem in PRIMITIVES:
            return PRIMITIVES[self.elem][0]
        return "std::string"

    def cpp_type(self):
        if self.is_array:
            t = "std::vector<%s>" % self.elem_cpp()
            return "std::optional<%s>" % t if self.optional else t
        if self.type == "records":
            return "std::optional<std::string_view>"
        if self.type in ("string", "bytes"):
            return "std::optional<std::string>" if self.optional else "std::string"
        return self.elem_cpp()

    def initializer(self):
        """The default member initializer, or None for the type's own default. A nullable field
        defaults to null only when the schema says "null"; else to the empty value, as Kafka."""
        d = self.default
        if self.is_array or self.struct or self.type in ("records", "uuid", "bytes"):
            if d not in (None, "", "null") or (d == "null" and not self.optional
                                               and self.type != "records"):
                sys.exit("%s.%s: unsupported default %r" % (self.msg.name, self.spec_name, d))
            if self.type == "records":
                return None  # records default to null (Kafka's MemoryRecords default)
            if d == "null":
                return "std::nullopt"
            if self.optional:
                return "std::vector<%s>()" % self.elem_cpp() if self.is_array \
                    else "std::string()"
            return None
        if self.type == "string":
            if d == "null":
                if not self.optional:
                    sys.exit("%s.%s: null default on a non-nullable string"
                             % (self.msg.name, self.spec_name))
                return "std::nullopt"
            if d is None or d == "":
                return '""' if self.optional else None
            return cpp_string(d)
        if self.type == "bool":
            if d is None:
                return "false"
            if isinstance(d, bool):
                return "true" if d else "false"
            if str(d).lower() not in ("true", "false"):
                sys.exit("%s.%s: bad bool default %r" % (self.msg.name, self.spec_name, d))
            return str(d).lower()
        if self.type == "float64":
            return repr(float(d)) if d is not None else "0.0"
        lo, hi = INT_RANGES[self.type]
        v = 0 if d is None else int(str(d), 0)
        if not lo <= v <= hi:
            sys.exit("%s.%s: default %r out of range" % (self.msg.name, self.spec_name, d))
        if v == lo and v < 0:
            return "std::numeric_limits<%s>::min()" % PRIMITIVES[self.type][0]
        return str(v)

    def min_size(self, flexible, versions):
        """Fewest bytes this field takes on the wire (when present and not tagged)."""
        if self.is_array or self.type in VARIABLE:
            return 1 if flexible else (2 if self.type == "string" else 4)
        if self.struct:
            return self.struct.min_size(flexible, versions)
        return PRIMITIVES[self.type][3]


class Struct:
    def __init__(self, msg, name, raw_fields):
        self.msg = msg
        self.name = name
        self.raw_fields = raw_fields
        self.fields = []

    def build(self):
        self.fields = [Field(self.msg, f, self) for f in self.raw_fields]
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            sys.exit("%s.%s: duplicate field names" % (self.msg.name, self.name))
        tags = [f.tag for f in self.fields if f.tag is not None]
        if len(set(tags)) != len(tags):
            sys.exit("%s.%s: duplicate tags" % (self.msg.name, self.name))

    def regular(self):
        return [f for f in self.fields if f.tag is None]

    def tagged(self):
        return sorted([f for f in self.fields if f.tag is not None], key=lambda f: f.tag)

    def min_size(self, flexible, versions):
        """Fewest bytes the struct takes in any of `versions` (all of one flexibility): the
        fields present in every one of them, plus the tagged-field count when flexible."""
        total = 1 if flexible else 0
        for f in self.regular():
            if all(f.versions.contains(v) for v in versions):
                total += f.min_size(flexible, versions)
        return total


class Message:
    def __init__(self, raw, file_name):
        self.file_name = file_name
        self.name = raw["name"]
        self.kind = raw["type"]  # request, response, header
        self.api_key = raw.get("apiKey")
        v = Versions(raw["validVersions"])
        self.valid = (v.lo, v.hi)
        fv = Versions(raw.get("flexibleVersions", "none"))
        self.flex_lo = fv.lo
        if fv.hi is not None:
            sys.exit("%s: closed flexibleVersions" % self.name)
        self.structs = {}  # name -> Struct, all struct types of this message
        self.order = []  # definition order: a struct after the structs it uses
        self.common = {c["name"]: c for c in raw.get("commonStructs", [])}
        self.root = Struct(self, self.name, raw["fields"])
        self.root.build()
        for f in self.root.fields:
            if f.tag is not None and self.flex_lo is None:
                sys.exit("%s: tagged field in a message without flexible versions" % self.name)

    def is_flexible(self, v):
        return self.flex_lo is not None and v >= self.flex_lo

    def flexible_cond(self):
        if self.flex_lo is None:
            return "false"
        return Versions("%d+" % self.flex_lo).cond(self.valid)

    def struct_for(self, name, raw, owner):
        if name in self.structs:
            if "fields" in raw:
                sys.exit("%s: struct %s defined twice" % (self.name, name))
            return self.structs[name]
        if "fields" in raw:
            fields = raw["fields"]
        elif name in self.common:
            fields = self.common[name]["fields"]
        else:
            sys.exit("%s: unknown type %s" % (self.name, name))
        s = Struct(self, name, fields)
        self.structs[name] = s
        s.build()
        self.order.append(s)  # after its own children, which build() registered
        return s


def banner(text):
    return ("// Generated by %s from %s. DO NOT EDIT.\n"
            "// Regenerate with the command in docs/codegen.md.\n" % (GENERATOR, text))


def ind(n):
    return "  " * n


# --------------------------------------------------------------------------------------------
# Encoding and decoding of one field


def compact_expr(f):
    """Whether f uses compact strings/bytes/arrays: the message's flexible versions unless the
    field names its own (RequestHeader.ClientId keeps the classic string: "none")."""
    if f.flex_override is not None:
        return f.flex_override.cond(f.msg.valid)
    return "flexible"


def write_value(f, expr, depth, compact, w="out", elem=False):
    """Statements writing f's value `expr` (with elem: one element of array f) to writer w."""
    t = f.elem if elem or f.is_array else f.type
    p = ind(depth)
    nullable = f.nullable_cond()
    if elem or not f.is_array:
        if f.struct:
            return ["%s%s.encode(%s, ver);\n" % (p, expr, w)]
        if t in PRIMITIVES:
            return ["%s%s.%s(%s);\n" % (p, w, PRIMITIVES[t][1], expr)]
        if t == "records":
            return ["%s%s.records(%s, %s, %s);\n" % (p, w, expr, compact, nullable)]
        if elem or not f.optional:
            return ["%s%s.%s(%s, %s);\n" % (p, w, t, expr, compact)]
        return ["%s%s.nullable_%s(%s, %s, %s);\n" % (p, w, t, expr, compact, nullable)]
    o = []
    if f.optional:
        o.append("%sif (!%s) {\n" % (p, expr))
        if nullable == "true":
            o.append("%s%s.null_array(%s);\n" % (ind(depth + 1), w, compact))
        else:
            o.append("%sif (%s) {\n" % (ind(depth + 1), nullable))
            o.append("%s%s.null_array(%s);\n" % (ind(depth + 2), w, compact))
            o.append("%s} else {\n" % ind(depth + 1))
            o.append("%s%s.array_length(0, %s);\n" % (ind(depth + 2), w, compact))
            o.append("%s}\n" % ind(depth + 1))
        o.append("%s} else {\n" % p)
        o.extend(write_elements(f, "*" + expr, "%s->size()" % expr, depth + 1, compact, w))
        o.append("%s}\n" % p)
    else:
        o.extend(write_elements(f, expr, "%s.size()" % expr, depth, compact, w))
    return o


def write_elements(f, expr, size_expr, depth, compact, w):
    o = ["%s%s.array_length(%s, %s);\n" % (ind(depth), w, size_expr, compact)]
    o.append("%sfor (const auto& e : %s) {\n" % (ind(depth), expr))
    o.extend(write_value(f, "e", depth + 1, compact, w, elem=True))
    o.append("%s}\n" % ind(depth))
    return o


def read_value(f, expr, depth, compact, r="in", elem=False):
    """Statements reading f's value into `expr` (with elem: one element) from reader r."""
    t = f.elem if elem or f.is_array else f.type
    p = ind(depth)
    nullable = f.nullable_cond()
    if elem or not f.is_array:
        if f.struct:
            return ["%s%s.decode(%s, ver);\n" % (p, expr, r)]
        if t in PRIMITIVES:
            if elem:
                return ["%s%s.push_back(%s.%s());\n" % (p, expr, r, PRIMITIVES[t][1])]
            return ["%s%s = %s.%s();\n" % (p, expr, r, PRIMITIVES[t][1])]
        if elem:
            return ["%s%s.%s(%s.emplace_back(), %s);\n" % (p, r, t, expr, compact)]
        if t == "records":
            return ["%s%s.records(%s, %s, %s);\n" % (p, r, expr, compact, nullable)]
        if not f.optional:
            return ["%s%s.%s(%s, %s);\n" % (p, r, t, expr, compact)]
        return ["%s%s.nullable_%s(%s, %s, %s);\n" % (p, r, t, expr, compact, nullable)]
    # An array: the count is checked against what is left before any element is made.
    min_flex = elem_min_size(f, True)
    min_classic = elem_min_size(f, False)
    if min_flex == min_classic or compact in ("true", "false"):
        min_expr = str(min_flex if compact != "false" else min_classic)
    else:
        min_expr = "%s ? %d : %d" % (compact, min_flex, min_classic)
    nullable_now = nullable if f.optional else "false"
    o = ["%s{\n" % p]
    d = depth + 1
    o.append("%sconst int64_t n = %s.array_length(%s, %s, %s);\n"
             % (ind(d), r, compact, nullable_now, min_expr))
    target = expr
    if f.optional:
        o.append("%sif (n < 0) {\n%s%s.reset();\n%s} else {\n"
                 % (ind(d), ind(d + 1), expr, ind(d)))
        o.append("%sauto& v = %s.emplace();\n" % (ind(d + 1), expr))
        target = "v"
        d += 1
    if not f.struct and f.elem in PRIMITIVES:
        # Fixed-size elements: n already fits in the input, so the reservation is bounded by it.
        o.append("%s%s.reserve(static_cast<size_t>(n > 0 ? n : 0));\n" % (ind(d), target))
    o.append("%sfor (int64_t i = 0; i < n && %s.ok(); ++i) {\n" % (ind(d), r))
    if f.struct:
        o.extend(read_value(f, "%s.emplace_back()" % target, d + 1, compact, r, elem=True))
    else:
        o.extend(read_value(f, target, d + 1, compact, r, elem=True))
    o.append("%s}\n" % ind(d))
    if f.optional:
        o.append("%s}\n" % ind(depth + 1))
    o.append("%s}\n" % p)
    return o


def elem_min_size(f, flexible):
    """Fewest bytes one element of array f takes in the versions of the given flexibility that
    have f (1 when there are none: the value is then never used)."""
    lo, hi = f.msg.valid
    versions = [v for v in range(lo, hi + 1)
                if f.versions.contains(v) and f.msg.is_flexible(v) == flexible]
    if not versions:
        return 1
    if f.struct:
        n = f.struct.min_size(flexible, versions)
        if n < 1:
            sys.exit("%s.%s: an element could be empty on the wire; the array length check "
                     "needs a size" % (f.msg.name, f.spec_name))
        return n
    if f.elem in PRIMITIVES:
        return PRIMITIVES[f.elem][3]
    return 1 if flexible else (2 if f.elem == "string" else 4)


def is_default_expr(f):
    """A C++ condition: the member equals its default (a tagged field is then not written)."""
    init = f.initializer()
    if f.optional and init == "std::nullopt" or f.type == "records":
        return "!%s" % f.name
    if f.is_array:
        return "(%s && %s->empty())" % (f.name, f.name) if f.optional else "%s.empty()" % f.name
    if f.struct or f.type == "uuid":
        return "%s == %s{}" % (f.name, f.elem_cpp())
    if f.type in ("string", "bytes"):
        value = init if init and init.startswith('"') else '""'
        if f.optional:
            return "(%s && *%s == %s)" % (f.name, f.name, value)
        return "%s == %s" % (f.name, value)
    return "%s == %s" % (f.name, init)


# --------------------------------------------------------------------------------------------
# Struct definitions, encoders and decoders


def gen_struct_decl(s, depth, is_root):
    m = s.msg
    o = []
    o.append("%sstruct %s {\n" % (ind(depth), s.name))
    d = depth + 1
    if is_root:
        if m.api_key is not None:
            o.append("%sstatic constexpr int16_t kApiKey = %d;\n" % (ind(d), m.api_key))
        o.append("%sstatic constexpr const char* kName = \"%s\";\n" % (ind(d), m.name))
        o.append("%sstatic constexpr int16_t kMinVersion = %d;\n" % (ind(d), m.valid[0]))
        o.append("%sstatic constexpr int16_t kMaxVersion = %d;\n" % (ind(d), m.valid[1]))
        o.append("%s// The first flexible version (compact types, tagged fields); -1: none.\n"
                 % ind(d))
        o.append("%sstatic constexpr int16_t kFirstFlexibleVersion = %d;\n"
                 % (ind(d), m.flex_lo if m.flex_lo is not None else -1))
        o.append("\n")
        for child in m.order:
            o.extend(gen_struct_decl(child, d, False))
            o.append("\n")
    for f in s.fields:
        init = f.initializer()
        note = " // v%s" % f.versions.text
        if f.tag is not None:
            note += ", tag %d" % f.tag
        if not f.nullable.empty():
            note += ", nullable v%s" % f.nullable.text
        line = "%s%s %s%s;" % (ind(d), f.cpp_type(), f.name, " = " + init if init else "")
        if len(line) + len(note) + 1 > 100:
            o.append("%s//%s\n" % (ind(d), note[1:]))
            o.append(line + "\n")
        else:
            o.append(line + " " + note + "\n")
    if s.fields:
        o.append("\n")
    if is_root:
        o.append("%s// Writes the message in `ver` (REQUIRES: kMinVersion <= ver <= kMaxVersion;\n"
                 "%s// fields the version lacks are left out, tagged fields at their default "
                 "too).\n" % (ind(d), ind(d)))
        o.append("%svoid encode(Writer& out, int16_t ver) const;\n" % ind(d))
        o.append("%s// Reads the message as `ver` wrote it (any member is first reset); false, "
                 "with\n%s// in.ok() false, for malformed or truncated input or an invalid "
                 "version.\n" % (ind(d), ind(d)))
        o.append("%sbool decode(Reader& in, int16_t ver);\n" % ind(d))
    else:
        o.append("%svoid encode(Writer& out, int16_t ver) const;\n" % ind(d))
        o.append("%sbool decode(Reader& in, int16_t ver);\n" % ind(d))
    o.append("%sbool operator==(const %s&) const = default;\n" % (ind(d), s.name))
    o.append("%s};\n" % ind(depth))
    return o


def qualified(s):
    m = s.msg
    return m.name if s is m.root else "%s::%s" % (m.name, s.name)


def gen_encode(s):
    m = s.msg
    q = qualified(s)
    valid = m.valid
    o = []
    body = []
    flex = m.flexible_cond()
    for f in s.regular():
        c = f.versions.cond(valid)
        if c == "false":
            continue
        compact = compact_expr(f)
        stmts = write_value(f, f.name, 2 if c != "true" else 1, compact)
        if c == "true":
            body.extend(stmts)
        else:
            body.append("  if (%s) {\n" % c)
            body.extend(stmts)
            body.append("  }\n")
    tagged = [f for f in s.tagged() if cond_and(f.versions.cond(valid), f.tagged.cond(valid))
              != "false"]
    if flex != "false":
        body.append("  if (flexible) {\n")
        if not tagged:
            body.append("    out.uvarint(0);  // no tagged fields\n")
        else:
            body.append("    uint32_t tagged = 0;\n")
            conds = []
            for f in tagged:
                c = cond_and(cond_and(f.versions.cond(valid), f.tagged.cond(valid)),
                             "!(%s)" % is_default_expr(f))
                conds.append(c)
                body.append("    if (%s) ++tagged;\n" % c)
            body.append("    out.uvarint(tagged);\n")
            for f, c in zip(tagged, conds):
                body.append("    if (%s) {\n" % c)
                body.append("      out.uvarint(%d);\n" % f.tag)
                body.append("      std::string field;\n      Writer scratch(field);\n")
                body.extend(write_value(f, f.name, 3, "true", "scratch"))
                body.append("      out.uvarint(static_cast<uint32_t>(field.size()));\n")
                body.append("      out.raw(field);\n    }\n")
        body.append("  }\n")
    if any(re.search(r"\bflexible\b", line) for line in body):
        body.insert(0, "  const bool flexible = %s;\n" % flex)
    uses_ver = any(re.search(r"\bver\b", line) for line in body)
    uses_out = any(re.search(r"\bout\b", line) for line in body)
    o.append("void %s::encode(Writer&%s, int16_t%s) const {\n"
             % (q, " out" if uses_out else "", " ver" if uses_ver else ""))
    o.extend(body)
    o.append("}\n\n")
    return o


def gen_decode(s, is_root):
    m = s.msg
    q = qualified(s)
    valid = m.valid
    o = []
    body = []
    flex = m.flexible_cond()
    if is_root:
        body.append("  *this = %s{};\n" % s.name)
        body.append("  if (ver < kMinVersion || ver > kMaxVersion) {\n"
                    "    in.fail();\n    return false;\n  }\n")
    elif s.fields:
        body.append("  *this = %s{};\n" % s.name)
    for f in s.regular():
        c = f.versions.cond(valid)
        if c == "false":
            continue
        compact = compact_expr(f)
        stmts = read_value(f, f.name, 2 if c != "true" else 1, compact)
        if c == "true":
            body.extend(stmts)
        else:
            body.append("  if (%s) {\n" % c)
            body.extend(stmts)
            body.append("  }\n")
    tagged = [f for f in s.tagged() if cond_and(f.versions.cond(valid), f.tagged.cond(valid))
              != "false"]
    if flex != "false":
        body.append("  if (flexible) {\n")
        body.append("    const uint32_t tag_count = in.uvarint();\n")
        body.append("    for (uint32_t t = 0; t < tag_count && in.ok(); ++t) {\n")
        body.append("      const uint32_t tag = in.uvarint();\n")
        body.append("      Reader field = in.sub(in.uvarint());\n")
        if tagged:
            body.append("      switch (tag) {\n")
            for f in tagged:
                c = cond_and(f.versions.cond(valid), f.tagged.cond(valid))
                body.append("        case %d:\n" % f.tag)
                inner = read_value(f, f.name, 5 if c != "true" else 4, "true", "field")
                if c != "true":
                    body.append("          if (%s) {\n" % c)
                    body.extend(inner)
                    body.append("            if (field.remaining() != 0) field.fail();\n")
                    body.append("          }\n")
                else:
                    body.extend(inner)
                    body.append("          if (field.remaining() != 0) field.fail();\n")
                body.append("          break;\n")
            body.append("        default:\n          break;  // an unknown tag is skipped\n"
                        "      }\n")
        else:
            body.append("      (void)tag;  // no known tags here: every one is skipped\n")
        body.append("      if (!field.ok()) in.fail(field.error());\n")
        body.append("    }\n  }\n")
    body.append("  return in.ok();\n")
    if any(re.search(r"\bflexible\b", line) for line in body):
        body.insert(0, "  const bool flexible = %s;\n" % flex)
    uses_ver = any(re.search(r"\bver\b", line) for line in body)
    o.append("bool %s::decode(Reader& in, int16_t%s) {\n" % (q, " ver" if uses_ver else ""))
    o.extend(body)
    o.append("}\n\n")
    return o


# --------------------------------------------------------------------------------------------
# Files


def file_stem(api):
    return snake(api)


def gen_api_header(msgs, title):
    o = [banner(", ".join(m.file_name for m in msgs))]
    o.append("//\n// %s.\n#pragma once\n\n" % title)
    o.append("#include <cstdint>\n#include <limits>\n#include <optional>\n#include <string>\n"
             "#include <string_view>\n#include <vector>\n\n"
             "#include \"kafka/protocol/wire.h\"\n\nnamespace polymq::kafka {\n\n")
    for m in msgs:
        o.extend(gen_struct_decl(m.root, 0, True))
        o.append("\n")
    o.append("}  // namespace polymq::kafka\n")
    return "".join(o)


def gen_api_source(msgs, stem):
    o = [banner(", ".join(m.file_name for m in msgs))]
    o.append("#include \"kafka/protocol/generated/%s.h\"\n\nnamespace polymq::kafka {\n\n" % stem)
    for m in msgs:
        for s in m.order:
            o.extend(gen_encode(s))
            o.extend(gen_decode(s, False))
        o.extend(gen_encode(m.root))
        o.extend(gen_decode(m.root, True))
    o.append("}  // namespace polymq::kafka\n")
    return "".join(o)


def gen_headers_header(msgs):
    return gen_api_header(msgs, "The request header (v0-v2) and response header (v0-v1). Which "
                                "version a message uses is\n// request_header_version() / "
                                "response_header_version() in api_keys.h")


def gen_api_keys_header(apis):
    o = [banner("the *Request.json schemas of the APIs in " + GENERATOR)]
    o.append("""//
// The APIs PolyMQ speaks: key, name, valid versions and first flexible version, and which
// header version a request or response of an API uses.
#pragma once

#include <cstdint>

namespace polymq::kafka {

namespace api_key {
""")
    for a in apis:
        o.append("constexpr int16_t k%s = %d;\n" % (a["name"], a["key"]))
    o.append("""}  // namespace api_key

struct ApiInfo {
  int16_t key;
  const char* name;  // "Produce"
  int16_t min_version;
  int16_t max_version;
  int16_t first_flexible_version;  // -1: no flexible version
};

// Ordered by key.
inline constexpr ApiInfo kApis[] = {
""")
    for a in apis:
        o.append("    {%d, \"%s\", %d, %d, %d},\n"
                 % (a["key"], a["name"], a["min"], a["max"], a["flex"]))
    o.append("""};

// nullptr for a key PolyMQ does not know.
const ApiInfo* api_info(int16_t key);

// The request header version for `version` of API `key`: 2 (flexible: compact client id is NOT
// used, but tagged fields follow) from the API's first flexible version on, else 1; -1 for an
// unknown key. Versions above the API's range follow the same rule, so a newer client's
// ApiVersions request can still be read and answered with UNSUPPORTED_VERSION.
int16_t request_header_version(int16_t key, int16_t version);

// The response header version: 1 from the first flexible version on, else 0; ApiVersions
// responses always use 0 (a client reads them before it knows the broker's versions). -1 for
// an unknown key.
int16_t response_header_version(int16_t key, int16_t version);

}  // namespace polymq::kafka
""")
    return "".join(o)


def gen_api_keys_source(apis):
    o = [banner("the *Request.json schemas of the APIs in " + GENERATOR)]
    o.append("""#include "kafka/protocol/generated/api_keys.h"

namespace polymq::kafka {

const ApiInfo* api_info(int16_t key) {
  switch (key) {
""")
    for i, a in enumerate(apis):
        o.append("    case api_key::k%s:\n      return &kApis[%d];\n" % (a["name"], i))
    o.append("""    default:
      return nullptr;
  }
}

int16_t request_header_version(int16_t key, int16_t version) {
  const ApiInfo* info = api_info(key);
  if (info == nullptr) return -1;
  const bool flexible = info->first_flexible_version >= 0 && version >= info->first_flexible_version;
  return flexible ? 2 : 1;
}

int16_t response_header_version(int16_t key, int16_t version) {
  const ApiInfo* info = api_info(key);
  if (info == nullptr) return -1;
  if (key == api_key::kApiVersions) return 0;
  const bool flexible = info->first_flexible_version >= 0 && version >= info->first_flexible_version;
  return flexible ? 1 : 0;
}

}  // namespace polymq::kafka
""")
    return "".join(o)


def gen_messages_header(apis):
    o = [banner("the schemas of the APIs in " + GENERATOR)]
    o.append("""//
// Every request and response body PolyMQ knows, as variants, and decoding by api key.
#pragma once

#include <cstdint>
#include <variant>

""")
    for a in apis:
        o.append("#include \"kafka/protocol/generated/%s.h\"\n" % a["stem"])
    o.append("#include \"kafka/protocol/wire.h\"\n\nnamespace polymq::kafka {\n\n")
    for kind in ("Request", "Response"):
        o.append("using %sBody = std::variant<std::monostate" % kind)
        for a in apis:
            o.append(",\n                                %s%s" % (a["name"], kind))
        o.append(">;\n\n")
    o.append("""// Decodes the body of API `api_key` in `version` from `in`; false (with in failed) for an
// unknown key, a version outside the API's range, or malformed input. Bytes after the body are
// left in `in` for the caller to judge.
bool decode_request_body(int16_t api_key, int16_t version, Reader& in, RequestBody& out);
bool decode_response_body(int16_t api_key, int16_t version, Reader& in, ResponseBody& out);

// Writes the body in `version`; nothing for std::monostate.
void encode_body(Writer& out, int16_t version, const RequestBody& body);
void encode_body(Writer& out, int16_t version, const ResponseBody& body);

// The api key of the body held; -1 for std::monostate.
int16_t api_key_of(const RequestBody& body);
int16_t api_key_of(const ResponseBody& body);

}  // namespace polymq::kafka
""")
    return "".join(o)


def gen_messages_source(apis):
    o = [banner("the schemas of the APIs in " + GENERATOR)]
    o.append("""#include "kafka/protocol/generated/messages.h"

#include <type_traits>

namespace polymq::kafka {
namespace {

template <class M, class Body>
bool decode_into(Reader& in, int16_t version, Body& out) {
  return out.template emplace<M>().decode(in, version);
}

template <class Body>
void encode_any(Writer& out, int16_t version, const Body& body) {
  std::visit(
      [&](const auto& m) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(m)>, std::monostate>) {
          m.encode(out, version);
        }
      },
      body);
}

template <class Body>
int16_t key_of(const Body& body) {
  return std::visit(
      [](const auto& m) -> int16_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, std::monostate>) {
          return -1;
        } else {
          return std::decay_t<decltype(m)>::kApiKey;
        }
      },
      body);
}

}  // namespace

""")
    for kind in ("Request", "Response"):
        o.append("bool decode_%s_body(int16_t api_key, int16_t version, Reader& in, %sBody& out) {\n"
                 % (kind.lower(), kind))
        o.append("  switch (api_key) {\n")
        for a in apis:
            o.append("    case %d:\n      return decode_into<%s%s>(in, version, out);\n"
                     % (a["key"], a["name"], kind))
        o.append("    default:\n      out = std::monostate{};\n      in.fail();\n"
                 "      return false;\n  }\n}\n\n")
        o.append("void encode_body(Writer& out, int16_t version, const %sBody& body) {\n"
                 "  encode_any(out, version, body);\n}\n\n" % kind)
        o.append("int16_t api_key_of(const %sBody& body) { return key_of(body); }\n\n" % kind)
    o.append("}  // namespace polymq::kafka\n")
    return "".join(o)


# --------------------------------------------------------------------------------------------
# messages_test.cpp


def gen_fill(s):
    """fill(struct, ver, all, seed): every field a non-default value; with !all, fields the
    version lacks are put back to their defaults (so the projection decodes back equal)."""
    m = s.msg
    q = qualified(s)
    o = ["void fill(%s& s, int16_t ver, bool all, int& seed) {\n" % q]
    if not s.fields:
        o = ["void fill(%s&, int16_t, bool, int&) {}\n\n" % q]
        return o
    uses_ver = False
    for f in s.fields:
        present = f.versions.cond(m.valid)
        if f.tag is not None:
            present = cond_and(present, f.tagged.cond(m.valid))
        nullable = f.nullable_cond()
        may_null = f.optional and f.initializer() != "std::nullopt" and nullable != "false"
        o.append("  {  // %s\n" % f.spec_name)
        first = len(o)
        t = f.elem
        if f.is_array:
            if may_null:
                o.append("    if (%s && k %% 3 == 0) {\n      s.%s.reset();\n    } else {\n"
                         % (nullable, f.name))
            target = "s.%s" % f.name
            if f.optional:
                o.append("    auto& v = s.%s.emplace();\n" % f.name)
                target = "v"
            o.append("    for (int i = 0; i < 2; ++i) {\n")
            if f.struct:
                o.append("      fill(%s.emplace_back(), ver, all, seed);\n" % target)
            else:
                o.append("      %s.push_back(%s);\n" % (target, sample(t, "k * 2 + i")))
            o.append("    }\n")
            if may_null:
                o.append("    }\n")
        elif f.struct:
            o.append("    fill(s.%s, ver, all, seed);\n" % f.name)
        elif f.type == "records":
            o.append("    s.%s = kRecordSamples[k %% 4];\n" % f.name)
        elif f.type == "bool":
            o.append("    s.%s = !%s{}.%s;\n" % (f.name, q, f.name))
        elif may_null:
            o.append("    if (%s && k %% 3 == 0) {\n      s.%s.reset();\n    } else {\n"
                     "      s.%s = %s;\n    }\n" % (nullable, f.name, f.name, sample(t, "k")))
        else:
            o.append("    s.%s = %s;\n" % (f.name, sample(t, "k")))
        if "ver" in nullable and may_null:
            uses_ver = True
        if present != "true":
            uses_ver = True
            o.append("    if (!all && !(%s)) s.%s = %s{}.%s;\n" % (present, f.name, q, f.name))
        if any(re.search(r"\bk\b", line) for line in o[first:]):
            o.insert(first, "    const int k = seed++;\n")
        o.append("  }\n")
    if not uses_ver:
        o.append("  (void)ver;\n  (void)all;\n")
    o.append("}\n\n")
    return o


def sample(t, k):
    """A C++ expression of Kafka type t from int k >= 0, never any field's default."""
    if t == "int8":
        return "static_cast<int8_t>(100 + (%s) %% 20)" % k
    if t == "int16":
        return "static_cast<int16_t>(1000 + (%s))" % k
    if t == "uint16":
        return "static_cast<uint16_t>(2000 + (%s))" % k
    if t == "int32":
        return "static_cast<int32_t>(100000 + 7 * (%s))" % k
    if t == "uint32":
        return "static_cast<uint32_t>(3000000000u + (%s))" % k
    if t == "int64":
        return "static_cast<int64_t>((int64_t{1} << 40) + (%s))" % k
    if t == "float64":
        return "0.25 + (%s)" % k
    if t == "uuid":
        return "sample_uuid(%s)" % k
    if t == "string":
        return "\"s-\" + std::to_string(%s)" % k
    if t == "bytes":
        return "std::string(\"\\0\\xff\", 2) + std::to_string(%s)" % k
    raise ValueError(t)


def gen_test(messages):
    o = [banner("the schemas of the APIs in " + GENERATOR)]
    o.append("""//
// Every message at every valid version: every field the version has set to a non-default value
// (nullable ones sometimes null), encoded, decoded back equal and re-encoded byte for byte;
// the same message with every field set encodes to the same bytes (fields the version lacks are
// left out); every truncation fails; versions outside the range fail.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "kafka/protocol/generated/headers.h"
#include "kafka/protocol/generated/messages.h"

namespace polymq::kafka {
namespace {

const std::string_view kRecordSamples[] = {
    std::string_view("records-0\\0\\x01\\x02", 12), "records-1", "", "records-3-longer"};

Uuid sample_uuid(int k) {
  Uuid u;
  for (size_t i = 0; i < u.bytes.size(); ++i) u.bytes[i] = static_cast<uint8_t>(k * 16 + i + 1);
  return u;
}

std::string hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string h;
  for (unsigned char c : s) {
    h.push_back(digits[c >> 4]);
    h.push_back(digits[c & 15]);
  }
  return h;
}

""")
    for m in messages:
        for s in m.order:
            o.extend(gen_fill(s))
        o.extend(gen_fill(m.root))
    o.append("""template <class M>
std::string encoded(const M& m, int16_t ver) {
  std::string bytes;
  Writer w(bytes);
  m.encode(w, ver);
  return bytes;
}

template <class M>
void round_trip_every_version() {
  for (int16_t ver = M::kMinVersion; ver <= M::kMaxVersion; ++ver) {
    SCOPED_TRACE(std::string(M::kName) + " v" + std::to_string(ver));
    M full;
    int seed = 1;
    fill(full, ver, true, seed);
    M projected;
    seed = 1;
    fill(projected, ver, false, seed);
    const std::string bytes = encoded(projected, ver);
    EXPECT_EQ(hex(encoded(full, ver)), hex(bytes));
    if (bytes.size() > 1) {
      EXPECT_FALSE(projected == M{});
    }

    M decoded;
    Reader in(bytes);
    ASSERT_TRUE(decoded.decode(in, ver));
    EXPECT_EQ(in.remaining(), 0u);
    EXPECT_TRUE(decoded == projected);
    EXPECT_EQ(hex(encoded(decoded, ver)), hex(bytes));

    for (size_t n = 0; n < bytes.size(); ++n) {
      M scratch;
      Reader cut(reinterpret_cast<const uint8_t*>(bytes.data()), n);
      EXPECT_FALSE(scratch.decode(cut, ver)) << "truncated to " << n;
      EXPECT_FALSE(cut.ok());
    }
  }
  M scratch;
  Reader below(std::string_view{});
  EXPECT_FALSE(scratch.decode(below, M::kMinVersion - 1));
  Reader above(std::string_view{});
  EXPECT_FALSE(scratch.decode(above, M::kMaxVersion + 1));
}

""")
    for m in messages:
        o.append("TEST(KafkaGeneratedRoundTrip, %s) { round_trip_every_version<%s>(); }\n"
                 % (m.name, m.name))
    o.append("\n}  // namespace\n}  // namespace polymq::kafka\n")
    return "".join(o)


# --------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", required=True, help="directory of the Kafka message schemas")
    ap.add_argument("--out", required=True, help="output directory (src/kafka/protocol/generated)")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if any output file differs from what is there")
    args = ap.parse_args()

    def load(name):
        file_name = name + ".json"
        return Message(load_schema(os.path.join(args.spec, file_name)), file_name)

    outputs = {}
    apis = []
    all_messages = []
    for api in APIS:
        req, resp = load(api + "Request"), load(api + "Response")
        if (req.api_key != resp.api_key or req.valid != resp.valid
                or req.flex_lo != resp.flex_lo):
            sys.exit("%s: request and response disagree on key or versions" % api)
        stem = file_stem(api)
        outputs[stem + ".h"] = gen_api_header([req, resp], "Kafka %s (api key %d)"
                                              % (api, req.api_key))
        outputs[stem + ".cpp"] = gen_api_source([req, resp], stem)
        apis.append({"name": api, "key": req.api_key, "min": req.valid[0], "max": req.valid[1],
                     "flex": req.flex_lo if req.flex_lo is not None else -1, "stem": stem})
        all_messages += [req, resp]
    if len({a["key"] for a in apis}) != len(apis):
        sys.exit("two APIs share a key")
    headers = [load(h) for h in HEADERS]
    outputs["headers.h"] = gen_headers_header(headers)
    outputs["headers.cpp"] = gen_api_source(headers, "headers")
    by_key = sorted(apis, key=lambda a: a["key"])
    outputs["api_keys.h"] = gen_api_keys_header(by_key)
    outputs["api_keys.cpp"] = gen_api_keys_source(by_key)
    outputs["messages.h"] = gen_messages_header(apis)
    outputs["messages.cpp"] = gen_messages_source(apis)
    outputs["messages_test.cpp"] = gen_test(headers + all_messages)
    sources = sorted(n for n in outputs if n.endswith(".cpp") and not n.endswith("_test.cpp"))
    outputs["sources.cmake"] = ("# Generated by %s. DO NOT EDIT.\n"
                                "set(POLYMQ_KAFKA_GENERATED_SOURCES\n%s)\n"
                                % (GENERATOR, "".join("  generated/%s\n" % n for n in sources)))

    stale = []
    if not args.check:
        os.makedirs(args.out, exist_ok=True)
    for name in sorted(outputs):
        text = outputs[name]
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
    # A file the generator no longer writes is stale too.
    if os.path.isdir(args.out):
        for name in sorted(os.listdir(args.out)):
            if name not in outputs and name != ".clang-format":
                stale.append(os.path.join(args.out, name))
                if not args.check:
                    os.remove(os.path.join(args.out, name))
    if args.check and stale:
        print("out of date: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
