#!/usr/bin/env bash
# The same AMQP 0-9-1 workloads, driven by polymq-perf, against RabbitMQ (Debian's
# rabbitmq-server) and PolyMQ on this machine, one broker after the other for every run, and
# the ratio PolyMQ/RabbitMQ of the medians. Both brokers listen on 127.0.0.1 only, on their own
# ports, with their own temporary data directories, and are stopped on exit.
#
#   bench/compare.sh [--quick] [--repeat R] [--time SECONDS] [--workloads "1 2 3 4 5 6"]
#                    [--sizes "1024 65536"] [--idle N] [--baseline BIN] [--no-build] [--keep]
#
#   --quick      one repetition of 5-second runs, 500 idle connections (about 2 minutes)
#   --repeat R   runs per workload and broker (default 3); medians are reported
#   --time S     seconds per run (default 10)
#   --sizes S    workload 4's body sizes (default "1024 65536"; 1024 and 65536 are 4a, 4b)
#   --baseline BIN   also run this PolyMQ binary (an earlier build, say main's) as a third
#                broker, "baseline", alternating with the other two, to measure a change
#   --no-build   use the existing release build instead of building it first
#   --keep       keep the temporary directory (broker logs, every result) after the run
#   --latency-rate N   workload 5's rate (default: half of RabbitMQ's workload-1 rate, or
#                10000 when workload 1 is not run)
#
# Workloads:
#   1  transient, 1 producer, 1 consumer, 16-byte bodies, no confirms, manual ack, prefetch 1000
#   2  persistent messages to a durable queue with confirms (window 1000), then drain the queue
#   3  fanout to 10 queues, one consumer each
#   4  1 KiB and 64 KiB bodies (otherwise as workload 1)
#   5  latency at a fixed rate: half of RabbitMQ's received rate in workload 1
#   6  2,000 idle connections plus one busy pair (1,000 msg/s): broker RSS growth per idle
#      connection (VmRSS before and after; beam.smp for RabbitMQ). Runs first and once, on
#      fresh brokers.
#
# Environment: RABBIT_PORT=5692, RABBIT_DIST_PORT=25692, POLYMQ_PORT=5693, BASELINE_PORT=5694,
# SETTLE=2 (seconds of pause before each run).
set -euo pipefail
# The brokers started here serve AMQP only: Kafka's default port (9092) could be taken by
# another broker on the machine. An environment variable, so builds without Kafka ignore it.
export POLYMQ_KAFKA_PORT=0 POLYMQ_SQS_PORT=0 POLYMQ_MANAGEMENT_PORT=0

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$ROOT/build/release"
POLYMQ_BIN="$BUILD/src/server/polymq"
PERF="$BUILD/src/perf/polymq-perf"
RABBIT_PORT="${RABBIT_PORT:-5692}"
RABBIT_DIST_PORT="${RABBIT_DIST_PORT:-25692}"
POLYMQ_PORT="${POLYMQ_PORT:-5693}"
BASELINE_PORT="${BASELINE_PORT:-5694}"
SETTLE="${SETTLE:-2}"
RABBIT_NODE="bench-$$@localhost"

REPEAT=3
RUN_TIME=10
IDLE=2000
WORKLOADS="1 2 3 4 5 6"
BUILD_FIRST=1
KEEP=0
LATENCY_RATE=""
SIZES="1024 65536"
BASELINE_BIN=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) REPEAT=1; RUN_TIME=5; IDLE=500 ;;
    --repeat) REPEAT="$2"; shift ;;
    --time) RUN_TIME="$2"; shift ;;
    --workloads) WORKLOADS="$2"; shift ;;
    --sizes) SIZES="$2"; shift ;;
    --baseline) BASELINE_BIN="$(realpath "$2")"; shift ;;
    --idle) IDLE="$2"; shift ;;
    --latency-rate) LATENCY_RATE="$2"; shift ;;
    --no-build) BUILD_FIRST=0 ;;
    --keep) KEEP=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
has_workload() { [[ " $WORKLOADS " == *" $1 "* ]]; }

