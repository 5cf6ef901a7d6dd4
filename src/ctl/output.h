// How polymqctl prints what the management API answers: tab-separated rows under a header line
// (as rabbitmqctl prints tables) or JSON (--formatter json), and the informational lines
// ("Adding user ...") that quiet mode and the JSON formatter leave out.
#pragma once

#include <rapidjson/document.h>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace polymq::ctl {

enum class Format { kTable, kJson };

struct OutputOptions {
  Format format = Format::kTable;
  bool quiet = false;         // no informational lines, no table header
  bool table_headers = true;  // --no-table-headers turns the header line off alone
};

// One column of a listing: its name (rabbitmqctl's info item) and where its value sits in each
// object the API lists (a path of member names), or a fixed text for every row.
struct Column {
  std::string name;
  std::vector<std::string> path;
  std::string constant;  // used when path is empty
};

// A value as one table cell: strings as they are (tab, newline, carriage return and backslash
// escaped as \t \n \r \\), numbers and booleans as JSON writes them, null or missing as
// nothing, objects and lists as compact JSON.
std::string cell_text(const rapidjson::Value* value);

// The member at `path` in `object`, nullptr when any step is missing or not an object.
const rapidjson::Value* find_path(const rapidjson::Value& object,
                                  const std::vector<std::string>& path);

// Prints a listing: `rows` is the API's JSON array of objects.
void print_rows(const rapidjson::Value& rows, const std::vector<Column>& columns,
                const OutputOptions& options, std::ostream& out);

// Prints one object's members as "key<TAB>value" lines (JSON: the object itself).
void print_object(const rapidjson::Value& object, const OutputOptions& options, std::ostream& out);

// An informational line on stdout, left out in quiet mode and with the JSON formatter.
void print_info(const OutputOptions& options, std::string_view line);

// Compact JSON text of a value.
std::string json_text(const rapidjson::Value& value);

}  // namespace polymq::ctl
