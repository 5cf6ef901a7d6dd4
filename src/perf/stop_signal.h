// SIGINT and SIGTERM end a load run cleanly: the handler only sets a flag the run polls, so the
// run stops and still prints what it measured.
#pragma once

#include <atomic>

namespace polymq::perf {

// Installs the handlers (once) and returns the flag they set.
const std::atomic<bool>& stop_on_signals();

}  // namespace polymq::perf