# RabbitMQ needs a file descriptor per connection; raise the limit as far as we may.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [[ $BUILD_FIRST == 1 ]]; then
  echo "building the release preset (polymq, polymq-perf)"
  cmake --preset release -S "$ROOT" >/dev/null
  ninja -C "$BUILD" -j2 polymq polymq-perf >/dev/null
fi
for bin in "$POLYMQ_BIN" "$PERF" ${BASELINE_BIN:+"$BASELINE_BIN"}; do
  [[ -x "$bin" ]] || { echo "missing $bin (run without --no-build)" >&2; exit 1; }
done
if ! command -v rabbitmq-server >/dev/null || [[ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]]; then
  echo "installing rabbitmq-server"
  apt-get install -y rabbitmq-server >/dev/null
fi
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in "$RABBIT_PORT" "$RABBIT_DIST_PORT" "$POLYMQ_PORT" ${BASELINE_BIN:+"$BASELINE_PORT"}; do
  if port_in_use "$port"; then echo "port $port is in use; pick others (see --help)" >&2; exit 1; fi
done

TMP="$(mktemp -d /tmp/polymq-bench.XXXXXX)"
RESULTS="$TMP/results.jsonl"
: >"$RESULTS"
RDIR="$TMP/rabbitmq"
RABBIT_PID=""
RABBIT_LAUNCHER=""
POLYMQ_PID=""
BASELINE_PID=""

# Runs a command as the rabbitmq user with only the environment this node needs: its own
# HOME (so its own Erlang cookie), ports, directories, and no plugins.
rabbit_env() {
  # runuser's PAM session resets the soft open-files limit (to 1024): raise it again.
  runuser -u rabbitmq -- sh -c 'ulimit -n "$(ulimit -Hn)"; exec "$@"' _ \
    env -i PATH="/usr/sbin:/usr/bin:/sbin:/bin" HOME="$RDIR" \
    LC_ALL=C.UTF-8 LANG=C.UTF-8 \
    RABBITMQ_NODENAME="$RABBIT_NODE" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$RABBIT_PORT" \
    RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT" \
    RABBITMQ_MNESIA_BASE="$RDIR/mnesia" \
    RABBITMQ_LOG_BASE="$RDIR/log" \
    RABBITMQ_PID_FILE="$RDIR/rabbit.pid" \
    RABBITMQ_CONFIG_FILE="$RDIR/rabbitmq.conf" \
    RABBITMQ_CONF_ENV_FILE="$RDIR/rabbitmq-env.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$RDIR/enabled_plugins" \
    ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
    "$@"
}
rabbitmqctl_() {
  (cd "$RDIR" && rabbit_env /usr/lib/rabbitmq/bin/rabbitmqctl -n "$RABBIT_NODE" "$@")
}

start_rabbit() {
  mkdir -p "$RDIR/mnesia" "$RDIR/log"
  echo '[].' >"$RDIR/enabled_plugins"   # no management plugin: it would want port 15672
  : >"$RDIR/rabbitmq-env.conf"
  : >"$RDIR/rabbitmq.conf"
  # The node's own cookie, written before the server and rabbitmqctl race to create it.
  head -c 15 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F' >"$RDIR/.erlang.cookie"
  chmod 400 "$RDIR/.erlang.cookie"
  chmod 711 "$TMP"  # the rabbitmq user must reach $RDIR
  chown -R rabbitmq:rabbitmq "$RDIR"
  echo "starting RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null) as $RABBIT_NODE on 127.0.0.1:$RABBIT_PORT"
  (cd "$RDIR" && rabbit_env /usr/lib/rabbitmq/bin/rabbitmq-server >"$RDIR/server.out" 2>&1) &
  RABBIT_LAUNCHER=$!
  if ! rabbitmqctl_ wait "$RDIR/rabbit.pid" --timeout 120 >/dev/null 2>&1; then
    echo "RabbitMQ did not start; its output:" >&2
    tail -n 30 "$RDIR/server.out" >&2
    exit 1
  fi
  RABBIT_PID="$(cat "$RDIR/rabbit.pid")"
}

