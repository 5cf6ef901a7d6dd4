#include "sns/query_input.h"

#include "aws/query_protocol.h"

namespace polymq::sns {
namespace {

// "<prefix>.<container>.<n>[.<rest>]" -> n and rest.
bool member_of(std::string_view name, std::string_view prefix, std::string_view container, int& n,
               std::string_view& rest) {
  if (name.size() <= prefix.size() + 1 || !name.starts_with(prefix) || name[prefix.size()] != '.') {
    return false;
  }
  return aws::indexed_member(name.substr(prefix.size() + 1), container, n, rest);
}

}  // namespace

std::map<std::string, std::string> query_map(const http::Params& params, std::string_view prefix,
                                             std::string_view key, std::string_view value) {
  std::map<int, std::pair<std::string, std::string>> entries;
  for (const auto& [name, v] : params) {
    int n = 0;
    std::string_view rest;
    if (!member_of(name, prefix, "entry", n, rest)) continue;
    if (rest == key) entries[n].first = v;
    if (rest == value) entries[n].second = v;
  }
  std::map<std::string, std::string> out;
  for (auto& [n, kv] : entries) out[kv.first] = kv.second;
  return out;
}

std::vector<std::string> query_list(const http::Params& params, std::string_view prefix) {
  std::map<int, std::string> items;
  for (const auto& [name, v] : params) {
    int n = 0;
    std::string_view rest;
    if (member_of(name, prefix, "member", n, rest) && rest.empty()) items[n] = v;
  }
  std::vector<std::string> out;
  for (auto& [n, v] : items) out.push_back(std::move(v));
  return out;
}

std::vector<http::Params> query_members(const http::Params& params, std::string_view prefix) {
  std::map<int, http::Params> items;
  for (const auto& [name, v] : params) {
    int n = 0;
    std::string_view rest;
    if (member_of(name, prefix, "member", n, rest) && !rest.empty()) {
      items[n].emplace_back(std::string(rest), v);
    }
  }
  std::vector<http::Params> out;
  for (auto& [n, fields] : items) out.push_back(std::move(fields));
  return out;
}

}  // namespace polymq::sns
