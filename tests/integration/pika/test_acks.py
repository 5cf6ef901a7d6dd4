"""Acknowledgements: ack / nack / reject / recover, and basic.qos."""

import pika
import pika.exceptions
import pika.spec


def _fill(ch, amqp, count, prefix=b"m"):
    """Declare a queue and put ``count`` messages in it (confirmed)."""
    queue = amqp.declare_queue(ch)
    confirm_ch = ch.connection.channel()
    confirm_ch.confirm_delivery()
    for i in range(count):
        confirm_ch.basic_publish("", queue, prefix + b"%d" % i)
    confirm_ch.close()
    return queue


def _get(ch, queue, count):
    """basic.get ``count`` messages without auto-ack."""
    out = []
    for _ in range(count):
        method, props, body = ch.basic_get(queue, auto_ack=False)
        assert method is not None
        out.append((method, body))
    return out


def _drain(ch, queue):
    """basic.get (auto-ack) everything ready; return (body, redelivered)."""
    out = []
    while True:
        method, _, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            return out
        out.append((body, method.redelivered))


def test_ack_multiple(conn, ch, amqp):
    queue = _fill(ch, amqp, 5)
    got = _get(ch, queue, 5)
    ch.basic_ack(got[2][0].delivery_tag, multiple=True)   # acks tags 1..3
    amqp.sync(ch)
    ch.close()   # the two unacked messages go back to the queue
    check = conn.channel()
    assert _drain(check, queue) == [(b"m3", True), (b"m4", True)]


def test_ack_single_out_of_order(conn, ch, amqp):
    queue = _fill(ch, amqp, 3)
    got = _get(ch, queue, 3)
    ch.basic_ack(got[1][0].delivery_tag)
    amqp.sync(ch)
    ch.close()
    check = conn.channel()
    assert _drain(check, queue) == [(b"m0", True), (b"m2", True)]


def test_ack_zero_multiple_acks_everything(conn, ch, amqp):
    queue = _fill(ch, amqp, 3)
    _get(ch, queue, 3)
    ch.basic_ack(0, multiple=True)
    amqp.sync(ch)
    ch.close()
    assert amqp.message_count(conn.channel(), queue) == 0


def test_nack_requeue_sets_redelivered(ch, amqp):
    queue = _fill(ch, amqp, 2)
    (method, body), = _get(ch, queue, 1)
    assert body == b"m0" and method.redelivered is False
    ch.basic_nack(method.delivery_tag, requeue=True)
    # The requeued message goes back to its original position (the head).
    method, _, body = amqp.get_messages(ch, queue, 1, auto_ack=True)[0]
    assert body == b"m0"
    assert method.redelivered is True
    method, _, body = ch.basic_get(queue, auto_ack=True)
    assert body == b"m1" and method.redelivered is False


def test_nack_requeue_to_consumer_sets_redelivered(conn, ch, amqp):
    queue = _fill(ch, amqp, 1)
    deliveries = []

    def on_message(channel, method, props, body):
        deliveries.append((body, method.redelivered))
        if len(deliveries) == 1:
            channel.basic_nack(method.delivery_tag, requeue=True)
        else:
            channel.basic_ack(method.delivery_tag)

    ch.basic_consume(queue, on_message)
    assert amqp.wait_for(conn, lambda: len(deliveries) >= 2)
    assert deliveries == [(b"m0", False), (b"m0", True)]


def test_reject_without_requeue_drops(conn, ch, amqp):
    queue = _fill(ch, amqp, 2)
    (method, body), = _get(ch, queue, 1)
    ch.basic_reject(method.delivery_tag, requeue=False)
    amqp.sync(ch)
    ch.close()
    assert _drain(conn.channel(), queue) == [(b"m1", False)]


def test_reject_with_requeue(ch, amqp):
    queue = _fill(ch, amqp, 1)
    (method, _), = _get(ch, queue, 1)
    ch.basic_reject(method.delivery_tag, requeue=True)
    got = amqp.get_messages(ch, queue, 1)
    assert got[0][2] == b"m0" and got[0][0].redelivered is True


def test_nack_multiple_without_requeue(conn, ch, amqp):
    queue = _fill(ch, amqp, 5)
    got = _get(ch, queue, 4)
    ch.basic_nack(got[2][0].delivery_tag, multiple=True, requeue=False)
    ch.basic_ack(got[3][0].delivery_tag)
    amqp.sync(ch)
    ch.close()
    assert _drain(conn.channel(), queue) == [(b"m4", False)]


def test_nack_multiple_with_requeue_keeps_order(ch, amqp):
    queue = _fill(ch, amqp, 4)
    got = _get(ch, queue, 3)
    ch.basic_nack(got[2][0].delivery_tag, multiple=True, requeue=True)
    assert _drain(ch, queue) == [(b"m0", True), (b"m1", True),
                                 (b"m2", True), (b"m3", False)]


