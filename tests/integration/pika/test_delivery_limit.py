"""x-delivery-limit and x-delivery-count, as RabbitMQ 3.10 quorum queues do them.

RabbitMQ 3.10 has both only for quorum queues (x-queue-type: quorum; durable, not exclusive,
not auto-delete), so these tests declare quorum queues. What 3.10 does:

* Every return of a delivered message to the queue counts: basic.nack / basic.reject with
  requeue=true, and a channel closing with the message unacked.
* Once a message has been returned more than x-delivery-limit times it is dead-lettered
  (reason ``delivery_limit``) or, without a dead-letter exchange, dropped. With limit 2 a
  message is delivered 3 times; with limit 0 once.
* x-delivery-count: to a consumer (basic.deliver), the first delivery has NO
  x-delivery-count header; redeliveries carry it as a long = the number of earlier returns
  (1, 2, ...). basic.get (basic.get-ok) carries it on every delivery, 0 on the first.
  Quorum queues add the header with or without a delivery limit. The dead-lettered copy does
  not carry x-delivery-count.
"""

import pika
import pika.compat
import pika.spec
import pytest


def _poison_consumer(conn, queue):
    """Consumes ``queue`` on a new channel of ``conn``, nacking (requeue=true) everything.
    Returns (channel, consumer tag, deliveries); deliveries fill up, as (redelivered flag,
    headers, expiration), while ``conn`` is pumped."""
    ch = conn.channel()
    got = []

    def on_message(channel, method, props, body):
        got.append((method.redelivered, props.headers, props.expiration))
        channel.basic_nack(method.delivery_tag, requeue=True)

    tag = ch.basic_consume(queue, on_message)
    return ch, tag, got


def test_poison_message_dead_lettered_after_limit(conn, ch, amqp):
    ch.confirm_delivery()
    dlx, dead = amqp.dead_letter_target(ch)
    queue = amqp.declare_quorum_queue(ch, arguments={"x-delivery-limit": 2,
                                                     "x-dead-letter-exchange": dlx})
    ch.basic_publish("", queue, b"poison", pika.BasicProperties(
        headers={"app": "x"}, expiration="60000", message_id="p-1"))
    consumer, tag, got = _poison_consumer(conn, queue)
    assert amqp.wait_for(conn, lambda: len(got) >= 3, timeout=5)
    method, props, body = amqp.get_one(ch, dead, timeout=5)
    assert body == b"poison"
    amqp.pump(conn, 0.2)
    consumer.basic_cancel(tag)
    # Delivered once, redelivered twice (= the limit), then dead-lettered on the third nack.
    assert [r for r, _, _ in got] == [False, True, True]
    assert got[0][1] == {"app": "x"}  # no x-delivery-count on the first delivery
    assert got[1][1] == {"app": "x", "x-delivery-count": 1}
    assert got[2][1] == {"app": "x", "x-delivery-count": 2}
    for _, headers, expiration in got[1:]:
        assert isinstance(headers["x-delivery-count"], pika.compat.long)
    assert all(e == "60000" for _, _, e in got)
    # The dead-lettered message.
    assert method.routing_key == queue
    assert props.message_id == "p-1"
    assert props.expiration is None
    assert set(props.headers) == {"app", "x-death", "x-first-death-reason",
                                  "x-first-death-queue", "x-first-death-exchange"}
    (entry,) = props.headers["x-death"]
    amqp.assert_x_death(entry, 1, "delivery_limit", queue, "", [queue],
                        original_expiration="60000")
    assert props.headers["x-first-death-reason"] == "delivery_limit"
    assert props.headers["x-first-death-queue"] == queue
    assert props.headers["x-first-death-exchange"] == ""
    assert amqp.message_count(ch, queue) == 0


