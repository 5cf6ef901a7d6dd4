#!/usr/bin/env bash
# Durable backlog benchmark: fills a durable queue with a few million persistent messages
# through polymq-perf with publisher confirms, then restarts the broker (after SIGTERM, and
# again after SIGKILL) and measures how long it takes until the AMQP port accepts and until
# a passive queue.declare reports the whole backlog, and finally drains the queue. Prints a
# table: confirmed publishes/s, size of the data directory, broker VmRSS with the backlog
# and after each restart, start-up times, drain rate.
#
#   bench/backlog.sh                      # 3,000,000 messages of 16 bytes
#   bench/backlog.sh --messages 5000000 --size 64
#   options: --messages N, --size B, --window W (confirm window, 1000), --no-build, --keep,
#            --broker-arg ARG (repeatable, e.g. --broker-arg --sync-policy=interval)
#
# Uses the release build (build/release; built first unless --no-build). The broker listens
# on 127.0.0.1:$POLYMQ_PORT (default 5694) with a fresh data directory under /tmp, and is
# stopped on exit. The passive declares are made with python3-pika (/usr/bin/python3).
set -euo pipefail
# The brokers started here serve AMQP only: Kafka's default port (9092) could be taken by
# another broker on the machine. An environment variable, so builds without Kafka ignore it.
export POLYMQ_KAFKA_PORT=0 POLYMQ_SQS_PORT=0 POLYMQ_MANAGEMENT_PORT=0

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$ROOT/build/release"
POLYMQ_BIN="$BUILD/src/server/polymq"
PERF="$BUILD/src/perf/polymq-perf"
PORT="${POLYMQ_PORT:-5694}"
QUEUE=bench-backlog
MESSAGES=3000000
SIZE=16
WINDOW=1000
BUILD_FIRST=1
KEEP=0
BROKER_ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --messages) MESSAGES="$2"; shift ;;
    --size) SIZE="$2"; shift ;;
    --window) WINDOW="$2"; shift ;;
    --no-build) BUILD_FIRST=0 ;;
    --keep) KEEP=1 ;;
    --broker-arg) BROKER_ARGS+=("$2"); shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ $BUILD_FIRST == 1 ]]; then
  echo "building the release preset (polymq, polymq-perf)"
  cmake --preset release -S "$ROOT" >/dev/null
  cmake --build "$BUILD" --target polymq polymq-perf >/dev/null
fi
for bin in "$POLYMQ_BIN" "$PERF"; do
  [[ -x "$bin" ]] || { echo "missing $bin (run without --no-build)" >&2; exit 1; }
done
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "port $PORT is in use; set POLYMQ_PORT" >&2; exit 1
fi

