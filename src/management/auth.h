// Who is asking: HTTP basic authentication against the broker's users, and what RabbitMQ's
// user tags let them do in the management API.
//
// - Missing or wrong credentials, and a loopback-only user (guest) asking from another host,
//   are 401 with "WWW-Authenticate: Basic realm=\"RabbitMQ Management\"".
// - A user needs one of the tags administrator, monitoring, policymaker or management to use
//   the API at all; RabbitMQ answers others 401 "Not management user".
// - Changing users, vhosts and permissions and importing definitions needs administrator;
//   listing users and permissions needs administrator or monitoring.
// - Vhosts and what they hold follow the user's grants, as RabbitMQ's (Service::sees_vhost,
//   Service::permitted): non-administrators see only the vhosts they have a grant in, and
//   declares, deletes, bindings, gets and publishes need the grant's permission on the
//   resource, administrators' too.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polymq::management {

struct Credentials {
  std::string user;
  std::string password;
};

// The user and password of an "Authorization: Basic <base64(user:password)>" header;
// nullopt for another scheme or a malformed value.
std::optional<Credentials> parse_basic_auth(std::string_view header);

enum class Access { kNone, kManagement, kMonitoring, kAdministrator };

// The most the tags allow.
Access access_of(const std::vector<std::string>& tags);

}  // namespace polymq::management
