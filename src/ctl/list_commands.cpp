// The read-only commands: status and the list_* commands. A listing takes rabbitmqctl's info
// items as optional arguments (`list_queues name messages consumers`) and prints those columns,
// or the command's default ones.
#include <iostream>
#include <set>

#include "ctl/commands.h"

namespace polymq::ctl {
namespace {

struct Listing {
  std::vector<Column> items;          // every info item, in rabbitmqctl's order
  std::vector<std::string> defaults;  // the columns without arguments
};

Column item(std::string name) { return Column{name, {name}, {}}; }
Column item(std::string name, std::vector<std::string> path) {
  return Column{std::move(name), std::move(path), {}};
}

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

// The columns the arguments name, or a usage error naming the unknown ones.
Outcome select_columns(const Invocation& in, const Listing& listing, std::vector<Column>& columns) {
  const std::vector<std::string>& names = in.args.empty() ? listing.defaults : in.args;
  std::string unknown;
  for (const std::string& name : names) {
    bool found = false;
    for (const Column& c : listing.items) {
      if (c.name == name) {
        columns.push_back(c);
        found = true;
        break;
      }
    }
    if (!found) unknown += (unknown.empty() ? "" : ", ") + name;
  }
  if (unknown.empty()) return {};
  std::string valid;
  for (const Column& c : listing.items) valid += (valid.empty() ? "" : ", ") + c.name;
  Outcome r;
  r.exit_code = kExitUsage;
  r.message = "Error: info key(s) " + unknown + " are not supported. Valid ones: " + valid;
  return r;
}

Outcome list(const Invocation& in, const Listing& listing, const std::string& path,
             const std::string& banner, std::string_view missing = {}) {
  std::vector<Column> columns;
  if (Outcome r = select_columns(in, listing, columns); !r.ok()) return r;
  rapidjson::Document rows;
  if (Outcome r = in.api.get_json(path, rows, missing); !r.ok()) return r;
  print_info(in.output, banner);
  print_rows(rows, columns, in.output, std::cout);
  return {};
}

std::string no_vhost(const Invocation& in) {
  return "virtual host " + quoted(in.vhost) + " does not exist";
}

}  // namespace

Outcome run_list_queues(const Invocation& in) {
  static const Listing kQueues{
      {item("name"), item("vhost"), item("type"), item("durable"), item("auto_delete"),
       item("exclusive"), item("arguments"), item("policy"), item("state"),
       item("exclusive_consumer_tag"), item("consumers"), item("messages"), item("messages_ready"),
       item("messages_unacknowledged"), item("message_bytes_ready"), item("memory"), item("node")},
      {"name", "messages"}};
  return list(in, kQueues, "/queues/" + encode(in.vhost),
              "Listing queues for vhost " + in.vhost + " ...", no_vhost(in));
}

Outcome run_list_exchanges(const Invocation& in) {
  static const Listing kExchanges{
      {item("name"), item("vhost"), item("type"), item("durable"), item("auto_delete"),
       item("internal"), item("arguments"), item("policy")},
      {"name", "type"}};
  return list(in, kExchanges, "/exchanges/" + encode(in.vhost),
              "Listing exchanges for vhost " + in.vhost + " ...", no_vhost(in));
}

Outcome run_list_bindings(const Invocation& in) {
  static const Listing kBindings{
      {item("source_name", {"source"}), Column{"source_kind", {}, "exchange"},
       item("destination_name", {"destination"}), item("destination_kind", {"destination_type"}),
       item("routing_key"), item("arguments"), item("vhost"), item("properties_key")},
      {"source_name", "source_kind", "destination_name", "destination_kind", "routing_key",
       "arguments"}};
  return list(in, kBindings, "/bindings/" + encode(in.vhost),
              "Listing bindings for vhost " + in.vhost + "...", no_vhost(in));
}

Outcome run_list_connections(const Invocation& in) {
  static const Listing kConnections{
      {item("name"),         item("user"),      item("vhost"),          item("peer_host"),
       item("peer_port"),    item("host"),      item("port"),           item("state"),
       item("channels"),     item("protocol"),  item("auth_mechanism"), item("ssl"),
       item("timeout"),      item("frame_max"), item("channel_max"),    item("client_properties"),
       item("connected_at"), item("recv_oct"),  item("recv_cnt"),       item("send_oct"),
       item("send_cnt"),     item("send_pend"), item("type"),           item("node")},
      {"user", "peer_host", "peer_port", "state"}};
  return list(in, kConnections, "/connections", "Listing connections ...");
}

Outcome run_list_consumers(const Invocation& in) {
  static const Listing kConsumers{
      {item("queue_name", {"queue", "name"}), item("channel_pid", {"channel_details", "name"}),
       item("consumer_tag"), item("ack_required"), item("prefetch_count"), item("active"),
       item("activity_status"), item("arguments"), item("exclusive"),
       item("connection_name", {"channel_details", "connection_name"})},
      {"queue_name", "channel_pid", "consumer_tag", "ack_required", "prefetch_count", "active",
       "activity_status", "arguments"}};
  return list(in, kConsumers, "/consumers/" + encode(in.vhost),
              "Listing consumers in vhost " + in.vhost + " ...", no_vhost(in));
}

Outcome run_list_users(const Invocation& in) {
  static const Listing kUsers{{item("user", {"name"}), item("tags")}, {"user", "tags"}};
  return list(in, kUsers, "/users", "Listing users ...");
}

Outcome run_list_vhosts(const Invocation& in) {
  static const Listing kVhosts{
      {item("name"), item("description"), item("tags"), item("tracing"), item("default_queue_type"),
       item("messages"), item("messages_ready"), item("messages_unacknowledged")},
      {"name"}};
  return list(in, kVhosts, "/vhosts", "Listing vhosts ...");
}

Outcome run_list_permissions(const Invocation& in) {
  static const Listing kPermissions{{item("user"), item("configure"), item("write"), item("read")},
                                    {"user", "configure", "write", "read"}};
  return list(in, kPermissions, "/vhosts/" + encode(in.vhost) + "/permissions",
              "Listing permissions for vhost " + quoted(in.vhost) + " ...", no_vhost(in));
}

Outcome run_list_policies(const Invocation& in) {
  static const Listing kPolicies{
      {item("vhost"), item("name"), item("pattern"), item("apply-to"), item("definition"),
       item("priority")},
      {"vhost", "name", "pattern", "apply-to", "definition", "priority"}};
  return explain_policy_404(
      in, list(in, kPolicies, "/policies/" + encode(in.vhost),
               "Listing policies for vhost " + quoted(in.vhost) + " ...", no_vhost(in)));
}

Outcome explain_policy_404(const Invocation& in, Outcome r) {
  if (r.exit_code == kExitDataError && r.message == "Error: " + no_vhost(in) &&
      in.api.call("GET", "/vhosts/" + encode(in.vhost)).ok()) {
    r.message = "Error: this broker's management API does not manage policies";
  }
  return r;
}

Outcome run_status(const Invocation& in) {
  rapidjson::Document overview;
  if (Outcome r = in.api.get_json("/overview", overview); !r.ok()) return r;
  const rapidjson::Value* node_name = find_path(overview, {"node"});
  if (node_name == nullptr || !node_name->IsString()) {
    Outcome r;
    r.exit_code = kExitSoftware;
    r.message = "Error: the management API's /api/overview names no node";
    return r;
  }
  rapidjson::Document node;
  if (Outcome r = in.api.get_json("/nodes/" + encode(node_name->GetString()), node); !r.ok()) {
    return r;
  }
  // One flat object: what identifies the node, what it holds, its resources and alarms.
  rapidjson::Document status(rapidjson::kObjectType);
  auto& alloc = status.GetAllocator();
  auto copy = [&](const char* key, const rapidjson::Value& from, std::vector<std::string> path) {
    const rapidjson::Value* v = find_path(from, path);
    if (v == nullptr) return;  // what this broker's API does not tell
    rapidjson::Value value;
    value.CopyFrom(*v, alloc);
    status.AddMember(rapidjson::StringRef(key), value, alloc);
  };
  copy("node", overview, {"node"});
  copy("product_name", overview, {"product_name"});
  copy("product_version", overview, {"product_version"});
  copy("rabbitmq_version", overview, {"rabbitmq_version"});
  copy("running", node, {"running"});
  copy("os_pid", node, {"os_pid"});
  copy("uptime", node, {"uptime"});
  copy("processors", node, {"processors"});
  copy("mem_used", node, {"mem_used"});
  copy("mem_limit", node, {"mem_limit"});
  copy("mem_alarm", node, {"mem_alarm"});
  copy("disk_free", node, {"disk_free"});
  copy("disk_free_limit", node, {"disk_free_limit"});
  copy("disk_free_alarm", node, {"disk_free_alarm"});
  for (const char* key : {"connections", "channels", "queues", "exchanges", "consumers"}) {
    copy(key, overview, {"object_totals", key});
  }
  for (const char* key : {"messages", "messages_ready", "messages_unacknowledged"}) {
    copy(key, overview, {"queue_totals", key});
  }
  copy("listeners", overview, {"listeners"});
  print_info(in.output, "Status of node " + std::string(node_name->GetString()) + " ...");
  print_object(status, in.output, std::cout);
  return {};
}

}  // namespace polymq::ctl