def test_poison_message_dropped_without_dlx(conn, ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_quorum_queue(ch, arguments={"x-delivery-limit": 2})
    ch.basic_publish("", queue, b"poison")
    consumer, tag, got = _poison_consumer(conn, queue)
    assert amqp.wait_for(conn, lambda: len(got) >= 3, timeout=5)
    amqp.pump(conn, 0.4)  # a 4th delivery would arrive meanwhile
    consumer.basic_cancel(tag)
    assert len(got) == 3
    assert [h and h.get("x-delivery-count") for _, h, _ in got] == [None, 1, 2]
    assert amqp.message_count(ch, queue) == 0


def test_delivery_limit_zero_allows_one_delivery(ch, amqp):
    ch.confirm_delivery()
    dlx, dead = amqp.dead_letter_target(ch)
    queue = amqp.declare_quorum_queue(ch, arguments={"x-delivery-limit": 0,
                                                     "x-dead-letter-exchange": dlx})
    ch.basic_publish("", queue, b"once")
    method, _, _ = amqp.get_one(ch, queue, auto_ack=False)
    ch.basic_nack(method.delivery_tag, requeue=True)
    method, props, body = amqp.get_one(ch, dead)
    assert body == b"once"
    assert props.headers["x-death"][0]["reason"] == "delivery_limit"
    assert ch.basic_get(queue, auto_ack=True)[0] is None


def test_basic_get_carries_delivery_count_from_zero(ch, amqp):
    ch.confirm_delivery()
    dlx, dead = amqp.dead_letter_target(ch)
    queue = amqp.declare_quorum_queue(ch, arguments={"x-delivery-limit": 2,
                                                     "x-dead-letter-exchange": dlx})
    ch.basic_publish("", queue, b"g")
    counts = []
    for _ in range(3):
        method, props, _ = amqp.get_one(ch, queue, auto_ack=False)
        assert method is not None
        counts.append((method.redelivered, props.headers["x-delivery-count"]))
        assert isinstance(props.headers["x-delivery-count"], pika.compat.long)
        ch.basic_reject(method.delivery_tag, requeue=True)
    assert counts == [(False, 0), (True, 1), (True, 2)]
    method, props, _ = amqp.get_one(ch, dead)
    assert props.headers["x-death"][0]["reason"] == "delivery_limit"
    assert "x-delivery-count" not in props.headers
    assert ch.basic_get(queue, auto_ack=True)[0] is None


def test_channel_close_with_unacked_counts_as_a_delivery(conn, ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_quorum_queue(ch, arguments={"x-delivery-limit": 1})
    ch.basic_publish("", queue, b"held")
    counts = []
    for _ in range(2):
        holder = conn.channel()
        method, props, _ = amqp.get_one(holder, queue, auto_ack=False)
        assert method is not None
        counts.append(props.headers["x-delivery-count"])
        holder.close()  # returns the unacked message
    assert counts == [0, 1]
    # Returned twice > limit 1: dropped (no dead-letter exchange).
    assert amqp.poll(lambda: amqp.message_count(ch, queue) == 0, timeout=2)
    assert ch.basic_get(queue, auto_ack=True)[0] is None


def test_acked_message_is_not_affected(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_quorum_queue(ch, arguments={"x-delivery-limit": 1})
    for i in range(3):
        ch.basic_publish("", queue, b"m%d" % i)
    got = amqp.consume(ch, queue, 3)
    assert [b for _, _, b in got] == [b"m0", b"m1", b"m2"]
    assert all(p.headers is None for _, p, _ in got)
    assert amqp.message_count(ch, queue) == 0


def test_quorum_queue_without_limit_counts_deliveries(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_quorum_queue(ch)
    ch.basic_publish("", queue, b"again")
    counts = []
    for _ in range(4):
        method, props, _ = amqp.get_one(ch, queue, auto_ack=False)
        counts.append(props.headers["x-delivery-count"])
        ch.basic_nack(method.delivery_tag, requeue=True)
    assert counts == [0, 1, 2, 3]
    # No limit: still in the queue.
    assert amqp.poll(lambda: amqp.message_count(ch, queue) == 1, timeout=2)


def test_quorum_queue_must_be_durable(conn, ch, amqp):
    queue = amqp.queue_name()
    exc = amqp.expect_channel_error(
        conn, ch,
        lambda: ch.queue_declare(queue, arguments={"x-queue-type": "quorum",
                                                   "x-delivery-limit": 2}),
        pika.spec.PRECONDITION_FAILED)
    assert exc.reply_text == ("PRECONDITION_FAILED - invalid property 'non-durable' for queue "
                              "'%s' in vhost '%s'" % (queue, amqp.vhost))


# -- classic queues -------------------------------------------------------------------------

def test_classic_queue_delivery_limit_is_refused_by_rabbitmq(conn, ch, amqp):
    # RabbitMQ 3.10 does not ignore x-delivery-limit on a classic queue: it refuses the
    # declaration. PolyMQ deliberately accepts it (see the next test), so this runs only
    # against RabbitMQ, to record the reference behaviour.
    if not amqp.is_rabbitmq(conn):
        pytest.skip("PolyMQ accepts x-delivery-limit on classic queues (an extension)")
    queue = amqp.queue_name()
    exc = amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_declare(queue, arguments={"x-delivery-limit": 2}),
        pika.spec.PRECONDITION_FAILED)
    assert exc.reply_text == (
        "PRECONDITION_FAILED - invalid arg 'x-delivery-limit' for queue '%s' in vhost '%s' "
        "of queue type rabbit_classic_queue" % (queue, amqp.vhost))


def test_classic_queue_delivery_limit_polymq_extension(conn, ch, amqp):
    # PolyMQ extension: x-delivery-limit applies to classic queues too, with the quorum
    # queues' semantics (redeliveries carry x-delivery-count; dead-lettered with reason
    # delivery_limit after the limit). RabbitMQ 3.10 refuses the declaration (previous test),
    # so this test is skipped against RabbitMQ.
    if amqp.is_rabbitmq(conn):
        pytest.skip("RabbitMQ refuses x-delivery-limit on classic queues")
    ch.confirm_delivery()
    dlx, dead = amqp.dead_letter_target(ch)
    queue = amqp.declare_queue(ch, arguments={"x-delivery-limit": 2,
                                              "x-dead-letter-exchange": dlx})
    ch.basic_publish("", queue, b"poison")
    consumer, tag, got = _poison_consumer(conn, queue)
    assert amqp.wait_for(conn, lambda: len(got) >= 3, timeout=5)
    method, props, body = amqp.get_one(ch, dead, timeout=5)
    amqp.pump(conn, 0.2)
    consumer.basic_cancel(tag)
    assert body == b"poison"
    assert [r for r, _, _ in got] == [False, True, True]
    assert [(h or {}).get("x-delivery-count") for _, h, _ in got] == [None, 1, 2]
    (entry,) = props.headers["x-death"]
    amqp.assert_x_death(entry, 1, "delivery_limit", queue, "", [queue])
    assert amqp.message_count(ch, queue) == 0
