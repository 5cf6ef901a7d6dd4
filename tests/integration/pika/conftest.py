"""Shared fixtures for the pika (AMQP 0-9-1) integration suite.

The suite encodes the behaviour of RabbitMQ 3.x so that PolyMQ can be checked
against it.  Connection parameters come from the environment:

    AMQP_HOST      (default 127.0.0.1)
    AMQP_PORT      (default 5672)
    AMQP_USER      (default guest)
    AMQP_PASSWORD  (default guest)
    AMQP_VHOST     (default /)

Fixtures:

    amqp   -- an ``Amqp`` helper: connections, unique names with automatic
              cleanup, and small helpers to consume / expect errors.
    conn   -- an open BlockingConnection (closed at teardown).
    ch     -- a BlockingChannel on ``conn``.
"""

import datetime
import os
import time
import uuid

import pika
import pika.compat
import pika.exceptions
import pika.spec
import pytest

AMQP_HOST = os.environ.get("AMQP_HOST", "127.0.0.1")
AMQP_PORT = int(os.environ.get("AMQP_PORT", "5672"))
AMQP_USER = os.environ.get("AMQP_USER", "guest")
AMQP_PASSWORD = os.environ.get("AMQP_PASSWORD", "guest")
AMQP_VHOST = os.environ.get("AMQP_VHOST", "/")

DEFAULT_TIMEOUT = 5.0


def make_params(**overrides):
    """Build ConnectionParameters from the environment plus overrides."""
    kwargs = dict(
        host=AMQP_HOST,
        port=AMQP_PORT,
        virtual_host=AMQP_VHOST,
        credentials=pika.PlainCredentials(AMQP_USER, AMQP_PASSWORD),
        connection_attempts=1,
        socket_timeout=5,
        stack_timeout=15,
        blocked_connection_timeout=30,
    )
    kwargs.update(overrides)
    return pika.ConnectionParameters(**kwargs)


