// RabbitMQ's names: the prefix of the built-in exchanges and server-made names, which clients
// may not declare, and the prefixes of names the server makes.
#pragma once

#include <string_view>

namespace polymq::rabbit {

inline constexpr std::string_view kReservedPrefix = "amq.";
inline bool has_reserved_prefix(std::string_view name) { return name.starts_with(kReservedPrefix); }

// Server-named queues: "amq.gen-" and 22 random characters (core::random_name).
inline constexpr std::string_view kGeneratedQueuePrefix = "amq.gen-";

}  // namespace polymq::rabbit
