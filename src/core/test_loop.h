// The storage tests' stand-in for the event loop, for the core's storage-backed tests.
#pragma once

#include "storage/test_loop.h"

namespace polymq::core::testing {

using storage::testing::TestLoop;

}  // namespace polymq::core::testing
