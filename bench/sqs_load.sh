#!/usr/bin/env bash
# sqs_load.sh [BUILD_DIR=build/release] [REPS=3]: the SQS benchmark with polymq-sqs-perf
# (AWS JSON 1.0, SigV4, keep-alive connections) against a fresh release broker:
#   - SendMessageBatch (10 x 100 B) with receivers draining along through ReceiveMessage +
#     DeleteMessageBatch (4 senders and 4 receivers, then 32 and 16), and SendMessageBatch alone;
#   - single SendMessage requests from 64 connections (each answered once durable);
#   - single SendMessage latency at half the measured single-send peak;
#   - broker memory per idle long poll: 10,000 connections each holding a 20 s ReceiveMessage
#     on an empty queue (RSS from /proc before and while they wait).
# Prints one JSON line per run (grep '^{'), then medians per case.
set -euo pipefail
BUILD=${1:-build/release}; REPS=${2:-3}
BIN=$BUILD/src/server/polymq; PERF=$BUILD/src/perf/polymq-sqs-perf
W=$(mktemp -d /var/tmp/polymq-sqs-bench.XXXXXX)
bp=; trap 'kill $bp 2>/dev/null || true; rm -rf "$W"' EXIT
ulimit -n "$(ulimit -Hn)"  # 10,000 idle polls need as many descriptors on each side

PORT=29324
"$BIN" --data-dir "$W/data" --sqs-port $PORT --amqp-port 0 --kafka-port 0 --bind 127.0.0.1 \
  >"$W/log" 2>&1 &
bp=$!
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done

run() {  # label args...
  local label=$1; shift
  for rep in $(seq "$REPS"); do
    "$PERF" --port $PORT --json "$@" 2>/dev/null | sed "s/^{/{\"case\":\"$label\",/"
  done
}
{
  run "SendMessageBatch 10x100B + ReceiveMessage+DeleteMessageBatch" -n 200000 -b 10 -S 4 -R 4
  # Each send waits for its group-commit round, so the rate grows with the requests in flight:
  # 32 senders share each fdatasync among up to 32 batches.
  run "SendMessageBatch 10x100B, 32 senders + 16 receivers" -n 400000 -b 10 -S 32 -R 16
  run "SendMessageBatch 10x100B, send only" -n 200000 -b 10 -S 4 -R 0
  run "SendMessage 100B, 64 connections" -n 100000 -b 1 -S 64 -R 0
} | tee "$W/runs.json"

peak=$(python3 - "$W/runs.json" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(int(statistics.median(r["send_mps"] for r in rows if r["case"].startswith("SendMessage 100B"))))
PY
)
half=$((peak / 2))
echo "== SendMessage latency at half the peak rate ($half requests/s)"
run "SendMessage 100B at half peak" -n $((half * 20)) -b 1 -S 64 -R 0 -r $half | tee -a "$W/runs.json"

echo "== broker memory per idle long poll (10,000 connections)"
rss_kib() { awk '/VmRSS/ {print $2}' /proc/$bp/status; }
before=$(rss_kib)
"$PERF" --port $PORT --idle-polls 10000 --hold 20 >"$W/idle.txt" 2>&1 &
ip=$!
sleep 15
during=$(rss_kib)
wait $ip || true
cat "$W/idle.txt"
echo "broker RSS: $((before / 1024)) MiB before, $((during / 1024)) MiB with the polls waiting: $(( (during - before) / 10000 )) KiB per waiting poll"

python3 - "$W/runs.json" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
cases = []
for r in rows:
    if r["case"] not in cases:
        cases.append(r["case"])
print("| case | sent messages/s | received+deleted messages/s | send request p50 / p99 ms | end-to-end p50 / p99 ms |")
print("| --- | --- | --- | --- | --- |")
for c in cases:
    rs = [r for r in rows if r["case"] == c]
    m = lambda k: statistics.median(r[k] for r in rs)
    print("| %s | %s | %s | %.2f / %.2f | %.1f / %.1f |" % (
        c, f"{m('send_mps'):,.0f}", f"{m('receive_mps'):,.0f}" if rs[0]["receivers"] else "-",
        m("send_p50_us") / 1e3, m("send_p99_us") / 1e3, m("e2e_p50_us") / 1e3,
        m("e2e_p99_us") / 1e3))
PY
