#include "core/permissions.h"

#include <tuple>

#include "core/name_pattern.h"

namespace polymq::core {
namespace {

constexpr std::string_view kEverything = ".*";

}  // namespace

Status Grant::make(const PermissionPatterns& patterns, std::shared_ptr<const Grant>& out) {
  auto grant = std::make_shared<Grant>();
  grant->patterns_ = patterns;
  for (auto [text, pattern, what] :
       {std::tuple{&patterns.configure, &grant->configure_, "configure"},
        std::tuple{&patterns.write, &grant->write_, "write"},
        std::tuple{&patterns.read, &grant->read_, "read"}}) {
    if (*text == kEverything) {
      pattern->everything = true;
      continue;
    }
    if (text->empty()) continue;
    std::string error;
    pattern->regex = compile_name_pattern(*text, error);
    if (!pattern->regex) {
      return {ErrorCode::kInvalidArgument, std::string(what) + " pattern '" + *text +
                                               "' is not a valid regular expression: " + error};
    }
  }
  out = std::move(grant);
  return Status::Ok();
}

bool Grant::matches(const Pattern& pattern, std::string_view resource) const {
  if (pattern.everything) return true;
  if (!pattern.regex) return false;
  return std::regex_search(resource.begin(), resource.end(), *pattern.regex);
}

bool Grant::allows(Permission permission, std::string_view resource) const {
  switch (permission) {
    case Permission::kConfigure:
      return matches(configure_, resource);
    case Permission::kWrite:
      return matches(write_, resource);
    case Permission::kRead:
      return matches(read_, resource);
  }
  return false;
}

Status PermissionStore::set(std::string_view vhost, std::string_view user,
                            const PermissionPatterns& patterns) {
  GrantPtr grant;
  if (Status s = Grant::make(patterns, grant); !s.ok()) return s;
  grants_[{std::string(vhost), std::string(user)}] = std::move(grant);
  return Status::Ok();
}

void PermissionStore::set_full(std::string_view vhost, std::string_view user) {
  static const GrantPtr kFull = [] {
    GrantPtr grant;
    (void)Grant::make(PermissionPatterns{}, grant);
    return grant;
  }();
  grants_[{std::string(vhost), std::string(user)}] = kFull;
}

bool PermissionStore::clear(std::string_view vhost, std::string_view user) {
  return grants_.erase({std::string(vhost), std::string(user)}) > 0;
}

void PermissionStore::clear_vhost(std::string_view vhost) {
  std::erase_if(grants_, [&](const auto& entry) { return entry.first.first == vhost; });
}

void PermissionStore::clear_user(std::string_view user) {
  std::erase_if(grants_, [&](const auto& entry) { return entry.first.second == user; });
}

GrantPtr PermissionStore::find(std::string_view vhost, std::string_view user) const {
  auto it = grants_.find(std::pair{std::string(vhost), std::string(user)});
  return it == grants_.end() ? nullptr : it->second;
}

std::vector<std::pair<std::pair<std::string, std::string>, GrantPtr>> PermissionStore::list()
    const {
  return {grants_.begin(), grants_.end()};
}

}  // namespace polymq::core