def test_channel_close_requeues_unacked_in_order(conn, ch, amqp):
    queue = _fill(ch, amqp, 3)
    _get(ch, queue, 3)
    ch.close()
    assert _drain(conn.channel(), queue) == [(b"m0", True), (b"m1", True),
                                             (b"m2", True)]


def test_connection_close_requeues_unacked(amqp):
    setup = amqp.connect().channel()
    queue = _fill(setup, amqp, 2)
    consumer_conn = amqp.connect()
    _get(consumer_conn.channel(), queue, 2)
    consumer_conn.close()
    got = amqp.get_messages(setup, queue, 2)
    assert [(m[2], m[0].redelivered) for m in got] == [(b"m0", True),
                                                       (b"m1", True)]


def test_basic_recover_requeue_redelivers_unacked(conn, ch, amqp):
    queue = _fill(ch, amqp, 3)
    deliveries = []

    def on_message(channel, method, props, body):
        deliveries.append((body, method.redelivered, method.delivery_tag))

    ch.basic_consume(queue, on_message)
    assert amqp.wait_for(conn, lambda: len(deliveries) == 3)
    assert [d[1] for d in deliveries] == [False, False, False]
    ch.basic_recover(requeue=True)
    assert amqp.wait_for(conn, lambda: len(deliveries) == 6)
    again = deliveries[3:]
    assert sorted(d[0] for d in again) == [b"m0", b"m1", b"m2"]
    assert all(d[1] for d in again)
    # Redeliveries get fresh delivery tags; the old ones are void.
    assert min(d[2] for d in again) > max(d[2] for d in deliveries[:3])
    for d in again:
        ch.basic_ack(d[2])
    amqp.sync(ch)
    assert amqp.message_count(ch, queue) == 0


def test_basic_recover_requeue_for_basic_get(ch, amqp):
    queue = _fill(ch, amqp, 2)
    _get(ch, queue, 2)
    ch.basic_recover(requeue=True)
    assert _drain(ch, queue) == [(b"m0", True), (b"m1", True)]


def test_basic_recover_without_requeue_is_not_implemented(conn, ch, amqp):
    # RabbitMQ: connection.close 540 "NOT_IMPLEMENTED - requeue=false".
    amqp.expect_connection_error(
        conn, lambda: ch.basic_recover(requeue=False),
        pika.spec.NOT_IMPLEMENTED, "requeue=false")


# -- basic.qos ------------------------------------------------------------

def _consume_holding(ch, queue, sink):
    return ch.basic_consume(
        queue, lambda c, m, p, b: sink.append((m.delivery_tag, b)))


def test_prefetch_count_limits_unacked(conn, ch, amqp):
    queue = _fill(ch, amqp, 10)
    ch.basic_qos(prefetch_count=3)
    got = []
    _consume_holding(ch, queue, got)
    assert amqp.wait_for(conn, lambda: len(got) >= 3)
    assert not amqp.wait_for(conn, lambda: len(got) > 3, timeout=0.3)
    assert [b for _, b in got] == [b"m0", b"m1", b"m2"]

    ch.basic_ack(got[0][0])                      # one slot frees up
    assert amqp.wait_for(conn, lambda: len(got) >= 4)
    assert not amqp.wait_for(conn, lambda: len(got) > 4, timeout=0.3)

    ch.basic_ack(got[3][0], multiple=True)       # three slots free up
    assert amqp.wait_for(conn, lambda: len(got) >= 7)
    assert not amqp.wait_for(conn, lambda: len(got) > 7, timeout=0.3)
    assert [b for _, b in got] == [b"m%d" % i for i in range(7)]
    assert amqp.message_count(ch, queue) == 3


def test_prefetch_zero_is_unlimited(conn, ch, amqp):
    queue = _fill(ch, amqp, 20)
    ch.basic_qos(prefetch_count=0)
    got = []
    _consume_holding(ch, queue, got)
    assert amqp.wait_for(conn, lambda: len(got) == 20)


def test_prefetch_is_per_consumer_by_default(conn, ch, amqp):
    q1 = _fill(ch, amqp, 5, b"a")
    q2 = _fill(ch, amqp, 5, b"b")
    ch.basic_qos(prefetch_count=2)
    got1, got2 = [], []
    _consume_holding(ch, q1, got1)
    _consume_holding(ch, q2, got2)
    assert amqp.wait_for(conn, lambda: len(got1) == 2 and len(got2) == 2)
    assert not amqp.wait_for(conn, lambda: len(got1) + len(got2) > 4,
                             timeout=0.3)


