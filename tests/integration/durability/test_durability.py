"""Durable message storage, end to end with python3-pika against a broker this suite starts
and restarts itself (see conftest.py):

* persistent messages in durable queues survive SIGTERM and SIGKILL, transient ones and
  non-durable queues do not; properties and bodies come back byte for byte, in order;
* acked messages never come back, delivered-but-unacked ones come back redelivered=true,
  never-delivered ones redelivered=false;
* a publisher confirm is written to the socket only after an fdatasync of the file the
  message was written to has returned (checked with strace);
* crash test: SIGKILL at random moments while publishing with confirms; every confirmed
  message comes back, nothing is invented (tests/durability/crash_soak.py is the long run);
* a backlog >1000x the queue's memory window drains completely and in order while the
  broker's VmRSS stays far below the size of the backlog.

Environment: POLYMQ_BIN (the broker), DURABILITY_SEED (the crash test's random seed,
printed on failure), CRASH_CYCLES (default 5).
"""

import os
import random
import shutil
import subprocess
import time
import uuid

import pika
import pika.exceptions
import pytest

from durability_helpers import (SOCKET_WRITE_CALLS, SYNC_CALLS, WRITE_CALLS, broker_binary,
                                crash_cycles, parse_strace)

PERSISTENT = 2
TRANSIENT = 1


def publish_confirmed(ch, queue, body, **props):
    """basic.publish on a channel in confirm mode; pika returns once the broker acked (and
    raises NackError on a nack)."""
    ch.basic_publish("", queue, body, pika.BasicProperties(**props))


def message_count(conn, queue):
    ch = conn.channel()
    try:
        return ch.queue_declare(queue, passive=True).method.message_count
    finally:
        if ch.is_open:
            ch.close()


def get_all(conn, queue, expected, prefetch=100, timeout=15):
    """Consumes (without acking) until `expected` messages arrived and then 0.3 s of silence;
    returns the channel and [(method, properties, body)]."""
    ch = conn.channel()
    ch.basic_qos(prefetch_count=prefetch)
    got = []
    deadline = time.monotonic() + timeout
    for method, props, body in ch.consume(queue, inactivity_timeout=0.3):
        if method is None:
            if len(got) >= expected or time.monotonic() > deadline:
                break
            continue
        got.append((method, props, body))
    return ch, got


def stop(broker, how):
    if how == "SIGTERM":
        broker.stop()            # asserts exit status 0 and no sanitizer report
    else:
        broker.kill()


# -- flags ----------------------------------------------------------------------------------

def test_help_lists_the_storage_flags():
    out = subprocess.run([broker_binary(), "--help"], capture_output=True, text=True, timeout=10)
    assert out.returncode == 0, out.stderr
    for flag in ("--data-dir", "--sync-policy", "--sync-interval-ms", "--queue-window-bytes"):
        assert flag in out.stdout, "%s missing from --help:\n%s" % (flag, out.stdout)


# -- what survives a restart ----------------------------------------------------------------

def message_props(i):
    """Properties of message i: every basic property a publisher may set (user_id must be
    the connection's user and expiration needs TTL, so those two are left out)."""
    return dict(
        delivery_mode=PERSISTENT if i % 2 == 0 else TRANSIENT,
        content_type="application/x-test", content_encoding="identity",
        # (pika encodes an int beyond 32 bits as signed 'l' but decodes 'l' as unsigned, so
        # a negative one would not round-trip even without a restart.)
        headers={"i": i, "s": "x" * (i % 7), "nested": {"a": [1, "two", True]},
                 "neg": -i, "big": 2 ** 40 + i, "bytes": b"\x00\xff" * i},
        priority=i % 10, correlation_id="corr-%d" % i, reply_to="reply-%d" % i,
        message_id="msg-%d" % i, timestamp=1700000000 + i, type="type-%d" % i, app_id="durab")


