#include "sns/filter_policy.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>

namespace polymq::sns {
namespace {

// AWS's limit: a policy names at most 5 keys (counting each key of every "$or" branch).
constexpr size_t kMaxKeys = 5;
// Past this depth a policy is refused rather than recursed into.
constexpr int kMaxDepth = 16;

struct Condition {
  enum class Kind {
    kString,
    kNumber,
    kNull,
    kBool,
    kPrefix,
    kSuffix,
    kEqualsIgnoreCase,
    kAnythingBut,  // strings and numbers below
    kAnythingButPrefix,
    kAnythingButSuffix,
    kNumeric,
    kExists,
  };
  Kind kind = Kind::kString;
  std::string text;
  double number = 0;
  bool flag = false;
  std::vector<std::string> strings;
  std::vector<double> numbers;
  // kNumeric: lower and upper bounds, each inclusive or not.
  std::optional<double> low, high;
  bool low_inclusive = false, high_inclusive = false;
};

std::string_view view(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<double> parse_number(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  const std::string s(text);
  char* end = nullptr;
  const double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

}  // namespace

struct FilterPolicy::Node {
  // Keys that all must match: a leaf (conditions) or a nested object (MessageBody scope).
  struct Key {
    std::string name;
    std::vector<Condition> conditions;  // a leaf when `nested` is null
    std::shared_ptr<Node> nested;
  };
  std::vector<Key> keys;
  // "$or" groups: each must have one branch that matches.
  std::vector<std::vector<std::shared_ptr<Node>>> any_of;
};

namespace {

using Node = FilterPolicy::Node;
using Values = std::optional<std::vector<FilterValue>>;  // nullopt: the key is absent
using Lookup = std::function<Values(const std::vector<std::string>& path)>;

class Parser {
 public:
  explicit Parser(FilterScope scope) : scope_(scope) {}

  std::string error;

  std::shared_ptr<Node> object(const rapidjson::Value& v, int depth) {
    if (!v.IsObject()) return fail("Filter policy must be a JSON object");
    if (depth > kMaxDepth) return fail("Filter policy is too deeply nested");
    auto node = std::make_shared<Node>();
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      const std::string name(view(m->name));
      if (name == "$or") {
        if (!m->value.IsArray() || m->value.Size() < 2) {
          return fail("$or must be an array of at least two filter policies");
        }
        std::vector<std::shared_ptr<Node>> branches;
        for (const rapidjson::Value& b : m->value.GetArray()) {
          std::shared_ptr<Node> branch = object(b, depth + 1);
          if (!branch) return nullptr;
          branches.push_back(std::move(branch));
        }
        node->any_of.push_back(std::move(branches));
        continue;
      }
      Node::Key key;
      key.name = name;
      if (m->value.IsObject()) {
        if (scope_ == FilterScope::kMessageAttributes) {
          return fail(
              "Filter policy scope MessageAttributes does not support nested filter "
              "policy");
        }
        key.nested = object(m->value, depth + 1);
        if (!key.nested) return nullptr;
      } else if (m->value.IsArray()) {
        if (m->value.Empty()) return fail("Empty arrays are not allowed");
        if (++leaf_keys_ > kMaxKeys) return fail("Filter policy can not have more than 5 keys");
        for (const rapidjson::Value& c : m->value.GetArray()) {
          std::optional<Condition> cond = condition(c);
          if (!cond) return nullptr;
          key.conditions.push_back(std::move(*cond));
        }
      } else {
        return fail("Match value must be String, number, true, false, or null");
      }
      node->keys.push_back(std::move(key));
    }
    if (node->keys.empty() && node->any_of.empty()) return fail("Filter policy can not be empty");
    return node;
  }

 private:
  std::nullptr_t fail(std::string text) {
    if (error.empty()) error = std::move(text);
    return nullptr;
  }
  std::optional<Condition> bad(std::string text) {
    fail(std::move(text));
    return std::nullopt;
  }

  std::optional<Condition> condition(const rapidjson::Value& c) {
    Condition out;
    if (c.IsString()) {
      out.kind = Condition::Kind::kString;
      out.text = view(c);
      return out;
    }
    if (c.IsNumber()) {
      out.kind = Condition::Kind::kNumber;
      out.number = c.GetDouble();
      return out;
    }
    if (c.IsNull()) {
      out.kind = Condition::Kind::kNull;
      return out;
    }
    if (c.IsBool()) {
      out.kind = Condition::Kind::kBool;
      out.flag = c.GetBool();
      return out;
    }
    if (!c.IsObject() || c.MemberCount() != 1) {
      return bad("Match value must be String, number, true, false, or null");
    }
    const std::string_view op = view(c.MemberBegin()->name);
    const rapidjson::Value& arg = c.MemberBegin()->value;
    if (op == "prefix" || op == "suffix" || op == "equals-ignore-case") {
      if (!arg.IsString()) return bad(std::string(op) + " match pattern must be a string");
      out.kind = op == "prefix"   ? Condition::Kind::kPrefix
                 : op == "suffix" ? Condition::Kind::kSuffix
                                  : Condition::Kind::kEqualsIgnoreCase;
      out.text = view(arg);
      return out;
    }
    if (op == "exists") {
      if (!arg.IsBool()) return bad("exists match pattern must be either true or false.");
      out.kind = Condition::Kind::kExists;
      out.flag = arg.GetBool();
      return out;
    }
    if (op == "anything-but") return anything_but(arg);
    if (op == "numeric") return numeric(arg);
    return bad("Unrecognized match type " + std::string(op));
  }

  std::optional<Condition> anything_but(const rapidjson::Value& arg) {
    Condition out;
    out.kind = Condition::Kind::kAnythingBut;
    auto add = [&](const rapidjson::Value& v) {
      if (v.IsString()) {
        out.strings.emplace_back(view(v));
      } else if (v.IsNumber()) {
        out.numbers.push_back(v.GetDouble());
      } else {
        return false;
      }
      return true;
    };
    if (arg.IsObject()) {
      if (arg.MemberCount() != 1)
        return bad("Value of anything-but must be an array or single string/number value.");
      const std::string_view op = view(arg.MemberBegin()->name);
      const rapidjson::Value& p = arg.MemberBegin()->value;
      if ((op != "prefix" && op != "suffix") || !p.IsString()) {
        return bad("Unsupported anything-but pattern: " + std::string(op));
      }
      out.kind = op == "prefix" ? Condition::Kind::kAnythingButPrefix
                                : Condition::Kind::kAnythingButSuffix;
      out.text = view(p);
      return out;
    }
    if (arg.IsArray()) {
      if (arg.Empty()) return bad("Empty arrays are not allowed");
      for (const rapidjson::Value& v : arg.GetArray()) {
        if (!add(v)) return bad("Inside anything but list, start|null|boolean is not supported.");
      }
      return out;
    }
    if (!add(arg))
      return bad("Value of anything-but must be an array or single string/number value.");
    return out;
  }

  std::optional<Condition> numeric(const rapidjson::Value& arg) {
    Condition out;
    out.kind = Condition::Kind::kNumeric;
    if (!arg.IsArray() || arg.Empty() || arg.Size() % 2 != 0 || arg.Size() > 4) {
      return bad("Value of numeric must be an array.");
    }
    for (rapidjson::SizeType i = 0; i < arg.Size(); i += 2) {
      if (!arg[i].IsString()) return bad("Unrecognized numeric range operator");
      if (!arg[i + 1].IsNumber())
        return bad("Value of " + std::string(view(arg[i])) + " must be numeric");
      const std::string_view op = view(arg[i]);
      const double v = arg[i + 1].GetDouble();
      if (op == "=") {
        if (arg.Size() != 2) return bad("Numeric range operator = may not be combined");
        out.low = out.high = v;
        out.low_inclusive = out.high_inclusive = true;
      } else if (op == ">" || op == ">=") {
        if (out.low) return bad("Too many elements in numeric expression");
        out.low = v;
        out.low_inclusive = op == ">=";
      } else if (op == "<" || op == "<=") {
        if (out.high) return bad("Too many elements in numeric expression");
        out.high = v;
        out.high_inclusive = op == "<=";
      } else {
        return bad("Unrecognized numeric range operator: " + std::string(op));
      }
    }
    if (out.low && out.high && *out.low > *out.high) {
      return bad("Bottom must be less than top");
    }
    return out;
  }

  FilterScope scope_;
  size_t leaf_keys_ = 0;
};

bool matches_value(const Condition& c, const FilterValue& v) {
  using K = Condition::Kind;
  using VK = FilterValue::Kind;
  const bool is_string = v.kind == VK::kString;
  switch (c.kind) {
    case K::kString:
      return is_string && v.text == c.text;
    case K::kNumber:
      return v.kind == VK::kNumber && v.number == c.number;
    case K::kNull:
      return v.kind == VK::kNull;
    case K::kBool:
      return v.kind == VK::kBool && v.flag == c.flag;
    case K::kPrefix:
      return is_string && v.text.starts_with(c.text);
    case K::kSuffix:
      return is_string && v.text.ends_with(c.text);
    case K::kEqualsIgnoreCase:
      return is_string && iequals(v.text, c.text);
    case K::kAnythingBut:
      if (is_string)
        return std::find(c.strings.begin(), c.strings.end(), v.text) == c.strings.end();
      if (v.kind == VK::kNumber) {
        return std::find(c.numbers.begin(), c.numbers.end(), v.number) == c.numbers.end();
      }
      return false;
    case K::kAnythingButPrefix:
      return is_string && !v.text.starts_with(c.text);
    case K::kAnythingButSuffix:
      return is_string && !v.text.ends_with(c.text);
    case K::kNumeric:
      if (v.kind != VK::kNumber) return false;
      if (c.low && (c.low_inclusive ? v.number < *c.low : v.number <= *c.low)) return false;
      if (c.high && (c.high_inclusive ? v.number > *c.high : v.number >= *c.high)) return false;
      return true;
    case K::kExists:
      return false;  // decided on the key, not on a value
  }
  return false;
}

bool matches_key(const std::vector<Condition>& conditions, const Values& values) {
  for (const Condition& c : conditions) {
    if (c.kind == Condition::Kind::kExists) {
      if (c.flag == values.has_value()) return true;
      continue;
    }
    if (!values) continue;
    for (const FilterValue& v : *values) {
      if (matches_value(c, v)) return true;
    }
  }
  return false;
}

bool evaluate(const Node& node, std::vector<std::string>& path, const Lookup& lookup) {
  for (const Node::Key& key : node.keys) {
    path.push_back(key.name);
    const bool ok = key.nested ? evaluate(*key.nested, path, lookup)
                               : matches_key(key.conditions, lookup(path));
    path.pop_back();
    if (!ok) return false;
  }
  for (const auto& group : node.any_of) {
    const bool any = std::any_of(group.begin(), group.end(), [&](const std::shared_ptr<Node>& b) {
      return evaluate(*b, path, lookup);
    });
    if (!any) return false;
  }
  return true;
}

void add_json_values(const rapidjson::Value& v, std::vector<FilterValue>& out) {
  FilterValue f;
  if (v.IsString()) {
    f.text = view(v);
  } else if (v.IsNumber()) {
    f.kind = FilterValue::Kind::kNumber;
    f.number = v.GetDouble();
  } else if (v.IsNull()) {
    f.kind = FilterValue::Kind::kNull;
  } else if (v.IsBool()) {
    f.kind = FilterValue::Kind::kBool;
    f.flag = v.GetBool();
  } else if (v.IsArray()) {
    for (const rapidjson::Value& e : v.GetArray()) {
      if (!e.IsArray() && !e.IsObject()) add_json_values(e, out);
    }
    return;
  } else {
    return;  // an object where a leaf was expected matches no condition
  }
  out.push_back(std::move(f));
}

// The values at `path` under `v`, descending through arrays of objects as AWS flattens them.
void collect(const rapidjson::Value& v, const std::vector<std::string>& path, size_t at,
             bool& found, std::vector<FilterValue>& out) {
  if (v.IsArray()) {
    for (const rapidjson::Value& e : v.GetArray()) {
      if (e.IsObject()) collect(e, path, at, found, out);
    }
    return;
  }
  if (!v.IsObject()) return;
  auto m = v.FindMember(
      rapidjson::Value(path[at].data(), static_cast<rapidjson::SizeType>(path[at].size())));
  if (m == v.MemberEnd()) return;
  if (at + 1 == path.size()) {
    found = true;
    add_json_values(m->value, out);
    return;
  }
  collect(m->value, path, at + 1, found, out);
}

}  // namespace

std::variant<FilterPolicy, std::string> FilterPolicy::parse(std::string_view json,
                                                            FilterScope scope) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) return std::string("failed to parse JSON.");
  Parser parser(scope);
  std::shared_ptr<Node> root = parser.object(doc, 0);
  if (!root) return parser.error;
  FilterPolicy policy;
  policy.scope_ = scope;
  policy.root_ = std::move(root);
  return policy;
}

