"""Consumer priorities (basic.consume argument x-priority).

RabbitMQ 3.10: a message goes to the highest-priority consumer that has prefetch credit;
lower-priority consumers get messages only while every higher one is full (blocked);
consumers of equal priority share round-robin. Without x-priority a consumer has priority 0;
negative priorities are allowed.
"""

import pika.spec


class Recorder:
    def __init__(self):
        self.got = []   # (consumer name, body, channel, delivery tag)

    def callback(self, name):
        def on_message(channel, method, props, body):
            self.got.append((name, body, channel, method.delivery_tag))
        return on_message

    def names(self):
        return [(n, b) for n, b, _, _ in self.got]


def test_higher_priority_gets_messages_while_it_has_credit(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch)
    conn = amqp.connect()
    rec = Recorder()
    lo = conn.channel()
    lo.basic_qos(prefetch_count=1)
    hi = conn.channel()
    hi.basic_qos(prefetch_count=1)
    # Registration order does not matter: the low one first.
    lo.basic_consume(queue, rec.callback("lo"), arguments={"x-priority": 1})
    hi.basic_consume(queue, rec.callback("hi"), arguments={"x-priority": 10})

    ch.basic_publish("", queue, b"m0")
    assert amqp.wait_for(conn, lambda: len(rec.got) == 1)
    ch.basic_publish("", queue, b"m1")  # hi is full (prefetch 1, unacked)
    assert amqp.wait_for(conn, lambda: len(rec.got) == 2)
    ch.basic_publish("", queue, b"m2")  # both full: waits
    amqp.pump(conn, 0.2)
    assert rec.names() == [("hi", b"m0"), ("lo", b"m1")]
    assert amqp.message_count(ch, queue) == 1
    hi.basic_ack(rec.got[0][3])
    assert amqp.wait_for(conn, lambda: len(rec.got) == 3)
    assert rec.names()[2] == ("hi", b"m2")
    # lo frees up, hi is full again: the next one goes to lo.
    lo.basic_ack(rec.got[1][3])
    ch.basic_publish("", queue, b"m3")
    assert amqp.wait_for(conn, lambda: len(rec.got) == 4)
    assert rec.names()[3] == ("lo", b"m3")


def test_backlog_split_by_credit(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch)
    for i in range(6):
        ch.basic_publish("", queue, b"m%d" % i)
    conn = amqp.connect()
    rec = Recorder()
    hi = conn.channel()
    hi.basic_qos(prefetch_count=2)
    lo = conn.channel()
    lo.basic_qos(prefetch_count=10)
    hi.basic_consume(queue, rec.callback("hi"), arguments={"x-priority": 5})
    lo.basic_consume(queue, rec.callback("lo"))  # no x-priority: 0
    assert amqp.wait_for(conn, lambda: len(rec.got) == 6)
    amqp.pump(conn, 0.1)
    assert rec.names() == [("hi", b"m0"), ("hi", b"m1"), ("lo", b"m2"), ("lo", b"m3"),
                           ("lo", b"m4"), ("lo", b"m5")]


def test_equal_priority_round_robin(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch)
    conn = amqp.connect()
    rec = Recorder()
    for name, priority in (("a", 5), ("b", 5), ("c", 1)):
        conn.channel().basic_consume(queue, rec.callback(name), auto_ack=True,
                                     arguments={"x-priority": priority})
    for i in range(6):
        ch.basic_publish("", queue, b"m%d" % i)
    assert amqp.wait_for(conn, lambda: len(rec.got) == 6)
    amqp.pump(conn, 0.1)
    by = {}
    for name, body in rec.names():
        by.setdefault(name, []).append(body)
    assert by == {"a": [b"m0", b"m2", b"m4"], "b": [b"m1", b"m3", b"m5"]}


def test_negative_priority_ranks_below_default(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch)
    conn = amqp.connect()
    rec = Recorder()
    neg = conn.channel()
    neg.basic_consume(queue, rec.callback("neg"), auto_ack=True,
                      arguments={"x-priority": -5})
    default = conn.channel()
    default.basic_consume(queue, rec.callback("default"), auto_ack=True)
    for i in range(3):
        ch.basic_publish("", queue, b"m%d" % i)
    assert amqp.wait_for(conn, lambda: len(rec.got) == 3)
    amqp.pump(conn, 0.1)
    assert [n for n, _ in rec.names()] == ["default"] * 3


def test_invalid_consumer_priority(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    exc = amqp.expect_channel_error(
        conn, ch,
        lambda: ch.basic_consume(queue, lambda *a: None, arguments={"x-priority": "high"}),
        pika.spec.PRECONDITION_FAILED)
    assert exc.reply_text == amqp.invalid_arg_text("x-priority", queue,
                                                   '"expected integer, got longstr"')
