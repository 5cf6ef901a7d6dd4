#include "rabbit/json_parse.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <charconv>
#include <cstdint>
#include <system_error>

namespace polymq::rabbit {
namespace {

// Forwards every SAX event to the document, except numbers, which arrive as text
// (kParseNumbersAsStringsFlag) and are converted here.
class ExactNumbers {
 public:
  explicit ExactNumbers(rapidjson::Document& doc) : doc_(doc) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool StartObject() { return doc_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool EndObject(rapidjson::SizeType members) { return doc_.EndObject(members); }
  bool StartArray() { return doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) { return doc_.EndArray(elements); }

  // The reader has checked the JSON number grammar already.
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    const char* end = s + n;
    const std::string_view text(s, n);
    if (text.find_first_of(".eE") == std::string_view::npos) {
      if (text.front() == '-') {
        int64_t i = 0;
        if (auto r = std::from_chars(s, end, i); r.ec == std::errc() && r.ptr == end) {
          return doc_.Int64(i);
        }
      } else {
        uint64_t u = 0;
        if (auto r = std::from_chars(s, end, u); r.ec == std::errc() && r.ptr == end) {
          return doc_.Uint64(u);
        }
      }
    }
    double d = 0;
    const auto r = std::from_chars(s, end, d);
    // Out of range: as RapidJSON, a number beyond double's range is an error.
    if (r.ec != std::errc() || r.ptr != end) return false;
    return doc_.Double(d);
  }

 private:
  rapidjson::Document& doc_;
};

}  // namespace

bool parse_json(std::string_view json, rapidjson::Document& doc, std::string& error) {
  rapidjson::MemoryStream bytes(json.data(), json.size());
  rapidjson::Reader reader;
  bool parsed = false;
  auto generate = [&](rapidjson::Document& d) {
    ExactNumbers handler(d);
    constexpr unsigned kFlags =
        rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag;
    parsed = !reader.Parse<kFlags>(bytes, handler).IsError();
    return parsed;
  };
  doc.Populate(generate);
  if (!parsed) {
    error = "not valid JSON at offset " + std::to_string(reader.GetErrorOffset()) + ": " +
            rapidjson::GetParseError_En(reader.GetParseErrorCode());
    return false;
  }
  return true;
}

}  // namespace polymq::rabbit
