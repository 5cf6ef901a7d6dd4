"""Helpers for the durability tests and for tests/durability/crash_soak.py.

* ``Broker`` (and free_port, port_accepts, params, broker_binary, read_status,
  SANITIZER_REPORT, BrokerStartError): the broker process, from
  tests/integration/common/polymq_process.py (which must be on sys.path), importable from
  here too.
* ``ConfirmPublisher``: a pika SelectConnection in a thread that publishes persistent
  messages with unique ids, keeps up to ``window`` of them unconfirmed, and records which ids
  it handed to pika (``published``) and which the broker confirmed (``confirmed``).
* ``drain``: consumes every message of a queue with manual acks and returns what arrived.
* ``crash_cycles``: the crash test (publish with confirms, SIGKILL at a random moment,
  restart, drain, check), used with a few cycles by test_durability.py and with many by
  crash_soak.py.

Only the standard library and python3-pika (Debian's 1.2) are used.
"""

import hashlib
import random
import re
import threading
import time

import pika
import pika.exceptions

from polymq_process import (SANITIZER_REPORT, Broker, BrokerStartError,  # noqa: F401
                            broker_binary, free_port, params, port_accepts, read_status)


# -- messages -----------------------------------------------------------------------------

def body_for(msg_id, size):
    """A body that starts with the id and whose every byte follows from (id, size), so that
    a corrupted or truncated body is detected: b"<id>|<size>|" + sha256-stream filler."""
    head = b"%s|%d|" % (msg_id.encode(), size)
    filler = bytearray()
    seed = hashlib.sha256(head).digest()
    while len(head) + len(filler) < size:
        filler += seed
        seed = hashlib.sha256(seed).digest()
    return head + bytes(filler[:max(0, size - len(head))])


def id_of(body):
    """The id at the start of a body made by body_for, and whether the body is intact."""
    try:
        msg_id, size, _ = body.split(b"|", 2)
        msg_id = msg_id.decode()
        return msg_id, body == body_for(msg_id, int(size))
    except ValueError:
        return None, False


# -- publishing with confirms ------------------------------------------------------------

class ConfirmPublisher(threading.Thread):
    """Publishes persistent messages with unique ids ("<prefix>-<n>", n counting from 0) to a
    queue through the default exchange, with at most ``window`` unconfirmed, until stopped or
    the connection is lost. ``published`` lists the ids handed to pika in order (a superset
    of what reached the broker); ``confirmed`` / ``nacked`` are sets of ids."""

    def __init__(self, port, queue, prefix, window=500, sizes=(16, 4096), rng=None):
        super().__init__(daemon=True)
        self.port, self.queue, self.prefix, self.window = port, queue, prefix, window
        self.sizes = sizes
        self.rng = rng or random.Random()
        self.published, self.confirmed, self.nacked = [], set(), set()
        self.pending = {}          # delivery tag -> id
        self.next_tag = 1
        self.ready = threading.Event()
        self.error = None
        self.closed_reason = None
        self._stopping = False
        self._conn = None
        self._ch = None
        self._props = pika.BasicProperties(delivery_mode=2)

    def run(self):
        try:
            self._conn = pika.SelectConnection(
                params(self.port, heartbeat=0),
                on_open_callback=lambda c: c.channel(on_open_callback=self._on_channel),
                on_open_error_callback=self._on_open_error,
                on_close_callback=self._on_close)
            self._conn.ioloop.start()
        except Exception as e:  # noqa: BLE001 - reported to the test
            self.error = e
        finally:
            self.ready.set()

    def _on_open_error(self, conn, err):
        self.closed_reason = err
        conn.ioloop.stop()

    def _on_close(self, conn, reason):
        self.closed_reason = reason
        conn.ioloop.stop()

    def _on_channel(self, ch):
        self._ch = ch
        ch.confirm_delivery(ack_nack_callback=self._on_confirm, callback=self._on_select_ok)

    def _on_select_ok(self, _frame):
        self.ready.set()
        self._publish_more()

    def _publish_more(self):
        if self._stopping or self._ch is None or not self._ch.is_open:
            return
        budget = 200   # per turn, so the ioloop keeps reading confirms
        while len(self.pending) < self.window and budget > 0:
            n = len(self.published)
            msg_id = "%s-%d" % (self.prefix, n)
            body = body_for(msg_id, self.rng.randint(*self.sizes))
            tag = self.next_tag
            self.next_tag += 1
            self.pending[tag] = msg_id
            self.published.append(msg_id)
            self._ch.basic_publish("", self.queue, body, self._props)
            budget -= 1
        if len(self.pending) < self.window:
            self._conn.ioloop.add_callback_threadsafe(self._publish_more)

    def _on_confirm(self, frame):
        method = frame.method
        target = self.confirmed if isinstance(method, pika.spec.Basic.Ack) else self.nacked
        if method.multiple:
            done = [t for t in self.pending if t <= method.delivery_tag]
        else:
            done = [method.delivery_tag] if method.delivery_tag in self.pending else []
        for t in done:
            target.add(self.pending.pop(t))
        self._publish_more()

    def stop(self, timeout=10):
        """Stops publishing, waits for outstanding confirms (up to timeout), closes."""
        def begin():
            self._stopping = True
            deadline = time.monotonic() + timeout

            def check():
                if not self.pending or time.monotonic() > deadline:
                    if self._conn.is_open:
                        self._conn.close()
                else:
                    self._conn.ioloop.call_later(0.05, check)
            check()
        if self._conn is not None and self.is_alive():
            try:
                self._conn.ioloop.add_callback_threadsafe(begin)
            except Exception:  # noqa: BLE001 - the loop may be gone already
                pass
        self.join(timeout + 5)


