// Reading an action's numeric parameters as AWS checks them.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "sqs/errors.h"
#include "sqs/request.h"

namespace polymq::sqs {

// The optional integer parameter `name` of `scalars` in [min, max]: InvalidParameterValue with
// AWS's text when it is not a number in range; `out` keeps its default when absent.
std::optional<Error> int_param(const std::map<std::string, std::string>& scalars,
                               const std::string& name, int64_t min, int64_t max, int64_t& out);
inline std::optional<Error> int_param(const ActionInput& in, const std::string& name, int64_t min,
                                      int64_t max, int64_t& out) {
  return int_param(in.scalars, name, min, max, out);
}

}  // namespace polymq::sqs
