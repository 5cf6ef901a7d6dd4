"""basic.publish / get / consume / cancel / return."""

import pika
import pika.exceptions
import pika.spec


# -- basic.return ----------------------------------------------------------

def test_mandatory_unroutable_is_returned(conn, ch, amqp):
    exchange = amqp.declare_exchange(ch, "direct")
    returned = []
    ch.add_on_return_callback(
        lambda channel, method, props, body: returned.append(
            (method, props, body)))
    props = pika.BasicProperties(message_id="ret-1", headers={"k": "v"})
    ch.basic_publish(exchange, "no-such-key", b"bounce", props,
                     mandatory=True)
    assert amqp.wait_for(conn, lambda: returned)
    method, got_props, body = returned[0]
    assert isinstance(method, pika.spec.Basic.Return)
    assert method.reply_code == pika.spec.NO_ROUTE
    assert method.reply_text == "NO_ROUTE"
    assert method.exchange == exchange
    assert method.routing_key == "no-such-key"
    assert body == b"bounce"
    assert got_props.message_id == "ret-1"
    assert got_props.headers == {"k": "v"}
    assert ch.is_open


def test_mandatory_to_default_exchange_missing_queue_is_returned(conn, ch,
                                                                   amqp):
    returned = []
    ch.add_on_return_callback(lambda c, m, p, b: returned.append((m, b)))
    missing = amqp.queue_name()
    ch.basic_publish("", missing, b"nobody", mandatory=True)
    assert amqp.wait_for(conn, lambda: returned)
    method, body = returned[0]
    assert method.reply_code == pika.spec.NO_ROUTE
    assert method.exchange == ""
    assert method.routing_key == missing
    assert body == b"nobody"


def test_non_mandatory_unroutable_is_dropped_silently(conn, ch, amqp):
    exchange = amqp.declare_exchange(ch, "direct")
    returned = []
    ch.add_on_return_callback(lambda *a: returned.append(a))
    ch.basic_publish(exchange, "no-such-key", b"dropped")
    amqp.sync(ch)
    assert not amqp.wait_for(conn, lambda: returned, timeout=0.3)
    assert ch.is_open


