// polymqctl: PolyMQ's administration tool, with rabbitmqctl's command names, argument shapes
// and exit codes, working over the management HTTP API (docs/polymqctl.md).
#include <CLI/CLI.hpp>
#include <iostream>

#include "ctl/commands.h"

namespace {

using namespace polymq::ctl;

void print_usage(const Command& c, std::ostream& out) {
  out << "Usage: polymqctl [options] " << c.name << (c.usage[0] != '\0' ? " " : "") << c.usage
      << "\n";
}

int run(int argc, char** argv) {
  CLI::App app{
      "PolyMQ's administration tool: rabbitmqctl's commands over the management HTTP API.\n"
      "Run `polymqctl <command> --help` for a command's arguments.",
      "polymqctl"};
  app.require_subcommand(0, 1);
  app.set_help_all_flag("--help-all", "Every command's options");

  Endpoint endpoint;
  int timeout_seconds = 60;
  std::string vhost = "/";
  std::string formatter = "table";
  bool quiet = false;
  bool no_headers = false;
  app.add_option("--host", endpoint.host, "Management API host")
      ->envname("POLYMQ_CTL_HOST")
      ->capture_default_str();
  app.add_option("--port", endpoint.port, "Management API port")
      ->envname("POLYMQ_CTL_PORT")
      ->capture_default_str();
  app.add_option("-u,--username", endpoint.username, "User for the API's basic authentication")
      ->envname("POLYMQ_CTL_USERNAME")
      ->capture_default_str();
  app.add_option("--password", endpoint.password, "That user's password")
      ->envname("POLYMQ_CTL_PASSWORD");
  app.add_option("-t,--timeout", timeout_seconds, "Seconds to wait for each answer")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  CLI::Option* vhost_option =
      app.add_option("-p,--vhost", vhost, "Virtual host of the commands that take one")
          ->capture_default_str();
  app.add_option("--formatter", formatter, "Output: table (tab-separated) or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_flag("-q,--quiet,-s,--silent", quiet, "No informational lines and no table header line");
  app.add_flag("--no-table-headers", no_headers, "No table header line");

  const std::vector<Command>& commands = command_table();
  std::vector<std::string> args;
  std::optional<int> priority;
  std::string apply_to = "all";
  bool if_empty = false;
  bool if_unused = false;
  std::vector<CLI::App*> subcommands;
  for (const Command& c : commands) {
    CLI::App* sub = app.add_subcommand(c.name, c.description);
    sub->fallthrough();  // the global options may follow the command name
    sub->footer(std::string("Usage: polymqctl [options] ") + c.name + " " + c.usage);
    if (c.options & kPolicyOptions) {
      sub->add_option("--priority", priority, "Priority among matching policies (default 0)");
      sub->add_option("--apply-to", apply_to, "What the policy applies to")->capture_default_str();
    }
    if (c.options & kDeleteQueueOptions) {
      sub->add_flag("--if-empty", if_empty, "Only if the queue has no messages");
      sub->add_flag("--if-unused", if_unused, "Only if the queue has no consumers");
    }
    if (c.max_args > 0) sub->add_option("args", args, c.usage);
    subcommands.push_back(sub);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    std::cerr << "Error: " << e.what() << "\n";
    for (size_t i = 0; i < commands.size(); ++i) {
      if (subcommands[i]->parsed()) {
        print_usage(commands[i], std::cerr);
        return kExitUsage;
      }
    }
    std::cerr << "Run polymqctl --help for the commands and options.\n";
    return kExitUsage;
  }

  const Command* command = nullptr;
  for (size_t i = 0; i < commands.size(); ++i) {
    if (subcommands[i]->parsed()) command = &commands[i];
  }
  if (command == nullptr) {
    std::cerr << app.help() << "Error: no command given\n";
    return kExitUsage;
  }
  if (vhost_option->count() > 0 && !(command->options & kVhostOption)) {
    std::cerr << "Error: " << command->name << " takes no virtual host (-p)\n";
    print_usage(*command, std::cerr);
    return kExitUsage;
  }
  if (args.size() < command->min_args ||
      (command->max_args != kAnyCount && args.size() > command->max_args)) {
    std::cerr << "Error: " << command->name
              << (args.size() < command->min_args ? ": not enough arguments"
                                                  : ": too many arguments")
              << "\n";
    print_usage(*command, std::cerr);
    return kExitUsage;
  }

  endpoint.timeout = std::chrono::seconds(timeout_seconds);
  Invocation in{Api(endpoint)};
  in.output.format = formatter == "json" ? Format::kJson : Format::kTable;
  in.output.quiet = quiet;
  in.output.table_headers = !no_headers;
  in.vhost = vhost;
  in.args = std::move(args);
  in.priority = priority;
  in.apply_to = apply_to;
  in.if_empty = if_empty;
  in.if_unused = if_unused;
  Outcome outcome = command->run(in);
  std::cout.flush();
  if (!outcome.ok()) {
    std::cerr << outcome.message << "\n";
    if (outcome.exit_code == kExitUsage) print_usage(*command, std::cerr);
  }
  return outcome.exit_code;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
