"""queue.declare / bind / unbind / purge / delete semantics."""

import pika
import pika.exceptions
import pika.spec
import pytest


def test_server_named_queue(ch, amqp):
    ok = ch.queue_declare(queue="", exclusive=True)
    name = amqp.track_queue(ok.method.queue)
    assert name.startswith("amq.gen-")
    assert len(name) > len("amq.gen-")
    assert ok.method.message_count == 0
    assert ok.method.consumer_count == 0
    # A second server-named queue gets a different name.
    other = amqp.track_queue(
        ch.queue_declare(queue="", exclusive=True).method.queue)
    assert other != name and other.startswith("amq.gen-")
    # The generated name is usable by name.
    ch.basic_publish("", name, b"hello")
    assert amqp.get_messages(ch, name, 1)[0][2] == b"hello"


def test_declare_ok_counts(conn, ch, amqp):
    ch.confirm_delivery()  # publishes below are enqueued on return
    queue = amqp.declare_queue(ch, durable=True)
    for i in range(3):
        ch.basic_publish("", queue, b"m%d" % i)
    ch2 = conn.channel()
    ch2.basic_consume(queue, lambda *a: None, auto_ack=False)
    ch3 = conn.channel()
    ch3.basic_consume(queue, lambda *a: None, auto_ack=False)
    # Consumers hold (unacked) messages: message_count counts only ready.
    amqp.wait_for(conn, lambda: amqp.message_count(ch, queue) == 0)
    ok = ch.queue_declare(queue=queue, durable=True)
    assert ok.method.consumer_count == 2
    assert ok.method.message_count == 0
    ch2.close()
    ch3.close()  # closing the channels requeues the three messages
    ok = ch.queue_declare(queue=queue, passive=True)
    assert ok.method.consumer_count == 0
    assert ok.method.message_count == 3


def test_declare_ok_message_count_without_consumers(ch, amqp):
    ch.confirm_delivery()  # publishes below are enqueued on return
    queue = amqp.declare_queue(ch)
    for i in range(5):
        ch.basic_publish("", queue, b"x")
    ok = ch.queue_declare(queue=queue)  # idempotent redeclare
    assert ok.method.queue == queue
    assert ok.method.message_count == 5
    assert ok.method.consumer_count == 0


def test_passive_declare_missing_queue(conn, ch, amqp):
    name = amqp.queue_name()
    amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_declare(queue=name, passive=True),
        pika.spec.NOT_FOUND, "NOT_FOUND")


def test_redeclare_with_different_durable_flag(conn, ch, amqp):
    queue = amqp.declare_queue(ch, durable=False)
    amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_declare(queue=queue, durable=True),
        pika.spec.PRECONDITION_FAILED, "inequivalent arg 'durable'")


def test_redeclare_with_different_auto_delete_flag(conn, ch, amqp):
    queue = amqp.declare_queue(ch, auto_delete=False)
    amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_declare(queue=queue, auto_delete=True),
        pika.spec.PRECONDITION_FAILED, "inequivalent arg 'auto_delete'")


def test_redeclare_with_different_arguments(conn, ch, amqp):
    queue = amqp.declare_queue(ch, arguments={"x-max-length": 10})
    amqp.expect_channel_error(
        conn, ch,
        lambda: ch.queue_declare(queue=queue,
                                 arguments={"x-max-length": 20}),
        pika.spec.PRECONDITION_FAILED, "inequivalent arg 'x-max-length'")


def test_passive_declare_ignores_other_flags(ch, amqp):
    queue = amqp.declare_queue(ch, durable=False)
    ok = ch.queue_declare(queue=queue, passive=True, durable=True,
                          auto_delete=True)
    assert ok.method.queue == queue


def test_declare_reserved_amq_prefix_is_refused(conn, ch, amqp):
    name = "amq.pikatest-" + amqp.queue_name()
    amqp.track_queue(name)
    amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_declare(queue=name),
        pika.spec.ACCESS_REFUSED, "ACCESS_REFUSED")


def test_purge_returns_count(ch, amqp):
    ch.confirm_delivery()  # publishes below are enqueued on return
    queue = amqp.declare_queue(ch)
    for i in range(7):
        ch.basic_publish("", queue, b"p")
    ok = ch.queue_purge(queue)
    assert ok.method.message_count == 7
    assert amqp.message_count(ch, queue) == 0
    assert ch.queue_purge(queue).method.message_count == 0


