// polymqctl's commands: rabbitmqctl's names and argument shapes, each over the management API.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "ctl/api.h"
#include "ctl/output.h"

namespace polymq::ctl {

// One parsed command line.
struct Invocation {
  Api api;
  OutputOptions output;
  std::string vhost = "/";  // -p / --vhost
  std::vector<std::string> args;
  // set_policy's options.
  std::optional<int> priority;
  std::string apply_to = "all";
  // delete_queue's options.
  bool if_empty = false;
  bool if_unused = false;
};

// What a command came to: 0, or the exit code and the message for stderr (ApiResult's fields;
// `response` is unused).
using Outcome = ApiResult;

// The options a command takes beyond the global ones.
enum CommandOptions : unsigned {
  kNoOptions = 0,
  kVhostOption = 1,         // -p / --vhost
  kPolicyOptions = 2,       // --priority, --apply-to
  kDeleteQueueOptions = 4,  // --if-empty, --if-unused
};

struct Command {
  const char* name;
  const char* usage;  // the arguments, as in "polymqctl <name> <usage>"
  const char* description;
  size_t min_args;
  size_t max_args;  // kAnyCount: no limit
  unsigned options;
  Outcome (*run)(const Invocation&);
};

inline constexpr size_t kAnyCount = static_cast<size_t>(-1);

const std::vector<Command>& command_table();

// A 404 from a /api/policies call whose vhost exists: the broker's API has no policies endpoint
// (a PolyMQ from before it had one), said so rather than "no such vhost".
Outcome explain_policy_404(const Invocation& in, Outcome r);

// The commands, by file.
Outcome run_status(const Invocation& in);
Outcome run_list_queues(const Invocation& in);
Outcome run_list_exchanges(const Invocation& in);
Outcome run_list_bindings(const Invocation& in);
Outcome run_list_connections(const Invocation& in);
Outcome run_list_consumers(const Invocation& in);
Outcome run_list_users(const Invocation& in);
Outcome run_list_vhosts(const Invocation& in);
Outcome run_list_permissions(const Invocation& in);
Outcome run_list_policies(const Invocation& in);

Outcome run_add_user(const Invocation& in);
Outcome run_delete_user(const Invocation& in);
Outcome run_change_password(const Invocation& in);
Outcome run_set_user_tags(const Invocation& in);
Outcome run_add_vhost(const Invocation& in);
Outcome run_delete_vhost(const Invocation& in);
Outcome run_set_permissions(const Invocation& in);
Outcome run_clear_permissions(const Invocation& in);
Outcome run_set_policy(const Invocation& in);
Outcome run_clear_policy(const Invocation& in);
Outcome run_purge_queue(const Invocation& in);
Outcome run_delete_queue(const Invocation& in);
Outcome run_export_definitions(const Invocation& in);
Outcome run_import_definitions(const Invocation& in);

}  // namespace polymq::ctl
