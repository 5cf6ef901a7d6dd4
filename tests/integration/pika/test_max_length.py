"""Queue length limits: x-max-length, x-max-length-bytes and x-overflow.

RabbitMQ 3.10 (classic queues):

* Only ready messages count (unacked ones do not). The limit is enforced when a message is
  enqueued, including a requeued one.
* drop-head (default): the new message is enqueued, then the oldest messages are dropped (or
  dead-lettered with reason ``maxlen``) until the queue is within the limit. With
  x-max-length-bytes (body bytes) a message larger than the limit pushes out everything,
  itself included.
* reject-publish: a publish to a full queue is refused: basic.nack to a confirming publisher
  (pika's BlockingChannel raises NackError), silently dropped otherwise; nothing is
  dead-lettered.
* reject-publish-dlx: refused the same way (nack) AND dead-lettered with reason ``maxlen``.
* x-max-length 0: every message is dropped (drop-head) or refused (reject-publish).
"""

import time

import pika
import pika.exceptions
import pika.spec
import pytest


def _publish_confirmed(ch, queue, body, props=None):
    """Publishes with confirms (the channel is in confirm mode); True if acked."""
    try:
        ch.basic_publish("", queue, body, props)
        return True
    except pika.exceptions.NackError:
        return False


def test_max_length_drop_head(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-length": 3})
    for i in range(5):
        assert _publish_confirmed(ch, queue, b"m%d" % i)  # drop-head never nacks
    assert amqp.message_count(ch, queue) == 3
    assert amqp.drain_bodies(ch, queue) == [b"m2", b"m3", b"m4"]


def test_max_length_drop_head_explicit_dead_letters_oldest(ch, amqp):
    ch.confirm_delivery()
    dlx, dead = amqp.dead_letter_target(ch)
    queue = amqp.declare_queue(ch, arguments={"x-max-length": 2, "x-overflow": "drop-head",
                                              "x-dead-letter-exchange": dlx})
    for i in range(4):
        ch.basic_publish("", queue, b"m%d" % i)
    got = amqp.get_messages(ch, dead, 2)
    assert [b for _, _, b in got] == [b"m0", b"m1"]
    for method, props, _ in got:
        (entry,) = props.headers["x-death"]
        amqp.assert_x_death(entry, 1, "maxlen", queue, "", [queue])
        assert props.headers["x-first-death-reason"] == "maxlen"
        assert method.routing_key == queue
    assert amqp.drain_bodies(ch, queue) == [b"m2", b"m3"]


def test_max_length_bytes_drop_head(ch, amqp):
    ch.confirm_delivery()
    dlx, dead = amqp.dead_letter_target(ch)
    queue = amqp.declare_queue(ch, arguments={"x-max-length-bytes": 10,
                                              "x-dead-letter-exchange": dlx})
    for body in (b"aaaa", b"bbbb", b"cccc"):  # 12 bytes > 10: aaaa goes
        ch.basic_publish("", queue, body)
    assert amqp.message_count(ch, queue) == 2
    assert [b for _, _, b in amqp.get_messages(ch, dead, 1)] == [b"aaaa"]
    # Body bytes only: properties and headers do not count.
    ch.basic_publish("", queue, b"dd", pika.BasicProperties(headers={"big": "x" * 500}))
    assert amqp.message_count(ch, queue) == 3
    # A body larger than the limit pushes out everything, itself included.
    ch.basic_publish("", queue, b"e" * 11)
    assert amqp.message_count(ch, queue) == 0
    got = amqp.get_messages(ch, dead, 4)
    assert [b for _, _, b in got] == [b"bbbb", b"cccc", b"dd", b"e" * 11]
    assert all(p.headers["x-death"][0]["reason"] == "maxlen" for _, p, _ in got)


def test_max_length_and_bytes_together(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-length": 3, "x-max-length-bytes": 8})
    for body in (b"a", b"b", b"c", b"d"):  # count limit
        ch.basic_publish("", queue, body)
    assert amqp.message_count(ch, queue) == 3
    # b c d + 7 bytes = 10 > 8: b and c go; d + eeeeeee = 8 bytes is within the limit.
    ch.basic_publish("", queue, b"eeeeeee")
    assert amqp.drain_bodies(ch, queue) == [b"d", b"eeeeeee"]


def test_unacked_messages_do_not_count(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-length": 2})
    ch.basic_publish("", queue, b"m0")
    ch.basic_publish("", queue, b"m1")
    method, _, body = amqp.get_one(ch, queue, auto_ack=False)
    assert body == b"m0"
    ch.basic_publish("", queue, b"m2")  # 2 ready + 1 unacked: nothing dropped
    assert amqp.message_count(ch, queue) == 2
    # The requeued message returns to the head and the limit applies: it is the oldest, it
    # is dropped.
    ch.basic_reject(method.delivery_tag, requeue=True)
    amqp.sync(ch)
    assert amqp.drain_bodies(ch, queue) == [b"m1", b"m2"]


def test_reject_publish_nacks_and_does_not_enqueue(ch, amqp):
    ch.confirm_delivery()
    dlx, dead = amqp.dead_letter_target(ch)
    queue = amqp.declare_queue(ch, arguments={"x-max-length": 2,
                                              "x-overflow": "reject-publish",
                                              "x-dead-letter-exchange": dlx})
    assert _publish_confirmed(ch, queue, b"m0")
    assert _publish_confirmed(ch, queue, b"m1")
    with pytest.raises(pika.exceptions.NackError):
        ch.basic_publish("", queue, b"m2")
    assert not _publish_confirmed(ch, queue, b"m3")
    assert ch.is_open
    assert amqp.message_count(ch, queue) == 2
    time.sleep(0.1)
    assert amqp.message_count(ch, dead) == 0  # reject-publish does not dead-letter
    # Room again once a message has gone.
    assert ch.basic_get(queue, auto_ack=True)[2] == b"m0"
    assert _publish_confirmed(ch, queue, b"m4")
    assert amqp.drain_bodies(ch, queue) == [b"m1", b"m4"]


def test_reject_publish_without_confirms_drops_silently(ch, amqp):
    queue = amqp.declare_queue(ch, arguments={"x-max-length": 1,
                                              "x-overflow": "reject-publish"})
    ch.basic_publish("", queue, b"kept")
    ch.basic_publish("", queue, b"dropped")
    amqp.sync(ch)
    assert ch.is_open
    assert amqp.poll(lambda: amqp.message_count(ch, queue) == 1, timeout=1)
    assert amqp.drain_bodies(ch, queue) == [b"kept"]


def test_reject_publish_mandatory_is_not_returned(ch, amqp):
    # A refused publish is nacked, not returned: the message was routed to a queue.
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-length": 1,
                                              "x-overflow": "reject-publish"})
    ch.basic_publish("", queue, b"kept", mandatory=True)
    with pytest.raises(pika.exceptions.NackError):
        ch.basic_publish("", queue, b"refused", mandatory=True)


def test_reject_publish_nack_only_for_the_full_queue(ch, amqp):
    # Routed to a full queue and to one with room: RabbitMQ nacks the publish (one of the
    # queues refused it) but the other queue still gets its copy.
    ch.confirm_delivery()
    fanout = amqp.declare_exchange(ch, "fanout")
    full = amqp.declare_queue(ch, arguments={"x-max-length": 1,
                                             "x-overflow": "reject-publish"})
    roomy = amqp.declare_queue(ch)
    ch.queue_bind(full, fanout)
    ch.queue_bind(roomy, fanout)
    ch.basic_publish(fanout, "", b"first")
    with pytest.raises(pika.exceptions.NackError):
        ch.basic_publish(fanout, "", b"second")
    assert amqp.drain_bodies(ch, full) == [b"first"]
    assert amqp.drain_bodies(ch, roomy) == [b"first", b"second"]


def test_reject_publish_dlx_nacks_and_dead_letters(ch, amqp):
    ch.confirm_delivery()
    dlx, dead = amqp.dead_letter_target(ch)
    queue = amqp.declare_queue(ch, arguments={"x-max-length": 2,
                                              "x-overflow": "reject-publish-dlx",
                                              "x-dead-letter-exchange": dlx})
    assert _publish_confirmed(ch, queue, b"m0")
    assert _publish_confirmed(ch, queue, b"m1")
    assert not _publish_confirmed(ch, queue, b"m2", pika.BasicProperties(expiration="60000"))
    assert not _publish_confirmed(ch, queue, b"m3")
    assert amqp.message_count(ch, queue) == 2
    got = amqp.get_messages(ch, dead, 2)
    assert [b for _, _, b in got] == [b"m2", b"m3"]
    method, props, _ = got[0]
    assert method.routing_key == queue
    assert props.expiration is None
    (entry,) = props.headers["x-death"]
    amqp.assert_x_death(entry, 1, "maxlen", queue, "", [queue], original_expiration="60000")
    assert props.headers["x-first-death-reason"] == "maxlen"
    assert props.headers["x-first-death-queue"] == queue
    # The queue kept the old messages.
    assert amqp.drain_bodies(ch, queue) == [b"m0", b"m1"]


def test_max_length_zero_drop_head(ch, amqp):
    ch.confirm_delivery()
    dlx, dead = amqp.dead_letter_target(ch)
    queue = amqp.declare_queue(ch, arguments={"x-max-length": 0,
                                              "x-dead-letter-exchange": dlx})
    assert _publish_confirmed(ch, queue, b"z")
    assert amqp.message_count(ch, queue) == 0
    method, props, body = amqp.get_one(ch, dead)
    assert body == b"z"
    assert props.headers["x-death"][0]["reason"] == "maxlen"


def test_max_length_zero_reject_publish(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-length": 0,
                                              "x-overflow": "reject-publish"})
    assert not _publish_confirmed(ch, queue, b"z")
    assert amqp.message_count(ch, queue) == 0


def test_max_length_zero_delivers_to_waiting_consumer(ch, amqp):
    # A consumer with credit takes the message before it is enqueued.
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-max-length": 0})
    got = []
    ch.basic_consume(queue, lambda c, m, p, b: got.append(b), auto_ack=True)
    ch.basic_publish("", queue, b"direct")
    assert amqp.wait_for(ch.connection, lambda: got, timeout=2)
    assert got == [b"direct"]


@pytest.mark.parametrize("arguments,arg,detail", [
    ({"x-overflow": "bogus"}, "x-overflow", "invalid_overflow"),
    ({"x-max-length": -1}, "x-max-length", "{value_negative,-1}"),
    ({"x-max-length-bytes": -1}, "x-max-length-bytes", "{value_negative,-1}"),
    ({"x-max-length": "ten"}, "x-max-length", '"expected integer, got longstr"'),
])
def test_invalid_length_arguments(conn, ch, amqp, arguments, arg, detail):
    queue = amqp.queue_name()
    exc = amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_declare(queue, arguments=arguments),
        pika.spec.PRECONDITION_FAILED)
    assert exc.reply_text == amqp.invalid_arg_text(arg, queue, detail)