def test_purge_does_not_touch_unacked(conn, ch, amqp):
    ch.confirm_delivery()  # publishes below are enqueued on return
    queue = amqp.declare_queue(ch)
    for i in range(3):
        ch.basic_publish("", queue, b"u")
    method, _, _ = ch.basic_get(queue, auto_ack=False)
    assert method is not None
    assert ch.queue_purge(queue).method.message_count == 2
    ch.basic_nack(method.delivery_tag, requeue=True)
    amqp.sync(ch)
    assert amqp.message_count(ch, queue) == 1


def test_delete_returns_count(conn, ch, amqp):
    ch.confirm_delivery()  # publishes below are enqueued on return
    queue = amqp.declare_queue(ch)
    for i in range(4):
        ch.basic_publish("", queue, b"d")
    ok = ch.queue_delete(queue)
    assert ok.method.message_count == 4
    assert not amqp.queue_exists(conn, queue)


def test_delete_missing_queue_is_ok(ch, amqp):
    # RabbitMQ: queue.delete of a queue that does not exist is a no-op
    # (delete-ok, message_count 0), not 404.
    ok = ch.queue_delete(amqp.queue_name())
    assert ok.method.message_count == 0
    assert ch.is_open


def test_delete_if_empty_on_non_empty_queue(conn, ch, amqp):
    ch.confirm_delivery()  # publishes below are enqueued on return
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"still here")
    amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_delete(queue, if_empty=True),
        pika.spec.PRECONDITION_FAILED, "not empty")
    assert amqp.queue_exists(conn, queue)


def test_delete_if_empty_on_empty_queue(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    assert ch.queue_delete(queue, if_empty=True).method.message_count == 0
    assert not amqp.queue_exists(conn, queue)


def test_delete_if_unused_with_consumer(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    consumer_ch = conn.channel()
    consumer_ch.basic_consume(queue, lambda *a: None)
    amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_delete(queue, if_unused=True),
        pika.spec.PRECONDITION_FAILED, "in use")
    assert amqp.queue_exists(conn, queue)
    consumer_ch.close()
    ch2 = conn.channel()
    ch2.queue_delete(queue, if_unused=True)
    assert not amqp.queue_exists(conn, queue)


@pytest.mark.parametrize("operation", [
    "declare", "passive_declare", "consume", "get", "purge", "delete", "bind",
])
def test_exclusive_queue_locked_for_other_connections(amqp, operation):
    owner = amqp.connect()
    owner_ch = owner.channel()
    queue = amqp.declare_queue(owner_ch, exclusive=True)

    other = amqp.connect()
    ch = other.channel()
    ops = {
        "declare": lambda: ch.queue_declare(queue=queue, exclusive=True),
        "passive_declare": lambda: ch.queue_declare(queue=queue,
                                                    passive=True),
        "consume": lambda: ch.basic_consume(queue, lambda *a: None),
        "get": lambda: ch.basic_get(queue),
        "purge": lambda: ch.queue_purge(queue),
        "delete": lambda: ch.queue_delete(queue),
        "bind": lambda: ch.queue_bind(queue, "amq.direct", routing_key="k"),
    }
    amqp.expect_channel_error(other, ch, ops[operation],
                              pika.spec.RESOURCE_LOCKED, "RESOURCE_LOCKED")
    # The owner still has full access.
    owner_ch.basic_publish("", queue, b"mine")
    assert amqp.get_messages(owner_ch, queue, 1)[0][2] == b"mine"


def test_exclusive_queue_usable_from_other_channel_same_connection(conn, ch,
                                                                    amqp):
    queue = amqp.declare_queue(ch, exclusive=True)
    ch2 = conn.channel()
    ch2.basic_publish("", queue, b"same-conn")
    assert amqp.get_messages(ch2, queue, 1)[0][2] == b"same-conn"


def test_exclusive_queue_deleted_when_connection_closes(amqp):
    owner = amqp.connect()
    queue = amqp.declare_queue(owner.channel(), exclusive=True)
    observer = amqp.connect()
    assert (amqp.passive_queue_declare_code(observer, queue)
            == pika.spec.RESOURCE_LOCKED)
    owner.close()
    assert amqp.wait_for(
        observer,
        lambda: (amqp.passive_queue_declare_code(observer, queue)
                 == pika.spec.NOT_FOUND))


def test_auto_delete_queue_deleted_when_last_consumer_cancels(conn, ch, amqp):
    queue = amqp.declare_queue(ch, auto_delete=True)
    # Never consumed from: an auto-delete queue stays around.
    assert amqp.queue_exists(conn, queue)
    tag1 = ch.basic_consume(queue, lambda *a: None)
    tag2 = ch.basic_consume(queue, lambda *a: None)
    ch.basic_cancel(tag1)
    assert amqp.queue_exists(conn, queue)
    assert ch.queue_declare(queue, passive=True).method.consumer_count == 1
    ch.basic_cancel(tag2)
    assert amqp.wait_for(conn, lambda: not amqp.queue_exists(conn, queue))


def test_auto_delete_queue_deleted_when_consumer_channel_closes(conn, amqp):
    ch = conn.channel()
    queue = amqp.declare_queue(ch, auto_delete=True)
    consumer_ch = conn.channel()
    consumer_ch.basic_consume(queue, lambda *a: None)
    consumer_ch.close()
    assert amqp.wait_for(conn, lambda: not amqp.queue_exists(conn, queue))


def test_queue_bind_and_unbind(conn, ch, amqp):
    exchange = amqp.declare_exchange(ch, "direct")
    queue = amqp.declare_queue(ch)
    ch.queue_bind(queue, exchange, routing_key="rk")
    ch.basic_publish(exchange, "rk", b"bound")
    assert amqp.get_messages(ch, queue, 1)[0][2] == b"bound"

    ch.queue_unbind(queue, exchange, routing_key="rk")
    ch.basic_publish(exchange, "rk", b"unbound")
    # Publish a marker through the default exchange; once it is visible the
    # earlier publish has been routed (or dropped).
    ch.basic_publish("", queue, b"marker")
    got = amqp.get_messages(ch, queue, 1)
    assert [m[2] for m in got] == [b"marker"]
    assert amqp.message_count(ch, queue) == 0


def test_unbind_missing_binding_is_ok(ch, amqp):
    exchange = amqp.declare_exchange(ch, "direct")
    queue = amqp.declare_queue(ch)
    ch.queue_unbind(queue, exchange, routing_key="never-bound")
    assert ch.is_open


def test_unbind_of_missing_queue_or_exchange_is_ok(conn, ch, amqp):
    # RabbitMQ 3.x: nothing is bound, so unbind-ok (queue.bind would be 404).
    exchange = amqp.declare_exchange(ch, "direct")
    queue = amqp.declare_queue(ch)
    ch.queue_unbind(amqp.queue_name(), exchange, routing_key="k")
    ch.queue_unbind(queue, amqp.exchange_name(), routing_key="k")
    ch.queue_unbind(amqp.queue_name(), amqp.exchange_name(), routing_key="k")
    ch.exchange_unbind(destination=amqp.exchange_name(), source=exchange, routing_key="k")
    ch.exchange_unbind(destination=exchange, source=amqp.exchange_name(), routing_key="k")
    amqp.sync(ch)
    assert ch.is_open
    # The default exchange is still refused.
    amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_unbind(queue, "", routing_key="k"),
        pika.spec.ACCESS_REFUSED, "default exchange")


