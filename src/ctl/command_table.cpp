#include "ctl/commands.h"

namespace polymq::ctl {

const std::vector<Command>& command_table() {
  static const std::vector<Command> kCommands = {
      {"status", "", "The node: version, uptime, resources, alarms, listeners, totals.", 0, 0,
       kNoOptions, run_status},
      {"list_queues", "[-p <vhost>] [<column> ...]",
       "Queues and their counts (columns: name messages by default).", 0, kAnyCount, kVhostOption,
       run_list_queues},
      {"list_exchanges", "[-p <vhost>] [<column> ...]", "Exchanges (columns: name type).", 0,
       kAnyCount, kVhostOption, run_list_exchanges},
      {"list_bindings", "[-p <vhost>] [<column> ...]", "Bindings.", 0, kAnyCount, kVhostOption,
       run_list_bindings},
      {"list_connections", "[<column> ...]",
       "Client connections (columns: user peer_host peer_port state).", 0, kAnyCount, kNoOptions,
       run_list_connections},
      {"list_consumers", "[-p <vhost>] [<column> ...]", "Consumers.", 0, kAnyCount, kVhostOption,
       run_list_consumers},
      {"list_users", "[<column> ...]", "Users and their tags.", 0, kAnyCount, kNoOptions,
       run_list_users},
      {"list_vhosts", "[<column> ...]", "Virtual hosts.", 0, kAnyCount, kNoOptions,
       run_list_vhosts},
      {"list_permissions", "[-p <vhost>]", "Permissions in a virtual host.", 0, 0, kVhostOption,
       run_list_permissions},
      {"list_policies", "[-p <vhost>]", "Policies in a virtual host.", 0, 0, kVhostOption,
       run_list_policies},
      {"add_user", "<username> <password>", "Adds a user (no tags, no permissions).", 2, 2,
       kNoOptions, run_add_user},
      {"delete_user", "<username>", "Deletes a user and its permissions.", 1, 1, kNoOptions,
       run_delete_user},
      {"change_password", "<username> <new_password>", "Changes a user's password.", 2, 2,
       kNoOptions, run_change_password},
      {"set_user_tags", "<username> [<tag> ...]",
       "Replaces a user's tags (administrator, monitoring, management, ...).", 1, kAnyCount,
       kNoOptions, run_set_user_tags},
      {"add_vhost", "<vhost>", "Adds a virtual host.", 1, 1, kNoOptions, run_add_vhost},
      {"delete_vhost", "<vhost>", "Deletes a virtual host and everything in it.", 1, 1, kNoOptions,
       run_delete_vhost},
      {"set_permissions", "[-p <vhost>] <username> <conf> <write> <read>",
       "Sets a user's configure, write and read patterns in a virtual host.", 4, 4, kVhostOption,
       run_set_permissions},
      {"clear_permissions", "[-p <vhost>] <username>",
       "Removes a user's permissions in a virtual host.", 1, 1, kVhostOption,
       run_clear_permissions},
      {"set_policy",
       "[-p <vhost>] [--priority <n>] [--apply-to <queues|exchanges|all>] <name> <pattern> "
       "<definition-json>",
       "Sets a policy.", 3, 3, kVhostOption | kPolicyOptions, run_set_policy},
      {"clear_policy", "[-p <vhost>] <name>", "Removes a policy.", 1, 1, kVhostOption,
       run_clear_policy},
      {"purge_queue", "[-p <vhost>] <queue>", "Removes a queue's ready messages.", 1, 1,
       kVhostOption, run_purge_queue},
      {"delete_queue", "[-p <vhost>] [--if-empty] [--if-unused] <queue>", "Deletes a queue.", 1, 1,
       kVhostOption | kDeleteQueueOptions, run_delete_queue},
      {"export_definitions", "<path|->",
       "Writes the definitions (users, vhosts, permissions, exchanges, queues, bindings, "
       "policies) as JSON to a file, or to stdout for -.",
       1, 1, kNoOptions, run_export_definitions},
      {"import_definitions", "<path|->",
       "Imports definitions from a JSON file, or from stdin for -.", 1, 1, kNoOptions,
       run_import_definitions},
  };
  return kCommands;
}

}  // namespace polymq::ctl
