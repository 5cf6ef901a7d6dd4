// Names the broker makes or reserves, shared by every part that needs them.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace polymq::core {

// Names clients may not declare: RabbitMQ's built-in exchanges and server-named queues.
inline constexpr std::string_view kReservedPrefix = "amq.";
inline bool has_reserved_prefix(std::string_view name) {
  return name.substr(0, kReservedPrefix.size()) == kReservedPrefix;
}

// `prefix` followed by `length` random characters of URL-safe base64, as RabbitMQ makes
// server-generated names ("amq.gen-…" queues, "amq.ctag-…" consumer tags). Not for secrets.
inline std::string random_name(std::string_view prefix, size_t length = 22) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  static thread_local std::mt19937_64 rng{
      std::random_device{}() ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())};
  std::string name(prefix);
  name.reserve(prefix.size() + length);
  for (size_t i = 0; i < length; ++i) name.push_back(kAlphabet[rng() % 64]);
  return name;
}

}  // namespace polymq::core
