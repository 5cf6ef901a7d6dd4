"""Flow control with the real client (pika): memory and disk alarms block publishing
connections with connection.blocked and release them with connection.unblocked, as
RabbitMQ 3.x does; consumers keep working meanwhile."""

import threading
import time

import pika

from flow_helpers import Notifications, params, queue_count, wait_until

BODY = 10 * 1024
WATERMARK = 1_000_000          # "1MB", RabbitMQ's units: powers of 1000 with a B
CAPABILITIES_WITHOUT_BLOCKED = {
    "authentication_failure_close": True,
    "basic.nack": True,
    "consumer_cancel_notify": True,
    "publisher_confirms": True,
}


def body(n):
    head = b"%d|" % n
    return head + b"x" * (BODY - len(head))


def id_of(data):
    return int(data.split(b"|", 1)[0])


class Producer(threading.Thread):
    """Publishes ``total`` messages of BODY bytes (ids 0..total-1) to ``queue``, pausing
    while its connection is blocked, as a well-behaved RabbitMQ publisher does."""

    def __init__(self, port, queue, total):
        super().__init__(daemon=True)
        self.port, self.queue, self.total = port, queue, total
        self.published = 0
        self.published_at_first_block = None
        self.notes = None
        self.ready = threading.Event()
        self.error = None

    def run(self):
        try:
            conn = pika.BlockingConnection(params(self.port))
            self.notes = Notifications(conn)
            ch = conn.channel()
            self.ready.set()
            while self.published < self.total:
                if self.notes.is_blocked:
                    conn.process_data_events(0.05)
                    continue
                ch.basic_publish("", self.queue, body(self.published))
                self.published += 1
                conn.process_data_events(0)
                if self.notes.blocked and self.published_at_first_block is None:
                    self.published_at_first_block = self.published
            # Everything may be written before the broker read enough to raise the alarm: its
            # connection.blocked then arrives after the last publish, and pika dispatches it
            # only while the connection is serviced. More than the watermark was published,
            # so the block comes; wait for it, then for the release (a blocked connection
            # does not read our connection.close).
            wait_until(lambda: self.notes.blocked, 30, conn=conn)
            wait_until(lambda: not self.notes.is_blocked, 60, conn=conn)
            conn.close()
        except Exception as e:  # noqa: BLE001 - reported to the test
            self.error = e
        finally:
            self.ready.set()


def test_memory_watermark_blocks_the_publisher_until_consumers_drain(make_broker):
    broker = make_broker("--memory-high-watermark", "1MB")
    observer = broker.connect()        # never publishes: never blocked
    observer.channel().queue_declare("flow-mem")
    # 2x the watermark: enough that the block must come before the end (the queue holds at
    # most 1.5x at the block), and what pika writes after the broker stopped reading stays
    # well within the sockets' buffers, so basic_publish never waits on a full socket.
    total = 200
    producer = Producer(broker.port, "flow-mem", total)
    producer.start()
    assert producer.ready.wait(30) and producer.error is None, producer.error
    assert producer.notes.blocked_event.wait(30), "no connection.blocked within 30 s"
    assert producer.notes.blocked[0] == "low on memory"

    # The broker stopped reading from the producer: the queue holds about the watermark's
    # worth and does not grow although the producer wrote more before it heard.
    at_block = queue_count(observer, "flow-mem")
    assert 0.8 * WATERMARK <= at_block * BODY <= 1.5 * WATERMARK, at_block
    time.sleep(0.5)
    assert queue_count(observer, "flow-mem") == at_block
    assert not producer.notes.unblocked_event.is_set()

    # A consume-only connection opened now works while the producer is blocked. Unacked
    # deliveries still count as memory, so the producer stays blocked until acks free it.
    consumer = broker.connect()
    ch = consumer.channel()
    ch.basic_qos(prefetch_count=20)
    received = []
    last_tag = None
    for method, _props, data in ch.consume("flow-mem", inactivity_timeout=10):
        assert method is not None, "consumer got nothing while the producer was blocked"
        received.append(id_of(data))
        last_tag = method.delivery_tag
        if len(received) == 20:
            break
    consumer.process_data_events(0.3)
    assert producer.notes.is_blocked and producer.notes.unblocked == 0

    # Acks drain the queue: the alarm clears, the producer is unblocked and finishes.
    ch.basic_ack(last_tag, multiple=True)
    deadline = time.monotonic() + 90
    for method, _props, data in ch.consume("flow-mem", inactivity_timeout=1):
        if method is not None:
            received.append(id_of(data))
            ch.basic_ack(method.delivery_tag)
        if len(received) >= total or time.monotonic() > deadline:
            break
    ch.cancel()
    producer.join(30)
    assert not producer.is_alive() and producer.error is None, producer.error
    assert producer.notes.unblocked >= 1
    assert len(producer.notes.blocked) == producer.notes.unblocked
    assert producer.published == total
    assert sorted(received) == list(range(total)), "lost or duplicated messages"
    assert queue_count(observer, "flow-mem") == 0

    log = broker.log_text()
    assert "memory resource limit alarm set" in log
    assert "memory resource limit alarm cleared" in log
    consumer.close()
    observer.close()
    broker.stop()