stop_rabbit() {
  [[ -n "$RABBIT_LAUNCHER" ]] || return 0
  rabbitmqctl_ stop "$RDIR/rabbit.pid" >/dev/null 2>&1 || true
  if [[ -n "$RABBIT_PID" ]] && kill -0 "$RABBIT_PID" 2>/dev/null; then kill "$RABBIT_PID" || true; fi
  wait "$RABBIT_LAUNCHER" 2>/dev/null || true
  RABBIT_LAUNCHER=""
}

# start_polymq [polymq|baseline]: the PolyMQ under test, or the baseline binary.
start_polymq() {
  local name=${1:-polymq} bin=$POLYMQ_BIN port=$POLYMQ_PORT pid
  if [[ $name == baseline ]]; then bin=$BASELINE_BIN; port=$BASELINE_PORT; fi
  mkdir -p "$TMP/$name-data"
  echo "starting $name ($bin) on 127.0.0.1:$port"
  "$bin" --bind 127.0.0.1 --amqp-port "$port" --data-dir "$TMP/$name-data" \
    --log-level warn >>"$TMP/$name.log" 2>&1 &
  pid=$!
  if [[ $name == baseline ]]; then BASELINE_PID=$pid; else POLYMQ_PID=$pid; fi
  for _ in $(seq 100); do
    port_in_use "$port" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start; its log:" >&2
  tail -n 30 "$TMP/$name.log" >&2
  exit 1
}

stop_polymq() {
  local name=${1:-polymq} pid
  pid="$(pid_of "$name")"
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [[ $name == baseline ]]; then BASELINE_PID=""; else POLYMQ_PID=""; fi
}

cleanup() {
  local status=$?
  stop_rabbit
  stop_polymq polymq
  stop_polymq baseline
  if [[ $KEEP == 1 || $status != 0 ]]; then
    echo "logs and results kept in $TMP" >&2
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_of() {
  case $1 in rabbitmq) echo "$RABBIT_PORT" ;; baseline) echo "$BASELINE_PORT" ;; *) echo "$POLYMQ_PORT" ;; esac
}
pid_of() {
  case $1 in rabbitmq) echo "$RABBIT_PID" ;; baseline) echo "$BASELINE_PID" ;; *) echo "$POLYMQ_PID" ;; esac
}
other_broker() { if [[ $1 == rabbitmq ]]; then echo polymq; else echo rabbitmq; fi; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
json_get() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], 0))' "$1" "$2"; }

# A broker that died during a run is reported, and PolyMQ is restarted so the rest can run.
check_alive() {
  local broker=$1 pid
  pid="$(pid_of "$broker")"
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "!! $broker (pid $pid) is gone after the run above" >&2
    echo "{\"broker\":\"$broker\",\"event\":\"died\"}" >>"$RESULTS"
    if [[ $broker != rabbitmq ]]; then
      tail -n 20 "$TMP/$broker.log" >&2 || true
      wait "$pid" 2>/dev/null || echo "   exit status $?" >&2
      start_polymq "$broker"
    else
      exit 1
    fi
  fi
}

# record WORKLOAD BROKER REP JSON [EXTRA_JSON_FIELDS]
record() {
  OTHER_CPU="$(cat "$TMP/other-cpu" 2>/dev/null || true)" \
    SELF_CPU="$(cat "$TMP/self-cpu" 2>/dev/null || true)" python3 - "$@" >>"$RESULTS" <<'EOF'
import json, sys
workload, broker, rep, result = sys.argv[1:5]
import os
extra = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}
try:
    r = json.loads(result)
except ValueError:
    r = {"error": "no result (polymq-perf crashed or printed nothing)"}
r.update(extra)
r.update({"workload": workload, "broker": broker, "rep": int(rep)})
r["loadavg_1m"] = float(open("/proc/loadavg").read().split()[0])  # other work on the machine
if os.environ.get("OTHER_CPU"):
    r["other_broker_cpu_pct"] = int(os.environ["OTHER_CPU"])
if os.environ.get("SELF_CPU"):
    r["broker_cpu_ms"] = int(os.environ["SELF_CPU"])  # CPU time of the broker under test
