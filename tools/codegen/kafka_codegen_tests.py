"""Writes messages_test.cpp for tools/codegen/kafka_codegen.py: a round trip of every
generated message at every valid version. Python 3 standard library only.
"""

import re

from kafka_schema import cond_and, qualified


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


def gen_test(messages, banner_text):
    o = [banner_text]
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
