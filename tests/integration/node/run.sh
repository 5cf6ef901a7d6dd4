#!/usr/bin/env bash
# Runs the amqplib scenarios against an AMQP 0-9-1 broker with Node's test runner.
#
#   AMQP_HOST (127.0.0.1) AMQP_PORT (5672) AMQP_USER (guest) AMQP_PASSWORD (guest)
#   NODE_TEST_TIMEOUT   seconds for the whole run (default 240)
#   NODE_TEST_CASE_TIMEOUT_MS  milliseconds for each test (default 15000)
#   Extra arguments are passed to `node --test` (e.g. --test-name-pattern=topic).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
timeout_s="${NODE_TEST_TIMEOUT:-240}"

for tool in node npm timeout; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: '$tool' not found; install Node.js 20+ with npm (e.g. apt-get install -y nodejs npm)." >&2
        exit 2
    fi
done

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
    echo "error: Node.js 20+ is required (found $(node --version))." >&2
    exit 2
fi

if [[ ! -d node_modules/amqplib ]]; then
    npm ci --no-audit --no-fund
fi

exec timeout --kill-after=10 "$timeout_s" \
    node --test "$@" test/*.test.js
