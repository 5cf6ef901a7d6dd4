"""Message TTL (x-message-ttl, the expiration property) and queue TTL (x-expires).

RabbitMQ 3.10 classic queues expire messages at the head of the queue: an expired message
leaves the queue (message_count drops) without anyone consuming, but one that expires behind a
message that has not expired yet stays counted until it reaches the head.
"""

import time

import pika
import pika.exceptions
import pika.spec
import pytest

PRECONDITION_FAILED = pika.spec.PRECONDITION_FAILED


def test_queue_ttl_expires_messages_without_consumer(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-message-ttl": 300})
    for i in range(3):
        ch.basic_publish("", queue, b"m%d" % i)
    assert amqp.message_count(ch, queue) == 3
    start = time.monotonic()
    # Nobody consumes: the count still drops once the TTL has passed.
    assert amqp.poll(lambda: amqp.message_count(ch, queue) == 0, timeout=3)
    assert time.monotonic() - start >= 0.1
    method, _, _ = ch.basic_get(queue, auto_ack=True)
    assert method is None


def test_expired_message_is_not_delivered(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-message-ttl": 100})
    ch.basic_publish("", queue, b"old")
    time.sleep(0.3)
    method, _, _ = ch.basic_get(queue, auto_ack=True)
    assert method is None
    got = []
    ch.basic_consume(queue, lambda c, m, p, b: got.append(b), auto_ack=True)
    amqp.pump(ch.connection, 0.2)
    assert got == []
    # A fresh message is still delivered.
    ch.basic_publish("", queue, b"new")
    assert amqp.wait_for(ch.connection, lambda: got == [b"new"], timeout=2)


def test_per_message_expiration(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"short", pika.BasicProperties(expiration="100"))
    ch.basic_publish("", queue, b"keep")
    assert amqp.message_count(ch, queue) == 2
    assert amqp.poll(lambda: amqp.message_count(ch, queue) == 1, timeout=3)
    method, props, body = ch.basic_get(queue, auto_ack=True)
    assert body == b"keep"
    assert props.expiration is None


def test_expiration_property_is_delivered_unchanged(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-message-ttl": 60000})
    ch.basic_publish("", queue, b"x", pika.BasicProperties(expiration="60000"))
    method, props, body = amqp.get_one(ch, queue)
    assert body == b"x"
    assert props.expiration == "60000"


def test_expired_message_behind_live_head_expires_only_at_the_head(ch, amqp):
    # RabbitMQ: "only when expired messages reach the head of a queue will they actually be
    # discarded". The short-lived message stays counted behind the long-lived head.
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"long", pika.BasicProperties(expiration="60000"))
    ch.basic_publish("", queue, b"short", pika.BasicProperties(expiration="100"))
    time.sleep(0.35)
    assert amqp.message_count(ch, queue) == 2
    method, props, body = ch.basic_get(queue, auto_ack=True)
    assert body == b"long"
    # Now at the head, the expired message is discarded rather than delivered; RabbitMQ does
    # that right after the fetch, so get-ok's message_count already leaves it out.
    assert method.message_count == 0
    method, _, _ = ch.basic_get(queue, auto_ack=True)
    assert method is None
    assert amqp.message_count(ch, queue) == 0


def test_message_expiration_shorter_than_queue_ttl_wins(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-message-ttl": 10000})
    ch.basic_publish("", queue, b"x", pika.BasicProperties(expiration="100"))
    assert amqp.message_count(ch, queue) == 1
    assert amqp.poll(lambda: amqp.message_count(ch, queue) == 0, timeout=3)


def test_queue_ttl_shorter_than_message_expiration_wins(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-message-ttl": 100})
    ch.basic_publish("", queue, b"x", pika.BasicProperties(expiration="10000"))
    assert amqp.message_count(ch, queue) == 1
    assert amqp.poll(lambda: amqp.message_count(ch, queue) == 0, timeout=3)


def test_expiration_zero_without_consumer_is_dropped(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"now-or-never", pika.BasicProperties(expiration="0"))
    assert amqp.message_count(ch, queue) == 0
    method, _, _ = ch.basic_get(queue, auto_ack=True)
    assert method is None


def test_expiration_zero_is_delivered_to_waiting_consumer(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch)
    got = []
    ch.basic_consume(queue, lambda c, m, p, b: got.append((b, p.expiration)),
                     auto_ack=True)
    ch.basic_publish("", queue, b"now", pika.BasicProperties(expiration="0"))
    assert amqp.wait_for(ch.connection, lambda: got, timeout=2)
    assert got == [(b"now", "0")]


def test_queue_ttl_zero(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-message-ttl": 0})
    ch.basic_publish("", queue, b"dropped")
    assert amqp.message_count(ch, queue) == 0
    got = []
    ch.basic_consume(queue, lambda c, m, p, b: got.append(b), auto_ack=True)
    ch.basic_publish("", queue, b"delivered")
    assert amqp.wait_for(ch.connection, lambda: got, timeout=2)
    assert got == [b"delivered"]


def test_requeued_message_keeps_its_original_deadline(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-message-ttl": 200})
    ch.basic_publish("", queue, b"late")
    method, _, _ = amqp.get_one(ch, queue, auto_ack=False)
    assert method is not None
    time.sleep(0.35)  # past the deadline while unacked: unacked messages do not expire
    ch.basic_reject(method.delivery_tag, requeue=True)
    amqp.sync(ch)
    # Back in the queue, it is already expired: dropped, never delivered again.
    assert amqp.poll(lambda: amqp.message_count(ch, queue) == 0, timeout=2)
    method, _, _ = ch.basic_get(queue, auto_ack=True)
    assert method is None


def test_unacked_message_does_not_expire(ch, amqp):
    # A delivered, unacked message is out of the queue: its TTL passing neither expires nor
    # dead-letters it, and its delivery tag stays valid.
    ch.confirm_delivery()
    dlx, dead = amqp.dead_letter_target(ch)
    queue = amqp.declare_queue(ch, arguments={"x-message-ttl": 100,
                                              "x-dead-letter-exchange": dlx})
    ch.basic_publish("", queue, b"held")
    method, _, body = amqp.get_one(ch, queue, auto_ack=False)
    assert body == b"held"
    time.sleep(0.3)
    assert amqp.message_count(ch, dead) == 0
    ch.basic_ack(method.delivery_tag)  # no 406 unknown delivery tag
    amqp.sync(ch)
    assert ch.is_open
    time.sleep(0.1)
    assert amqp.message_count(ch, dead) == 0


# -- x-expires ------------------------------------------------------------------------------

def test_x_expires_deletes_unused_queue(conn, ch, amqp):
    queue = amqp.declare_queue(ch, arguments={"x-expires": 200})
    assert amqp.queue_exists(conn, queue)
    time.sleep(0.5)  # no polling meanwhile: a passive declare counts as use
    exc = amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_declare(queue=queue, passive=True),
        pika.spec.NOT_FOUND)
    assert exc.reply_text == "NOT_FOUND - no queue '%s' in vhost '%s'" % (queue, amqp.vhost)


def test_x_expires_deletes_queue_with_messages(conn, ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-expires": 200})
    ch.basic_publish("", queue, b"lost with the queue")
    time.sleep(0.5)
    assert not amqp.queue_exists(conn, queue)


def test_x_expires_passive_declare_resets_the_timer(conn, ch, amqp):
    # RabbitMQ counts a passive queue.declare as use of the queue.
    queue = amqp.declare_queue(ch, arguments={"x-expires": 400})
    time.sleep(0.25)
    assert amqp.queue_exists(conn, queue)
    time.sleep(0.25)  # 500 ms after the declare, 250 ms after the passive declare
    assert amqp.queue_exists(conn, queue)
    time.sleep(0.7)
    assert not amqp.queue_exists(conn, queue)


def test_x_expires_queue_with_consumer_is_kept(conn, ch, amqp):
    queue = amqp.declare_queue(ch, arguments={"x-expires": 200})
    other = amqp.connect()
    consumer_ch = other.channel()
    consumer_ch.basic_consume(queue, lambda *a: None, auto_ack=True)
    amqp.pump(other, 0.6)
    assert amqp.queue_exists(conn, queue)
    consumer_ch.close()  # unused from now on
    time.sleep(0.5)
    assert not amqp.queue_exists(conn, queue)


# -- invalid values -------------------------------------------------------------------------

@pytest.mark.parametrize("arguments,arg,detail", [
    ({"x-message-ttl": -1}, "x-message-ttl", "{value_negative,-1}"),
    ({"x-message-ttl": "abc"}, "x-message-ttl", '"expected integer, got longstr"'),
    ({"x-expires": 0}, "x-expires", "{value_zero,0}"),
    ({"x-expires": -1}, "x-expires", "{value_negative,-1}"),
])
def test_invalid_ttl_arguments(conn, ch, amqp, arguments, arg, detail):
    queue = amqp.queue_name()
    exc = amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_declare(queue=queue, arguments=arguments),
        PRECONDITION_FAILED)
    assert exc.reply_text == amqp.invalid_arg_text(arg, queue, detail)
    assert not amqp.queue_exists(conn, queue)


@pytest.mark.parametrize("expiration,detail", [
    ("abc", "no_integer"),
    ("-1", "{value_negative,-1}"),
    ("1.5", '{leftover_string,".5"}'),
    ("", "no_integer"),
])
def test_invalid_expiration_closes_the_channel(conn, ch, amqp, expiration, detail):
    # RabbitMQ refuses the publish with channel.close 406; the connection stays usable and the
    # message is not enqueued.
    queue = amqp.declare_queue(ch)
    exc = amqp.expect_channel_error(
        conn, ch,
        lambda: ch.basic_publish("", queue, b"bad",
                                 pika.BasicProperties(expiration=expiration)),
        PRECONDITION_FAILED)
    assert exc.reply_text == ("PRECONDITION_FAILED - invalid expiration '%s': %s"
                              % (expiration, detail))
    assert amqp.message_count(conn.channel(), queue) == 0