print(json.dumps(r))
EOF
  OTHER_CPU="$(cat "$TMP/other-cpu" 2>/dev/null || true)" python3 - "$@" <<'EOF'
import json, os, sys
workload, broker, rep, result = sys.argv[1:5]
try:
    r = json.loads(result)
except ValueError:
    r = {}
lat = r.get("latency_us", {})
line = (f"  w{workload:<3} {broker:<9} rep {rep}: sent {r.get('send_rate', 0):>10.0f}/s  "
        f"confirmed {r.get('confirm_rate', 0):>10.0f}/s  received {r.get('receive_rate', 0):>10.0f}/s"
        f"  p50 {lat.get('p50', 0)} us  p99 {lat.get('p99', 0)} us")
if os.environ.get("OTHER_CPU"):
    line += f"  (other broker {os.environ['OTHER_CPU']}% CPU)"
if r.get("error"):
    line += f"  ERROR: {r['error']}"
if r.get("missing"):
    line += f"  MISSING: {r['missing']}"
print(line, flush=True)
EOF
}

# perf BROKER ARGS...: runs polymq-perf against BROKER, prints its JSON result line. Waits
# SETTLE seconds first, so that a broker still releasing the previous run's queues (backlogs of
# millions of messages) does not slow down the next run.
perf() {
  local broker=$1
  shift
  local log="$TMP/perf-$broker.log"
  sleep "$SETTLE"
  echo "### $* " >>"$log"
  local other self t0 t1 c0 c1 s0 s1
  other="$(pid_of "$(other_broker "$broker")")"
  self="$(pid_of "$broker")"
  c0="$(cpu_ticks "$other")"
  s0="$(cpu_ticks "$self")"
  t0="$(date +%s%N)"
  "$PERF" --json --uri "amqp://guest:guest@127.0.0.1:$(port_of "$broker")/" "$@" 2>>"$log" |
    tail -n 1 || true
  c1="$(cpu_ticks "$other")"
  s1="$(cpu_ticks "$self")"
  t1="$(date +%s%N)"
  # CPU the idle broker used meanwhile (background work left from earlier runs), in % of a core.
  echo $(( (c1 - c0) * 100 * 1000000000 / $(getconf CLK_TCK) / (t1 - t0 + 1) )) >"$TMP/other-cpu"
  # CPU milliseconds of the broker under test over the whole run (connection set-up
  # included), so that CPU per message can be compared when a busy machine makes rates wander.
  echo $(( (s1 - s0) * 1000 / $(getconf CLK_TCK) )) >"$TMP/self-cpu"
}

BROKERS="rabbitmq polymq${BASELINE_BIN:+ baseline}"
T="$RUN_TIME"

run_idle() {  # workload 6 on one broker
  local broker=$1 rep=$2 pid before after err out perf_pid
  pid="$(pid_of "$broker")"
  err="$TMP/w6-$broker-$rep.err"
  out="$TMP/w6-$broker-$rep.json"
  before="$(rss_kb "$pid")"
  "$PERF" --json --uri "amqp://guest:guest@127.0.0.1:$(port_of "$broker")/" \
    --idle-connections "$IDLE" -x1 -y1 -r 1000 -z 10 --queue "bench-w6" >"$out" 2>"$err" &
  perf_pid=$!
  for _ in $(seq 600); do
    grep -q "idle connections open" "$err" && break
    kill -0 "$perf_pid" 2>/dev/null || break
    sleep 0.2
  done
  sleep 3  # the busy pair runs; let the broker settle
  after="$(rss_kb "$pid")"
  wait "$perf_pid" || true
  rm -f "$TMP/other-cpu" "$TMP/self-cpu"
  record 6 "$broker" "$rep" "$(tail -n 1 "$out")" \
    "{\"rss_before_kb\": $before, \"rss_after_kb\": $after, \"idle\": $IDLE}"
  echo "    $broker RSS ${before} KiB -> ${after} KiB with $IDLE idle connections:" \
    "$(( (after - before) / IDLE )) KiB per connection"
  check_alive "$broker"
}

echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
  "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM"
if commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"; then
  [[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]] ||
    commit+=" with uncommitted changes"
  echo "PolyMQ: $POLYMQ_BIN (commit $commit, built $(date -r "$POLYMQ_BIN" '+%F %T'))"
fi
echo "runs of ${T}s, $REPEAT repetition(s), workloads: $WORKLOADS"
[[ -z "$BASELINE_BIN" ]] || echo "baseline: $BASELINE_BIN (built $(date -r "$BASELINE_BIN" '+%F %T'))"
start_rabbit
start_polymq polymq
[[ -z "$BASELINE_BIN" ]] || start_polymq baseline
started=$(date +%s)

if has_workload 6; then
  echo "== workload 6: $IDLE idle connections + one busy pair (broker RSS)"
  # Once, on fresh brokers: a second round would reuse memory the first one freed.
  for b in $BROKERS; do run_idle "$b" 1; done
fi

if has_workload 1; then
  echo "== workload 1: transient, 1 producer / 1 consumer, 16 B, manual ack, prefetch 1000"
  for rep in $(seq "$REPEAT"); do
    for b in $BROKERS; do
      record 1 "$b" "$rep" "$(perf "$b" -x1 -y1 -s16 -q1000 -z "$T" --queue bench-w1)"
      check_alive "$b"
    done
  done
fi

if has_workload 2; then
  echo "== workload 2: persistent, durable queue, confirms (window 1000); then drain"
  for rep in $(seq "$REPEAT"); do
    for b in $BROKERS; do
      q="bench-w2-$rep"
      res="$(perf "$b" -x1 -y0 --persistent -f -c1000 -s16 -z "$T" --queue "$q")"
      record 2a "$b" "$rep" "$res"
      n=$(( $(json_get "$res" sent) - $(json_get "$res" nacked) ))
      if [[ $n -gt 0 ]]; then
        record 2b "$b" "$rep" "$(perf "$b" -x0 -y1 -f -q1000 -D "$n" -z $((T * 6)) --queue "$q")"
      fi
      check_alive "$b"
    done
  done
fi

if has_workload 3; then
  echo "== workload 3: fanout to 10 queues, one consumer each, 16 B"
  for rep in $(seq "$REPEAT"); do
    for b in $BROKERS; do
      record 3 "$b" "$rep" "$(perf "$b" -x1 -y10 -e bench-fanout -t fanout --queues 10 \
        -s16 -q1000 -z "$T" --queue bench-w3)"
      check_alive "$b"
    done
  done
fi

if has_workload 4; then
  echo "== workload 4: bodies of $SIZES bytes, 1 producer / 1 consumer"
  for size in $SIZES; do
    case $size in 1024) w=4a ;; 65536) w=4b ;; *) w="4-$size" ;; esac
    for rep in $(seq "$REPEAT"); do
      for b in $BROKERS; do
        record "$w" "$b" "$rep" "$(perf "$b" -x1 -y1 -s "$size" -q1000 -z "$T" --queue bench-w4)"
        check_alive "$b"
      done
    done
  done
fi

if has_workload 5; then
  rate=${LATENCY_RATE:-$(python3 - "$RESULTS" <<'EOF'
import json, statistics, sys
rates = [r["receive_rate"] for r in map(json.loads, open(sys.argv[1]))
         if r.get("workload") == "1" and r.get("broker") == "rabbitmq" and not r.get("error")]
print(int(statistics.median(rates) / 2) if rates else 10000)
EOF
)}
  echo "== workload 5: latency at a fixed $rate msg/s"
  for rep in $(seq "$REPEAT"); do
    for b in $BROKERS; do
      record 5 "$b" "$rep" "$(perf "$b" -x1 -y1 -s16 -q1000 -r "$rate" -z "$T" --queue bench-w5)" \
        "{\"target_rate\": $rate}"
      check_alive "$b"
    done
  done
fi

echo
echo "finished in $(( $(date +%s) - started )) s"
python3 "$ROOT/bench/summarize.py" "$RESULTS"
