#!/usr/bin/env bash
# Builds PolyMQ (release) and starts it in the foreground on its defaults:
# data in ./data, AMQP on 5672, user guest/guest (loopback only), vhost "/".
# Extra arguments go to the broker (see `polymq --help`). build/release/src/ctl/polymqctl,
# built beside it, administers it (docs/polymqctl.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh build
cmake --preset release >/dev/null
cmake --build --preset release --target polymq polymqctl
exec build/release/src/server/polymq "$@"
