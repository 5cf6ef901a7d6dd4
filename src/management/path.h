// The request paths of the management API: "/api/queues/%2F/q1" is the segments
// {"queues", "/", "q1"}. Vhost, queue and exchange names are percent-encoded in a segment
// ("%2F" is the vhost "/"), so a path is split on '/' before each segment is decoded.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polymq::management {

// The decoded segments after "/api/" ("/api" and "/api/" give none); nullopt for a path
// outside /api or a malformed escape. A trailing '/' adds no segment. '+' stays '+' (it is
// a space only in query strings).
std::optional<std::vector<std::string>> split_api_path(std::string_view path);

// A segment as it appears in a URL: every byte but unreserved ones (RFC 3986) as %XX.
std::string encode_segment(std::string_view segment);

// The management API names the default exchange "amq.default" in paths; "" in the core.
std::string exchange_from_path(const std::string& segment);

}  // namespace polymq::management
