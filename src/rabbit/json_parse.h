// Parsing the definitions JSON into a RapidJSON document with exactly rounded numbers.
//
// RapidJSON's default number parsing can be an ulp off, so a double written in its shortest
// form can import as a neighbour and a definitions file would drift at every save; the
// full-precision mode of Debian 12's RapidJSON (1.1.0) has known faults of its own (undefined
// behaviour on "0.000…0" with many digits, wrong results for some long mantissas). So numbers
// are taken as text and converted with std::from_chars, which rounds correctly.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>

namespace polymq::rabbit {

// Parses `json` into `doc` iteratively (deep nesting cannot exhaust the stack). An integer that
// fits int64 or uint64 stays an integer; any other number becomes the double nearest to it.
// On a syntax error returns false with `error` naming the offset and the reason.
bool parse_json(std::string_view json, rapidjson::Document& doc, std::string& error);

}  // namespace polymq::rabbit
