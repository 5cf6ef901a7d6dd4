#include "management/json_body.h"

#include <charconv>

#include "rabbit/json_parse.h"
#include "rabbit/json_values.h"

namespace polymq::management {

bool JsonBody::parse(std::string_view text, std::string& error) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    doc.SetObject();
    return true;
  }
  std::string why;
  if (!rabbit::parse_json(text, doc, why)) {
    error = "not_json";
    return false;
  }
  if (!doc.IsObject()) {
    error = "not_json";
    return false;
  }
  return true;
}

const rapidjson::Value* JsonBody::find(const char* key) const {
  auto m = doc.FindMember(key);
  if (m == doc.MemberEnd() || m->value.IsNull()) return nullptr;
  return &m->value;
}

std::optional<std::string> JsonBody::string(const char* key, std::string& error) const {
  const rapidjson::Value* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (!v->IsString()) {
    error = std::string(key) + " must be a string";
    return std::nullopt;
  }
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<bool> JsonBody::boolean(const char* key, std::string& error) const {
  const rapidjson::Value* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->IsBool()) return v->GetBool();
  if (v->IsString()) {
    const std::string_view s(v->GetString(), v->GetStringLength());
    if (s == "true") return true;
    if (s == "false") return false;
  }
  error = std::string(key) + " must be true or false";
  return std::nullopt;
}

std::optional<int64_t> JsonBody::integer(const char* key, std::string& error) const {
  const rapidjson::Value* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->IsInt64()) return v->GetInt64();
  if (v->IsString()) {
    int64_t n = 0;
    const char* begin = v->GetString();
    const char* end = begin + v->GetStringLength();
    auto [p, ec] = std::from_chars(begin, end, n);
    if (ec == std::errc() && p == end && begin != end) return n;
  }
  error = std::string(key) + " must be an integer";
  return std::nullopt;
}

core::Status JsonBody::table(const char* key, core::Table& out) const {
  const rapidjson::Value* v = find(key);
  if (v == nullptr) return core::Status::Ok();
  if (v->IsArray() && v->Empty()) return core::Status::Ok();  // Erlang's [] for {}
  return rabbit::json_to_table(*v, out, key);
}

}  // namespace polymq::management
