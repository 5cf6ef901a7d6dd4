"""Publisher confirms (confirm.select, basic.ack / basic.nack to publisher)."""

import pika
import pika.exceptions
import pika.spec
import pytest


def test_confirm_select_and_single_publish(ch, amqp):
    queue = amqp.declare_queue(ch)
    ch.confirm_delivery()
    # basic_publish returns only after the broker's basic.ack.
    ch.basic_publish("", queue, b"confirmed")
    assert amqp.message_count(ch, queue) == 1


def test_thousand_confirmed_publishes(ch, amqp):
    queue = amqp.declare_queue(ch, durable=True)
    ch.confirm_delivery()
    persistent = pika.BasicProperties(
        delivery_mode=pika.spec.PERSISTENT_DELIVERY_MODE)
    for i in range(1000):
        ch.basic_publish("", queue, b"%d" % i,
                         persistent if i % 2 else None)
    assert amqp.message_count(ch, queue) == 1000
    first = ch.basic_get(queue, auto_ack=True)
    assert first[2] == b"0"
    assert first[0].message_count == 999


def test_unroutable_without_mandatory_is_still_acked(ch, amqp):
    exchange = amqp.declare_exchange(ch, "direct")
    ch.confirm_delivery()
    ch.basic_publish(exchange, "nowhere", b"dropped")   # no exception
    assert ch.is_open


def test_mandatory_unroutable_in_confirm_mode(ch, amqp):
    exchange = amqp.declare_exchange(ch, "direct")
    ch.confirm_delivery()
    props = pika.BasicProperties(message_id="m-1")
    with pytest.raises(pika.exceptions.UnroutableError) as info:
        ch.basic_publish(exchange, "nowhere", b"bounced", props,
                         mandatory=True)
    # The broker sent basic.return *before* basic.ack.
    returned = info.value.messages
    assert len(returned) == 1
    assert returned[0].method.reply_code == pika.spec.NO_ROUTE
    assert returned[0].method.reply_text == "NO_ROUTE"
    assert returned[0].method.exchange == exchange
    assert returned[0].method.routing_key == "nowhere"
    assert returned[0].body == b"bounced"
    assert returned[0].properties.message_id == "m-1"
    # Channel remains usable in confirm mode.
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"next", mandatory=True)
    assert amqp.get_messages(ch, queue, 1)[0][2] == b"next"


def test_confirm_select_is_idempotent(ch, amqp):
    ch.confirm_delivery()
    replies = []
    ch._impl._rpc(pika.spec.Confirm.Select(),
                  lambda frame: replies.append(frame.method),
                  [pika.spec.Confirm.SelectOk])
    assert amqp.wait_for(ch.connection, lambda: replies)
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"still-confirmed")
    assert amqp.message_count(ch, queue) == 1


def test_publish_to_missing_exchange_in_confirm_mode(conn, ch, amqp):
    ch.confirm_delivery()
    missing = amqp.exchange_name()
    amqp.expect_channel_error(
        conn, ch, lambda: ch.basic_publish(missing, "k", b"x"),
        pika.spec.NOT_FOUND, "no exchange")


def _async_publish(amqp, exchange, routing_keys, persistent):
    """Publish one message per routing key on a SelectConnection in confirm
    mode without waiting; return the (delivery_tag, multiple) acks and any
    nacks, in arrival order."""
    total = len(routing_keys)
    state = {"acks": [], "nacks": [], "timed_out": False, "error": None,
             "outstanding": set(range(1, total + 1))}
    props = pika.BasicProperties(
        delivery_mode=pika.spec.PERSISTENT_DELIVERY_MODE if persistent
        else pika.spec.TRANSIENT_DELIVERY_MODE)

    def on_confirm(frame):
        method = frame.method
        if isinstance(method, pika.spec.Basic.Ack):
            state["acks"].append((method.delivery_tag, method.multiple))
        else:
            state["nacks"].append(method)
        if method.multiple:
            state["outstanding"] = {t for t in state["outstanding"]
                                    if t > method.delivery_tag}
        else:
            state["outstanding"].discard(method.delivery_tag)
        if not state["outstanding"]:
            conn.close()

    def on_select_ok(_frame):
        for i, key in enumerate(routing_keys):
            state["channel"].basic_publish(exchange, key, b"%d" % i, props)

    def on_channel_open(channel):
        state["channel"] = channel
        channel.confirm_delivery(ack_nack_callback=on_confirm,
                                 callback=on_select_ok)

    def on_open_error(_conn, error):
        state["error"] = error
        _conn.ioloop.stop()

    def on_timeout():
        state["timed_out"] = True
        conn.close()

    conn = pika.SelectConnection(
        amqp.params(),
        on_open_callback=lambda c: c.channel(
            on_open_callback=on_channel_open),
        on_open_error_callback=on_open_error,
        on_close_callback=lambda c, reason: c.ioloop.stop())
    timer = conn.ioloop.call_later(15, on_timeout)
    conn.ioloop.start()
    conn.ioloop.remove_timeout(timer)
    assert state["error"] is None
    assert not state["timed_out"], (sorted(state["outstanding"])[:10],
                                    state["acks"][-5:])
    return state["acks"], state["nacks"]


def test_async_confirms_single_queue_in_order(amqp):
    """SelectConnection, raw basic.ack frames: for messages that all go to
    one queue, acks arrive in publish order (multiple=True allowed) and
    cover every delivery tag exactly once."""
    setup = amqp.connect().channel()
    queue = amqp.declare_queue(setup, durable=True)
    total = 500
    acks, nacks = _async_publish(amqp, "", [queue] * total, persistent=True)
    assert nacks == []
    confirmed = set()
    last = 0
    for tag, multiple in acks:
        assert tag > last, "acks out of order: %r" % acks
        if multiple:
            new = set(range(last + 1, tag + 1))
        else:
            # Without 'multiple' no tag may be skipped.
            assert tag == last + 1, "tag gap before %d: %r" % (tag, acks)
            new = {tag}
        assert not new & confirmed
        confirmed |= new
        last = tag
    assert confirmed == set(range(1, total + 1))
    assert amqp.message_count(setup, queue) == total


def test_async_confirms_mixed_routing_cover_every_tag(amqp):
    """Unroutable publishes are confirmed at once while routed persistent
    ones wait for the queue, so RabbitMQ may ack out of publish order; a
    multiple=True ack then confirms every still-outstanding tag <= its tag.
    Every tag must end up confirmed, none twice, none nacked."""
    setup = amqp.connect().channel()
    queue = amqp.declare_queue(setup, durable=True)
    exchange = amqp.declare_exchange(setup, "direct")
    setup.queue_bind(queue, exchange, routing_key="routed")
    total = 500
    keys = ["routed" if i % 5 else "unroutable" for i in range(total)]
    acks, nacks = _async_publish(amqp, exchange, keys, persistent=True)
    assert nacks == []
    confirmed = set()
    for tag, multiple in acks:
        assert 1 <= tag <= total
        if multiple:
            confirmed.update(range(1, tag + 1))
        else:
            assert tag not in confirmed, "tag %d confirmed twice" % tag
            confirmed.add(tag)
    assert confirmed == set(range(1, total + 1))
    assert amqp.message_count(setup, queue) == keys.count("routed")
