"""The model of Kafka's message schemas for tools/codegen/kafka_codegen.py: version ranges,
fields (types, versions, nullable/flexible/tagged versions, defaults) and structs.

Python 3 standard library only.
"""

import json
import re
import sys

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
        if self.tag is not None and (self.tagged.lo, self.tagged.hi) != (self.versions.lo,
                                                                         self.versions.hi):
            # Kafka allows a field tagged in some versions and regular in others; none of the
            # generated APIs has one, and this generator would drop the regular versions.
            sys.exit("%s.%s: versions %s differ from taggedVersions %s (not supported)"
                     % (msg.name, self.spec_name, self.versions.text, self.tagged.text))
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


def ind(n):
    return "  " * n


def qualified(s):
    m = s.msg
    return m.name if s is m.root else "%s::%s" % (m.name, s.name)
