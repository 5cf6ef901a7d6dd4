#!/usr/bin/env bash
# kafka_kcat.sh BIN [REPS]: Kafka produce and consume rates with kcat (librdkafka) against a
# fresh release broker: 1,000,000 records of 100 B and 200,000 of 1 KiB, acks 1 and all, one
# partition, no compression; then one consumer reading each topic from the beginning.
# Prints records/s and MB/s per run (wall time of the kcat process).
set -euo pipefail
BIN=$1; REPS=${2:-3}
W=$(mktemp -d)
trap 'kill $bp 2>/dev/null || true; rm -rf "$W"' EXIT
python3 - "$W" <<'PY'
import sys
d = sys.argv[1]
open(f"{d}/r100.txt", "w").write(("x" * 99 + "\n") * 1_000_000)
open(f"{d}/r1k.txt", "w").write(("y" * 1023 + "\n") * 200_000)
PY
PORT=29092
POLYMQ_AMQP_PORT=0 "$BIN" --data-dir "$W/data" --kafka-port $PORT --amqp-port 0 --bind 127.0.0.1 \
  >"$W/log" 2>&1 &
bp=$!
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
B=127.0.0.1:$PORT
run() {  # name file count size acks
  local name=$1 file=$2 n=$3 size=$4 acks=$5 t0 t1 topic
  for rep in $(seq "$REPS"); do
    topic="$name-$acks-$rep"
    t0=$(date +%s.%N)
    kcat -P -b $B -t "$topic" -l "$file" -X acks=$acks -X linger.ms=5 \
      -X batch.num.messages=10000 -X queue.buffering.max.messages=1000000 2>>"$W/kcat.err"
    t1=$(date +%s.%N)
    python3 -c "n=$n; s=$size; t=$t1-$t0; print(f'produce $name acks=$acks rep $rep: {n/t:,.0f} records/s, {n*s/t/1e6:,.1f} MB/s')"
    t0=$(date +%s.%N)
    got=$(kcat -C -b $B -t "$topic" -o beginning -e -q -X fetch.wait.max.ms=10 2>>"$W/kcat.err" | wc -l)
    t1=$(date +%s.%N)
    python3 -c "n=$got; s=$size; t=$t1-$t0; print(f'consume $name rep $rep: {n} records, {n/t:,.0f} records/s, {n*s/t/1e6:,.1f} MB/s')"
  done
}
run r100 "$W/r100.txt" 1000000 100 1
run r100 "$W/r100.txt" 1000000 100 all
run r1k "$W/r1k.txt" 200000 1024 1
run r1k "$W/r1k.txt" 200000 1024 all
