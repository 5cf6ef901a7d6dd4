// Who may do what in which vhost: RabbitMQ's permission model, kept protocol-neutral so every
// front-end checks the same grants.
//
// A user has access to a vhost only when granted (a permission entry for the pair); the entry
// holds three regular expressions (core/name_pattern.h) matched against the names of the
// resources (exchanges, queues, streams) an operation touches:
//   configure: creating and deleting a resource (declare, delete);
//   write:     putting messages into it (publish to an exchange; a queue or exchange that is a
//              binding's destination);
//   read:      taking messages out (consume, get, purge; an exchange that is a binding's source).
// Which operation of a protocol needs which permission on which resource is the front-end's
// mapping (AMQP's follows rabbit_channel). An empty pattern grants nothing, as in RabbitMQ.
//
// Checks run on the hot path of publishing, so a grant whose pattern is ".*" is known to match
// everything without running the regex.
//
// REQUIRES: every call on the thread that owns the broker's definitions (the event loop).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace polymq::core {

enum class Permission { kConfigure, kWrite, kRead };

// A grant as it is set and stored: the three patterns as given.
struct PermissionPatterns {
  std::string configure = ".*";
  std::string write = ".*";
  std::string read = ".*";
};

// One (vhost, user) grant with its patterns compiled; immutable once made, shared by the
// connections that use it.
class Grant {
 public:
  // kInvalidArgument naming the pattern that does not compile.
  static Status make(const PermissionPatterns& patterns, std::shared_ptr<const Grant>& out);

  const PermissionPatterns& patterns() const { return patterns_; }
  bool allows(Permission permission, std::string_view resource) const;

 private:
  struct Pattern {
    bool everything = false;          // ".*": no regex needed
    std::optional<std::regex> regex;  // unset and !everything: "" (nothing)
  };
  bool matches(const Pattern& pattern, std::string_view resource) const;

  PermissionPatterns patterns_;
  Pattern configure_;
  Pattern write_;
  Pattern read_;
};

using GrantPtr = std::shared_ptr<const Grant>;

class PermissionStore {
 public:
  // Grants (or replaces the grant of) `user` in `vhost`; kInvalidArgument for a bad pattern.
  Status set(std::string_view vhost, std::string_view user, const PermissionPatterns& patterns);
  // Grants everything (".*" for all three), which cannot fail.
  void set_full(std::string_view vhost, std::string_view user);
  // False when there was no grant.
  bool clear(std::string_view vhost, std::string_view user);
  // Drops every grant of the vhost or of the user (they were deleted).
  void clear_vhost(std::string_view vhost);
  void clear_user(std::string_view user);

  // The grant, or null: no access to the vhost.
  GrantPtr find(std::string_view vhost, std::string_view user) const;
  // Every grant ordered by vhost, then user.
  std::vector<std::pair<std::pair<std::string, std::string>, GrantPtr>> list() const;

 private:
  std::map<std::pair<std::string, std::string>, GrantPtr, std::less<>> grants_;
};

}  // namespace polymq::core