# -- consuming ---------------------------------------------------------------------------

class Drained:
    def __init__(self):
        self.ids = []              # in delivery order
        self.redelivered = []      # ids delivered with redelivered=true
        self.corrupt = []          # bodies that did not match their id
        self.queue_existed = True
        self.count_before = None   # message_count of the passive declare after restart


def drain(conn, queue, prefetch=500, quiet=0.5, timeout=60, durable=True):
    """Consumes every message of ``queue`` (declared durable if missing), acks them all, and
    returns a Drained. Waits until the passive declare's count has arrived and then ``quiet``
    seconds with nothing more."""
    result = Drained()
    ch = conn.channel()
    try:
        result.count_before = ch.queue_declare(queue, passive=True).method.message_count
    except pika.exceptions.ChannelClosedByBroker as e:
        if e.reply_code != 404:
            raise
        result.queue_existed = False
        ch = conn.channel()
        result.count_before = ch.queue_declare(queue, durable=durable).method.message_count
    ch.basic_qos(prefetch_count=prefetch)
    deadline = time.monotonic() + timeout
    last_tag = None
    unacked = 0
    last_arrival = time.monotonic()
    for method, _props, body in ch.consume(queue, inactivity_timeout=quiet):
        now = time.monotonic()
        if method is None:
            # Done when the count has arrived and then nothing more for `quiet` seconds; give
            # up on a short count after 5 s of silence.
            if (len(result.ids) >= result.count_before or now - last_arrival > 5
                    or now > deadline):
                break
            continue
        last_arrival = now
        msg_id, intact = id_of(body)
        result.ids.append(msg_id)
        if not intact:
            result.corrupt.append(msg_id)
        if method.redelivered:
            result.redelivered.append(msg_id)
        last_tag = method.delivery_tag
        unacked += 1
        if unacked >= prefetch // 2:
            ch.basic_ack(last_tag, multiple=True)
            unacked = 0
        if time.monotonic() > deadline:
            break
    if unacked:
        ch.basic_ack(last_tag, multiple=True)
    ch.cancel()
    # A synchronous call after the acks: the broker has processed them when it answers.
    left = ch.queue_declare(queue, passive=True).method.message_count
    ch.close()
    assert left == 0, "%d messages left in %s after the drain" % (left, queue)
    return result


# -- the crash test ----------------------------------------------------------------------

class CrashReport:
    def __init__(self):
        self.cycles = 0
        self.kills_while_publishing = 0
        self.kills_while_starting = 0
        self.published = 0
        self.confirmed = 0
        self.received = 0
        self.violations = []       # strings; empty means every check held
        self.lines = []            # one line per cycle, for the log

    def summary(self):
        return ("%d cycles (%d kills while publishing, %d during start-up): %d published, "
                "%d confirmed, %d received after restarts, %d violations"
                % (self.cycles, self.kills_while_publishing, self.kills_while_starting,
                   self.published, self.confirmed, self.received, len(self.violations)))


