#!/usr/bin/env bash
# Installs what the tests need, builds with AddressSanitizer and UndefinedBehaviorSanitizer
# (warnings are errors), and runs every test: unit tests, then the integration suites with
# the real clients against a broker that the CTest fixture starts on 127.0.0.1 and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
preset="${POLYMQ_TEST_PRESET:-asan}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" --timeout 600 "$@"