TMP="$(mktemp -d /tmp/polymq-backlog.XXXXXX)"
DATA="$TMP/data"
LOG="$TMP/broker.log"
PID=""
cleanup() {
  if [[ -n "$PID" ]] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID"; wait "$PID" 2>/dev/null || true; fi
  if [[ $KEEP == 1 ]]; then echo "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

# ready.py T0 PORT QUEUE COUNT PID [TIMEOUT]: prints "PORT_S READY_S": seconds from T0 (epoch)
# until the port accepts, and until a passive queue.declare reports COUNT messages (COUNT -1:
# only wait for the port). Fails after TIMEOUT seconds (900).
cat >"$TMP/ready.py" <<'PY'
import os, socket, sys, time
import pika, pika.exceptions
t0, port, queue, want, pid = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
deadline = time.time() + (float(sys.argv[6]) if len(sys.argv) > 6 else 900)
def alive():
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False
while True:
    if not alive() or time.time() > deadline:
        sys.exit("broker died or did not listen")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        port_s = time.time() - t0
        if want < 0:
            print("%.3f %.3f" % (port_s, port_s))
            sys.exit(0)
        break
    except OSError:
        time.sleep(0.002)
count = None
while True:
    if not alive() or time.time() > deadline:
        sys.exit("queue %s never reported %d messages (last count %s)" % (queue, want, count))
    try:
        conn = pika.BlockingConnection(pika.ConnectionParameters(
            "127.0.0.1", port, connection_attempts=1, socket_timeout=30, stack_timeout=60,
            blocked_connection_timeout=60))
        try:
            count = conn.channel().queue_declare(queue, passive=True).method.message_count
        except pika.exceptions.ChannelClosedByBroker:
            count = "no queue"
        conn.close()
        if count == want:
            print("%.3f %.3f" % (port_s, time.time() - t0))
            sys.exit(0)
    except pika.exceptions.AMQPError:
        pass
    time.sleep(0.005)
PY

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
json_get() { /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
now() { date +%s.%N; }
since() { /usr/bin/python3 -c 'import sys,time; print("%.3f" % (time.time() - float(sys.argv[1])))' "$1"; }

T0=""
start_broker() {
  T0="$(now)"
  "$POLYMQ_BIN" --bind 127.0.0.1 --amqp-port "$PORT" --data-dir "$DATA" "${BROKER_ARGS[@]}" \
    >>"$LOG" 2>&1 &
  PID=$!
}
# wait_ready COUNT [TIMEOUT]: sets PORT_S and READY_S
wait_ready() {
  local out
  out="$(/usr/bin/python3 "$TMP/ready.py" "$T0" "$PORT" "$QUEUE" "$1" "$PID" "${2:-900}")" ||
    { echo "broker not ready; log:"; tail -20 "$LOG"; exit 1; }
  read -r PORT_S READY_S <<<"$out"
}
# stop_broker SIGNAL: sets STOP_S (signal to exit) and STATUS
stop_broker() {
  local t
  t="$(now)"
  kill -"$1" "$PID"
  STATUS=0
  { wait "$PID"; } 2>/dev/null || STATUS=$?   # (no "Killed" notice from the shell)
  STOP_S="$(since "$t")"
  PID=""
}
perf() {
  "$PERF" --json --host 127.0.0.1 --port "$PORT" -u "$QUEUE" -f "$@" 2>>"$TMP/perf.log" | tail -1
}

commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$ROOT" diff --quiet 2>/dev/null || commit="$commit+uncommitted"
echo "durable backlog: $MESSAGES persistent messages of $SIZE bytes, confirm window $WINDOW," \
  "broker ${BROKER_ARGS[*]:-(defaults)}, commit $commit, $(nproc) CPUs"

start_broker
wait_ready -1     # the queue does not exist yet: only wait for the port
rss_fresh="$(rss_kb "$PID")"

echo "filling: polymq-perf -x1 -y0 --persistent -f -c$WINDOW -C $MESSAGES -s $SIZE -u $QUEUE"
fill="$(perf -x1 -y0 --persistent -c"$WINDOW" -C "$MESSAGES" -s "$SIZE")"
[[ -n "$fill" ]] || { echo "polymq-perf printed no result"; tail -20 "$TMP/perf.log"; exit 1; }
confirmed="$(json_get "$fill" confirmed)"
if [[ "$confirmed" != "$MESSAGES" || "$(json_get "$fill" error)" != "" ]]; then
  echo "fill failed: $fill"; exit 1
fi
fill_rate="$(json_get "$fill" confirm_rate)"
fill_s="$(json_get "$fill" duration_s)"
rss_full="$(rss_kb "$PID")"
hwm_fill="$(hwm_kb "$PID")"
disk="$(du -sb "$DATA" | cut -f1)"

echo "restart after SIGTERM"
stop_broker TERM
term_stop_s="$STOP_S" term_status="$STATUS"
start_broker
wait_ready "$MESSAGES"
term_port_s="$PORT_S" term_ready_s="$READY_S"
rss_term="$(rss_kb "$PID")"

echo "restart after SIGKILL"
stop_broker KILL
start_broker
wait_ready "$MESSAGES"
kill_port_s="$PORT_S" kill_ready_s="$READY_S"
rss_kill="$(rss_kb "$PID")"

echo "draining: polymq-perf -x0 -y1 -f -q 1000 -D $MESSAGES -u $QUEUE"
drain="$(perf -x0 -y1 -q 1000 -D "$MESSAGES")"
[[ -n "$drain" ]] || { echo "polymq-perf printed no result"; tail -20 "$TMP/perf.log"; exit 1; }
received="$(json_get "$drain" received)"
[[ "$received" == "$MESSAGES" ]] || echo "WARNING: drained $received of $MESSAGES: $drain"
drain_rate="$(json_get "$drain" receive_rate)"
drain_s="$(json_get "$drain" duration_s)"
rss_drained="$(rss_kb "$PID")"
hwm_drain="$(hwm_kb "$PID")"
T0="$(now)"; wait_ready 0 10    # a passive declare must report 0 left
stop_broker TERM
final_status="$STATUS"

/usr/bin/python3 - "$MESSAGES" "$SIZE" "$fill_rate" "$fill_s" "$disk" "$rss_fresh" "$rss_full" \
  "$hwm_fill" "$term_stop_s" "$term_status" "$term_port_s" "$term_ready_s" "$rss_term" \
  "$kill_port_s" "$kill_ready_s" "$rss_kill" "$drain_rate" "$drain_s" "$received" \
  "$rss_drained" "$hwm_drain" "$final_status" <<'PY'
import sys
(n, size, fill_rate, fill_s, disk, rss_fresh, rss_full, hwm_fill, term_stop_s, term_status,
 term_port_s, term_ready_s, rss_term, kill_port_s, kill_ready_s, rss_kill, drain_rate, drain_s,
 received, rss_drained, hwm_drain, final_status) = sys.argv[1:]
n, size, disk = int(n), int(size), int(disk)
mib = lambda kb: "%.1f MiB" % (int(kb) / 1024)
rows = [
    ("fill: confirmed publishes", "%s msg/s (%s s)" % (format(round(float(fill_rate)), ","),
                                                        fill_s)),
    ("data directory after the fill", "%.1f MiB (%.1f bytes/message, bodies %d bytes)"
     % (disk / 2**20, disk / n, size)),
    ("VmRSS: fresh broker", mib(rss_fresh)),
    ("VmRSS: with the backlog (peak during the fill)", "%s (%s)" % (mib(rss_full), mib(hwm_fill))),
    ("SIGTERM: signal to exit", "%s s (exit status %s)" % (term_stop_s, term_status)),
    ("after SIGTERM: start until the port accepts", "%s s" % term_port_s),
    ("after SIGTERM: start until queue.declare reports %s" % format(n, ","), "%s s" % term_ready_s),
    ("VmRSS after that restart", mib(rss_term)),
    ("after SIGKILL: start until the port accepts", "%s s" % kill_port_s),
    ("after SIGKILL: start until queue.declare reports %s" % format(n, ","), "%s s" % kill_ready_s),
    ("VmRSS after that restart", mib(rss_kill)),
    ("drain (1 consumer, prefetch 1000)", "%s msg/s (%s s, %s received)"
     % (format(round(float(drain_rate)), ","), drain_s, format(int(received), ","))),
    ("VmRSS after the drain (peak during it)", "%s (%s)" % (mib(rss_drained), mib(hwm_drain))),
    ("final SIGTERM exit status", final_status),
]
w = max(len(r[0]) for r in rows)
print()
print("| %s | %s |" % ("step".ljust(w), "result"))
print("| %s | --- |" % ("-" * w))
for a, b in rows:
    print("| %s | %s |" % (a.ljust(w), b))
PY
