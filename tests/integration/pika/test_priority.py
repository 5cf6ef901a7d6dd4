"""Priority queues (x-max-priority).

RabbitMQ 3.10: ready messages go out highest priority first, FIFO within a priority; a
priority above x-max-priority counts as x-max-priority (the property is delivered
unchanged); no priority property counts as 0; a requeued message goes back to its place in
its priority (ahead of later messages of that priority). A queue without x-max-priority
ignores priorities (FIFO). x-max-priority is 0..255.
"""

import pika
import pika.spec
import pytest


def _publish(ch, queue, items):
    for body, priority in items:
        ch.basic_publish("", queue, body.encode(), pika.BasicProperties(priority=priority))


def _drain(ch, queue):
    out = []
    while True:
        method, props, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            return out
        out.append((body.decode(), props.priority))


def test_higher_priority_first_fifo_within_priority(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-priority": 10})
    _publish(ch, queue, [("p1-a", 1), ("p5-a", 5), ("p1-b", 1), ("p9-a", 9), ("p5-b", 5),
                         ("p9-b", 9), ("p1-c", 1)])
    assert [b for b, _ in _drain(ch, queue)] == [
        "p9-a", "p9-b", "p5-a", "p5-b", "p1-a", "p1-b", "p1-c"]


def test_priority_above_max_counts_as_max(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-priority": 5})
    _publish(ch, queue, [("low", 1), ("at-max", 5), ("above", 200), ("nine", 9),
                         ("at-max-2", 5)])
    # 200 and 9 rank as 5, FIFO with the 5s; the property itself is delivered unchanged.
    assert _drain(ch, queue) == [("at-max", 5), ("above", 200), ("nine", 9),
                                 ("at-max-2", 5), ("low", 1)]


def test_no_priority_is_priority_zero(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-priority": 3})
    _publish(ch, queue, [("none-a", None), ("zero", 0), ("one", 1), ("none-b", None)])
    assert _drain(ch, queue) == [("one", 1), ("none-a", None), ("zero", 0),
                                 ("none-b", None)]


def test_consumer_receives_backlog_in_priority_order(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-priority": 10})
    _publish(ch, queue, [("a", 1), ("b", 7), ("c", 3), ("d", 7), ("e", None)])
    ch.basic_qos(prefetch_count=1)
    got = amqp.consume(ch, queue, 5)
    assert [b for _, _, b in got] == [b"b", b"d", b"c", b"a", b"e"]


def test_requeued_messages_keep_priority_order(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-priority": 5})
    _publish(ch, queue, [("a1", 1), ("b5", 5), ("c1", 1), ("d5", 5)])
    taken = [ch.basic_get(queue, auto_ack=False) for _ in range(4)]
    assert [b for _, _, b in taken] == [b"b5", b"d5", b"a1", b"c1"]
    _publish(ch, queue, [("new3", 3), ("new5", 5)])
    ch.basic_nack(0, multiple=True, requeue=True)
    amqp.sync(ch)
    # Requeued ones return to their place: ahead of the later new5 in priority 5.
    assert [b for b, _ in _drain(ch, queue)] == ["b5", "d5", "new5", "new3", "a1", "c1"]


def test_requeue_in_reverse_order_restores_original_order(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-priority": 5})
    _publish(ch, queue, [("a1", 1), ("b5", 5), ("c1", 1), ("d5", 5)])
    m1, _, b1 = ch.basic_get(queue, auto_ack=False)
    m2, _, b2 = ch.basic_get(queue, auto_ack=False)
    assert (b1, b2) == (b"b5", b"d5")
    _publish(ch, queue, [("x5", 5)])
    ch.basic_reject(m2.delivery_tag, requeue=True)
    ch.basic_reject(m1.delivery_tag, requeue=True)
    amqp.sync(ch)
    assert [b for b, _ in _drain(ch, queue)] == ["b5", "d5", "x5", "a1", "c1"]


def test_queue_without_max_priority_is_fifo(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch)
    _publish(ch, queue, [("a", None), ("b", 9), ("c", 1)])
    assert [b for b, _ in _drain(ch, queue)] == ["a", "b", "c"]


def test_max_priority_zero_is_fifo(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-priority": 0})
    _publish(ch, queue, [("a", None), ("b", 5), ("c", 1)])
    assert [b for b, _ in _drain(ch, queue)] == ["a", "b", "c"]


def test_max_priority_255_accepted(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-priority": 255})
    _publish(ch, queue, [("a", 254), ("b", 255), ("c", 0)])
    assert [b for b, _ in _drain(ch, queue)] == ["b", "a", "c"]


@pytest.mark.parametrize("value,detail", [
    (256, "{max_value_exceeded,256}"),
    (1000, "{max_value_exceeded,1000}"),
    (-1, "{value_negative,-1}"),
    ("abc", '"expected integer, got longstr"'),
    (True, '"expected integer, got bool"'),
])
def test_invalid_max_priority(conn, ch, amqp, value, detail):
    queue = amqp.queue_name()
    exc = amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_declare(queue, arguments={"x-max-priority": value}),
        pika.spec.PRECONDITION_FAILED)
    assert exc.reply_text == amqp.invalid_arg_text("x-max-priority", queue, detail)
    assert not amqp.queue_exists(conn, queue)


def test_redeclare_with_other_max_priority(conn, ch, amqp):
    queue = amqp.declare_queue(ch, arguments={"x-max-priority": 10})
    exc = amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_declare(queue, arguments={"x-max-priority": 5}),
        pika.spec.PRECONDITION_FAILED)
    assert exc.reply_text == (
        "PRECONDITION_FAILED - inequivalent arg 'x-max-priority' for queue '%s' in vhost "
        "'%s': received '5' but current is '10'" % (queue, amqp.vhost))
    ch = conn.channel()
    exc = amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_declare(queue),
        pika.spec.PRECONDITION_FAILED)
    assert exc.reply_text == (
        "PRECONDITION_FAILED - inequivalent arg 'x-max-priority' for queue '%s' in vhost "
        "'%s': received none but current is the value '10' of type 'signedint'"
        % (queue, amqp.vhost))
