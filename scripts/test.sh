#!/usr/bin/env bash
# Installs what the tests need, builds with AddressSanitizer and UndefinedBehaviorSanitizer
# (warnings are errors), fuzzes the parsers briefly, and runs every test: unit tests,
# then the integration suites with the real clients against a broker that the CTest fixture
# starts on 127.0.0.1 and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh test
preset="${POLYMQ_TEST_PRESET:-asan}"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
# Short libFuzzer runs of the parsers (fuzz/run.sh SECONDS TARGET runs longer ones): the frame
# decoder, the stored message layout, definitions import, Kafka request decoding, the Kafka
# SASL logins and topic config values, HTTP request parsing, and the SQS/SNS request decoding
# (query parameters, JSON 1.0 bodies, SigV4 headers), SNS filter policies, and the management
# API's paths, list parameters and JSON bodies.
fuzz_seconds="${POLYMQ_FUZZ_SECONDS:-30}"
if [[ "$fuzz_seconds" != 0 ]]; then
  for target in amqp_frame_fuzz stored_message_fuzz definitions_import_fuzz kafka_request_fuzz \
      kafka_auth_config_fuzz http_request_fuzz aws_request_fuzz sns_filter_policy_fuzz \
      management_request_fuzz; do
    seconds=$fuzz_seconds
    [[ $target != amqp_frame_fuzz ]] && seconds=$(((fuzz_seconds + 1) / 2))
    fuzz/run.sh "$seconds" "$target" -close_fd_mask=1 2>&1 | tail -n 12
    [[ "${PIPESTATUS[0]}" == 0 ]] || { echo "fuzzing $target found a failure"; exit 1; }
  done
fi
ctest --preset "$preset" --timeout 600 "$@"
