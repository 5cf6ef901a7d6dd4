#!/usr/bin/env bash
# kafka_load.sh [BUILD_DIR=build/release] [REPS=3]: the Kafka benchmark with polymq-kafka-perf
# (librdkafka) against a fresh release broker, beside the machine's physical limits measured
# in the same run:
#   - loopback TCP bandwidth (iperf3, 10 s) and the fdatasync rate of the data directory's
#     filesystem (fio, 4 KiB writes each followed by fdatasync, 10 s);
#   - one producer, 100 B and 1 KiB records, acks 1 and all, 1 and 8 partitions, with one
#     consumer reading along (records/s, MB/s, ack and end-to-end latency percentiles);
#   - end-to-end latency at half the measured peak rate (100 B, acks 1, 1 partition);
#   - broker memory after a large topic was written and read (RSS from /proc).
# Prints one JSON line per run (grep '^{'), then medians per case. iperf3 and fio are installed
# with apt-get when missing.
set -euo pipefail
BUILD=${1:-build/release}; REPS=${2:-3}
BIN=$BUILD/src/server/polymq; PERF=$BUILD/src/perf/polymq-kafka-perf
for tool in iperf3 fio; do
  command -v $tool >/dev/null || apt-get install -y $tool >/dev/null
done
W=$(mktemp -d /var/tmp/polymq-kafka-bench.XXXXXX)
trap 'kill $bp 2>/dev/null || true; kill $ip 2>/dev/null || true; rm -rf "$W"' EXIT

echo "== loopback bandwidth (iperf3)"
iperf3 -s -B 127.0.0.1 -p 25201 >/dev/null 2>&1 & ip=$!
sleep 0.5
iperf3 -c 127.0.0.1 -p 25201 -t 10 -J | python3 -c 'import json,sys; r=json.load(sys.stdin); print("loopback: %.0f MB/s" % (r["end"]["sum_received"]["bits_per_second"]/8e6))'
kill $ip; wait $ip 2>/dev/null || true

echo "== fdatasync rate (fio, 4 KiB write + fdatasync, on the data directory's filesystem)"
fio --name=sync --directory="$W" --rw=write --bs=4k --size=64m --fdatasync=1 --time_based \
  --runtime=10 --output-format=json | python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]["write"]; print("fdatasync: %.0f writes/s" % j["iops"])'

PORT=29093
POLYMQ_AMQP_PORT=0 "$BIN" --data-dir "$W/data" --kafka-port $PORT --amqp-port 0 \
  --bind 127.0.0.1 >"$W/log" 2>&1 &
bp=$!
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
B=127.0.0.1:$PORT

run() {  # label args...
  local label=$1; shift
  for rep in $(seq "$REPS"); do
    "$PERF" -b $B --json "$@" 2>/dev/null | sed "s/^{/{\"case\":\"$label\",/"
  done
}
{
  run "100B acks1 p1" -n 2000000 -s 100 -a 1 -p 1
  run "100B acks1 p8" -n 2000000 -s 100 -a 1 -p 8
  run "100B acksall p1" -n 2000000 -s 100 -a all -p 1
  run "100B acksall p8" -n 2000000 -s 100 -a all -p 8
  run "1KiB acks1 p1" -n 400000 -s 1024 -a 1 -p 1
  run "1KiB acks1 p8" -n 400000 -s 1024 -a 1 -p 8
  run "1KiB acksall p1" -n 400000 -s 1024 -a all -p 1
  run "1KiB acksall p8" -n 400000 -s 1024 -a all -p 8
} | tee "$W/runs.json"

peak=$(python3 - "$W/runs.json" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
print(int(statistics.median(r["produce_rps"] for r in rows if r["case"] == "100B acks1 p1")))
PY
)
half=$((peak / 2))
echo "== end-to-end latency at half the peak rate ($half records/s)"
run "100B acks1 p1 at half peak" -n $((half * 20)) -s 100 -a 1 -p 1 -r $half | tee -a "$W/runs.json"

echo "== broker memory after writing and reading 4 GB (1 KiB records, 8 partitions)"
"$PERF" -b $B -n 4000000 -s 1024 -a 1 -p 8 --linger-ms 20 >/dev/null 2>&1
echo "broker memory: $(awk '/VmRSS|RssAnon|RssFile/ {printf "%s %.0f MiB  ", $1, $2/1024}' /proc/$bp/status)(RssFile: mapped segment pages, page cache the kernel reclaims), data: $(du -sh "$W/data" | cut -f1)"

python3 - "$W/runs.json" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
cases = []
for r in rows:
    if r["case"] not in cases:
        cases.append(r["case"])
print("| case | produce records/s | MB/s | consume records/s | ack p50 / p99 ms | end-to-end p50 / p99 / p99.9 ms |")
print("| --- | --- | --- | --- | --- | --- |")
for c in cases:
    rs = [r for r in rows if r["case"] == c]
    m = lambda k: statistics.median(r[k] for r in rs)
    print("| %s | %s | %.1f | %s | %.1f / %.1f | %.1f / %.1f / %.1f |" % (
        c, f"{m('produce_rps'):,.0f}", m("produce_rps") * rs[0]["size"] / 1e6,
        f"{m('consume_rps'):,.0f}", m("ack_p50_us") / 1e3, m("ack_p99_us") / 1e3,
        m("e2e_p50_us") / 1e3, m("e2e_p99_us") / 1e3, m("e2e_p999_us") / 1e3))
PY
