// RabbitMQ's JSON forms of AMQP values and credentials, shared by the definitions file
// (rabbit/definitions.h) and the management API (src/management): argument tables as JSON
// objects, password_hash as base64 of the salt and the digest.
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/users.h"
#include "core/value.h"

namespace polymq::rabbit {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// A table as RabbitMQ writes arguments and headers: strings, numbers, booleans, objects for
// tables, arrays; void, NaN and infinities as null; nesting past kMaxValueDepth as null.
void write_json_table(JsonWriter& w, const core::Table& table);
void write_json_value(JsonWriter& w, const core::Value& value);

// A JSON object as a table (integers stay 64-bit integers, other numbers become doubles,
// null is void); kInvalidArgument naming `where` when nested too deep.
core::Status json_to_table(const rapidjson::Value& object, core::Table& out,
                           const std::string& where);

// RFC 4648 base64 with padding.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// The user's password_hash as RabbitMQ shows it ("" for a user without a password).
std::string password_hash(const core::User& user);
inline constexpr std::string_view kPasswordHashingAlgorithm = "rabbit_password_hashing_sha256";

}  // namespace polymq::rabbit
