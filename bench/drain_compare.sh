#!/usr/bin/env bash
# drain_compare.sh PERF REPS NAME=BIN...: per repetition, for each broker in turn: a fresh data
# directory, 5 s of persistent publishes with confirms into a durable queue, then a drain of it;
# prints the drain rate and the broker's CPU per drained message (utime+stime over the drain).
set -euo pipefail
PERF=$1; REPS=$2; shift 2
PORT=25673
tick=$(getconf CLK_TCK)
cpu() { awk '{print $14+$15}' /proc/$1/stat; }
for rep in $(seq "$REPS"); do
  for pair in "$@"; do
    name=${pair%%=*}; bin=${pair#*=}
    D=$(mktemp -d)
    POLYMQ_KAFKA_PORT=0 POLYMQ_SQS_PORT=0 POLYMQ_MANAGEMENT_PORT=0 "$bin" --data-dir "$D/data" --amqp-port $PORT --bind 127.0.0.1 >"$D/log" 2>&1 &
    bp=$!
    for i in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
    U="amqp://guest:guest@127.0.0.1:$PORT/"
    sent=$("$PERF" --json --uri "$U" -x1 -y0 --persistent -f -c1000 -z 5 -u dq 2>/dev/null | tail -1 |
           python3 -c "import json,sys; print(json.loads(sys.stdin.read())['confirmed'])")
    c0=$(cpu $bp)
    rate=$("$PERF" --json --uri "$U" -x0 -y1 -f -D "$sent" -u dq 2>/dev/null | tail -1 |
           python3 -c "import json,sys; print(round(json.loads(sys.stdin.read())['receive_rate']))")
    c1=$(cpu $bp)
    us=$(python3 -c "print(round(($c1-$c0)*1e6/$tick/$sent, 2))")
    echo "rep $rep $name: filled $sent, drained $rate msg/s, broker CPU $us us/msg"
    kill $bp; wait $bp 2>/dev/null || true
    rm -rf "$D"
  done
done
