// A request's JSON body (PUT and POST) with RabbitMQ's leniency: a missing or null field takes
// its default, booleans may also be the strings "true"/"false" (rabbitmqadmin sends them so),
// numbers may be strings of digits.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/value.h"

namespace polymq::management {

struct JsonBody {
  rapidjson::Document doc;

  // An empty body is {} (RabbitMQ accepts PUT /api/vhosts/x with none); false with `error`
  // for malformed JSON or a value that is not an object.
  bool parse(std::string_view text, std::string& error);

  const rapidjson::Value* find(const char* key) const;
  // Each: nullopt when absent or null; false `ok` (and `error`) for a wrong type.
  std::optional<std::string> string(const char* key, std::string& error) const;
  std::optional<bool> boolean(const char* key, std::string& error) const;
  std::optional<int64_t> integer(const char* key, std::string& error) const;
  // The "arguments" (or another) object as a table; empty when absent.
  core::Status table(const char* key, core::Table& out) const;
};

}  // namespace polymq::management