def test_global_qos_is_shared_by_channel_consumers(conn, ch, amqp):
    # RabbitMQ reinterprets global=true as a limit shared by all consumers
    # on the channel.
    q1 = _fill(ch, amqp, 5, b"a")
    q2 = _fill(ch, amqp, 5, b"b")
    ch.basic_qos(prefetch_count=2, global_qos=True)
    got = []
    _consume_holding(ch, q1, got)
    _consume_holding(ch, q2, got)
    assert amqp.wait_for(conn, lambda: len(got) >= 2)
    assert not amqp.wait_for(conn, lambda: len(got) > 2, timeout=0.3)
    ch.basic_ack(got[0][0])
    assert amqp.wait_for(conn, lambda: len(got) >= 3)
    assert not amqp.wait_for(conn, lambda: len(got) > 3, timeout=0.3)


def test_qos_does_not_limit_no_ack_consumers(conn, ch, amqp):
    queue = _fill(ch, amqp, 10)
    ch.basic_qos(prefetch_count=1)
    got = amqp.consume(ch, queue, 10, auto_ack=True)
    assert len(got) == 10


def test_qos_does_not_limit_basic_get(ch, amqp):
    queue = _fill(ch, amqp, 3)
    ch.basic_qos(prefetch_count=1)
    assert len(_get(ch, queue, 3)) == 3


def test_prefetch_size_is_not_implemented(conn, ch, amqp):
    # RabbitMQ: connection.close 540 "NOT_IMPLEMENTED - prefetch_size!=0 (N)"
    amqp.expect_connection_error(
        conn, lambda: ch.basic_qos(prefetch_size=1000, prefetch_count=1),
        pika.spec.NOT_IMPLEMENTED, "prefetch_size!=0")


# -- basic.qos global=true: RabbitMQ's limiter ------------------------------

def test_global_qos_does_not_count_basic_get(conn, ch, amqp):
    # basic.get is not limited and its unacked messages take none of the channel's
    # capacity: a consumer on the same channel still gets the whole limit.
    pulled = _fill(ch, amqp, 3, b"g")
    consumed = _fill(ch, amqp, 5, b"c")
    ch.basic_qos(prefetch_count=2, global_qos=True)
    assert len(_get(ch, pulled, 3)) == 3
    got = []
    _consume_holding(ch, consumed, got)
    assert amqp.wait_for(conn, lambda: len(got) >= 2)
    assert not amqp.wait_for(conn, lambda: len(got) > 2, timeout=0.3)


def test_full_global_qos_holds_back_no_ack_consumers(conn, ch, amqp):
    limited = _fill(ch, amqp, 1, b"l")
    free = _fill(ch, amqp, 5, b"f")
    ch.basic_qos(prefetch_count=1, global_qos=True)
    held, no_ack = [], []
    _consume_holding(ch, limited, held)
    assert amqp.wait_for(conn, lambda: len(held) == 1)
    # The limit is full: a no-ack consumer on the channel gets nothing either...
    ch.basic_consume(free, lambda c, m, p, b: no_ack.append(b), auto_ack=True)
    assert not amqp.wait_for(conn, lambda: len(no_ack) > 0, timeout=0.5)
    # ...until the limit has room; its own deliveries never fill it.
    ch.basic_ack(held[0][0])
    assert amqp.wait_for(conn, lambda: len(no_ack) == 5)
    assert amqp.message_count(conn.channel(), free) == 0


def test_freed_global_capacity_is_shared_between_queues(conn, ch, amqp):
    # The first consumer's queue fills the whole limit; what acks free is then shared by
    # the channel's queues instead of going back to that queue alone (RabbitMQ resumes
    # every queue that waits for the limiter: 6/9/15 of 30 in one run against it).
    limit = 30
    queues = [_fill(ch, amqp, 2 * limit, b"%d-" % i) for i in range(3)]
    ch.basic_qos(prefetch_count=limit, global_qos=True)
    got = []
    for index, queue in enumerate(queues):
        ch.basic_consume(
            queue, lambda c, m, p, b, index=index: got.append((index, m.delivery_tag)))
    assert amqp.wait_for(conn, lambda: len(got) >= limit)
    assert not amqp.wait_for(conn, lambda: len(got) > limit, timeout=0.3)
    assert [index for index, _ in got] == [0] * limit
    ch.basic_ack(got[-1][1], multiple=True)
    assert amqp.wait_for(conn, lambda: len(got) >= 2 * limit)
    assert not amqp.wait_for(conn, lambda: len(got) > 2 * limit, timeout=0.3)
    shares = [sum(1 for index, _ in got[limit:] if index == q) for q in range(3)]
    assert sum(shares) == limit
    assert min(shares) >= 3, shares  # every queue took turns