def test_cr_and_lf_are_removed_from_queue_names(conn, ch, amqp):
    # (pika waits for a declare-ok naming the queue as it was sent, so the declare goes
    # with nowait; the raw-frame suite checks the name in declare-ok.)
    name = amqp.queue_name()
    ch._impl._send_method(pika.spec.Queue.Declare(queue="\r" + name + "\n", nowait=True))
    assert amqp.queue_exists(conn, name)
    # Bind and delete strip them too; publish and get do not.
    exchange = amqp.declare_exchange(ch, "direct")
    ch.queue_bind(name + "\r\n", exchange + "\n", routing_key="k")
    ch.confirm_delivery()
    ch.basic_publish(exchange, "k", b"via-binding")
    assert amqp.get_messages(ch, name, 1)[0][2] == b"via-binding"
    ch.queue_delete(name + "\n")
    assert not amqp.queue_exists(conn, name)


def test_bind_to_missing_exchange(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    missing = amqp.exchange_name()
    amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_bind(queue, missing, routing_key="k"),
        pika.spec.NOT_FOUND, "NOT_FOUND")


def test_bind_missing_queue(conn, ch, amqp):
    missing = amqp.queue_name()
    amqp.expect_channel_error(
        conn, ch,
        lambda: ch.queue_bind(missing, "amq.direct", routing_key="k"),
        pika.spec.NOT_FOUND, "NOT_FOUND")


def test_duplicate_binding_is_idempotent(ch, amqp):
    exchange = amqp.declare_exchange(ch, "direct")
    queue = amqp.declare_queue(ch)
    ch.queue_bind(queue, exchange, routing_key="dup")
    ch.queue_bind(queue, exchange, routing_key="dup")
    ch.basic_publish(exchange, "dup", b"once")
    ch.basic_publish("", queue, b"marker")
    got = amqp.get_messages(ch, queue, 2)
    assert [m[2] for m in got] == [b"once", b"marker"]
    assert amqp.message_count(ch, queue) == 0
