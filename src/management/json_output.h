// The small pieces every management answer is written with: strings into a RapidJSON writer
// (views need not end in NUL), the written text, and an answer without a body.
#pragma once

#include <rapidjson/stringbuffer.h>

#include <string>
#include <string_view>

#include "http/message.h"
#include "rabbit/json_values.h"

namespace polymq::management {

using rabbit::JsonWriter;

inline void write(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// `key` with RabbitMQ's rate object, {"rate": 0.0}: PolyMQ keeps no rates (rates_mode none) but
// serves the object where RabbitMQ always has it beside a count, for clients that read it.
inline void write_zero_rate(JsonWriter& w, const char* key) {
  w.Key(key);
  w.StartObject();
  w.Key("rate");
  w.Double(0.0);
  w.EndObject();
}

inline std::string text(const rapidjson::StringBuffer& b) { return {b.GetString(), b.GetSize()}; }

inline http::Response no_content(int status) {
  http::Response r;
  r.status = status;
  return r;
}

}  // namespace polymq::management