def _check_drain(report, cycle, drained, outstanding, published_ids, acked_before):
    """outstanding: confirmed ids not received since; published_ids: every id ever handed
    to pika; acked_before: ids received and acked in an earlier drain."""
    v = report.violations
    got = set(drained.ids)
    if cycle > 0 and not drained.queue_existed:
        v.append("cycle %d: the durable queue (declared in cycle 0) did not exist after the "
                 "restart" % cycle)
    missing = outstanding - got
    if missing:
        v.append("cycle %d: %d confirmed messages missing after restart (queue existed: %s), "
                 "e.g. %s" % (cycle, len(missing), drained.queue_existed, sorted(missing)[:5]))
    invented = [i for i in drained.ids if i not in published_ids]
    if invented:
        v.append("cycle %d: %d messages that were never published, e.g. %r"
                 % (cycle, len(invented), invented[:5]))
    back = [i for i in drained.ids if i in acked_before]
    if back:
        v.append("cycle %d: %d messages came back after they had been acked, e.g. %r"
                 % (cycle, len(back), back[:5]))
    dups = len(drained.ids) - len(got)
    if dups:
        v.append("cycle %d: %d duplicate deliveries in one drain (a message stored twice)"
                 % (cycle, dups))
    if drained.corrupt:
        v.append("cycle %d: %d corrupt bodies, e.g. %r" % (cycle, len(drained.corrupt),
                                                           drained.corrupt[:5]))
    if drained.redelivered:
        v.append("cycle %d: %d never-delivered messages came back with redelivered=true, "
                 "e.g. %r" % (cycle, len(drained.redelivered), drained.redelivered[:5]))
    if drained.count_before != len(drained.ids):
        v.append("cycle %d: queue.declare reported %d messages after restart, %d were "
                 "delivered" % (cycle, drained.count_before, len(drained.ids)))
    # One publisher per cycle, ids "c<cycle>-<n>": the queue must hand them out in publish
    # order, (cycle, n) increasing.
    last = None
    for i in drained.ids:
        if i is None or i in acked_before or i not in published_ids:
            continue
        prefix, n = i.rsplit("-", 1)
        key = (int(prefix[1:]), int(n))
        if last is not None and key <= last:
            v.append("cycle %d: c%d-%d delivered after c%d-%d (out of publish order)"
                     % (cycle, key[0], key[1], last[0], last[1]))
            break
        last = key


def crash_cycles(workdir, cycles, seed, kill_after=(0.2, 1.5), kill_in_startup=0.2,
                 drain_every=1, duration=None, broker_args=(), broker_env=None, binary=None,
                 log=print, queue="crash-q", window=500, sizes=(16, 4096)):
    """Runs the crash test and returns a CrashReport. Each cycle: start the broker (with
    probability ``kill_in_startup`` first SIGKILL it 0-100 ms into a start and start again);
    every ``drain_every`` cycles drain the queue and check it against what earlier cycles
    had confirmed (other cycles only compare queue.declare's count with it); then publish
    with confirms and SIGKILL the broker a random ``kill_after`` seconds into publishing.
    Stops after ``cycles`` cycles, ``duration`` seconds, or the first cycle with a
    violation; then one more start, a full drain and check, and a clean SIGTERM stop."""
    rng = random.Random(seed)
    report = CrashReport()
    broker = Broker(workdir, args=broker_args, env=broker_env, binary=binary, name="crash")
    published_ids = set()
    outstanding = set()       # confirmed and not yet received after a restart
    acked = set()             # received (and acked) in a drain
    deadline = time.monotonic() + duration if duration else None
    cycle = 0
    try:
        while True:
            last = (cycle == cycles or report.violations
                    or (deadline is not None and time.monotonic() > deadline))
            # Start (possibly killing one start-up midway: recovery must survive that too).
            if cycle > 0 and rng.random() < kill_in_startup:
                broker.spawn()
                time.sleep(rng.uniform(0.0, 0.1))
                broker.kill()
                report.kills_while_starting += 1
            broker.start()
            conn = broker.connect()
            if last or cycle % drain_every == 0:
                drained = drain(conn, queue)
                _check_drain(report, cycle, drained, outstanding, published_ids, acked)
                acked |= set(drained.ids)
                outstanding -= set(drained.ids)
                report.received += len(drained.ids)
                state = "drained %d (count said %d)" % (len(drained.ids), drained.count_before)
            else:
                ch = conn.channel()
                try:
                    count = ch.queue_declare(queue, passive=True).method.message_count
                except pika.exceptions.ChannelClosedByBroker:
                    count = None
                possible = len(published_ids - acked)
                if count is None or not len(outstanding) <= count <= possible:
                    report.violations.append(
                        "cycle %d: queue.declare after restart reported %s messages; %d "
                        "confirmed ones are in the queue, at most %d may be"
                        % (cycle, count, len(outstanding), possible))
                state = "count %s" % count
            conn.close()
            if last:
                broker.stop()
                log("final: start %.2f s, %s" % (broker.start_seconds, state))
                break
            # Publish with confirms, then SIGKILL at a random moment.
            pub = ConfirmPublisher(broker.port, queue, "c%d" % cycle, window=window,
                                   sizes=sizes, rng=random.Random(rng.random()))
            pub.start()
            pub.ready.wait(30)
            delay = rng.uniform(*kill_after)
            time.sleep(delay)
            broker.kill()
            report.kills_while_publishing += 1
            pub.join(30)
            if pub.is_alive():
                report.violations.append("cycle %d: publisher still running 30 s after the "
                                         "kill" % cycle)
            if pub.error:
                report.violations.append("cycle %d: publisher error %r" % (cycle, pub.error))
            published_ids.update(pub.published)
            outstanding |= pub.confirmed
            report.published += len(pub.published)
            report.confirmed += len(pub.confirmed)
            report.cycles += 1
            line = ("cycle %d: start %.2f s, %s, published %d, confirmed %d, nacked %d, "
                    "killed after %.2f s" % (cycle, broker.start_seconds, state,
                                             len(pub.published), len(pub.confirmed),
                                             len(pub.nacked), delay))
            report.lines.append(line)
            log(line)
            cycle += 1
    finally:
        broker.cleanup()
    broker.check_log()
    return report


