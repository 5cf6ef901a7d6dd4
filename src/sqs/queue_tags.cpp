#include "sqs/queue_tags.h"

namespace polymq::sqs {
namespace {

constexpr const char* kTags = "x-sqs-tags";
constexpr size_t kMaxTags = 50;
constexpr size_t kMaxKeyLength = 128;
constexpr size_t kMaxValueLength = 256;

// Characters, not bytes: AWS counts a tag's length in Unicode characters.
size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

}  // namespace

Tags tags_of(const core::Table& arguments) {
  Tags out;
  const core::Value* v = core::find(arguments, kTags);
  const core::Table* table = v != nullptr ? v->as_table() : nullptr;
  if (table == nullptr) return out;
  for (const auto& [key, value] : *table) {
    if (const std::string* s = value.as_string()) out[key] = *s;
  }
  return out;
}

core::Table with_tags(const core::Table& arguments, const Tags& tags) {
  core::Table t = arguments;
  std::erase_if(t, [](const auto& entry) { return entry.first == kTags; });
  if (tags.empty()) return t;
  core::Table table;
  for (const auto& [key, value] : tags) table.emplace_back(key, core::Value::String(value));
  t.emplace_back(kTags, core::Value::Tab(std::move(table)));
  return t;
}

std::optional<Error> check_tags(const std::string& queue, const Tags& existing, const Tags& added) {
  size_t count = existing.size();
  for (const auto& [key, value] : added) {
    const size_t key_length = utf8_length(key);
    if (key_length < 1 || key_length > kMaxKeyLength) {
      return invalid_parameter_value("Tag keys must be between 1 and 128 characters in length.");
    }
    if (utf8_length(value) > kMaxValueLength) {
      return invalid_parameter_value("Tag values may only be up to 256 characters in length.");
    }
    if (existing.count(key) == 0) ++count;
  }
  if (count > kMaxTags) {
    return invalid_parameter_value("Too many tags added for queue " + queue +
                                   ": a queue has at "
                                   "most 50 tags.");
  }
  return std::nullopt;
}

}  // namespace polymq::sqs
