// Random names the broker makes (server-named queues, consumer tags), one generator for every
// part that needs one. Which prefix a name gets is the broker model's or the front-end's.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace polymq::core {

// `prefix` followed by `length` random characters of URL-safe base64 (RabbitMQ's shape for
// "amq.gen-…" queues and "amq.ctag-…" consumer tags). Not for secrets.
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
