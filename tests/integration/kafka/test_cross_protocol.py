"""One namespace across protocols: a RabbitMQ stream queue declared with pika is a Kafka topic.
An AMQP publish routed into it (through a bound exchange or the default exchange) is read by a
Kafka consumer, and records a Kafka producer appends sit in the same log; the stream queue and
its binding survive a restart."""

import os
import sys

import pika
import pytest
from confluent_kafka import Consumer, TopicPartition

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from polymq_process import params  # noqa: E402

TIMEOUT = 30


def read_topic(broker, topic, want):
    c = Consumer({"bootstrap.servers": f"127.0.0.1:{broker.kafka_port}", "group.id": "x",
                  "enable.auto.commit": False})
    c.assign([TopicPartition(topic, 0, 0)])
    got = []
    for _ in range(TIMEOUT * 10):
        msg = c.poll(0.1)
        if msg is None:
            if len(got) >= want:
                break
            continue
        assert msg.error() is None, msg.error()
        got.append(msg)
    c.close()
    return got


def stream_queue(ch, name):
    ch.queue_declare(name, durable=True, arguments={"x-queue-type": "stream",
                                                    "x-max-age": "7D"})


def test_amqp_publishes_reach_a_kafka_consumer(kafka_broker):
    conn = pika.BlockingConnection(params(kafka_broker.port))
    ch = conn.channel()
    stream_queue(ch, "orders")
    ch.exchange_declare("shop", "direct", durable=True)
    ch.queue_bind("orders", "shop", "new")
    ch.confirm_delivery()
    props = pika.BasicProperties(headers={"origin": "pika"}, delivery_mode=2)
    ch.basic_publish("shop", "new", b"first", props, mandatory=True)
    ch.basic_publish("", "orders", b"second", props, mandatory=True)  # the default exchange
    # A declare of the existing stream, passive or not, is answered.
    assert ch.queue_declare("orders", passive=True).method.queue == "orders"
    stream_queue(ch, "orders")
    conn.close()

    got = read_topic(kafka_broker, "orders", 2)
    assert [m.value() for m in got] == [b"first", b"second"]
    assert [m.key() for m in got] == [b"new", b"orders"], "the routing key is the record key"
    assert ("origin", b"pika") in (got[0].headers() or [])


def test_amqp_refuses_what_stream_queues_cannot_be(kafka_broker):
    conn = pika.BlockingConnection(params(kafka_broker.port))
    ch = conn.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as err:
        ch.queue_declare("transient", durable=False, arguments={"x-queue-type": "stream"})
    assert err.value.reply_code == 406
    assert "non-durable" in err.value.reply_text
    ch = conn.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as err:
        ch.queue_declare("aged", durable=True,
                         arguments={"x-queue-type": "stream", "x-max-age": "soon"})
    assert err.value.reply_code == 406
    # Classic and quorum queue arguments are refused with RabbitMQ 3.10's text.
    for argument, value in [("x-dead-letter-exchange", "dlx"), ("x-message-ttl", 1000),
                            ("x-max-length", 5), ("x-single-active-consumer", True)]:
        ch = conn.channel()
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as err:
            ch.queue_declare("limited", durable=True,
                             arguments={"x-queue-type": "stream", argument: value})
        assert err.value.reply_code == 406
        assert err.value.reply_text == (
            "PRECONDITION_FAILED - invalid arg '%s' for queue 'limited' in vhost '/' of queue "
            "type rabbit_stream_queue" % argument)
    ch = conn.channel()
    stream_queue(ch, "log")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as err:
        ch.basic_consume("log", lambda *a: None)
        ch.start_consuming()
    assert err.value.reply_code == 406
    assert "read it with a Kafka client" in err.value.reply_text
    ch = conn.channel()
    ch.queue_delete("log")
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as err:
        ch.queue_declare("log", passive=True)
    assert err.value.reply_code == 404
    conn.close()


def test_a_stream_queue_and_its_binding_survive_a_restart(make_broker):
    broker = make_broker(kafka=True).start()
    conn = pika.BlockingConnection(params(broker.port))
    ch = conn.channel()
    stream_queue(ch, "audit")
    ch.queue_bind("audit", "amq.fanout")
    conn.close()
    broker.kill()
    broker.start()
    conn = pika.BlockingConnection(params(broker.port))
    ch = conn.channel()
    ch.confirm_delivery()
    ch.basic_publish("amq.fanout", "any", b"after", mandatory=True)
    conn.close()
    got = read_topic(broker, "audit", 1)
    assert [m.value() for m in got] == [b"after"]