def test_mandatory_routed_is_not_returned(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    returned = []
    ch.add_on_return_callback(lambda *a: returned.append(a))
    ch.basic_publish("", queue, b"routed", mandatory=True)
    assert amqp.get_messages(ch, queue, 1)[0][2] == b"routed"
    assert not amqp.wait_for(conn, lambda: returned, timeout=0.2)


def test_immediate_flag_is_not_implemented(conn, ch, amqp):
    # pika has no 'immediate' argument; send the method frame directly.
    queue = amqp.declare_queue(ch)
    method = pika.spec.Basic.Publish(exchange="", routing_key=queue,
                                     immediate=True)
    amqp.expect_connection_error(
        conn,
        lambda: ch._impl._send_method(
            method, content=(pika.BasicProperties(), b"now")),
        pika.spec.NOT_IMPLEMENTED, "immediate=true")


# -- basic.get -------------------------------------------------------------

def test_basic_get_and_get_empty(ch, amqp):
    queue = amqp.declare_queue(ch)
    assert ch.basic_get(queue) == (None, None, None)   # get-empty
    ch.confirm_delivery()
    for i in range(3):
        ch.basic_publish("", queue, b"g%d" % i,
                         pika.BasicProperties(correlation_id=str(i)))
    for i in range(3):
        method, props, body = ch.basic_get(queue, auto_ack=True)
        assert isinstance(method, pika.spec.Basic.GetOk)
        assert body == b"g%d" % i
        assert props.correlation_id == str(i)
        assert method.message_count == 2 - i     # messages still ready
        assert method.exchange == ""
        assert method.routing_key == queue
        assert method.redelivered is False
    assert ch.basic_get(queue) == (None, None, None)


def test_basic_get_reports_exchange_and_routing_key(ch, amqp):
    ch.confirm_delivery()
    exchange = amqp.declare_exchange(ch, "topic")
    queue = amqp.declare_queue(ch)
    ch.queue_bind(queue, exchange, routing_key="a.*")
    ch.basic_publish(exchange, "a.b", b"topic")
    method, _, body = ch.basic_get(queue, auto_ack=True)
    assert body == b"topic"
    assert method.exchange == exchange
    assert method.routing_key == "a.b"


def test_delivery_tags_are_per_channel_and_sequential(conn, ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch)
    for i in range(4):
        ch.basic_publish("", queue, b"t%d" % i)
    tags = [ch.basic_get(queue, auto_ack=False)[0].delivery_tag
            for _ in range(2)]
    assert tags == [1, 2]
    other = conn.channel()
    assert other.basic_get(queue, auto_ack=True)[0].delivery_tag == 1
    # Consumer deliveries continue the channel's sequence.
    got = amqp.consume(ch, queue, 1)
    assert got[0][0].delivery_tag == 3


def test_basic_get_auto_ack_removes_message(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"once")
    assert amqp.get_messages(ch, queue, 1, auto_ack=True)[0][2] == b"once"
    ch.close()
    ch2 = conn.channel()
    assert ch2.basic_get(queue) == (None, None, None)


# -- consumers ------------------------------------------------------------

def test_no_ack_consumer(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    for i in range(5):
        ch.basic_publish("", queue, b"n%d" % i)
    consumer = conn.channel()
    got = amqp.consume(consumer, queue, 5, auto_ack=True)
    assert [m[2] for m in got] == [b"n%d" % i for i in range(5)]
    consumer.close()     # nothing to requeue
    assert amqp.message_count(ch, queue) == 0


def test_consumer_cancel_by_client(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    got = []
    tag = ch.basic_consume(queue, lambda c, m, p, b: got.append(b),
                           auto_ack=True)
    assert tag in ch.consumer_tags
    ch.basic_publish("", queue, b"before")
    assert amqp.wait_for(conn, lambda: got == [b"before"])
    ch.basic_cancel(tag)
    assert tag not in ch.consumer_tags
    ch.confirm_delivery()
    ch.basic_publish("", queue, b"after")
    assert not amqp.wait_for(conn, lambda: len(got) > 1, timeout=0.3)
    assert amqp.message_count(ch, queue) == 1
    assert ch.queue_declare(queue, passive=True).method.consumer_count == 0


def test_ack_after_cancel_is_allowed(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"held")
    held = []
    tag = ch.basic_consume(queue, lambda c, m, p, b: held.append(m))
    assert amqp.wait_for(conn, lambda: held)
    ch.basic_cancel(tag)
    # Still unacked (not ready) after the cancel.
    assert amqp.message_count(ch, queue) == 0
    ch.basic_ack(held[0].delivery_tag)
    amqp.sync(ch)
    ch.close()
    check = conn.channel()
    assert amqp.message_count(check, queue) == 0


def test_server_cancels_consumer_when_queue_deleted(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    cancels = []
    ch.add_on_cancel_callback(lambda frame: cancels.append(frame.method))
    tag = ch.basic_consume(queue, lambda *a: None)
    other = conn.channel()
    other.queue_delete(queue)
    assert amqp.wait_for(conn, lambda: cancels)
    assert isinstance(cancels[0], pika.spec.Basic.Cancel)
    assert cancels[0].consumer_tag == tag
    assert tag not in ch.consumer_tags
    # Channel stays usable after a server-side cancel.
    assert ch.is_open
    amqp.sync(ch)


def test_server_cancel_from_other_connection_delete(amqp):
    conn = amqp.connect()
    ch = conn.channel()
    queue = amqp.declare_queue(ch)
    cancels = []
    ch.add_on_cancel_callback(lambda frame: cancels.append(frame.method))
    tag = ch.basic_consume(queue, lambda *a: None, auto_ack=True)
    amqp.connect().channel().queue_delete(queue)
    assert amqp.wait_for(conn, lambda: cancels)
    assert cancels[0].consumer_tag == tag


def test_server_generated_consumer_tag(conn, ch, amqp):
    # pika always generates a tag itself; send basic.consume with an empty
    # tag on the wire to have the broker pick one.
    queue = amqp.declare_queue(ch)
    replies = []
    ch._impl._rpc(pika.spec.Basic.Consume(queue=queue, consumer_tag=""),
                  lambda frame: replies.append(frame.method),
                  [pika.spec.Basic.ConsumeOk])
    assert amqp.wait_for(conn, lambda: replies)
    tag = replies[0].consumer_tag
    assert tag.startswith("amq.ctag-")
    assert len(tag) > len("amq.ctag-")
    assert ch.queue_declare(queue, passive=True).method.consumer_count == 1


def test_consumer_tag_reuse_on_another_channel_is_ok(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.basic_consume(queue, lambda *a: None, consumer_tag="shared-tag")
    other = conn.channel()
    other.basic_consume(queue, lambda *a: None, consumer_tag="shared-tag")
    assert ch.queue_declare(queue, passive=True).method.consumer_count == 2


def test_cancel_unknown_consumer_tag_is_ok(conn, ch, amqp):
    # pika short-circuits unknown tags; send basic.cancel on the wire.
    replies = []
    ch._impl._rpc(pika.spec.Basic.Cancel(consumer_tag="no-such-consumer"),
                  lambda frame: replies.append(frame.method),
                  [pika.spec.Basic.CancelOk])
    assert amqp.wait_for(conn, lambda: replies)
    assert replies[0].consumer_tag == "no-such-consumer"
    assert ch.is_open


def test_exclusive_consumer_blocks_other_consumers(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.basic_consume(queue, lambda *a: None, exclusive=True)
    other = conn.channel()
    amqp.expect_channel_error(
        conn, other, lambda: other.basic_consume(queue, lambda *a: None),
        pika.spec.ACCESS_REFUSED, "in exclusive use")
    assert ch.is_open


def test_exclusive_consumer_refused_when_queue_has_consumers(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.basic_consume(queue, lambda *a: None)
    other = conn.channel()
    amqp.expect_channel_error(
        conn, other,
        lambda: other.basic_consume(queue, lambda *a: None, exclusive=True),
        pika.spec.ACCESS_REFUSED, "in exclusive use")


def test_exclusive_consumer_released_after_cancel(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    tag = ch.basic_consume(queue, lambda *a: None, exclusive=True)
    ch.basic_cancel(tag)
    other = conn.channel()
    other.basic_consume(queue, lambda *a: None)
    assert other.queue_declare(queue,
                               passive=True).method.consumer_count == 1


def test_consume_from_missing_queue(conn, ch, amqp):
    missing = amqp.queue_name()
    amqp.expect_channel_error(
        conn, ch, lambda: ch.basic_consume(missing, lambda *a: None),
        pika.spec.NOT_FOUND, "no queue")


def test_get_from_missing_queue(conn, ch, amqp):
    missing = amqp.queue_name()
    amqp.expect_channel_error(
        conn, ch, lambda: ch.basic_get(missing),
        pika.spec.NOT_FOUND, "no queue")
