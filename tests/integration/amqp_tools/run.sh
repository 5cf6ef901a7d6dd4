#!/usr/bin/env bash
# Integration test driving the rabbitmq-c command line tools (Debian package
# amqp-tools) against an AMQP 0-9-1 broker.
#
#   AMQP_HOST (127.0.0.1)  AMQP_PORT (5672)  AMQP_USER/AMQP_PASSWORD (guest)
#   AMQP_TOOLS_TIMEOUT     per-command time limit in seconds (15)
#
# Prints one PASS/FAIL line per check and "<n> passed, <m> failed" at the
# end; exits non-zero if any check failed.
# shellcheck disable=SC2016  # the sh -c scripts below expand "$1" themselves
set -euo pipefail

HOST=${AMQP_HOST:-127.0.0.1}
PORT=${AMQP_PORT:-5672}
USER_NAME=${AMQP_USER:-guest}
PASSWORD=${AMQP_PASSWORD:-guest}
T=${AMQP_TOOLS_TIMEOUT:-15}
N=20

for tool in amqp-declare-queue amqp-publish amqp-consume amqp-get amqp-delete-queue; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed (apt-get install amqp-tools)" >&2; exit 2; }
done

CONN=(--server "$HOST" --port "$PORT" --username "$USER_NAME" --password "$PASSWORD")
RUN_ID="$$-$(date +%s)"
Q="amqptools-$RUN_ID"
Q2="amqptools-direct-$RUN_ID"
RK="amqptools.key.$RUN_ID"
WORK=$(mktemp -d)
passed=0
failed=0

cleanup() {
    timeout "$T" amqp-delete-queue "${CONN[@]}" -q "$Q" >/dev/null 2>&1 || true
    timeout "$T" amqp-delete-queue "${CONN[@]}" -q "$Q2" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

pass() { passed=$((passed + 1)); echo "PASS: $1"; }
fail() {
    failed=$((failed + 1))
    echo "FAIL: $1" >&2
    if [[ -s "$WORK/err" ]]; then sed 's/^/      /' "$WORK/err" >&2; fi
}
# run a tool with a time limit, stderr to $WORK/err
tool() { timeout "$T" "$@" 2>"$WORK/err"; }
describe_rc() {
    case "$1" in
        124) echo "timed out after ${T}s" ;;
        *) echo "exit code $1" ;;
    esac
}

body_of() {    # body of message number $1 of the first queue
    local i=$1
    case $i in
        5) echo "{\"n\": 5, \"kind\": \"json\"}" ;;
        10) printf 'big-%d-' "$i"; head -c 300000 /dev/zero | tr '\0' 'x'; echo ;;  # > frame_max
        *) echo "message $i of $N: payload-$((i * 7919))" ;;
    esac
}

echo "amqp-tools test against $HOST:$PORT (queue $Q)"

# 1. declare a durable queue ------------------------------------------------
if out=$(tool amqp-declare-queue "${CONN[@]}" -d -q "$Q"); then
    if [[ "$out" == "$Q" ]]; then pass "declare durable queue"
    else fail "declare durable queue: printed '$out', expected '$Q'"; fi
else
    fail "declare durable queue: $(describe_rc $?)"
fi

if tool amqp-declare-queue "${CONN[@]}" -q "$Q" >/dev/null; then
    fail "redeclaring the durable queue as non-durable should be refused"
elif grep -q "406.*PRECONDITION_FAILED - inequivalent arg 'durable'" "$WORK/err"; then
    pass "redeclare as non-durable refused with 406"
else
    fail "redeclare as non-durable: expected a 406 inequivalent arg 'durable' error"
fi

# 2. publish N messages -----------------------------------------------------
pub_ok=0
for i in $(seq 1 "$N"); do
    rc=0
    opts=(-r "$Q")
    case $((i % 4)) in
        1) opts+=(-C text/plain) ;;
        2) opts+=(-C application/octet-stream -p) ;;
        3) opts+=(-E utf-8 -H "x-seq: $i") ;;
    esac
    [[ $i == 5 ]] && opts=(-r "$Q" -C application/json)
    if [[ $i == 10 ]]; then    # too big for an argument: body from stdin
        printf '%s' "$(body_of "$i")" | tool amqp-publish "${CONN[@]}" "${opts[@]}" || rc=$?
    else
        tool amqp-publish "${CONN[@]}" "${opts[@]}" -b "$(body_of "$i")" || rc=$?
    fi
    if [[ $rc == 0 ]]; then pub_ok=$((pub_ok + 1))
    else fail "publish message $i: $(describe_rc $rc)"; fi
done
[[ $pub_ok == "$N" ]] && pass "publish $N messages to the default exchange"

# 3. amqp-get the first one --------------------------------------------------
if out=$(tool amqp-get "${CONN[@]}" -q "$Q"); then
    if [[ "$out" == "$(body_of 1)" ]]; then pass "amqp-get returns message 1"
    else fail "amqp-get returned '${out:0:80}', expected '$(body_of 1)'"; fi
else
    fail "amqp-get: $(describe_rc $?)"
fi

# 4. consume the remaining N-1 in order --------------------------------------
got="$WORK/consumed"
want="$WORK/expected"
: >"$got"
for i in $(seq 2 "$N"); do body_of "$i"; done >"$want"
if tool amqp-consume "${CONN[@]}" -q "$Q" -p 5 -c $((N - 1)) -- \
        sh -c 'cat >>"$1"; echo >>"$1"' sh "$got"; then
    if cmp -s "$got" "$want"; then pass "amqp-consume -c $((N - 1)) delivers messages 2..$N in order"
    else
        fail "amqp-consume bodies differ from what was published (got $(wc -l <"$got") lines)"
        diff <(cut -c1-80 "$want") <(cut -c1-80 "$got") | head -10 >&2 || true
    fi