def test_disk_alarm_blocks_publishers_but_not_consumers(make_broker):
    broker = make_broker("--disk-free-limit", "1000TB")
    consumer = broker.connect()
    cch = consumer.channel()
    cch.queue_declare("disk-q")
    got = []
    cch.basic_consume("disk-q", lambda _c, _m, _p, b: got.append(b), auto_ack=True)

    # A short heartbeat: a blocked connection is not read, and must not be dropped for
    # "missed heartbeats" meanwhile (RabbitMQ pauses its heartbeat monitor).
    publisher = pika.BlockingConnection(params(broker.port, heartbeat=2))
    notes = Notifications(publisher)
    pch = publisher.channel()
    pch.queue_declare("disk-q")        # not a publish: answered although the alarm is on
    pch.basic_publish("", "disk-q", b"while the disk is full")
    assert wait_until(lambda: notes.blocked, 10, conn=publisher), "no connection.blocked"
    assert notes.blocked == ["low on disk"]

    # Nothing published reaches the queue while blocked; the consumer-only connection keeps
    # declaring and consuming.
    end = time.monotonic() + 5
    while time.monotonic() < end:
        consumer.process_data_events(0.2)
        publisher.process_data_events(0.2)
    assert got == []
    assert publisher.is_open and notes.unblocked == 0
    cch.queue_declare("disk-q2")
    cch.basic_consume("disk-q2", lambda *_: None, auto_ack=True)
    assert queue_count(consumer, "disk-q") == 0
    assert "missed heartbeats" not in broker.log_text()
    assert "disk resource limit alarm set" in broker.log_text()
    # Shutdown closes the blocked connection too and exits 0.
    broker.stop()


def test_a_client_without_the_capability_is_paused_silently(make_broker):
    """pika always announces connection.blocked unless client_properties replaces its
    capabilities table, which is what this client does."""
    broker = make_broker("--memory-high-watermark", "1MB")
    setup = broker.connect()
    sch = setup.channel()
    sch.queue_declare("fill")
    sch.queue_declare("quiet")

    # A capable publisher raises the memory alarm and gets blocked.
    filler = broker.connect()
    fnotes = Notifications(filler)
    fch = filler.channel()
    n = 0
    while not fnotes.blocked and n < 2000:
        fch.basic_publish("", "fill", body(n))
        n += 1
        filler.process_data_events(0)
    assert fnotes.blocked == ["low on memory"]

    silent = broker.connect(client_properties={"capabilities": CAPABILITIES_WITHOUT_BLOCKED})
    snotes = Notifications(silent)
    qch = silent.channel()
    qch.basic_publish("", "quiet", b"paused, not dropped")
    silent.process_data_events(1.0)
    assert snotes.blocked == []                    # no notification without the capability
    assert queue_count(setup, "quiet") == 0        # ... but not routed either

    # Draining "fill" clears the alarm; the paused publish is read and routed then.
    sch.basic_consume("fill", lambda *_: None, auto_ack=True)
    assert wait_until(lambda: queue_count(setup, "quiet") == 1, 20, conn=setup)
    assert snotes.unblocked == 0
    assert qch.queue_declare("quiet", passive=True).method.message_count == 1
    assert wait_until(lambda: fnotes.unblocked == 1, 10, conn=filler)
    for conn in (silent, filler, setup):
        conn.close()
    broker.stop()


def test_publishing_below_the_watermark_is_never_blocked(make_broker):
    broker = make_broker("--memory-high-watermark", "1MB", "--disk-free-limit", "1")
    conn = broker.connect()
    notes = Notifications(conn)
    ch = conn.channel()
    ch.queue_declare("small")
    ch.confirm_delivery()
    for n in range(50):                            # about half the watermark
        ch.basic_publish("", "small", body(n))
    conn.process_data_events(0.5)
    assert notes.blocked == []
    assert queue_count(conn, "small") == 50
    conn.close()
    assert "resource limit alarm" not in broker.log_text()
    broker.stop()
