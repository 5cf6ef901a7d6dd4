"""Error handling: which faults close a channel vs. the whole connection.

Channel errors must leave the connection usable; connection errors close it.
Some cases send method frames directly because pika guards against them
on the client side.
"""

import pika
import pika.exceptions
import pika.spec
import pytest


def _one_unacked(ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"x")
    method = amqp.get_messages(ch, queue, 1, auto_ack=False)[0][0]
    return queue, method.delivery_tag


# -- channel errors ----------------------------------------------------------

@pytest.mark.parametrize("operation", ["ack", "nack", "reject"])
def test_unknown_delivery_tag(conn, ch, amqp, operation):
    func = {
        "ack": lambda: ch.basic_ack(42),
        "nack": lambda: ch.basic_nack(42),
        "reject": lambda: ch.basic_reject(42),
    }[operation]
    amqp.expect_channel_error(conn, ch, func, pika.spec.PRECONDITION_FAILED,
                              "PRECONDITION_FAILED - unknown delivery tag 42")


def test_double_ack(conn, ch, amqp):
    _, tag = _one_unacked(ch, amqp)
    amqp.expect_channel_error(
        conn, ch, lambda: (ch.basic_ack(tag), ch.basic_ack(tag)),
        pika.spec.PRECONDITION_FAILED, "unknown delivery tag %d" % tag)


def test_ack_of_auto_acked_delivery(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"x")
    method = amqp.get_messages(ch, queue, 1, auto_ack=True)[0][0]
    amqp.expect_channel_error(
        conn, ch, lambda: ch.basic_ack(method.delivery_tag),
        pika.spec.PRECONDITION_FAILED, "unknown delivery tag")


def test_ack_tag_zero_without_multiple(conn, ch, amqp):
    amqp.expect_channel_error(
        conn, ch, lambda: ch.basic_ack(0),
        pika.spec.PRECONDITION_FAILED, "unknown delivery tag 0")


def test_ack_on_other_channel(conn, ch, amqp):
    queue, tag = _one_unacked(ch, amqp)
    other = conn.channel()
    amqp.expect_channel_error(
        conn, other, lambda: other.basic_ack(tag),
        pika.spec.PRECONDITION_FAILED, "unknown delivery tag")
    # The original channel still holds the delivery and can ack it.
    ch.basic_ack(tag)
    amqp.sync(ch)
    ch.close()
    assert amqp.message_count(conn.channel(), queue) == 0


def test_channel_error_requeues_unacked(conn, ch, amqp):
    queue, _ = _one_unacked(ch, amqp)
    amqp.expect_channel_error(conn, ch, lambda: ch.basic_ack(999),
                              pika.spec.PRECONDITION_FAILED)
    got = amqp.get_messages(conn.channel(), queue, 1)
    assert got[0][2] == b"x" and got[0][0].redelivered is True


def test_channel_error_keeps_other_channels_and_consumers(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    got = []
    consumer = conn.channel()
    consumer.basic_consume(queue, lambda c, m, p, b: got.append(b),
                           auto_ack=True)
    amqp.expect_channel_error(conn, ch, lambda: ch.basic_ack(7),
                              pika.spec.PRECONDITION_FAILED)
    publisher = conn.channel()
    publisher.basic_publish("", queue, b"after-error")
    assert amqp.wait_for(conn, lambda: got == [b"after-error"])


def test_closed_channel_number_can_be_reused(conn, ch, amqp):
    number = ch.channel_number
    amqp.expect_channel_error(conn, ch, lambda: ch.basic_ack(3),
                              pika.spec.PRECONDITION_FAILED)
    again = conn.channel(channel_number=number)
    amqp.sync(again)
    assert again.is_open


# -- connection errors --------------------------------------------------------

def test_duplicate_consumer_tag_on_same_channel(conn, ch, amqp):
    # pika refuses duplicates locally (DuplicateConsumerTag), so send the
    # second basic.consume on the wire.
    queue = amqp.declare_queue(ch)
    ch.basic_consume(queue, lambda *a: None, consumer_tag="dup-tag")
    with pytest.raises(pika.exceptions.DuplicateConsumerTag):
        ch.basic_consume(queue, lambda *a: None, consumer_tag="dup-tag")
    amqp.expect_connection_error(
        conn,
        lambda: ch._impl._send_method(pika.spec.Basic.Consume(
            queue=queue, consumer_tag="dup-tag")),
        pika.spec.NOT_ALLOWED, "attempt to reuse consumer tag 'dup-tag'")
    # A new connection works fine afterwards.
    amqp.assert_connection_usable(amqp.connect())


def test_frame_larger_than_frame_max(amqp):
    conn = amqp.connect(frame_max=pika.spec.FRAME_MIN_SIZE)
    ch = conn.channel()
    queue = ch.queue_declare("", exclusive=True).method.queue
    # Make pika emit body frames bigger than the negotiated frame_max.
    conn._impl._body_max_length = 20000
    amqp.expect_connection_error(
        conn, lambda: ch.basic_publish("", queue, b"x" * 30000),
        pika.spec.FRAME_ERROR, "FRAME_ERROR")


def test_method_on_unopened_channel(amqp):
    conn = amqp.connect()
    amqp.expect_connection_error(
        conn,
        lambda: conn._impl._send_method(
            77, pika.spec.Queue.Declare(queue="", exclusive=True)),
        pika.spec.CHANNEL_ERROR, "expected 'channel.open'")


def test_second_channel_open_on_open_channel(conn, ch, amqp):
    amqp.expect_connection_error(
        conn,
        lambda: conn._impl._send_method(ch.channel_number,
                                        pika.spec.Channel.Open()),
        pika.spec.CHANNEL_ERROR, "second 'channel.open' seen")
