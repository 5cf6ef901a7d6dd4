#include "core/routing/headers_match.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace polymq::core {

namespace {

enum class Mode { kAll, kAny, kAllWithX, kAnyWithX };

constexpr std::string_view kXMatch = "x-match";

std::optional<Mode> mode_named(std::string_view name) {
  if (name == "all") return Mode::kAll;
  if (name == "any") return Mode::kAny;
  if (name == "all-with-x") return Mode::kAllWithX;
  if (name == "any-with-x") return Mode::kAnyWithX;
  return std::nullopt;
}

Mode binding_mode(const Table& arguments) {
  const Value* v = find(arguments, kXMatch);
  if (v == nullptr || v->kind != ValueKind::kString) return Mode::kAll;
  return mode_named(*v->as_string()).value_or(Mode::kAll);
}

using Entry = std::pair<std::string, Value>;

// Entries of `table` stably sorted by key, bytewise, as lists:keysort/2 orders binaries.
std::vector<const Entry*> sorted_by_key(const Table& table) {
  std::vector<const Entry*> sorted;
  sorted.reserve(table.size());
  for (const Entry& e : table) sorted.push_back(&e);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Entry* a, const Entry* b) { return a->first < b->first; });
  return sorted;
}

}  // namespace

bool headers_match(const Table& binding_arguments, const Table* message_headers) {
  const Mode mode = binding_mode(binding_arguments);
  const bool all_mode = mode == Mode::kAll || mode == Mode::kAllWithX;
  const bool with_x = mode == Mode::kAllWithX || mode == Mode::kAnyWithX;

  // The pattern keys that take part, in merge order.
  std::vector<const Entry*> pattern = sorted_by_key(binding_arguments);
  std::erase_if(pattern, [&](const Entry* e) {
    return e->first == kXMatch || (!with_x && e->first.starts_with("x-"));
  });
  if (pattern.empty()) return all_mode;
  if (message_headers == nullptr || message_headers->empty()) return false;
  const std::vector<const Entry*> data = sorted_by_key(*message_headers);

  size_t d = 0;
  for (const Entry* p : pattern) {
    while (d < data.size() && data[d]->first < p->first) ++d;
    bool matched = d < data.size() && data[d]->first == p->first &&
                   (p->second.kind == ValueKind::kVoid || p->second.equals(data[d]->second));
    if (d < data.size() && data[d]->first == p->first) ++d;
    if (all_mode && !matched) return false;
    if (!all_mode && matched) return true;
  }
  return all_mode;
}

bool is_x_match_mode(std::string_view name) { return mode_named(name).has_value(); }

bool known_x_match(const Table& binding_arguments) {
  const Value* v = find(binding_arguments, kXMatch);
  if (v == nullptr) return true;  // absent means "all"
  return v->kind == ValueKind::kString && is_x_match_mode(*v->as_string());
}

}  // namespace polymq::core
