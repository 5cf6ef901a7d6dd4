"""Transactions (tx.select / tx.commit / tx.rollback)."""

import pika
import pika.spec


def test_publish_visible_only_after_commit(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.tx_select()
    ch.basic_publish("", queue, b"t1")
    ch.basic_publish("", queue, b"t2")
    observer = conn.channel()
    assert amqp.message_count(observer, queue) == 0
    ch.tx_commit()
    assert amqp.message_count(observer, queue) == 2
    got = amqp.get_messages(observer, queue, 2)
    assert [m[2] for m in got] == [b"t1", b"t2"]


def test_rollback_discards_publishes(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.tx_select()
    ch.basic_publish("", queue, b"gone")
    ch.tx_rollback()
    ch.basic_publish("", queue, b"kept")
    ch.tx_commit()
    got = amqp.get_messages(conn.channel(), queue, 1)
    assert [m[2] for m in got] == [b"kept"]
    assert amqp.message_count(ch, queue) == 0


def test_acks_apply_on_commit_and_rollback_discards_them(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.confirm_delivery()
    ch.basic_publish("", queue, b"a")
    ch.basic_publish("", queue, b"b")
    tx = conn.channel()
    tx.tx_select()
    first = amqp.get_messages(tx, queue, 2, auto_ack=False)
    tx.basic_ack(first[0][0].delivery_tag)
    tx.tx_commit()                         # "a" is gone for good
    tx.basic_ack(first[1][0].delivery_tag)
    tx.tx_rollback()                       # ack of "b" discarded
    tx.close()                             # "b" still unacked -> requeued
    got = amqp.get_messages(conn.channel(), queue, 1)
    assert got[0][2] == b"b" and got[0][0].redelivered is True
    assert amqp.message_count(ch, queue) == 0


def test_commit_without_select(conn, ch, amqp):
    amqp.expect_channel_error(conn, ch, ch.tx_commit,
                              pika.spec.PRECONDITION_FAILED,
                              "channel is not transactional")


def test_rollback_without_select(conn, ch, amqp):
    amqp.expect_channel_error(conn, ch, ch.tx_rollback,
                              pika.spec.PRECONDITION_FAILED,
                              "channel is not transactional")


def test_tx_then_confirm_is_refused(conn, ch, amqp):
    ch.tx_select()
    amqp.expect_channel_error(conn, ch, ch.confirm_delivery,
                              pika.spec.PRECONDITION_FAILED,
                              "cannot switch from tx to confirm mode")


def test_confirm_then_tx_is_refused(conn, ch, amqp):
    ch.confirm_delivery()
    amqp.expect_channel_error(conn, ch, ch.tx_select,
                              pika.spec.PRECONDITION_FAILED,
                              "cannot switch from confirm to tx mode")


def test_uncommitted_ack_settles_the_tag_for_the_channel(conn, ch, amqp):
    # RabbitMQ removes an acked tag from the channel's unacked set at once, even before
    # the commit: a recover does not redeliver it and a second ack is an unknown tag.
    queue = amqp.declare_queue(ch)
    for body in (b"a", b"b"):
        ch.basic_publish("", queue, body)
    ch.tx_select()
    got = amqp.get_messages(ch, queue, 2, auto_ack=False)
    assert [m[2] for m in got] == [b"a", b"b"]
    ch.basic_ack(got[0][0].delivery_tag)
    ch.basic_recover(requeue=True)  # returns only "b"
    observer = conn.channel()
    assert amqp.message_count(observer, queue) == 1
    again = amqp.get_messages(observer, queue, 1)
    assert again[0][2] == b"b" and again[0][0].redelivered is True
    tag = got[0][0].delivery_tag
    amqp.expect_channel_error(
        conn, ch, lambda: ch.basic_ack(tag),
        pika.spec.PRECONDITION_FAILED, "unknown delivery tag %d" % tag)
    # The channel closed before the commit: "a" goes back to the queue.
    assert amqp.get_messages(conn.channel(), queue, 1)[0][2] == b"a"


def test_rollback_returns_acked_tags_to_the_channel(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    for body in (b"a", b"b", b"c"):
        ch.basic_publish("", queue, body)
    ch.tx_select()
    got = amqp.get_messages(ch, queue, 3, auto_ack=False)
    ch.basic_ack(got[1][0].delivery_tag, multiple=True)  # a and b
    ch.tx_rollback()
    # Unacked again, in tag order: an ack of a rolled-back tag is valid and commits.
    ch.basic_ack(got[0][0].delivery_tag)
    ch.tx_commit()
    ch.basic_recover(requeue=True)  # b and c go back, b first
    observer = conn.channel()
    assert amqp.drain_bodies(observer, queue) == [b"b", b"c"]
