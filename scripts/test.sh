#!/usr/bin/env bash
# Installs what the tests need, builds with AddressSanitizer and UndefinedBehaviorSanitizer
# (warnings are errors), fuzzes the frame decoder briefly, and runs every test: unit tests,
# then the integration suites with the real clients against a broker that the CTest fixture
# starts on 127.0.0.1 and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
preset="${POLYMQ_TEST_PRESET:-asan}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
# A short libFuzzer run of the frame decoder (fuzz/run.sh SECONDS runs longer ones).
fuzz_seconds="${POLYMQ_FUZZ_SECONDS:-30}"
if [[ "$fuzz_seconds" != 0 ]]; then
  fuzz/run.sh "$fuzz_seconds" amqp_frame_fuzz -close_fd_mask=1 2>&1 | tail -n 12
  [[ "${PIPESTATUS[0]}" == 0 ]] || { echo "fuzzing found a failure"; exit 1; }
fi
ctest --preset "$preset" --timeout 600 "$@"
