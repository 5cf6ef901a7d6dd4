// SNS's query-protocol members beyond scalars, as botocore serializes them: maps as
// "<Name>.entry.<n>.<key>" / ".<value>" and lists as "<Name>.member.<n>[.<Member>]".
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/form.h"

namespace polymq::sns {

// A map of "<prefix>.entry.<n>.key" / ".value" (Attributes), or other key and value names.
std::map<std::string, std::string> query_map(const http::Params& params, std::string_view prefix,
                                             std::string_view key = "key",
                                             std::string_view value = "value");
// "<prefix>.member.<n>" values, in index order (TagKeys).
std::vector<std::string> query_list(const http::Params& params, std::string_view prefix);
// "<prefix>.member.<n>.<field>" structures as field maps, in index order (Tags, batch
// entries); a field may itself be nested ("MessageAttributes.entry.1.Name").
std::vector<http::Params> query_members(const http::Params& params, std::string_view prefix);

}  // namespace polymq::sns
