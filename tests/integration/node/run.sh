#!/usr/bin/env bash
# Runs a Node client suite with Node's test runner.
#
#   run.sh [amqplib|kafkajs|awssdk|ui] [node --test arguments...]
#
# amqplib (the default): test/*.test.js against an AMQP 0-9-1 broker that is already running:
#   AMQP_HOST (127.0.0.1) AMQP_PORT (5672) AMQP_USER (guest) AMQP_PASSWORD (guest)
#   NODE_TEST_CASE_TIMEOUT_MS  milliseconds for each test (default 15000)
# kafkajs: kafkajs/*.test.js; every test starts a broker of its own on free 127.0.0.1 ports
# (lib/polymq_process.js) and stops it:
#   POLYMQ_BIN          the broker binary (default: polymq on PATH)
#   KAFKAJS_LOG_LEVEL   kafkajs's logging: NOTHING (default), ERROR, WARN, INFO, DEBUG
#   KAFKAJS_TEST_CASE_TIMEOUT_MS  milliseconds for each test (default 60000)
#   POLYMQ_KEEP_WORKDIR set: keep each broker's data directory and log (else kept on failure)
# awssdk: awssdk/*.test.js, the AWS SDK for JavaScript v3 (@aws-sdk/client-sqs speaks AWS JSON
# 1.0, @aws-sdk/client-sns the query protocol); every test starts a broker of its own with its
# SQS/SNS endpoint on a free port:
#   POLYMQ_BIN          the broker binary (default: polymq on PATH)
#   AWSSDK_TEST_CASE_TIMEOUT_MS  milliseconds for each test (default 60000)
# ui: ui/*.test.js, the management web UI in headless Chromium (Debian's chromium, driven by
# puppeteer-core); every test starts a broker of its own with the management port on a free
# port (and, for the Kafka and SQS / SNS pages, Kafka and SQS listeners, filled by kafkajs and
# the AWS SDK):
#   POLYMQ_BIN          the broker binary (default: polymq on PATH)
#   CHROMIUM            the browser (default /usr/bin/chromium)
#   UI_TEST_CASE_TIMEOUT_MS  milliseconds for each test (default 90000)
# All:
#   NODE_TEST_TIMEOUT   seconds for the whole run (default 240)
#   Extra arguments are passed to `node --test` (e.g. --test-name-pattern=topic).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
timeout_s="${NODE_TEST_TIMEOUT:-240}"

suite=amqplib
if [[ $# -gt 0 && ( "$1" == amqplib || "$1" == kafkajs || "$1" == awssdk || "$1" == ui ) ]]; then
    suite=$1
    shift
fi

for tool in node npm timeout flock; do
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

# Installs the locked dependencies when one of package.json's is missing or at another
# version. Under a lock: CTest may start both suites at once in this directory.
deps_installed() {
    node -e '
        const fs = require("node:fs");
        const deps = require("./package.json").dependencies || {};
        for (const [name, version] of Object.entries(deps)) {
            const file = `node_modules/${name}/package.json`;
            if (!fs.existsSync(file) || JSON.parse(fs.readFileSync(file, "utf8")).version !== version) {
                process.exit(1);
            }
        }'
}
if ! deps_installed; then
    (
        flock 9
        if ! deps_installed; then
            npm ci --no-audit --no-fund
        fi
    ) 9<"$here"
fi

case "$suite" in
    amqplib)
        tests=(test/*.test.js)
        ;;
    kafkajs|awssdk|ui)
        if ! command -v "${POLYMQ_BIN:-polymq}" >/dev/null 2>&1; then
            echo "error: broker binary '${POLYMQ_BIN:-polymq}' not found; set POLYMQ_BIN." >&2
            exit 2
        fi
        tests=("$suite"/*.test.js)
        ;;
esac

exec timeout --kill-after=10 "$timeout_s" \
    node --test "$@" "${tests[@]}"
