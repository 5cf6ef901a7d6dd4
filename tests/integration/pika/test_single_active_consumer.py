"""Single active consumer (x-single-active-consumer = true), classic queues.

RabbitMQ 3.10:

* The first consumer registered is the active one and gets every message; the others wait
  (queue.declare-ok's consumer_count counts them all).
* When the active consumer's channel (or connection) closes, its unacked messages return to
  the queue and the next consumer in registration order becomes active and gets them first,
  in their original order with redelivered=true, then the rest.
* When the active consumer is cancelled, the next consumer becomes active at once; messages
  the cancelled consumer still holds unacked stay with its channel until it acks, rejects or
  closes, and a requeue hands them to the new active consumer.
* basic.consume with exclusive=true on a single-active-consumer queue is always refused:
  403 ACCESS_REFUSED "queue '<q>' in vhost '/' in exclusive use".

Not tested, on purpose: RabbitMQ 3.10 (up to 3.11) crashes and restarts a classic SAC queue
when the active consumer is cancelled while the queue holds ready messages and another
message is then published (rabbitmq/rabbitmq-server#5460, "CQ: Queue crash using SAC"). The
tests below avoid that sequence.
"""

import pika
import pika.exceptions
import pika.spec

SAC = {"x-single-active-consumer": True}


class Consumer:
    """A consumer on its own connection that records (body, redelivered) and acks nothing."""

    def __init__(self, amqp, queue, prefetch=10, tag=None):
        self.amqp = amqp
        self.conn = amqp.connect()
        self.ch = self.conn.channel()
        self.ch.basic_qos(prefetch_count=prefetch)
        self.got = []
        self.tags = []
        self.consumer_tag = self.ch.basic_consume(queue, self._on_message, consumer_tag=tag)

    def _on_message(self, channel, method, props, body):
        self.got.append((body, method.redelivered))
        self.tags.append(method.delivery_tag)

    def pump(self, seconds=0.2):
        self.amqp.pump(self.conn, seconds)

    def wait(self, count, timeout=3):
        return self.amqp.wait_for(self.conn, lambda: len(self.got) >= count, timeout)

    def bodies(self):
        return [b for b, _ in self.got]


def test_only_the_first_consumer_receives(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments=SAC)
    first = Consumer(amqp, queue)
    second = Consumer(amqp, queue)
    for i in range(5):
        ch.basic_publish("", queue, b"m%d" % i)
    assert first.wait(5)
    second.pump(0.3)
    first.pump(0.1)
    assert first.bodies() == [b"m0", b"m1", b"m2", b"m3", b"m4"]
    assert second.got == []


def test_declare_ok_counts_waiting_consumers(ch, amqp):
    queue = amqp.declare_queue(ch, arguments=SAC)
    consumers = [Consumer(amqp, queue) for _ in range(3)]
    assert ch.queue_declare(queue, passive=True).method.consumer_count == 3
    ok = ch.queue_declare(queue, arguments=SAC)
    assert ok.method.consumer_count == 3
    consumers[0].ch.close()
    assert ch.queue_declare(queue, passive=True).method.consumer_count == 2


def test_channel_close_hands_over_with_unacked_redelivered_in_order(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments=SAC)
    first = Consumer(amqp, queue, prefetch=2)
    second = Consumer(amqp, queue)
    for i in range(5):
        ch.basic_publish("", queue, b"m%d" % i)
    assert first.wait(2)
    first.ch.basic_ack(first.tags[0])  # m0 done; m2 arrives
    assert first.wait(3)
    first.pump(0.1)
    assert first.bodies() == [b"m0", b"m1", b"m2"]
    assert second.got == []
    # m1, m2 unacked; m3, m4 ready.
    first.ch.close()
    assert second.wait(4)
    assert second.got == [(b"m1", True), (b"m2", True), (b"m3", False), (b"m4", False)]
    ch.basic_publish("", queue, b"m5")
    assert second.wait(5)
    assert second.got[4] == (b"m5", False)
    ok = ch.queue_declare(queue, passive=True).method
    assert (ok.consumer_count, ok.message_count) == (1, 0)


def test_next_in_registration_order_takes_over(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments=SAC)
    first = Consumer(amqp, queue)
    second = Consumer(amqp, queue)
    third = Consumer(amqp, queue)
    ch.basic_publish("", queue, b"a")
    assert first.wait(1)
    first.conn.close()  # connection close: the same as its channel closing
    assert second.wait(1)
    assert second.got == [(b"a", True)]
    third.pump(0.1)
    assert third.got == []
    ch.basic_publish("", queue, b"b")
    assert second.wait(2)
    second.ch.close()  # holds a and b unacked
    assert third.wait(2)
    assert third.got == [(b"a", True), (b"b", True)]


def test_cancel_hands_over_and_requeue_goes_to_new_active(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments=SAC)
    first = Consumer(amqp, queue)
    second = Consumer(amqp, queue)
    for i in range(3):
        ch.basic_publish("", queue, b"m%d" % i)
    assert first.wait(3)
    first.pump(0.1)
    assert amqp.message_count(ch, queue) == 0  # no ready message (see the module doc)
    first.ch.basic_cancel(first.consumer_tag)
    assert ch.queue_declare(queue, passive=True).method.consumer_count == 1
    # The cancelled consumer keeps its unacked messages for now ...
    second.pump(0.3)
    assert second.got == []
    # ... the second is active: it gets a new message.
    ch.basic_publish("", queue, b"new")
    assert second.wait(1)
    assert second.got == [(b"new", False)]
    # Requeued by the former active consumer: to the new one, in their order.
    first.ch.basic_nack(0, multiple=True, requeue=True)
    assert second.wait(4)
    assert second.got[1:] == [(b"m0", True), (b"m1", True), (b"m2", True)]
    first.pump(0.1)
    assert len(first.got) == 3


def test_exclusive_consume_is_refused(conn, ch, amqp):
    queue = amqp.declare_queue(ch, arguments=SAC)
    exc = amqp.expect_channel_error(
        conn, ch, lambda: ch.basic_consume(queue, lambda *a: None, exclusive=True),
        pika.spec.ACCESS_REFUSED)
    assert exc.reply_text == ("ACCESS_REFUSED - queue '%s' in vhost '%s' in exclusive use"
                              % (queue, amqp.vhost))
    # Also when another consumer is registered.
    Consumer(amqp, queue)
    ch = conn.channel()
    exc = amqp.expect_channel_error(
        conn, ch, lambda: ch.basic_consume(queue, lambda *a: None, exclusive=True),
        pika.spec.ACCESS_REFUSED)
    assert "in exclusive use" in exc.reply_text


def test_invalid_single_active_consumer_value(conn, ch, amqp):
    queue = amqp.queue_name()
    exc = amqp.expect_channel_error(
        conn, ch,
        lambda: ch.queue_declare(queue, arguments={"x-single-active-consumer": "yes"}),
        pika.spec.PRECONDITION_FAILED)
    assert exc.reply_text == amqp.invalid_arg_text("x-single-active-consumer", queue,
                                                   "{unacceptable_type,longstr}")
