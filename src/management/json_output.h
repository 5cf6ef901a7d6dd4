// The small pieces every management answer is written with: strings into a RapidJSON writer
// (views need not end in NUL), the written text, and an answer without a body.
#pragma once

#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "http/message.h"
#include "rabbit/json_values.h"

namespace polymq::management {

using rabbit::JsonWriter;

inline void write(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// `key` with RabbitMQ's rate object, {"rate": r}, per second.
inline void write_rate(JsonWriter& w, const char* key, double rate) {
  w.Key(key);
  w.StartObject();
  w.Key("rate");
  w.Double(rate);
  w.EndObject();
}

// The rate object where PolyMQ keeps no rate (a vhost's totals) but RabbitMQ always has one
// beside a count, for clients that read it.
inline void write_zero_rate(JsonWriter& w, const char* key) { write_rate(w, key, 0.0); }

// A counter as RabbitMQ writes one in message_stats: "<name>": value and, when a rate is
// given, "<name>_details": {"rate": r}. The "_details" key is put together on the stack: a
// listing writes four of them for each of 10,000 queues.
inline void write_counter(JsonWriter& w, std::string_view name, uint64_t value,
                          const double* rate) {
  write(w, name);
  w.Uint64(value);
  if (rate == nullptr) return;
  constexpr std::string_view kSuffix = "_details";
  char key[64];
  const size_t n = std::min(name.size(), sizeof(key) - kSuffix.size());
  std::memcpy(key, name.data(), n);
  std::memcpy(key + n, kSuffix.data(), kSuffix.size());
  w.Key(key, static_cast<rapidjson::SizeType>(n + kSuffix.size()));
  w.StartObject();
  w.Key("rate");
  w.Double(*rate);
  w.EndObject();
}

inline std::string text(const rapidjson::StringBuffer& b) { return {b.GetString(), b.GetSize()}; }

inline http::Response no_content(int status) {
  http::Response r;
  r.status = status;
  return r;
}

}  // namespace polymq::management