else
    fail "amqp-consume -c $((N - 1)): $(describe_rc $?)"
fi

rc=0
tool amqp-get "${CONN[@]}" -q "$Q" >/dev/null || rc=$?
if [[ $rc == 2 ]]; then pass "queue is empty afterwards (amqp-get exit code 2)"
else fail "queue should be empty after consuming: amqp-get $(describe_rc $rc)"; fi

# 5. line-buffered publish: one message per stdin line ---------------------
if printf 'line-a\nline-b\nline-c\n' | tool amqp-publish "${CONN[@]}" -l -r "$Q"; then
    lines=""
    for _ in 1 2 3; do
        lines+="$(tool amqp-get "${CONN[@]}" -q "$Q" || echo "<get failed>");"
    done
    if [[ "$lines" == "line-a;line-b;line-c;" ]]; then pass "amqp-publish -l sends one message per line"
    else fail "amqp-publish -l: got '$lines'"; fi
else
    fail "amqp-publish -l: $(describe_rc $?)"
fi

# 6. publish through amq.direct with a routing key --------------------------
# amqp-declare-queue cannot bind, so the binding comes from amqp-consume -e/-r,
# which declares the queue itself (non-durable, auto-delete) and binds it.
# Publish probes through the exchange until the consumer has received one.
got2="$WORK/direct"
: >"$got2"
timeout "$T" amqp-consume "${CONN[@]}" -q "$Q2" -e amq.direct -r "$RK" -- \
    sh -c 'cat >>"$1"; echo >>"$1"' sh "$got2" 2>"$WORK/consume-err" &
consumer=$!
for _ in $(seq 1 50); do
    tool amqp-publish "${CONN[@]}" -e amq.direct -r "$RK" -b probe || true
    sleep 0.1
    grep -qx probe "$got2" && break
    kill -0 "$consumer" 2>/dev/null || break
done
if grep -qx probe "$got2"; then
    pass "amqp-consume -e amq.direct -r <key> declares, binds and consumes"
else
    cp "$WORK/consume-err" "$WORK/err"
    fail "binding via amqp-consume -e/-r: no probe message arrived"
fi

direct_ok=0
for i in 1 2 X 3 4 5; do
    if [[ $i == X ]]; then     # not bound: must not reach the queue
        tool amqp-publish "${CONN[@]}" -e amq.direct -r "$RK.other" -b unroutable \
            || fail "publish with an unbound routing key: $(describe_rc $?)"
    elif tool amqp-publish "${CONN[@]}" -e amq.direct -r "$RK" -C text/plain -b "direct $i"; then
        direct_ok=$((direct_ok + 1))
    else
        fail "publish 'direct $i' via amq.direct: $(describe_rc $?)"
    fi
done
if [[ $direct_ok == 5 ]]; then pass "publish 5 messages via amq.direct"; fi

for _ in $(seq 1 $((T * 10))); do
    grep -qx "direct 5" "$got2" && break
    kill -0 "$consumer" 2>/dev/null || break
    sleep 0.1
done
kill "$consumer" 2>/dev/null || true
wait "$consumer" 2>/dev/null || true
routed=$(grep -vx probe "$got2" | tr '\n' ';' || true)
if [[ "$routed" == "direct 1;direct 2;direct 3;direct 4;direct 5;" ]]; then
    pass "amq.direct routes by key, in order; unbound key not delivered"
else
    fail "messages consumed from the amq.direct-bound queue: '$routed'"
fi

# the consumer is gone, so its auto-delete queue must disappear
gone=0
for _ in $(seq 1 20); do
    rc=0
    tool amqp-get "${CONN[@]}" -q "$Q2" >/dev/null || rc=$?
    if [[ $rc == 1 ]] && grep -q "404.*NOT_FOUND" "$WORK/err"; then gone=1; break; fi
    sleep 0.2
done
if [[ $gone == 1 ]]; then pass "auto-delete queue removed after its consumer went away"
else fail "queue $Q2 still exists after its consumer went away (amqp-get $(describe_rc $rc))"; fi

# 7. delete the queues ------------------------------------------------------
if out=$(tool amqp-delete-queue "${CONN[@]}" -q "$Q"); then
    if [[ "$out" == 0 ]]; then pass "delete queue (0 messages left)"
    else fail "delete queue: reported '$out' messages, expected 0"; fi
else
    fail "delete queue: $(describe_rc $?)"
fi
rc=0
tool amqp-get "${CONN[@]}" -q "$Q" >/dev/null || rc=$?
if [[ $rc == 1 ]] && grep -q "404.*NOT_FOUND - no queue '$Q'" "$WORK/err"; then
    pass "deleted queue is gone (404 NOT_FOUND)"
else
    fail "amqp-get on the deleted queue: expected a 404 error, got $(describe_rc $rc)"
fi

# 8. bad credentials ----------------------------------------------------------
if tool amqp-get --server "$HOST" --port "$PORT" --username "$USER_NAME" \
        --password "amqptools-wrong-$RUN_ID" -q "$Q" >/dev/null; then
    fail "login with a wrong password succeeded"
elif grep -q "403.*ACCESS_REFUSED" "$WORK/err"; then
    pass "wrong password refused with 403 ACCESS_REFUSED"
else
    fail "wrong password: expected a 403 ACCESS_REFUSED error"
fi

echo "$passed passed, $failed failed"
[[ $failed == 0 ]]
