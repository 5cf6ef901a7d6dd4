"""Work queues: ordering, message properties, competing consumers, sizes.

Float header values are covered in test_field_table.py (pika 1.2 cannot
encode them).
"""

import datetime
import decimal
import hashlib
import os
import time

import pika
import pika.spec
import pytest

HEADERS = {
    "str": "hello",
    "unicode": "h\u00e9llo \u4e16\u754c",
    "long-str": "x" * 1000,
    "int": 42,
    "negative": -7,
    "int64": 2 ** 40,
    "bool-true": True,
    "bool-false": False,
    "decimal": decimal.Decimal("3.14159"),
    "timestamp": datetime.datetime(2021, 6, 1, 12, 30, 45),
    "bytes": b"\x00\x01\xff",
    "void": None,
    "array": [1, "two", True, decimal.Decimal("4.5"), [5, 6], {"seven": 7}],
    "empty-array": [],
    "table": {
        "nested-str": "value",
        "nested-int": 1,
        "nested-table": {"deep": [1, 2, 3], "flag": False},
    },
    "empty-table": {},
}


def _full_properties(i):
    return pika.BasicProperties(
        content_type="application/json",
        content_encoding="utf-8",
        headers=dict(HEADERS, seq=i),
        delivery_mode=pika.spec.PERSISTENT_DELIVERY_MODE,
        priority=5,
        correlation_id="corr-%d" % i,
        reply_to="reply-queue",
        expiration="600000",
        message_id="msg-%d" % i,
        timestamp=1600000000 + i,
        type="test.event",
        app_id="pikatest",
    )


def test_durable_queue_ordered_delivery_with_properties(conn, ch, amqp):
    queue = amqp.declare_queue(ch, durable=True)
    count = 30
    for i in range(count):
        ch.basic_publish("", queue, b'{"n": %d}' % i, _full_properties(i))

    got = amqp.consume(ch, queue, count)
    assert len(got) == count
    for i, (method, props, body) in enumerate(got):
        assert body == b'{"n": %d}' % i
        assert method.routing_key == queue
        assert method.exchange == ""
        assert method.redelivered is False
        expected = _full_properties(i)
        for attr in ("content_type", "content_encoding", "delivery_mode",
                     "priority", "correlation_id", "reply_to", "expiration",
                     "message_id", "timestamp", "type", "app_id"):
            assert getattr(props, attr) == getattr(expected, attr), attr
        assert props.headers == expected.headers
        # Types survive the round-trip, not only values.
        for key, value in expected.headers.items():
            got_value = props.headers[key]
            assert isinstance(got_value, type(value)), key
            assert isinstance(got_value, bool) == isinstance(value, bool), key
    # Everything was acked: nothing left.
    assert amqp.message_count(ch, queue) == 0


def test_properties_absent_stay_absent(ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"bare")
    method, props, body = amqp.get_messages(ch, queue, 1)[0]
    assert body == b"bare"
    for attr in ("content_type", "content_encoding", "headers",
                 "delivery_mode", "priority", "correlation_id", "reply_to",
                 "expiration", "message_id", "timestamp", "type", "user_id",
                 "app_id"):
        assert getattr(props, attr) is None, attr


def test_user_id_matching_login_is_accepted(ch, amqp):
    user = amqp.params().credentials.username
    queue = amqp.declare_queue(ch)
    ch.confirm_delivery()
    ch.basic_publish("", queue, b"u", pika.BasicProperties(user_id=user))
    assert amqp.get_messages(ch, queue, 1)[0][1].user_id == user


def test_user_id_not_matching_login_is_refused(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    amqp.expect_channel_error(
        conn, ch,
        lambda: ch.basic_publish("", queue, b"u", pika.BasicProperties(
            user_id="pikatest-someone-else")),
        pika.spec.PRECONDITION_FAILED, "user_id property set to")


def test_competing_consumers_round_robin(amqp):
    setup = amqp.connect().channel()
    queue = amqp.declare_queue(setup, durable=True)
    total = 40
    setup.confirm_delivery()
    for i in range(total):
        setup.basic_publish("", queue, b"%d" % i)

    received = {"a": [], "b": []}
    connections = {}
    for name in received:
        conn = amqp.connect()
        ch = conn.channel()
        ch.basic_qos(prefetch_count=1)

        def on_message(channel, method, props, body, name=name):
            received[name].append(int(body))
            channel.basic_ack(method.delivery_tag)

        ch.basic_consume(queue, on_message)
        connections[name] = conn

    deadline = time.monotonic() + 10
    while (sum(len(v) for v in received.values()) < total
           and time.monotonic() < deadline):
        for conn in connections.values():
            conn.process_data_events(time_limit=0.02)

    everything = received["a"] + received["b"]
    assert sorted(everything) == list(range(total))   # exactly once each
    for name, bodies in received.items():
        assert len(bodies) >= total * 0.4, (name, len(bodies))
        assert bodies == sorted(bodies)   # each consumer sees queue order
    assert amqp.message_count(setup, queue) == 0


def test_empty_body(ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"",
                     pika.BasicProperties(content_type="text/plain"))
    ch.basic_publish("", queue, b"after-empty")
    got = amqp.get_messages(ch, queue, 2)
    assert [m[2] for m in got] == [b"", b"after-empty"]
    assert got[0][1].content_type == "text/plain"


# Bodies around the frame boundary: frame_max 131072 leaves 131064 payload
# bytes per body frame (7 header + 1 frame-end octet).
@pytest.mark.parametrize("size", [1, 131063, 131064, 131065, 262128, 262129])
def test_body_sizes_around_frame_boundary(ch, amqp, size):
    queue = amqp.declare_queue(ch)
    body = os.urandom(size)
    ch.basic_publish("", queue, body)
    got = amqp.get_messages(ch, queue, 1)
    assert len(got[0][2]) == size
    assert got[0][2] == body


@pytest.mark.parametrize("mib", [5, 20])
def test_large_message_round_trip(conn, ch, amqp, mib):
    queue = amqp.declare_queue(ch)
    body = os.urandom(mib * 1024 * 1024)
    digest = hashlib.sha256(body).hexdigest()
    ch.basic_publish("", queue, body,
                     pika.BasicProperties(message_id="big-%d" % mib))
    got = amqp.consume(ch, queue, 1, timeout=20)
    assert len(got) == 1
    method, props, received = got[0]
    assert props.message_id == "big-%d" % mib
    assert len(received) == len(body)
    assert hashlib.sha256(received).hexdigest() == digest


def test_large_message_with_small_frame_max(amqp):
    conn = amqp.connect(frame_max=pika.spec.FRAME_MIN_SIZE)
    ch = conn.channel()
    queue = amqp.declare_queue(ch)
    body = os.urandom(1024 * 1024)   # 1 MiB in ~257 body frames
    ch.basic_publish("", queue, body)
    got = amqp.get_messages(ch, queue, 1, timeout=10)
    assert got[0][2] == body
