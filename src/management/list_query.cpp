#include "management/list_query.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <regex>
#include <vector>

#include "core/name_pattern.h"
#include "rabbit/json_parse.h"

namespace polymq::management {
namespace {

using Json = rapidjson::Value;

bool parse_long(std::string_view text, long& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size() && !text.empty();
}

bool parse_bool(std::string_view text) { return text == "true"; }

// The value at a dotted path of `item`, null when absent.
const Json* field(const Json& item, std::string_view path) {
  const Json* at = &item;
  while (true) {
    if (!at->IsObject()) return nullptr;
    const size_t dot = std::min(path.find('.'), path.size());
    const std::string_view key = path.substr(0, dot);
    auto m = at->FindMember(Json(rapidjson::StringRef(key.data(), key.size())));
    if (m == at->MemberEnd()) return nullptr;
    at = &m->value;
    if (dot == path.size()) return at;
    path.remove_prefix(dot + 1);
  }
}

// Orders values as RabbitMQ's sort does for one type: numbers numerically, strings
// bytewise, false before true; missing values and other types first.
int rank(const Json* v) {
  if (v == nullptr || v->IsNull()) return 0;
  if (v->IsBool()) return 1;
  if (v->IsNumber()) return 2;
  if (v->IsString()) return 3;
  return 4;
}

bool less(const Json* a, const Json* b) {
  const int ra = rank(a);
  const int rb = rank(b);
  if (ra != rb) return ra < rb;
  if (ra == 1) return !a->GetBool() && b->GetBool();
  if (ra == 2) return a->GetDouble() < b->GetDouble();
  if (ra == 3) {
    return std::string_view(a->GetString(), a->GetStringLength()) <
           std::string_view(b->GetString(), b->GetStringLength());
  }
  return false;
}

}  // namespace

bool parse_list_query(const http::Params& params, ListQuery& out, std::string& error) {
  if (auto v = http::find_param(params, "page")) {
    long page = 0;
    if (!parse_long(*v, page) || page < 1) {
      error = "Invalid page number";
      return false;
    }
    out.page = page;
  }
  if (auto v = http::find_param(params, "page_size")) {
    if (!parse_long(*v, out.page_size) || out.page_size < 1 || out.page_size > kMaxPageSize) {
      error = "Invalid page size. Page size must be between 1 and " + std::to_string(kMaxPageSize);
      return false;
    }
  }
  if (auto v = http::find_param(params, "name")) out.name = std::string(*v);
  if (auto v = http::find_param(params, "use_regex")) out.use_regex = parse_bool(*v);
  if (auto v = http::find_param(params, "sort")) out.sort = std::string(*v);
  if (auto v = http::find_param(params, "sort_reverse")) out.sort_reverse = parse_bool(*v);
  return true;
}

bool apply_list_query(std::string_view items, const ListQuery& query, std::string& out,
                      std::string& error) {
  rapidjson::Document doc;
  if (!rabbit::parse_json(items, doc, error) || !doc.IsArray()) {
    error = "not a list";
    return false;
  }
  std::vector<Json*> all;
  all.reserve(doc.Size());
  for (Json& item : doc.GetArray()) all.push_back(&item);
  const size_t total = all.size();

  if (!query.sort.empty()) {
    std::stable_sort(all.begin(), all.end(), [&](const Json* a, const Json* b) {
      return query.sort_reverse ? less(field(*b, query.sort), field(*a, query.sort))
                                : less(field(*a, query.sort), field(*b, query.sort));
    });
  }

  if (query.page && !query.name.empty()) {
    std::optional<std::regex> re;
    if (query.use_regex) {
      std::string why;
      re = core::compile_name_pattern(query.name, why);
      if (!re) {
        error = "Invalid regex: " + query.name;
        return false;
      }
    }
    std::erase_if(all, [&](const Json* item) {
      const Json* name = field(*item, "name");
      if (name == nullptr || !name->IsString()) return true;
      const std::string text(name->GetString(), name->GetStringLength());
      return re ? !std::regex_search(text, *re) : text.find(query.name) == std::string::npos;
    });
  }

  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  if (!query.page) {
    w.StartArray();
    for (const Json* item : all) item->Accept(w);
    w.EndArray();
  } else {
    const size_t filtered = all.size();
    const auto size = static_cast<size_t>(query.page_size);
    const size_t page_count = (filtered + size - 1) / size;
    const auto page = static_cast<size_t>(*query.page);
    // RabbitMQ answers page 1 of an empty list, and refuses any page past the last.
    if (page > std::max<size_t>(page_count, 1)) {
      error = "Page out of range, page: " + std::to_string(page) +
              " page size: " + std::to_string(size) + ", len: " + std::to_string(filtered);
      return false;
    }
    const size_t first = std::min((page - 1) * size, filtered);
    const size_t last = std::min(first + size, filtered);
    w.StartObject();
    w.Key("filtered_count");
    w.Uint64(filtered);
    w.Key("item_count");
    w.Uint64(last - first);
    w.Key("items");
    w.StartArray();
    for (size_t i = first; i < last; ++i) all[i]->Accept(w);
    w.EndArray();
    w.Key("page");
    w.Uint64(page);
    w.Key("page_count");
    w.Uint64(page_count);
    w.Key("page_size");
    w.Uint64(size);
    w.Key("total_count");
    w.Uint64(total);
    w.EndObject();
  }
  out.assign(buffer.GetString(), buffer.GetSize());
  return true;
}

}  // namespace polymq::management
