"""Queue features over a restart (SIGKILL): a durable priority queue comes back in priority
order, a durable queue's x-arguments (TTL, dead-letter exchange, delivery limit) still apply to
recovered messages, and a recovered message's TTL counts from the restart
(docs/queue-features.md)."""

import time

import pika
import pytest

PERSISTENT = 2


def props(**kw):
    return pika.BasicProperties(delivery_mode=PERSISTENT, **kw)


def drain(ch, queue):
    bodies = []
    while True:
        method, _, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            return bodies
        bodies.append(body)


def test_priority_order_survives_a_restart(make_broker):
    broker = make_broker().start()
    conn = broker.connect()
    ch = conn.channel()
    ch.confirm_delivery()
    ch.queue_declare("prio", durable=True, arguments={"x-max-priority": 9})
    for body, priority in [(b"low-1", 1), (b"high-1", 9), (b"none", None), (b"high-2", 9),
                           (b"mid", 5), (b"low-2", 1)]:
        ch.basic_publish("", "prio", body, props(priority=priority))
    conn.close()
    broker.kill()

    broker.start()
    conn = broker.connect()
    ch = conn.channel()
    assert drain(ch, "prio") == [b"high-1", b"high-2", b"mid", b"low-1", b"low-2", b"none"]
    conn.close()
    broker.stop()


def test_recovered_messages_still_expire_and_dead_letter(make_broker):
    broker = make_broker().start()
    conn = broker.connect()
    ch = conn.channel()
    ch.confirm_delivery()
    ch.queue_declare("expired", durable=True)
    ch.queue_declare("ttl", durable=True, arguments={
        "x-message-ttl": 1500, "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": "expired"})
    ch.basic_publish("", "ttl", b"short-lived", props())
    conn.close()
    broker.kill()

    broker.start()
    conn = broker.connect()
    ch = conn.channel()
    # The TTL restarts with the broker: still there at once, dead-lettered within ~1.5 s.
    assert ch.queue_declare("ttl", passive=True).method.message_count == 1
    deadline = time.monotonic() + 10
    while ch.queue_declare("expired", passive=True).method.message_count == 0:
        assert time.monotonic() < deadline, "the recovered message never expired"
        time.sleep(0.1)
    method, properties, body = ch.basic_get("expired", auto_ack=True)
    assert body == b"short-lived"
    death = properties.headers["x-death"][0]
    assert death["reason"] == "expired" and death["queue"] == "ttl"
    assert ch.queue_declare("ttl", passive=True).method.message_count == 0
    conn.close()
    broker.stop()


def test_delivery_count_limit_applies_after_a_restart(make_broker):
    broker = make_broker().start()
    conn = broker.connect()
    ch = conn.channel()
    ch.confirm_delivery()
    ch.queue_declare("parking", durable=True)
    ch.queue_declare("work", durable=True, arguments={
        "x-queue-type": "quorum", "x-delivery-limit": 0, "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": "parking"})
    ch.basic_publish("", "work", b"poison", props())
    conn.close()
    broker.kill()

    broker.start()
    conn = broker.connect()
    ch = conn.channel()
    method, _, body = ch.basic_get("work", auto_ack=False)
    assert body == b"poison"
    ch.basic_nack(method.delivery_tag, requeue=True)  # limit 0: the first return is too many
    assert ch.queue_declare("work", passive=True).method.message_count == 0
    assert drain(ch, "parking") == [b"poison"]
    conn.close()
    broker.stop()