def message_body(i):
    # Sizes from 0 bytes to a little over two 128 KiB frames, every byte value.
    size = [0, 1, 100, 4096, 300000][i % 5] + i
    return (bytes(range(256)) * (size // 256 + 1))[:size]


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_persistent_messages_survive_restart_transient_ones_do_not(make_broker, how):
    broker = make_broker().start()
    conn = broker.connect()
    ch = conn.channel()
    ch.confirm_delivery()
    ch.queue_declare("durable-q", durable=True)
    ch.queue_declare("plain-q", durable=False)
    total = 60
    for i in range(total):
        publish_confirmed(ch, "durable-q", message_body(i), **message_props(i))
    publish_confirmed(ch, "plain-q", b"persistent, but in a non-durable queue",
                      delivery_mode=PERSISTENT)
    assert message_count(conn, "durable-q") == total
    conn.close()
    stop(broker, how)

    broker.start()
    conn = broker.connect()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as err:
        conn.channel().queue_declare("plain-q", passive=True)
    assert err.value.reply_code == 404, "a non-durable queue must not survive a restart"
    persistent = [i for i in range(total) if i % 2 == 0]
    assert message_count(conn, "durable-q") == len(persistent), \
        "expected the %d persistent messages and none of the %d transient ones" % (
            len(persistent), total - len(persistent))
    ch, got = get_all(conn, "durable-q", len(persistent))
    assert [p.message_id for _, p, _ in got] == ["msg-%d" % i for i in persistent]
    for (method, props, body), i in zip(got, persistent):
        assert body == message_body(i), "body of msg-%d changed" % i
        assert not method.redelivered, "msg-%d was never delivered" % i
        want = message_props(i)
        for key, value in want.items():
            assert getattr(props, key) == value, "msg-%d: %s" % (i, key)
    ch.basic_ack(got[-1][0].delivery_tag, multiple=True)
    assert message_count(conn, "durable-q") == 0
    conn.close()

    # Acked before this restart: gone for good.
    stop(broker, how)
    broker.start()
    conn = broker.connect()
    assert message_count(conn, "durable-q") == 0, "acked messages came back after a restart"
    conn.close()
    broker.stop()


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_acked_gone_unacked_redelivered_after_restart(make_broker, how):
    broker = make_broker().start()
    pub_conn = broker.connect()
    pub = pub_conn.channel()
    pub.confirm_delivery()
    pub.queue_declare("ack-q", durable=True)
    for i in range(30):
        publish_confirmed(pub, "ack-q", b"a%02d" % i, delivery_mode=PERSISTENT)

    cons_conn = broker.connect()
    cons = cons_conn.channel()
    cons.basic_qos(prefetch_count=20)
    got = []
    tag = cons.basic_consume("ack-q", lambda _ch, m, _p, body: got.append((m, body)))
    deadline = time.monotonic() + 10
    while len(got) < 20 and time.monotonic() < deadline:
        cons_conn.process_data_events(time_limit=0.1)
    cons.basic_cancel(tag)    # a cancel leaves the unacked deliveries unacked
    assert [b for _, b in got] == [b"a%02d" % i for i in range(20)]
    cons.basic_ack(got[8][0].delivery_tag, multiple=True)         # a00-a08 acked
    cons.basic_reject(got[9][0].delivery_tag, requeue=False)      # a09 dropped: settled too
    cons.basic_nack(got[10][0].delivery_tag, requeue=True)        # a10 back in the queue
    cons.basic_qos(prefetch_count=20)   # a round trip: the broker has processed all three
    # A confirmed persistent publish to the same queue after the acks were processed:
    # whatever the engine buffers, the acks are not older than data it reported on disk.
    publish_confirmed(pub, "ack-q", b"a30", delivery_mode=PERSISTENT)
    # a11-a19 delivered and unacked (the consumer's channel is still open); a10 and
    # a20-a30 ready.
    assert message_count(pub_conn, "ack-q") == 12
    stop(broker, how)

    broker.start()
    conn = broker.connect()
    assert message_count(conn, "ack-q") == 21, \
        "expected a10-a30 (a00-a08 were acked, a09 rejected without requeue)"
    ch, got = get_all(conn, "ack-q", 21)
    bodies = [b for _, _, b in got]
    assert sorted(bodies) == [b"a%02d" % i for i in range(10, 31)], bodies
    redelivered = [b for m, _, b in got if m.redelivered]
    assert redelivered == [b"a%02d" % i for i in range(10, 20)], \
        "exactly the delivered-but-unacked messages must come back redelivered=true"
    assert bodies == [b"a%02d" % i for i in range(10, 31)], "not in publish order"
    ch.basic_ack(got[-1][0].delivery_tag, multiple=True)
    assert message_count(conn, "ack-q") == 0
    conn.close()
    broker.stop()


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
def test_fanout_to_durable_queues_each_keeps_its_copy(make_broker, how):
    """One persistent message routed to two durable queues (and a non-durable one): an ack
    in one queue does not settle it in the other; the durable exchange and its bindings to
    durable queues survive the restart, as in RabbitMQ."""
    broker = make_broker().start()
    conn = broker.connect()
    ch = conn.channel()
    ch.exchange_declare("fan-x", "fanout", durable=True)
    for q, durable in (("fan-1", True), ("fan-2", True), ("fan-t", False)):
        ch.queue_declare(q, durable=durable)
        ch.queue_bind(q, "fan-x")
    ch.confirm_delivery()
    for i in range(20):
        ch.basic_publish("fan-x", "", b"f%02d" % i, pika.BasicProperties(delivery_mode=2))
    ch, got = get_all(conn, "fan-1", 20)
    ch.basic_ack(got[-1][0].delivery_tag, multiple=True)
    ch.queue_declare("fan-1", passive=True)    # round trip: the acks were processed
    assert message_count(conn, "fan-2") == 20
    conn.close()
    stop(broker, how)

    broker.start()
    conn = broker.connect()
    assert message_count(conn, "fan-1") == 0, "acked in fan-1 before the restart"
    assert message_count(conn, "fan-2") == 20, "fan-2's copies must not be settled by fan-1's acks"
    ch, got = get_all(conn, "fan-2", 20)
    assert [b for _, _, b in got] == [b"f%02d" % i for i in range(20)]
    assert not any(m.redelivered for m, _, _ in got)
    ch.basic_ack(got[-1][0].delivery_tag, multiple=True)
    ch.cancel()     # no consumer left, so the next message stays ready to be counted
    ch = conn.channel()
    ch.confirm_delivery()
    ch.basic_publish("fan-x", "", b"after", pika.BasicProperties(delivery_mode=2),
                     mandatory=True)   # raises UnroutableError if the bindings were lost
    assert message_count(conn, "fan-1") == 1 and message_count(conn, "fan-2") == 1, \
        "the durable exchange's bindings to durable queues must survive the restart"
    conn.close()
    broker.stop()


@pytest.mark.parametrize("policy", [
    ["--sync-policy", "batch"],
    ["--sync-policy", "interval", "--sync-interval-ms", "20"],
    ["--sync-policy", "never"],
])
def test_every_sync_policy_keeps_messages_over_a_clean_restart(make_broker, policy):
    broker = make_broker(*policy).start()
    conn = broker.connect()
    ch = conn.channel()
    ch.confirm_delivery()
    ch.queue_declare("policy-q", durable=True)
    for i in range(50):
        publish_confirmed(ch, "policy-q", b"p%d" % i, delivery_mode=PERSISTENT)
    conn.close()
    broker.stop()
    broker.start()
    conn = broker.connect()
    ch, got = get_all(conn, "policy-q", 50)
    assert [b for _, _, b in got] == [b"p%d" % i for i in range(50)]
    conn.close()
    broker.stop()


# -- confirms wait for the disk -------------------------------------------------------------

TRACED = sorted(WRITE_CALLS | SOCKET_WRITE_CALLS | SYNC_CALLS | {"io_uring_enter"})


@pytest.mark.skipif(shutil.which("strace") is None, reason="needs strace")
@pytest.mark.parametrize("policy,queues,mode", [
    (["--sync-policy", "batch"], 1, "confirm"),
    (["--sync-policy", "batch"], 2, "confirm"),  # through a fanout exchange to two durable queues
    (["--sync-policy", "interval", "--sync-interval-ms", "50"], 1, "confirm"),
    (["--sync-policy", "batch"], 1, "tx"),
    (["--sync-policy", "batch"], 2, "tx"),
])
def test_confirm_is_sent_only_after_the_message_is_synced(make_broker, tmp_path, policy, queues,
                                                          mode):
    """Runs the broker under strace and publishes one persistent message with confirms (or
    in a transaction): every file under the data directory the body was written to must have
    been fdatasync'd (a sync that started after the write returned) before the write of the
    basic.ack (tx.commit-ok) to the socket started. strace prints events in the order they
    happen, and a thread cannot act on a syscall's result before strace has printed its
    return."""
    trace = tmp_path / "strace.txt"
    wrapper = ["strace", "-f", "-qq", "-tt", "-yy", "-xx", "-s", "1000000",
               "-e", "trace=" + ",".join(TRACED), "-o", str(trace), "--"]
    # LeakSanitizer cannot run under ptrace; everything else of ASan stays on.
    env = {"ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"}
    broker = make_broker(*policy, wrapper=wrapper, env=env).start()
    conn = broker.connect()
    ch = conn.channel()
    exchange = ""
    if queues > 1:
        exchange = "sync-fan"
        ch.exchange_declare(exchange, "fanout", durable=True)
    for n in range(queues):
        ch.queue_declare("sync-q%d" % n, durable=True)
        if exchange:
            ch.queue_bind("sync-q%d" % n, exchange)
    if mode == "tx":
        ch.tx_select()
    else:
        ch.confirm_delivery()
    marker = b"sync-marker-" + uuid.uuid4().hex.encode()
    ch.basic_publish(exchange, "sync-q0", marker, pika.BasicProperties(delivery_mode=2))
    if mode == "tx":
        ch.tx_commit()
    for n in range(queues):
        assert message_count(conn, "sync-q%d" % n) == 1
    conn.close()
    broker.stop()

    calls = parse_strace(trace.read_text(errors="replace"))
    data_dir = os.path.realpath(broker.data_dir)
    written = [c for c in calls if c.name in WRITE_CALLS and c.end is not None
               and (c.fd_path or "").startswith(data_dir) and marker in c.data]
    assert written, "the message was never written to a file under %s" % data_dir
    if mode == "tx":
        # tx.commit-ok: frame size 4, class 90 method 21.
        ack_frame = bytes.fromhex("00000004005a0015")
    else:
        # basic.ack on the publisher's channel: frame size 13, class 60 method 80, tag 1.
        ack_frame = bytes.fromhex("0000000d003c0050") + (1).to_bytes(8, "big")
    acks = [c for c in calls if c.name in SOCKET_WRITE_CALLS and ack_frame in c.data
            and (c.fd_path or "").startswith(("TCP", "socket"))]
    assert acks, "no %s in the broker's socket writes" % (
        "tx.commit-ok" if mode == "tx" else "confirm (basic.ack, tag 1)")
    ack = acks[0]
    for write in written:
        if write.start > ack.start:
            continue        # written again later (e.g. compaction): not what was confirmed
        assert write.end < ack.start, "the confirm went out while the message was being written"
        syncs = [c for c in calls if c.start > write.end and c.end is not None
                 and c.end < ack.start
                 and ((c.name in SYNC_CALLS and c.fd_path == write.fd_path)
                      or (c.name == "syncfs" and (c.fd_path or "").startswith(data_dir)))]
        near = [c for c in calls if c.name in SYNC_CALLS
                and write.start - 50 < c.start < ack.start + 50]
        assert syncs, ("no fdatasync/fsync of %s started after the message was written "
                       "(%r) and returned before the confirm was sent (%r); sync calls "
                       "nearby: %r" % (write.fd_path, write, ack, near))
    if not any(w.start < ack.start for w in written):
        pytest.fail("the confirm went out before the message was written (%r, %r)"
                    % (ack, written))


# -- crash test -----------------------------------------------------------------------------

# With 64 KiB segments the queue's log rolls every few hundred messages, so kills land while
# a roll's seal (fdatasync, index files, directory sync) is still waiting for its sync round.
@pytest.mark.parametrize("segment_bytes", [None, 65536], ids=["default-segments", "64k-segments"])
def test_sigkill_while_publishing_loses_no_confirmed_message(tmp_path, segment_bytes):
    seed = int(os.environ.get("DURABILITY_SEED") or random.randrange(1 << 30))
    cycles = int(os.environ.get("CRASH_CYCLES", "5"))
    lines = []
    args = () if segment_bytes is None else ("--segment-bytes", str(segment_bytes))
    report = crash_cycles(tmp_path, cycles=cycles, seed=seed, log=lines.append,
                          broker_args=args)
    detail = "seed %d (DURABILITY_SEED=%d reproduces it)\n%s\n%s\n%s" % (
        seed, seed, report.summary(), "\n".join(lines), "\n".join(report.violations))
    assert not report.violations, detail
    assert report.cycles == cycles, detail
    # The test proved something only if messages were confirmed before the kills.
    assert report.confirmed > 0, detail
    print(detail)


# -- a backlog far larger than the memory window --------------------------------------------

WINDOW = 256 * 1024        # --queue-window-bytes
COUNT = 300_000
PREFETCH = 1000
SIZE = 1024                # 300,000 x 1 KiB = 293 MiB of bodies, 1,170 windows
# The bound on VmRSS growth (peak VmHWM minus VmRSS of the fresh broker with the queue
# declared). 64 MiB is under a quarter of the backlog's 293 MiB of bodies, and it is what a
# broker that keeps only its window in memory needs with a wide margin: the window itself
# (0.25 MiB), up to ~150 bytes of bookkeeping per message paged out (an index entry, ~43 MiB
# for 300,000 messages), and ~20 MiB for read/write buffers, the allocator's slack and the
# sanitizer's shadow memory. A broker that keeps the bodies in memory needs at least the
# 293 MiB and fails by a factor of 4 or more (measured with the ASan build: 620 MiB VmRSS
# before paging existed, 708 MiB growth with --queue-window-bytes 1 GiB; 15-18 MiB growth
# with the 256 KiB window); one that keeps a heavier per-message object (~200+ bytes) fails
# too, which is intended: at the 16-byte bodies of bench/backlog.sh such objects would be
# most of the memory the backlog costs.
RSS_GROWTH_LIMIT_KIB = 64 * 1024
# ASan keeps freed blocks in a 256 MiB quarantine before reusing them, which would make a
# broker that frees every message after writing it look like it keeps them; a small one
# keeps the use-after-free checks without that.
SMALL_QUARANTINE = ":quarantine_size_mb=4:thread_local_quarantine_size_kb=256"


def test_backlog_far_larger_than_the_window_drains_in_order_in_bounded_memory(make_broker):
    env = {"ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + SMALL_QUARANTINE}
    broker = make_broker("--queue-window-bytes", str(WINDOW), env=env).start()
    conn = broker.connect()
    ch = conn.channel()
    ch.queue_declare("backlog-q", durable=True)
    base = broker.rss()["VmRSS"]
    filler = (b"0123456789abcdef" * (SIZE // 16))[:SIZE - 8]
    props = pika.BasicProperties(delivery_mode=PERSISTENT)
    during = []
    t0 = time.monotonic()
    for i in range(COUNT):
        ch.basic_publish("", "backlog-q", b"%08d" % i + filler, props)
        if i % (COUNT // 4) == COUNT // 4 - 1:
            during.append(broker.rss()["VmRSS"])
    # queue.declare is answered after every publish before it on the channel was handled.
    assert ch.queue_declare("backlog-q", passive=True).method.message_count == COUNT
    fill_s = time.monotonic() - t0
    filled = broker.rss()

    def drain_in_order(conn, first, n, redelivered_prefix=0):
        """Consumes messages first..first+n-1 and acks them; checks order, bodies, and that
        only the first `redelivered_prefix` (at most) have redelivered=true, all of them
        before the first redelivered=false."""
        ch = conn.channel()
        ch.basic_qos(prefetch_count=PREFETCH)
        expect, unacked, seen_fresh = first, 0, False
        for method, _props, body in ch.consume("backlog-q", inactivity_timeout=10):
            assert method is not None, "no message for 10 s; expected %08d" % expect
            assert body[:8] == b"%08d" % expect, "got %r, expected %08d" % (body[:8], expect)
            assert body[8:] == filler, "body of %08d corrupted" % expect
            if method.redelivered:
                assert not seen_fresh and expect < first + redelivered_prefix, \
                    "%08d: redelivered=true, but it was never delivered" % expect
            seen_fresh = seen_fresh or not method.redelivered
            expect += 1
            unacked += 1
            if unacked == 500 or expect == first + n:
                ch.basic_ack(method.delivery_tag, multiple=True)
                unacked = 0
            if expect == first + n:
                break
        ch.cancel()
        return ch

    # A third of it now, the rest after a restart (recovery must not load the backlog).
    third = COUNT // 3
    ch = drain_in_order(conn, 0, third)
    assert ch.queue_declare("backlog-q", passive=True).method.message_count == COUNT - third
    first_life = broker.rss()
    conn.close()
    broker.stop()
    figures = ("fill %.1f s (%.0f msg/s); VmRSS KiB: fresh %d, at 1/4..4/4 of the fill %r, "
               "full %r, peak of the first run %d (growth %d, limit %d)"
               % (fill_s, COUNT / fill_s, base, during, filled, first_life["VmHWM"],
                  first_life["VmHWM"] - base, RSS_GROWTH_LIMIT_KIB))
    print(figures)
    assert first_life["VmHWM"] - base <= RSS_GROWTH_LIMIT_KIB, figures

    broker.start(timeout=120)
    restarted = broker.rss()["VmRSS"]
    conn = broker.connect()
    ch = conn.channel()
    assert ch.queue_declare("backlog-q", passive=True).method.message_count == COUNT - third
    # The prefetch window let up to PREFETCH deliveries past `third` before the cancel;
    # pika rejected them (requeue), so those may come back redelivered=true; no others.
    ch = drain_in_order(conn, third, COUNT - third, redelivered_prefix=PREFETCH)
    assert ch.queue_declare("backlog-q", passive=True).method.message_count == 0
    second_life = broker.rss()
    conn.close()
    broker.stop()

    figures += "; after the restart %d, peak of the second run %d (growth %d)" % (
        restarted, second_life["VmHWM"], second_life["VmHWM"] - base)
    print(figures)
    assert second_life["VmHWM"] - base <= RSS_GROWTH_LIMIT_KIB, figures
