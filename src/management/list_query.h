// Sorting, filtering and pagination of the management API's lists, as RabbitMQ's
// (rabbit_mgmt_util): ?sort=<field>&sort_reverse=true sorts any list by a field (dotted
// paths reach nested ones: "message_stats.publish"); ?page=N asks for RabbitMQ's paged
// shape,
//
//   {"filtered_count", "item_count", "items": [...], "page", "page_count", "page_size",
//    "total_count"}
//
// with page_size items a page (default 100, at most 500), and ?name=<text> keeps the items
// whose name contains the text (with use_regex=true: matches the ECMAScript regular
// expression anywhere in it). Without page, name filters nothing, as in RabbitMQ.
//
// The lists are rendered first as a JSON array (each handler writes its own items) and
// reshaped here, so every list gets the same behaviour.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/form.h"

namespace polymq::management {

struct ListQuery {
  std::optional<long> page;  // 1-based; set: the paged shape
  long page_size = 100;
  std::string name;  // filter (paged lists only)
  bool use_regex = false;
  std::string sort;  // field, "" = keep the handler's order
  bool sort_reverse = false;

  bool plain() const { return !page && sort.empty(); }
};

inline constexpr long kMaxPageSize = 500;

// The query's list parameters; false with `error` (RabbitMQ's reason text) for a bad one.
bool parse_list_query(const http::Params& params, ListQuery& out, std::string& error);

// `items` (a JSON array) sorted, filtered and paged as `query` says; false with `error`
// (a page out of range, a bad regular expression) otherwise.
bool apply_list_query(std::string_view items, const ListQuery& query, std::string& out,
                      std::string& error);

}  // namespace polymq::management
