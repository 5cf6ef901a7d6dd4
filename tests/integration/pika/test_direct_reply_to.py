"""Direct reply-to: the amq.rabbitmq.reply-to pseudo-queue (RabbitMQ's rabbit_channel).

A requester consumes from amq.rabbitmq.reply-to with no-ack and publishes requests with
reply_to "amq.rabbitmq.reply-to"; the broker rewrites that into the channel's own address,
amq.rabbitmq.reply-to.<token>, and a reply published to the default exchange with the
address as routing key goes straight to the requester's consumer, without any queue.
"""

import time

import pika
import pika.exceptions
import pika.spec

REPLY_TO = "amq.rabbitmq.reply-to"


def _serve(amqp, queue, handled):
    """A server on its own connection: answers each request on ``queue`` with b"re:" + body
    to the request's reply_to, with its correlation id; returns its connection."""
    conn = amqp.connect()
    ch = conn.channel()

    def on_request(c, method, props, body):
        handled.append(props.reply_to)
        c.basic_publish("", props.reply_to, b"re:" + body,
                        pika.BasicProperties(correlation_id=props.correlation_id))
        c.basic_ack(method.delivery_tag)

    ch.basic_consume(queue, on_request)
    return conn


def test_rpc_round_trip(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    replies = []
    tag = ch.basic_consume(REPLY_TO, lambda c, m, p, b: replies.append((m, p, b)),
                           auto_ack=True)
    handled = []
    server = _serve(amqp, queue, handled)
    for i in range(3):
        ch.basic_publish("", queue, b"q%d" % i,
                         pika.BasicProperties(reply_to=REPLY_TO, correlation_id="c%d" % i))
    deadline = time.monotonic() + 5
    while len(replies) < 3 and time.monotonic() < deadline:
        server.process_data_events(time_limit=0.02)
        conn.process_data_events(time_limit=0.02)
    assert [(p.correlation_id, b) for _, p, b in replies] == [
        ("c0", b"re:q0"), ("c1", b"re:q1"), ("c2", b"re:q2")]
    # The server saw the channel's address, the same for every request of the channel.
    address = handled[0]
    assert address.startswith(REPLY_TO + ".") and len(address) > len(REPLY_TO) + 1
    assert handled == [address] * 3
    method = replies[0][0]
    assert method.consumer_tag == tag
    assert method.exchange == "" and method.routing_key == address
    assert method.redelivered is False
    # The pseudo-queue and the address can be declared (always passively) while the
    # consumer exists: no messages, one consumer.
    ok = ch.queue_declare(REPLY_TO)
    assert (ok.method.queue, ok.method.message_count, ok.method.consumer_count) == (
        REPLY_TO, 0, 1)
    # (From another channel: RabbitMQ 3.10 fails with 541 INTERNAL_ERROR when a channel
    # declares its own address.)
    ok = conn.channel().queue_declare(address, passive=True)
    assert (ok.method.queue, ok.method.consumer_count) == (address, 1)


def test_reply_consumer_must_be_no_ack(conn, ch, amqp):
    amqp.expect_channel_error(
        conn, ch, lambda: ch.basic_consume(REPLY_TO, lambda *a: None, auto_ack=False),
        pika.spec.PRECONDITION_FAILED,
        "PRECONDITION_FAILED - reply consumer cannot acknowledge")


def test_second_reply_consumer_is_refused(conn, ch, amqp):
    ch.basic_consume(REPLY_TO, lambda *a: None, auto_ack=True)
    amqp.expect_channel_error(
        conn, ch, lambda: ch.basic_consume(REPLY_TO, lambda *a: None, auto_ack=True),
        pika.spec.PRECONDITION_FAILED, "PRECONDITION_FAILED - reply consumer already set")


def test_publish_with_reply_to_needs_a_reply_consumer(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    amqp.expect_channel_error(
        conn, ch,
        lambda: ch.basic_publish("", queue, b"q", pika.BasicProperties(reply_to=REPLY_TO)),
        pika.spec.PRECONDITION_FAILED,
        "PRECONDITION_FAILED - fast reply consumer does not exist")
    assert amqp.message_count(conn.channel(), queue) == 0


def test_reply_consumer_is_per_channel(conn, ch, amqp):
    # Each channel has its own address; a channel without a reply consumer is refused.
    queue = amqp.declare_queue(ch)
    ch.basic_consume(REPLY_TO, lambda *a: None, auto_ack=True)
    other = conn.channel()
    other.basic_consume(REPLY_TO, lambda *a: None, auto_ack=True)
    for c in (ch, other):
        c.basic_publish("", queue, b"q", pika.BasicProperties(reply_to=REPLY_TO))
    got = amqp.get_messages(conn.channel(), queue, 2)
    addresses = [props.reply_to for _, props, _ in got]
    assert len(set(addresses)) == 2
    third = conn.channel()
    amqp.expect_channel_error(
        conn, third,
        lambda: third.basic_publish("", queue, b"q", pika.BasicProperties(reply_to=REPLY_TO)),
        pika.spec.PRECONDITION_FAILED, "fast reply consumer does not exist")


def test_cancelled_reply_consumer_gets_nothing_more(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    replies = []
    tag = ch.basic_consume(REPLY_TO, lambda c, m, p, b: replies.append(b), auto_ack=True)
    ch.basic_publish("", queue, b"q", pika.BasicProperties(reply_to=REPLY_TO))
    address = amqp.get_messages(ch, queue, 1)[0][1].reply_to
    replier = amqp.connect().channel()
    replier.confirm_delivery()
    replier.basic_publish("", address, b"first")
    assert amqp.wait_for(conn, lambda: replies == [b"first"])
    ch.basic_cancel(tag)
    # A reply to a gone consumer is dropped; the replier's channel is not affected.
    replier.basic_publish("", address, b"late")
    assert not amqp.wait_for(conn, lambda: len(replies) > 1, timeout=0.3)
    assert replier.is_open
    ok_code = amqp.passive_queue_declare_code(conn, address)
    assert ok_code == pika.spec.NOT_FOUND
    amqp.expect_channel_error(
        conn, ch,
        lambda: ch.basic_publish("", queue, b"q", pika.BasicProperties(reply_to=REPLY_TO)),
        pika.spec.PRECONDITION_FAILED, "fast reply consumer does not exist")


def test_reply_to_a_closed_channel_is_dropped(conn, amqp):
    requester = amqp.connect()
    rch = requester.channel()
    queue = amqp.declare_queue(rch)
    rch.basic_consume(REPLY_TO, lambda *a: None, auto_ack=True)
    rch.basic_publish("", queue, b"q", pika.BasicProperties(reply_to=REPLY_TO))
    address = amqp.get_messages(rch, queue, 1)[0][1].reply_to
    requester.close()
    replier = conn.channel()
    replier.confirm_delivery()
    replier.basic_publish("", address, b"nobody-listens")  # confirmed, routed nowhere
    assert amqp.passive_queue_declare_code(conn, address) == pika.spec.NOT_FOUND
    assert amqp.passive_queue_declare_code(conn, REPLY_TO + ".no-such-token") == \
        pika.spec.NOT_FOUND


def test_reply_consumer_tag_may_not_reuse_a_consumer_tag(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.basic_consume(queue, lambda *a: None, consumer_tag="taken")
    # pika refuses a duplicate tag locally: send the basic.consume on the wire.
    amqp.expect_connection_error(
        conn,
        lambda: ch._impl._send_method(pika.spec.Basic.Consume(
            queue=REPLY_TO, consumer_tag="taken", no_ack=True)),
        pika.spec.NOT_ALLOWED, "attempt to reuse consumer tag 'taken'")


def test_capability_is_announced(conn):
    caps = conn._impl.server_properties["capabilities"]
    assert caps.get("direct_reply_to") is True