# -- strace ------------------------------------------------------------------------------

_STRACE_LINE = re.compile(r"^(\d+)\s+(\d\d:\d\d:\d\d\.\d+)\s+(.*)$")
_CALL = re.compile(r"^(\w+)\((.*)$")
_RESUMED = re.compile(r"^<\.\.\. (\w+) resumed>(.*)$")
_FD = re.compile(r"^(\d+)<([^>]*)>")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _unescape(s):
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n == "x":
                out.append(int(s[i + 2:i + 4], 16))
                i += 4
                continue
            out += {"n": b"\n", "t": b"\t", "r": b"\r", "v": b"\v", "f": b"\f",
                    "\\": b"\\", '"': b'"'}.get(n, n.encode())
            i += 2
            continue
        out += c.encode()
        i += 1
    return bytes(out)


class Syscall:
    def __init__(self, pid, name, start, fd_path, data):
        self.pid, self.name, self.start, self.fd_path, self.data = pid, name, start, fd_path, data
        self.end = None   # line index where it returned

    def __repr__(self):
        return "%s(%s) lines %s-%s pid %s" % (self.name, self.fd_path, self.start, self.end,
                                              self.pid)


def parse_strace(text):
    """Parses `strace -f -tt -yy -xx` output into Syscalls in start order, with the line
    index of each call's start and return (strace prints events in the order it sees them,
    and a thread cannot act on a call's result before strace has printed its return)."""
    calls = []
    open_calls = {}
    for index, line in enumerate(text.splitlines()):
        m = _STRACE_LINE.match(line)
        if not m:
            continue
        pid, rest = int(m.group(1)), m.group(3)
        r = _RESUMED.match(rest)
        if r:
            call = open_calls.pop(pid, None)
            if call is not None:
                call.end = index
            continue
        c = _CALL.match(rest)
        if not c:
            continue
        args = c.group(2)
        fd = _FD.match(args)
        data = b"".join(_unescape(q) for q in _QUOTED.findall(args))
        # -xx escapes paths too ("3<\\x2f\\x74...>"); sockets read "11<TCP:[a->b]>".
        fd_path = _unescape(fd.group(2)).decode(errors="replace") if fd else None
        call = Syscall(pid, c.group(1), index, fd_path, data)
        if rest.endswith("<unfinished ...>"):
            open_calls[pid] = call
        else:
            call.end = index
        calls.append(call)
    return calls


WRITE_CALLS = {"write", "pwrite64", "writev", "pwritev", "pwritev2"}
SOCKET_WRITE_CALLS = {"write", "writev", "sendmsg", "sendto", "sendmmsg"}
SYNC_CALLS = {"fdatasync", "fsync", "sync_file_range", "syncfs", "msync"}
