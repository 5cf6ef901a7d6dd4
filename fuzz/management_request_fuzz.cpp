// libFuzzer target for what the management API reads from a request before touching the
// broker: the path's percent-encoded segments, the list parameters (page, sort, name filters
// and regular expressions) applied to a list, and JSON bodies with RabbitMQ's leniency. The
// input is four newline-separated parts: path, query string, a JSON list to apply the query
// to, and a request body. Besides sanitizer findings it checks that every decoded segment
// encodes and decodes back to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/value.h"
#include "http/form.h"
#include "management/json_body.h"
#include "management/list_query.h"
#include "management/path.h"

namespace {

using namespace polymq;

std::string_view take(std::string_view& text) {
  const size_t at = text.find('\n');
  std::string_view head = text.substr(0, at);
  text = at == std::string_view::npos ? std::string_view() : text.substr(at + 1);
  return head;
}

void fuzz_path(std::string_view path) {
  std::optional<std::vector<std::string>> segments = management::split_api_path(path);
  if (!segments) return;
  for (const std::string& segment : *segments) {
    (void)management::exchange_from_path(segment);
    auto again = management::split_api_path("/api/" + management::encode_segment(segment));
    if (!again || again->size() != (segment.empty() ? 0U : 1U)) abort();
    if (!segment.empty() && (*again)[0] != segment) abort();
  }
}

void fuzz_list(std::string_view query, std::string_view items) {
  std::optional<http::Params> params = http::parse_form(query);
  if (!params) return;
  management::ListQuery list;
  std::string error;
  if (!management::parse_list_query(*params, list, error)) return;
  std::string out;
  (void)management::apply_list_query(items, list, out, error);
}

void fuzz_body(std::string_view body) {
  management::JsonBody json;
  std::string error;
  if (!json.parse(body, error)) return;
  for (const char* key : {"name", "type", "durable", "auto_delete", "arguments", "payload", "count",
                          "ackmode", "routing_key", "tags", "password"}) {
    (void)json.string(key, error);
    (void)json.boolean(key, error);
    (void)json.integer(key, error);
    core::Table table;
    (void)json.table(key, table);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view path = take(input);
  const std::string_view query = take(input);
  const std::string_view items = take(input);
  fuzz_path(path);
  fuzz_list(query, items);
  fuzz_body(input);
  return 0;
}
