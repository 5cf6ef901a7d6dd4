#!/usr/bin/env bash
# Starts or stops a PolyMQ broker for the integration tests, on 127.0.0.1 only.
#   broker.sh start BINARY STATE_DIR PORT   -- start, wait until the port accepts connections
#   broker.sh stop STATE_DIR                -- SIGTERM, wait; fails if the broker had died
#                                              before, or did not exit cleanly (status 0)
set -euo pipefail
cmd=$1
case "$cmd" in
  start)
    binary=$2 state=$3 port=$4
    rm -rf "$state"; mkdir -p "$state"
    # Defaults, spelled out where the tests depend on them.
    cat > "$state/polymq.toml" <<TOML
[amqp]
heartbeat = 60
TOML
    # No Kafka, SQS or management listener: their default ports (9092, 9324, 15672) may be taken
    # by another broker on the machine; those suites start brokers of their own on free ports.
    POLYMQ_KAFKA_PORT=0 POLYMQ_SQS_PORT=0 POLYMQ_MANAGEMENT_PORT=0 "$binary" --bind 127.0.0.1 --amqp-port "$port" --data-dir "$state/data" \
      --config "$state/polymq.toml" --log-level info >"$state/broker.log" 2>&1 &
    echo $! >"$state/pid"
    for _ in $(seq 1 100); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "broker up on $port"; exit 0; fi
      kill -0 "$(cat "$state/pid")" 2>/dev/null || { cat "$state/broker.log"; exit 1; }
      sleep 0.1
    done
    echo "broker did not start"; cat "$state/broker.log"; exit 1
    ;;
  stop)
    state=$2
    pid=$(cat "$state/pid")
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "broker had died during the tests"; tail -50 "$state/broker.log"; exit 1
    fi
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "broker did not stop within 10 s of SIGTERM"; kill -KILL "$pid"; exit 1
    fi
    # This shell did not start the broker, so its exit status is unknown: read the log.
    if grep -qE "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$state/broker.log"; then
      echo "sanitizer report in the broker log:"; grep -A30 -E "ERROR: |runtime error:" "$state/broker.log" | head -80
      exit 1
    fi
    grep -q "PolyMQ stopped" "$state/broker.log" || { echo "no clean shutdown"; tail -30 "$state/broker.log"; exit 1; }
    echo "broker stopped cleanly"
    ;;
  *) echo "usage: $0 start|stop ..."; exit 2 ;;
esac