class Amqp:
    """Per-test helper; everything it creates is removed at teardown."""

    def __init__(self, test_name):
        self._tag = "".join(c if c.isalnum() else "-" for c in test_name)[:60]
        self._connections = []
        self._queues = []
        self._exchanges = []

    # -- connections -----------------------------------------------------

    params = staticmethod(make_params)

    def connect(self, **overrides):
        conn = pika.BlockingConnection(make_params(**overrides))
        self._connections.append(conn)
        return conn

    # -- names (tracked for cleanup) -------------------------------------

    def _name(self, kind):
        return "pikatest.%s.%s.%s" % (kind, self._tag, uuid.uuid4().hex[:12])

    def queue_name(self):
        name = self._name("q")
        self._queues.append(name)
        return name

    def exchange_name(self):
        name = self._name("x")
        self._exchanges.append(name)
        return name

    def track_queue(self, name):
        self._queues.append(name)
        return name

    def declare_queue(self, ch, name=None, **kwargs):
        """Declare a (tracked) queue and return its name."""
        if name is None:
            name = self.queue_name()
        else:
            self.track_queue(name)
        ok = ch.queue_declare(queue=name, **kwargs)
        assert ok.method.queue == name
        return name

    def declare_exchange(self, ch, exchange_type, name=None, **kwargs):
        """Declare a (tracked) exchange and return its name."""
        if name is None:
            name = self.exchange_name()
        else:
            self._exchanges.append(name)
        ch.exchange_declare(exchange=name, exchange_type=exchange_type,
                            **kwargs)
        return name

    # -- message helpers -------------------------------------------------

    @staticmethod
    def wait_for(conn, predicate, timeout=DEFAULT_TIMEOUT, step=0.05):
        """Pump ``conn`` until ``predicate()`` is true or the deadline hits."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                return False
            conn.process_data_events(time_limit=step)
        return True

    @staticmethod
    def get_messages(ch, queue, count, timeout=DEFAULT_TIMEOUT, auto_ack=True):
        """basic.get until ``count`` messages arrived (or the deadline)."""
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count and time.monotonic() < deadline:
            method, props, body = ch.basic_get(queue, auto_ack=auto_ack)
            if method is None:
                ch.connection.process_data_events(time_limit=0.02)
                continue
            out.append((method, props, body))
        return out

    @classmethod
    def consume(cls, ch, queue, count, timeout=DEFAULT_TIMEOUT, ack=True,
                auto_ack=False, **consume_kwargs):
        """Consume exactly ``count`` messages with a callback, then cancel.

        Returns a list of (method, properties, body).
        """
        got = []

        def on_message(channel, method, props, body):
            got.append((method, props, body))
            if ack and not auto_ack:
                channel.basic_ack(method.delivery_tag)

        tag = ch.basic_consume(queue, on_message, auto_ack=auto_ack,
                               **consume_kwargs)
        cls.wait_for(ch.connection, lambda: len(got) >= count, timeout)
        ch.basic_cancel(tag)
        return got

    @staticmethod
    def message_count(ch, queue):
        return ch.queue_declare(queue=queue, passive=True).method.message_count

    @staticmethod
    def passive_queue_declare_code(conn, queue):
        """Passive-declare on a throwaway channel.

        Returns None when the queue is accessible, else the reply code of the
        channel close (404 missing, 405 exclusive to another connection).
        """
        probe = conn.channel()
        try:
            probe.queue_declare(queue=queue, passive=True)
        except pika.exceptions.ChannelClosedByBroker as exc:
            return exc.reply_code
        probe.close()
        return None

    @classmethod
    def queue_exists(cls, conn, queue):
        code = cls.passive_queue_declare_code(conn, queue)
        assert code in (None, pika.spec.NOT_FOUND), code
        return code is None

    @staticmethod
    def exchange_exists(conn, exchange):
        probe = conn.channel()
        try:
            probe.exchange_declare(exchange=exchange, passive=True)
        except pika.exceptions.ChannelClosedByBroker as exc:
            assert exc.reply_code == pika.spec.NOT_FOUND, exc
            return False
        probe.close()
        return True

    # -- error helpers ---------------------------------------------------

    @staticmethod
    def sync(ch):
        """A synchronous round-trip; surfaces asynchronous channel errors."""
        ch.exchange_declare(exchange="amq.direct", passive=True)

    @classmethod
    def expect_channel_error(cls, conn, ch, func, reply_code, text=None):
        """Run ``func``; the broker must close only the channel."""
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
            func()
            cls.sync(ch)
        exc = info.value
        assert exc.reply_code == reply_code, exc
        if text is not None:
            assert text in exc.reply_text, exc
        assert ch.is_closed
        cls.assert_connection_usable(conn)
        return exc

    @staticmethod
    def expect_connection_error(conn, func, reply_code, text=None):
        """Run ``func``; the broker must close the whole connection."""
        with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as info:
            func()
            # Pump until the close arrives (func may be asynchronous).
            deadline = time.monotonic() + DEFAULT_TIMEOUT
            while time.monotonic() < deadline:
                conn.process_data_events(time_limit=0.05)
        exc = info.value
        assert exc.reply_code == reply_code, exc
        if text is not None:
            assert text in exc.reply_text, exc
        assert conn.is_closed
        return exc

    @staticmethod
    def assert_connection_usable(conn):
        """Open a fresh channel and do a full publish/get round-trip."""
        assert conn.is_open
        probe = conn.channel()
        queue = probe.queue_declare(queue="", exclusive=True,
                                    auto_delete=True).method.queue
        probe.basic_publish("", queue, b"still-alive")
        deadline = time.monotonic() + DEFAULT_TIMEOUT
        body = None
        while body is None and time.monotonic() < deadline:
            _, _, body = probe.basic_get(queue, auto_ack=True)
        assert body == b"still-alive"
        probe.queue_delete(queue)
        probe.close()

    # -- queue-feature helpers (TTL, dead-lettering, limits, consumers) ----

    vhost = AMQP_VHOST

    @staticmethod
    def is_rabbitmq(conn):
        """True when the broker says it is RabbitMQ (connection.start's product)."""
        props = conn._impl.server_properties or {}
        return props.get("product") in ("RabbitMQ", b"RabbitMQ")

    @staticmethod
    def pump(conn, seconds):
        """Process ``conn``'s events (deliveries to callbacks) for ``seconds``."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            conn.process_data_events(time_limit=min(0.05, left))

    @staticmethod
    def poll(predicate, timeout=DEFAULT_TIMEOUT, step=0.02):
        """Call ``predicate`` until it is true or the deadline; returns the last result."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result or time.monotonic() >= deadline:
                return result
            time.sleep(step)

    @staticmethod
    def get_one(ch, queue, timeout=DEFAULT_TIMEOUT, auto_ack=True):
        """basic.get until a message arrives; (method, properties, body) or Nones."""
        deadline = time.monotonic() + timeout
        while True:
            method, props, body = ch.basic_get(queue, auto_ack=auto_ack)
            if method is not None or time.monotonic() >= deadline:
                return method, props, body
            time.sleep(0.01)

    @staticmethod
    def drain_bodies(ch, queue):
        """basic.get (auto-ack) until the queue answers get-empty; the bodies in order."""
        bodies = []
        while True:
            method, _, body = ch.basic_get(queue, auto_ack=True)
            if method is None:
                return bodies
            bodies.append(body)

    def declare_quorum_queue(self, ch, name=None, arguments=None):
        """A (tracked) quorum queue: RabbitMQ requires durable, not exclusive, not
        auto-delete."""
        args = {"x-queue-type": "quorum"}
        args.update(arguments or {})
        return self.declare_queue(ch, name, durable=True, arguments=args)

    def dead_letter_target(self, ch, exchange_type="fanout", routing_key=""):
        """A (tracked) exchange with one (tracked) queue bound to it; (exchange, queue)."""
        exchange = self.declare_exchange(ch, exchange_type)
        queue = self.declare_queue(ch)
        ch.queue_bind(queue, exchange, routing_key)
        return exchange, queue

    @staticmethod
    def invalid_arg_text(arg, queue, detail):
        """RabbitMQ's reply text for a queue argument it refuses."""
        return ("PRECONDITION_FAILED - invalid arg '%s' for queue '%s' in vhost '%s': %s"
                % (arg, queue, AMQP_VHOST, detail))

    @staticmethod
    def assert_x_death(entry, count, reason, queue, exchange, routing_keys,
                       original_expiration=None):
        """One x-death table as RabbitMQ 3.10 writes it and pika decodes it: count is
        a long ('l'), time a timestamp ('T' -> naive UTC datetime, whole seconds),
        routing-keys an array of strings, original-expiration only when the message
        had an expiration property."""
        keys = {"count", "reason", "queue", "time", "exchange", "routing-keys"}
        if original_expiration is not None:
            keys.add("original-expiration")
        assert set(entry) == keys, entry
        assert entry["count"] == count, entry
        # pika decodes field type 'l' (long long) as pika.compat.long, 'I' as int.
        assert isinstance(entry["count"], pika.compat.long), (
            "x-death count must be encoded as a long long ('l'): %r" % (entry,))
        assert entry["reason"] == reason, entry
        assert entry["queue"] == queue, entry
        assert entry["exchange"] == exchange, entry
        assert isinstance(entry["routing-keys"], list), entry
        assert entry["routing-keys"] == list(routing_keys), entry
        assert isinstance(entry["time"], datetime.datetime), entry
        now = datetime.datetime.utcnow()
        assert abs((now - entry["time"]).total_seconds()) < 300, entry
        if original_expiration is not None:
            assert entry["original-expiration"] == original_expiration, entry

    # -- teardown --------------------------------------------------------

    def cleanup(self):
        for conn in self._connections:
            try:
                if conn.is_open:
                    conn.close()
            except Exception:
                pass
        if not (self._queues or self._exchanges):
            return
        try:
            conn = pika.BlockingConnection(make_params())
        except Exception:
            return
        try:
            ch = conn.channel()
            for kind, names in (("queue", self._queues),
                                ("exchange", self._exchanges)):
                for name in names:
                    try:
                        if kind == "queue":
                            ch.queue_delete(name)
                        else:
                            ch.exchange_delete(name)
                    except pika.exceptions.ChannelClosed:
                        ch = conn.channel()
        except Exception:
            pass
        finally:
            try:
                conn.close()
            except Exception:
                pass


@pytest.fixture
def amqp(request):
    helper = Amqp(request.node.name)
    yield helper
    helper.cleanup()


@pytest.fixture
def conn(amqp):
    return amqp.connect()


@pytest.fixture
def ch(conn):
    return conn.channel()
