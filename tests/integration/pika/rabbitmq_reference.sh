#!/usr/bin/env bash
# A private RabbitMQ node (Debian's rabbitmq-server, 3.10 on Debian 12) to validate the pika
# suite against: the reference behaviour PolyMQ must match.
#
#   tests/integration/pika/rabbitmq_reference.sh start    # start it, wait until it is up
#   tests/integration/pika/rabbitmq_reference.sh stop     # stop it (and remove its data)
#   tests/integration/pika/rabbitmq_reference.sh status   # is it running?
#   tests/integration/pika/rabbitmq_reference.sh ctl ARGS # rabbitmqctl ARGS against it
#
#   AMQP_PORT=5692 /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration/pika
#
# The node listens on 127.0.0.1 only and runs as the rabbitmq user with its own HOME (so its
# own Erlang cookie), its own mnesia/log directories under $RABBITMQ_REF_DIR, no plugins (the
# management plugin would want port 15672) and no shared configuration: it does not touch a
# system RabbitMQ. Must be run as root (it switches to the rabbitmq user with runuser).
#
# Environment: RABBITMQ_REF_PORT=5692 (AMQP), RABBITMQ_REF_DIST_PORT=25692 (Erlang
# distribution), RABBITMQ_REF_NODE=polymqref@localhost, RABBITMQ_REF_DIR=/tmp/polymq-rabbitmq-ref.
# Pattern taken from bench/compare.sh.
set -euo pipefail

PORT="${RABBITMQ_REF_PORT:-5692}"
DIST_PORT="${RABBITMQ_REF_DIST_PORT:-25692}"
NODE="${RABBITMQ_REF_NODE:-polymqref@localhost}"
RDIR="${RABBITMQ_REF_DIR:-/tmp/polymq-rabbitmq-ref}"
SELF="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"

rabbit_env() {
  # runuser's PAM session resets the soft open-files limit (to 1024): raise it again.
  runuser -u rabbitmq -- sh -c 'ulimit -n "$(ulimit -Hn)"; exec "$@"' _ \
    env -i PATH="/usr/sbin:/usr/bin:/sbin:/bin" HOME="$RDIR" \
    LC_ALL=C.UTF-8 LANG=C.UTF-8 \
    RABBITMQ_NODENAME="$NODE" \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
    RABBITMQ_NODE_PORT="$PORT" \
    RABBITMQ_DIST_PORT="$DIST_PORT" \
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
ctl() { (cd "$RDIR" && rabbit_env /usr/lib/rabbitmq/bin/rabbitmqctl -n "$NODE" "$@"); }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
running() { [[ -f "$RDIR/rabbit.pid" ]] && kill -0 "$(cat "$RDIR/rabbit.pid")" 2>/dev/null; }

start() {
  if running; then echo "already running ($NODE on 127.0.0.1:$PORT)"; return 0; fi
  [[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]] ||
    { echo "rabbitmq-server is not installed (apt-get install rabbitmq-server)" >&2; exit 1; }
  for p in "$PORT" "$DIST_PORT"; do
    if port_in_use "$p"; then echo "port $p is in use" >&2; exit 1; fi
  done
  # Only ever remove a directory this script made (it holds the marker file).
  if [[ -e "$RDIR" && ! -e "$RDIR/.polymq-rabbitmq-ref" ]]; then
    echo "$RDIR exists and was not made by $0; pick another RABBITMQ_REF_DIR" >&2; exit 1
  fi
  rm -rf "$RDIR"
  mkdir -p "$RDIR/mnesia" "$RDIR/log"
  : >"$RDIR/.polymq-rabbitmq-ref"
  echo '[].' >"$RDIR/enabled_plugins"
  : >"$RDIR/rabbitmq-env.conf"
  : >"$RDIR/rabbitmq.conf"
  # The node's own cookie, written before the server and rabbitmqctl race to create it.
  head -c 15 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F' >"$RDIR/.erlang.cookie"
  chmod 400 "$RDIR/.erlang.cookie"
  chmod 711 "$(dirname "$RDIR")" 2>/dev/null || true
  chown -R rabbitmq:rabbitmq "$RDIR"
  echo "starting RabbitMQ $(dpkg-query -W -f='${Version}' rabbitmq-server 2>/dev/null)" \
    "as $NODE on 127.0.0.1:$PORT (data in $RDIR)"
  # Detached (own session) so that this script can return while the node runs.
  (cd "$RDIR" && setsid "$SELF" __server >"$RDIR/server.out" 2>&1 </dev/null &)
  if ! ctl wait "$RDIR/rabbit.pid" --timeout 120 >/dev/null 2>&1; then
    echo "RabbitMQ did not start; its output:" >&2
    tail -n 30 "$RDIR/server.out" >&2
    exit 1
  fi
  echo "up: pid $(cat "$RDIR/rabbit.pid"); run the suite with AMQP_PORT=$PORT"
}

stop() {
  if ! running; then echo "not running"; return 0; fi
  local pid
  pid="$(cat "$RDIR/rabbit.pid")"
  ctl stop "$RDIR/rabbit.pid" >/dev/null 2>&1 || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill "$pid" || true; fi
  echo "stopped $NODE (pid $pid)"
  # epmd (Erlang's port mapper, started with the first node on the machine) may serve other
  # nodes and is left running.
  if [[ -e "$RDIR/.polymq-rabbitmq-ref" ]]; then rm -rf "$RDIR"; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  __server) cd "$RDIR" && rabbit_env /usr/lib/rabbitmq/bin/rabbitmq-server ;;  # internal
  ctl) shift; ctl "$@" ;;
  status) if running; then echo "running: $NODE on 127.0.0.1:$PORT"; else echo "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status|ctl ARGS..." >&2; exit 2 ;;
esac
