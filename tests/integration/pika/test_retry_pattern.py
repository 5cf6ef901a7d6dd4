"""The classic delayed-retry pattern built from dead-lettering and TTL:

    work exchange --"task"--> work queue   (x-dead-letter-exchange = retry exchange)
        consumer nacks (requeue=false) -> retry exchange --"task"--> wait queue
    wait queue (x-message-ttl, x-dead-letter-exchange = work exchange)
        expires -> work exchange --"task"--> work queue (again)

The loop work -> wait -> work contains a rejection, so RabbitMQ's cycle detection lets it
run. After N attempts (read from x-death) the consumer parks the message in a parking-lot
queue. x-death on the k-th redelivery (k >= 1), newest first:

    [{queue: wait, reason: expired, count: k, exchange: retry, routing-keys: [task]},
     {queue: work, reason: rejected, count: k, exchange: work, routing-keys: [task]}]

(each entry keeps the exchange of its first death; x-first-death-* name the work queue).
"""

import pika

WAIT_TTL = 200
MAX_ATTEMPTS = 3


class Topology:
    def __init__(self, ch, amqp):
        self.work_x = amqp.declare_exchange(ch, "direct")
        self.retry_x = amqp.declare_exchange(ch, "direct")
        self.work = amqp.declare_queue(ch, arguments={"x-dead-letter-exchange": self.retry_x})
        self.wait = amqp.declare_queue(ch, arguments={"x-message-ttl": WAIT_TTL,
                                                      "x-dead-letter-exchange": self.work_x})
        self.parking = amqp.declare_queue(ch)
        ch.queue_bind(self.work, self.work_x, "task")
        ch.queue_bind(self.wait, self.retry_x, "task")

    def attempts(self, props):
        """Earlier failed attempts, as a consumer reads them from x-death."""
        for entry in (props.headers or {}).get("x-death", []):
            if entry["queue"] == self.work and entry["reason"] == "rejected":
                return entry["count"]
        return 0

    def check_retry_headers(self, amqp, props, retries):
        headers = props.headers
        if retries == 0:
            assert not headers or "x-death" not in headers, headers
            return
        deaths = headers["x-death"]
        assert [(d["queue"], d["reason"]) for d in deaths] == [
            (self.wait, "expired"), (self.work, "rejected")]
        amqp.assert_x_death(deaths[0], retries, "expired", self.wait, self.retry_x, ["task"])
        amqp.assert_x_death(deaths[1], retries, "rejected", self.work, self.work_x, ["task"])
        assert headers["x-first-death-queue"] == self.work
        assert headers["x-first-death-reason"] == "rejected"
        assert headers["x-first-death-exchange"] == self.work_x


def test_retry_hops_step_by_step(ch, amqp):
    ch.confirm_delivery()
    t = Topology(ch, amqp)
    ch.basic_publish(t.work_x, "task", b"job", pika.BasicProperties(
        message_id="job-1", headers={"tenant": "a"}))
    for retries in range(MAX_ATTEMPTS):
        method, props, body = amqp.get_one(ch, t.work, timeout=3, auto_ack=False)
        assert body == b"job"
        assert method.exchange == t.work_x  # published there, or dead-lettered there
        assert method.routing_key == "task"
        assert method.redelivered is False  # a dead-lettered message is a new message
        assert props.message_id == "job-1"
        assert props.headers["tenant"] == "a"
        t.check_retry_headers(amqp, props, retries)
        assert t.attempts(props) == retries
        ch.basic_nack(method.delivery_tag, requeue=False)
        # Hop 1: the message waits in the wait queue (and nowhere else) ...
        assert amqp.poll(lambda: amqp.message_count(ch, t.wait) == 1, timeout=2)
        assert amqp.message_count(ch, t.work) == 0
        # ... hop 2: after the TTL it is back in the work queue.
    method, props, body = amqp.get_one(ch, t.work, timeout=3, auto_ack=False)
    assert amqp.message_count(ch, t.wait) == 0
    t.check_retry_headers(amqp, props, MAX_ATTEMPTS)
    assert t.attempts(props) == MAX_ATTEMPTS
    # Give up: park it (with its history) and ack.
    ch.basic_publish("", t.parking, body, pika.BasicProperties(
        message_id=props.message_id, headers=props.headers))
    ch.basic_ack(method.delivery_tag)
    method, props, body = amqp.get_one(ch, t.parking)
    assert body == b"job"
    t.check_retry_headers(amqp, props, MAX_ATTEMPTS)
    assert amqp.message_count(ch, t.work) == 0
    assert amqp.message_count(ch, t.wait) == 0


def test_retry_consumer_end_to_end(conn, ch, amqp):
    """A consumer that fails "ok-2" once, "poison" always, and "ok-1" never."""
    ch.confirm_delivery()
    t = Topology(ch, amqp)
    consumer = conn.channel()
    consumer.basic_qos(prefetch_count=10)
    seen = []       # (body, attempts)
    done = []       # bodies acked as processed
    parked = []

    def on_message(channel, method, props, body):
        attempts = t.attempts(props)
        seen.append((body, attempts))
        t.check_retry_headers(amqp, props, attempts)
        fail = body == b"poison" or (body == b"ok-2" and attempts == 0)
        if not fail:
            done.append(body)
            channel.basic_ack(method.delivery_tag)
        elif attempts >= MAX_ATTEMPTS:
            channel.basic_publish("", t.parking, body,
                                  pika.BasicProperties(headers=props.headers))
            parked.append(body)
            channel.basic_ack(method.delivery_tag)
        else:
            channel.basic_nack(method.delivery_tag, requeue=False)

    consumer.basic_consume(t.work, on_message)
    for body in (b"ok-1", b"ok-2", b"poison"):
        ch.basic_publish(t.work_x, "task", body)
    assert amqp.wait_for(conn, lambda: parked and len(done) == 2, timeout=5)
    assert sorted(done) == [b"ok-1", b"ok-2"]
    assert [a for b, a in seen if b == b"ok-1"] == [0]
    assert [a for b, a in seen if b == b"ok-2"] == [0, 1]
    assert [a for b, a in seen if b == b"poison"] == [0, 1, 2, 3]
    amqp.pump(conn, 0.3)  # nothing more arrives
    assert len(seen) == 7
    method, props, body = amqp.get_one(ch, t.parking)
    assert body == b"poison"
    t.check_retry_headers(amqp, props, MAX_ATTEMPTS)
    assert amqp.message_count(ch, t.parking) == 0
    assert amqp.message_count(ch, t.wait) == 0