bool FilterPolicy::matches_attributes(const std::vector<FilterAttribute>& attributes) const {
  std::vector<std::string> path;
  return evaluate(*root_, path, [&](const std::vector<std::string>& p) -> Values {
    for (const FilterAttribute& a : attributes) {
      if (a.name != p.front()) continue;
      std::vector<FilterValue> values;
      if (a.type == "String.Array") {
        rapidjson::Document doc;
        doc.Parse(a.value.data(), a.value.size());
        if (!doc.HasParseError() && doc.IsArray()) add_json_values(doc, values);
      } else if (a.type.starts_with("Number")) {
        if (std::optional<double> d = parse_number(a.value)) {
          FilterValue v;
          v.kind = FilterValue::Kind::kNumber;
          v.number = *d;
          values.push_back(v);
        }
      } else if (a.type.starts_with("String")) {
        FilterValue v;
        v.text = a.value;
        values.push_back(std::move(v));
      }
      // Binary values match no condition but {"exists": true}.
      return values;
    }
    return std::nullopt;
  });
}

bool FilterPolicy::matches_body(std::string_view body) const {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  std::vector<std::string> path;
  return evaluate(*root_, path, [&](const std::vector<std::string>& p) -> Values {
    bool found = false;
    std::vector<FilterValue> values;
    collect(doc, p, 0, found, values);
    if (!found) return std::nullopt;
    return values;
  });
}

}  // namespace polymq::sns
