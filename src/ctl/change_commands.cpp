// The commands that change the broker: users, vhosts, permissions, policies, queues and
// definitions. Each prints rabbitmqctl's informational line ("Adding user ...") unless quiet.
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "ctl/commands.h"

namespace polymq::ctl {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

Outcome fail(int code, std::string message) {
  Outcome r;
  r.exit_code = code;
  r.message = std::move(message);
  return r;
}

void write(Writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::string text(const rapidjson::StringBuffer& b) {
  return std::string(b.GetString(), b.GetSize());
}

// The body of PUT /api/users/{name}: the password if given, and the tags.
std::string user_body(const std::string* password, const std::vector<std::string>& tags) {
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  if (password != nullptr) {
    w.Key("password");
    write(w, *password);
  }
  w.Key("tags");
  std::string joined;
  for (const std::string& t : tags) joined += (joined.empty() ? "" : ",") + t;
  write(w, joined);
  w.EndObject();
  return text(b);
}

std::string user_path(const std::string& name) { return "/users/" + encode(name); }
std::string no_user(const std::string& name) { return "user " + quoted(name) + " does not exist"; }
std::string no_vhost(const std::string& name) {
  return "virtual host " + quoted(name) + " does not exist";
}

// The user's tags, from GET /api/users/{name}.
Outcome user_tags(const Invocation& in, const std::string& name, std::vector<std::string>& out) {
  rapidjson::Document user;
  if (Outcome r = in.api.get_json(user_path(name), user, no_user(name)); !r.ok()) return r;
  if (const rapidjson::Value* tags = find_path(user, {"tags"}); tags != nullptr) {
    if (tags->IsArray()) {
      for (const rapidjson::Value& t : tags->GetArray()) {
        if (t.IsString()) out.emplace_back(t.GetString(), t.GetStringLength());
      }
    } else if (tags->IsString() && tags->GetStringLength() > 0) {
      out.emplace_back(tags->GetString(), tags->GetStringLength());
    }
  }
  return {};
}

}  // namespace

Outcome run_add_user(const Invocation& in) {
  const std::string& name = in.args[0];
  print_info(in.output, "Adding user " + quoted(name) + " ...");
  // PUT would replace an existing user's password: rabbitmqctl refuses instead.
  Outcome exists = in.api.call("GET", user_path(name));
  if (exists.ok()) return fail(kExitDataError, "Error: user " + quoted(name) + " already exists");
  if (exists.exit_code != kExitDataError) return exists;  // anything but "not found"
  return in.api.call("PUT", user_path(name), user_body(&in.args[1], {}));
}

Outcome run_delete_user(const Invocation& in) {
  const std::string& name = in.args[0];
  print_info(in.output, "Deleting user " + quoted(name) + " ...");
  return in.api.call("DELETE", user_path(name), {}, no_user(name));
}

Outcome run_change_password(const Invocation& in) {
  const std::string& name = in.args[0];
  print_info(in.output, "Changing password for user " + quoted(name) + " ...");
  // The API sets the tags a PUT names, so the user's own go with the new password.
  std::vector<std::string> tags;
  if (Outcome r = user_tags(in, name, tags); !r.ok()) return r;
  return in.api.call("PUT", user_path(name), user_body(&in.args[1], tags), no_user(name));
}

Outcome run_set_user_tags(const Invocation& in) {
  const std::string& name = in.args[0];
  const std::vector<std::string> tags(in.args.begin() + 1, in.args.end());
  std::string shown;
  for (const std::string& t : tags) shown += (shown.empty() ? "" : ", ") + t;
  print_info(in.output, "Setting tags for user " + quoted(name) + " to [" + shown + "] ...");
  // A PUT for a user that does not exist would create one without a password.
  std::vector<std::string> old;
  if (Outcome r = user_tags(in, name, old); !r.ok()) return r;
  return in.api.call("PUT", user_path(name), user_body(nullptr, tags), no_user(name));
}

Outcome run_add_vhost(const Invocation& in) {
  print_info(in.output, "Adding vhost " + quoted(in.args[0]) + " ...");
  return in.api.call("PUT", "/vhosts/" + encode(in.args[0]), "{}");
}

Outcome run_delete_vhost(const Invocation& in) {
  print_info(in.output, "Deleting vhost " + quoted(in.args[0]) + " ...");
  return in.api.call("DELETE", "/vhosts/" + encode(in.args[0]), {}, no_vhost(in.args[0]));
}

Outcome run_set_permissions(const Invocation& in) {
  const std::string& user = in.args[0];
  print_info(in.output, "Setting permissions for user " + quoted(user) + " in vhost " +
                            quoted(in.vhost) + " ...");
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("configure");
  write(w, in.args[1]);
  w.Key("write");
  write(w, in.args[2]);
  w.Key("read");
  write(w, in.args[3]);
  w.EndObject();
  Outcome r = in.api.call("PUT", "/permissions/" + encode(in.vhost) + "/" + encode(user), text(b));
  if (r.exit_code == kExitDataError &&
      r.message.find("vhost_or_user_not_found") != std::string::npos) {
    // The API does not say which: ask, for a message that does.
    Outcome vhost = in.api.call("GET", "/vhosts/" + encode(in.vhost));
    r.message = "Error: " + (vhost.ok() ? no_user(user) : no_vhost(in.vhost));
  }
  return r;
}

Outcome run_clear_permissions(const Invocation& in) {
  const std::string& user = in.args[0];
  print_info(in.output, "Clearing permissions for user " + quoted(user) + " in vhost " +
                            quoted(in.vhost) + " ...");
  return in.api.call("DELETE", "/permissions/" + encode(in.vhost) + "/" + encode(user), {},
                     "user " + quoted(user) + " has no permissions in vhost " + quoted(in.vhost) +
                         " (or either does not exist)");
}

Outcome run_set_policy(const Invocation& in) {
  const std::string& name = in.args[0];
  rapidjson::Document definition;
  definition.Parse(in.args[2].c_str(), in.args[2].size());
  if (definition.HasParseError() || !definition.IsObject()) {
    return fail(
        kExitUsage,
        "Error: the policy definition must be a JSON object, e.g. "
        "'{\"max-length\": 1000}'" +
            std::string(definition.HasParseError()
                            ? std::string(" (") +
                                  rapidjson::GetParseError_En(definition.GetParseError()) + ")"
                            : ""));
  }
  print_info(in.output, "Setting policy " + quoted(name) + " for pattern " + quoted(in.args[1]) +
                            " to " + quoted(in.args[2]) + " with priority " +
                            quoted(std::to_string(in.priority.value_or(0))) + " for vhost " +
                            quoted(in.vhost) + " ...");
  rapidjson::StringBuffer b;
  Writer w(b);
  w.StartObject();
  w.Key("pattern");
  write(w, in.args[1]);
  w.Key("definition");
  definition.Accept(w);
  w.Key("priority");
  w.Int(in.priority.value_or(0));
  w.Key("apply-to");
  write(w, in.apply_to);
  w.EndObject();
  return explain_policy_404(
      in, in.api.call("PUT", "/policies/" + encode(in.vhost) + "/" + encode(name), text(b),
                      no_vhost(in.vhost)));
}

Outcome run_clear_policy(const Invocation& in) {
  const std::string& name = in.args[0];
  print_info(in.output,
             "Clearing policy " + quoted(name) + " on vhost " + quoted(in.vhost) + " ...");
  Outcome r =
      in.api.call("DELETE", "/policies/" + encode(in.vhost) + "/" + encode(name), {},
                  "policy " + quoted(name) + " does not exist in vhost " + quoted(in.vhost));
  if (r.exit_code == kExitDataError && !in.api.call("GET", "/vhosts/" + encode(in.vhost)).ok()) {
    r.message = "Error: " + no_vhost(in.vhost);
  }
  return r;
}

Outcome run_purge_queue(const Invocation& in) {
  const std::string& name = in.args[0];
  print_info(in.output, "Purging queue " + quoted(name) + " in vhost " + quoted(in.vhost) + " ...");
  return in.api.call("DELETE", "/queues/" + encode(in.vhost) + "/" + encode(name) + "/contents", {},
                     "queue " + quoted(name) + " does not exist in vhost " + quoted(in.vhost));
}

Outcome run_delete_queue(const Invocation& in) {
  const std::string& name = in.args[0];
  print_info(in.output,
             "Deleting queue " + quoted(name) + " on vhost " + quoted(in.vhost) + " ...");
  std::string path = "/queues/" + encode(in.vhost) + "/" + encode(name);
  std::string query;
  if (in.if_empty) query += "if-empty=true";
  if (in.if_unused) query += std::string(query.empty() ? "" : "&") + "if-unused=true";
  if (!query.empty()) path += "?" + query;
  return in.api.call("DELETE", path, {},
                     "queue " + quoted(name) + " does not exist in vhost " + quoted(in.vhost));
}

Outcome run_export_definitions(const Invocation& in) {
  const std::string& target = in.args[0];
  Outcome r = in.api.call("GET", "/definitions");
  if (!r.ok()) return r;
  if (target == "-") {
    std::cout << r.response.body;
    if (!r.response.body.empty() && r.response.body.back() != '\n') std::cout << '\n';
    return {};
  }
  print_info(in.output, "Exporting definitions to a file at " + quoted(target) + " ...");
  std::ofstream file(target, std::ios::binary | std::ios::trunc);
  file << r.response.body;
  file.close();
  if (!file) return fail(kExitCantCreate, "Error: could not write " + quoted(target));
  return {};
}

Outcome run_import_definitions(const Invocation& in) {
  const std::string& source = in.args[0];
  std::string body;
  if (source == "-") {
    print_info(in.output, "Importing definitions from standard input ...");
    body.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    print_info(in.output,
               "Importing definitions in JSON from a file at " + quoted(source) + " ...");
    std::ifstream file(source, std::ios::binary);
    if (!file) return fail(kExitNoInput, "Error: could not read " + quoted(source));
    std::ostringstream all;
    all << file.rdbuf();
    body = all.str();
  }
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return fail(kExitDataError,
                "Error: the definitions are not a JSON object" +
                    std::string(doc.HasParseError()
                                    ? std::string(" (") +
                                          rapidjson::GetParseError_En(doc.GetParseError()) + ")"
                                    : ""));
  }
  return in.api.call("POST", "/definitions", body);
}

}  // namespace polymq::ctl
