"""Dead-lettering (x-dead-letter-exchange / x-dead-letter-routing-key) and the x-death header.

What RabbitMQ 3.10 writes, as pika decodes it (checked by ``amqp.assert_x_death``):

* ``x-death``: an array of tables, newest first. Each table has exactly ``count`` (long),
  ``reason`` (``rejected`` / ``expired`` / ``maxlen`` / ``delivery_limit``), ``queue``,
  ``time`` (timestamp, whole seconds, decoded as a naive UTC datetime), ``exchange`` (the
  exchange the message had been published to, ``""`` for the default one), ``routing-keys``
  (array: the routing key plus the CC header's keys, not BCC's) and, only when the message had
  an ``expiration`` property, ``original-expiration`` (the property is then removed).
* Dying again in the same queue for the same reason increments that entry's ``count`` and moves
  it to the front; its other fields (``time`` included) stay those of the first such death.
* ``x-first-death-reason`` / ``-queue`` / ``-exchange``: set by the first death, never changed.
"""

import time

import pika
import pika.exceptions
import pika.spec

PRECONDITION_FAILED = pika.spec.PRECONDITION_FAILED


def _dlx_setup(ch, amqp, work_args=None, dlx_type="fanout", dl_binding=""):
    """A dead-letter exchange with a bound queue, and a work queue dead-lettering into it."""
    dlx, dead = amqp.dead_letter_target(ch, dlx_type, dl_binding)
    args = {"x-dead-letter-exchange": dlx}
    args.update(work_args or {})
    work = amqp.declare_queue(ch, arguments=args)
    return dlx, dead, work


def test_reject_dead_letters_with_x_death(ch, amqp):
    ch.confirm_delivery()
    src = amqp.declare_exchange(ch, "topic")
    dlx, dead = amqp.dead_letter_target(ch, "direct", "dead")
    work = amqp.declare_queue(ch, arguments={"x-dead-letter-exchange": dlx,
                                             "x-dead-letter-routing-key": "dead"})
    ch.queue_bind(work, src, "task.#")
    props = pika.BasicProperties(
        content_type="text/plain", delivery_mode=2, priority=3, message_id="m-1",
        correlation_id="c-1", expiration="60000", headers={"h": "v"})
    ch.basic_publish(src, "task.one", b"payload", props)
    method, _, _ = amqp.get_one(ch, work, auto_ack=False)
    ch.basic_reject(method.delivery_tag, requeue=False)

    method, props, body = amqp.get_one(ch, dead)
    assert body == b"payload"
    assert method.exchange == dlx
    assert method.routing_key == "dead"
    assert method.redelivered is False
    # The other properties travel unchanged; expiration is removed.
    assert props.content_type == "text/plain"
    assert props.delivery_mode == 2
    assert props.priority == 3
    assert props.message_id == "m-1"
    assert props.correlation_id == "c-1"
    assert props.expiration is None
    headers = props.headers
    assert set(headers) == {"h", "x-death", "x-first-death-reason", "x-first-death-queue",
                            "x-first-death-exchange"}
    assert headers["h"] == "v"
    assert isinstance(headers["x-death"], list) and len(headers["x-death"]) == 1
    amqp.assert_x_death(headers["x-death"][0], count=1, reason="rejected", queue=work,
                        exchange=src, routing_keys=["task.one"],
                        original_expiration="60000")
    assert headers["x-first-death-reason"] == "rejected"
    assert headers["x-first-death-queue"] == work
    assert headers["x-first-death-exchange"] == src
    # The work queue is empty: the message moved.
    assert amqp.message_count(ch, work) == 0


def test_nack_requeue_false_dead_letters_as_rejected(conn, ch, amqp):
    ch.confirm_delivery()
    _, dead, work = _dlx_setup(ch, amqp)
    for i in range(3):
        ch.basic_publish("", work, b"n%d" % i)
    consumer = conn.channel()
    consumer.basic_qos(prefetch_count=10)
    tags = []
    consumer.basic_consume(work, lambda c, m, p, b: tags.append(m.delivery_tag))
    assert amqp.wait_for(conn, lambda: len(tags) == 3)
    consumer.basic_nack(tags[1], multiple=True, requeue=False)  # n0 and n1
    consumer.basic_nack(tags[2], requeue=False)
    got = amqp.get_messages(ch, dead, 3)
    assert [b for _, _, b in got] == [b"n0", b"n1", b"n2"]
    for method, props, body in got:
        (entry,) = props.headers["x-death"]
        amqp.assert_x_death(entry, count=1, reason="rejected", queue=work, exchange="",
                            routing_keys=[work])
        assert props.headers["x-first-death-reason"] == "rejected"
        assert method.routing_key == work  # no x-dead-letter-routing-key: original key


def test_requeue_true_does_not_dead_letter(ch, amqp):
    ch.confirm_delivery()
    _, dead, work = _dlx_setup(ch, amqp)
    ch.basic_publish("", work, b"again")
    method, _, _ = amqp.get_one(ch, work, auto_ack=False)
    ch.basic_reject(method.delivery_tag, requeue=True)
    method, props, body = amqp.get_one(ch, work)
    assert body == b"again" and method.redelivered
    assert props.headers is None
    assert amqp.message_count(ch, dead) == 0


def test_queue_ttl_expiry_dead_letters(ch, amqp):
    ch.confirm_delivery()
    _, dead, work = _dlx_setup(ch, amqp, {"x-message-ttl": 100})
    ch.basic_publish("", work, b"expired", pika.BasicProperties(headers={"k": 1}))
    method, props, body = amqp.get_one(ch, dead, timeout=3)
    assert body == b"expired"
    assert method.routing_key == work
    assert props.headers["k"] == 1
    (entry,) = props.headers["x-death"]
    # No expiration property on the message: no original-expiration in x-death.
    amqp.assert_x_death(entry, count=1, reason="expired", queue=work, exchange="",
                        routing_keys=[work])
    assert props.headers["x-first-death-reason"] == "expired"
    assert props.headers["x-first-death-queue"] == work
    assert props.headers["x-first-death-exchange"] == ""
    assert amqp.message_count(ch, work) == 0


def test_per_message_expiry_dead_letters_with_original_expiration(ch, amqp):
    ch.confirm_delivery()
    _, dead, work = _dlx_setup(ch, amqp)
    ch.basic_publish("", work, b"short", pika.BasicProperties(expiration="100"))
    method, props, body = amqp.get_one(ch, dead, timeout=3)
    assert body == b"short"
    assert props.expiration is None
    (entry,) = props.headers["x-death"]
    amqp.assert_x_death(entry, count=1, reason="expired", queue=work, exchange="",
                        routing_keys=[work], original_expiration="100")


def test_max_length_drop_head_dead_letters_as_maxlen(ch, amqp):
    ch.confirm_delivery()
    _, dead, work = _dlx_setup(ch, amqp, {"x-max-length": 1})
    ch.basic_publish("", work, b"oldest", pika.BasicProperties(expiration="60000"))
    ch.basic_publish("", work, b"newest")
    method, props, body = amqp.get_one(ch, dead)
    assert body == b"oldest"
    (entry,) = props.headers["x-death"]
    amqp.assert_x_death(entry, count=1, reason="maxlen", queue=work, exchange="",
                        routing_keys=[work], original_expiration="60000")
    assert props.headers["x-first-death-reason"] == "maxlen"
    assert amqp.drain_bodies(ch, work) == [b"newest"]


def test_same_queue_and_reason_increments_count(ch, amqp):
    # The queue dead-letters into itself (default exchange, original routing key): a cycle
    # with a rejection in it is allowed, and every rejection bumps the same entry.
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-dead-letter-exchange": ""})
    ch.basic_publish("", queue, b"bounce")
    method, props, _ = amqp.get_one(ch, queue, auto_ack=False)
    assert props.headers is None
    first_time = None
    for count in (1, 2, 3):
        ch.basic_reject(method.delivery_tag, requeue=False)
        method, props, body = amqp.get_one(ch, queue, auto_ack=False)
        assert body == b"bounce"
        assert method.redelivered is False
        deaths = props.headers["x-death"]
        assert len(deaths) == 1
        amqp.assert_x_death(deaths[0], count=count, reason="rejected", queue=queue,
                            exchange="", routing_keys=[queue])
        first_time = first_time or deaths[0]["time"]
        assert deaths[0]["time"] == first_time
        assert props.headers["x-first-death-queue"] == queue
    ch.basic_ack(method.delivery_tag)


def test_newest_death_first_and_entry_moves_to_front(ch, amqp):
    # q1 rejects into q2, q2 rejects into q1, q1 rejects into q2 again:
    # x-death = [q1 (count 2), q2 (count 1)]; q1's entry keeps its first time.
    ch.confirm_delivery()
    q1 = amqp.queue_name()
    q2 = amqp.queue_name()
    amqp.declare_queue(ch, q1, arguments={"x-dead-letter-exchange": "",
                                          "x-dead-letter-routing-key": q2})
    amqp.declare_queue(ch, q2, arguments={"x-dead-letter-exchange": "",
                                          "x-dead-letter-routing-key": q1})
    ch.basic_publish("", q1, b"ping-pong")
    method, _, _ = amqp.get_one(ch, q1, auto_ack=False)
    ch.basic_reject(method.delivery_tag, requeue=False)

    method, props, _ = amqp.get_one(ch, q2, auto_ack=False)
    (q1_first,) = props.headers["x-death"]
    amqp.assert_x_death(q1_first, 1, "rejected", q1, "", [q1])
    time.sleep(1.1)  # the timestamps have whole seconds: make the next death's differ
    ch.basic_nack(method.delivery_tag, requeue=False)

    method, props, _ = amqp.get_one(ch, q1, auto_ack=False)
    deaths = props.headers["x-death"]
    assert [d["queue"] for d in deaths] == [q2, q1]
    amqp.assert_x_death(deaths[0], 1, "rejected", q2, "", [q2])
    amqp.assert_x_death(deaths[1], 1, "rejected", q1, "", [q1])
    assert deaths[0]["time"] > deaths[1]["time"]
    ch.basic_reject(method.delivery_tag, requeue=False)

    method, props, _ = amqp.get_one(ch, q2)
    deaths = props.headers["x-death"]
    assert [d["queue"] for d in deaths] == [q1, q2]
    amqp.assert_x_death(deaths[0], 2, "rejected", q1, "", [q1])
    amqp.assert_x_death(deaths[1], 1, "rejected", q2, "", [q2])
    assert deaths[0]["time"] == q1_first["time"]
    assert props.headers["x-first-death-queue"] == q1
    assert props.headers["x-first-death-reason"] == "rejected"
    assert props.headers["x-first-death-exchange"] == ""


def test_different_reason_adds_an_entry(ch, amqp):
    # Rejected in q1, then expired in q2 (which dead-letters back to q1): two entries.
    ch.confirm_delivery()
    q1 = amqp.queue_name()
    q2 = amqp.queue_name()
    amqp.declare_queue(ch, q1, arguments={"x-dead-letter-exchange": "",
                                          "x-dead-letter-routing-key": q2})
    amqp.declare_queue(ch, q2, arguments={"x-dead-letter-exchange": "",
                                          "x-dead-letter-routing-key": q1,
                                          "x-message-ttl": 50})
    ch.basic_publish("", q1, b"x")
    method, _, _ = amqp.get_one(ch, q1, auto_ack=False)
    ch.basic_reject(method.delivery_tag, requeue=False)
    method, props, _ = amqp.get_one(ch, q1, timeout=3)
    deaths = props.headers["x-death"]
    assert [(d["queue"], d["reason"]) for d in deaths] == [(q2, "expired"), (q1, "rejected")]
    amqp.assert_x_death(deaths[0], 1, "expired", q2, "", [q2])
    amqp.assert_x_death(deaths[1], 1, "rejected", q1, "", [q1])
    assert props.headers["x-first-death-reason"] == "rejected"
    assert props.headers["x-first-death-queue"] == q1


def test_cc_keys_without_dead_letter_routing_key(ch, amqp):
    # No x-dead-letter-routing-key: the message is dead-lettered with all its original routing
    # keys. RabbitMQ 3.10 keeps the CC header, lists routing key + CC keys in routing-keys,
    # and (BCC being part of the message's routing keys internally) also routes by the BCC
    # keys, which appear neither in the headers nor in routing-keys.
    ch.confirm_delivery()
    src = amqp.declare_exchange(ch, "direct")
    dlx = amqp.declare_exchange(ch, "direct")
    work = amqp.declare_queue(ch, arguments={"x-dead-letter-exchange": dlx})
    dead = {}
    for key in ("k1", "k2", "k3"):
        ch.queue_bind(work, src, key)
        dead[key] = amqp.declare_queue(ch)
        ch.queue_bind(dead[key], dlx, key)
    ch.basic_publish(src, "k1", b"cc", pika.BasicProperties(
        headers={"CC": ["k2"], "BCC": ["k3"], "h": "v"}))
    assert amqp.message_count(ch, work) == 1  # one copy, whatever the number of keys
    method, props, _ = amqp.get_one(ch, work, auto_ack=False)
    assert props.headers == {"CC": ["k2"], "h": "v"}  # BCC removed on publish
    ch.basic_reject(method.delivery_tag, requeue=False)
    # PolyMQ drops the BCC keys with the header at publish (docs/queue-features.md), so a
    # dead-lettered copy is routed by the routing key and CC only.
    keys = ("k1", "k2", "k3") if amqp.is_rabbitmq(ch.connection) else ("k1", "k2")
    if not amqp.is_rabbitmq(ch.connection):
        assert amqp.message_count(ch, dead["k3"]) == 0
    for key in keys:
        method, props, body = amqp.get_one(ch, dead[key])
        assert body == b"cc", key
        assert method.routing_key == "k1"
        assert props.headers["CC"] == ["k2"]
        assert "BCC" not in props.headers
        (entry,) = props.headers["x-death"]
        amqp.assert_x_death(entry, 1, "rejected", work, src, ["k1", "k2"])


def test_dead_letter_routing_key_replaces_keys_and_drops_cc(ch, amqp):
    ch.confirm_delivery()
    src = amqp.declare_exchange(ch, "direct")
    dlx = amqp.declare_exchange(ch, "direct")
    work = amqp.declare_queue(ch, arguments={"x-dead-letter-exchange": dlx,
                                             "x-dead-letter-routing-key": "dead"})
    ch.queue_bind(work, src, "k1")
    dead = amqp.declare_queue(ch)
    ch.queue_bind(dead, dlx, "dead")
    by_cc = amqp.declare_queue(ch)
    ch.queue_bind(by_cc, dlx, "k2")
    ch.basic_publish(src, "k1", b"cc", pika.BasicProperties(headers={"CC": ["k2"]}))
    method, _, _ = amqp.get_one(ch, work, auto_ack=False)
    ch.basic_reject(method.delivery_tag, requeue=False)
    method, props, _ = amqp.get_one(ch, dead)
    assert method.routing_key == "dead"
    assert "CC" not in props.headers
    (entry,) = props.headers["x-death"]
    # routing-keys records the keys the message had, CC included.
    amqp.assert_x_death(entry, 1, "rejected", work, src, ["k1", "k2"])
    assert amqp.message_count(ch, by_cc) == 0


def test_missing_dead_letter_exchange_drops_message(conn, ch, amqp):
    ch.confirm_delivery()
    missing = amqp.exchange_name()  # never declared
    queue = amqp.declare_queue(ch, arguments={"x-dead-letter-exchange": missing})
    ch.basic_publish("", queue, b"gone")
    method, _, _ = amqp.get_one(ch, queue, auto_ack=False)
    ch.basic_reject(method.delivery_tag, requeue=False)
    amqp.sync(ch)
    assert ch.is_open
    assert amqp.message_count(ch, queue) == 0
    assert not amqp.exchange_exists(conn, missing)
    amqp.assert_connection_usable(conn)


def test_missing_dead_letter_exchange_drops_expired_message(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-dead-letter-exchange": amqp.exchange_name(),
                                              "x-message-ttl": 50})
    ch.basic_publish("", queue, b"gone")
    assert amqp.poll(lambda: amqp.message_count(ch, queue) == 0, timeout=3)
    assert ch.is_open


def test_ttl_cycle_to_same_queue_is_dropped(ch, amqp):
    # Queue A (TTL) dead-letters into a fanout exchange bound to A itself and to an observer.
    # RabbitMQ 3.10's cycle detection runs when the message is dead-lettered: A already is in
    # its x-death (just added) and the cycle has no rejection, so the copy for A is dropped at
    # once; only the observer gets one copy. The message never re-enters A.
    ch.confirm_delivery()
    dlx = amqp.declare_exchange(ch, "fanout")
    queue_a = amqp.declare_queue(ch, arguments={"x-message-ttl": 100,
                                                "x-dead-letter-exchange": dlx})
    observer = amqp.declare_queue(ch)
    ch.queue_bind(queue_a, dlx)
    ch.queue_bind(observer, dlx)
    ch.basic_publish("", queue_a, b"cycle")
    method, props, body = amqp.get_one(ch, observer, timeout=3)
    assert body == b"cycle"
    (entry,) = props.headers["x-death"]
    amqp.assert_x_death(entry, 1, "expired", queue_a, "", [queue_a])
    # Never back in A, and no further copies.
    deadline = time.monotonic() + 0.6
    while time.monotonic() < deadline:
        assert amqp.message_count(ch, queue_a) == 0
        time.sleep(0.03)
    assert amqp.message_count(ch, observer) == 0


def test_ttl_cycle_via_default_exchange_is_dropped(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch, arguments={"x-message-ttl": 100,
                                              "x-dead-letter-exchange": ""})
    ch.basic_publish("", queue, b"cycle")
    assert amqp.message_count(ch, queue) == 1
    assert amqp.poll(lambda: amqp.message_count(ch, queue) == 0, timeout=3)
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        assert amqp.message_count(ch, queue) == 0
        time.sleep(0.03)


def test_two_queue_ttl_cycle_is_dropped_on_return(ch, amqp):
    # E (TTL) -> F (TTL) -> E: the move to F is fine (F is not in x-death yet); when F
    # expires it, E is in x-death with only expirations since: dropped.
    ch.confirm_delivery()
    e = amqp.queue_name()
    f = amqp.queue_name()
    amqp.declare_queue(ch, e, arguments={"x-message-ttl": 50, "x-dead-letter-exchange": "",
                                         "x-dead-letter-routing-key": f})
    amqp.declare_queue(ch, f, arguments={"x-message-ttl": 300, "x-dead-letter-exchange": "",
                                         "x-dead-letter-routing-key": e})
    ch.basic_publish("", e, b"x")
    assert amqp.poll(lambda: amqp.message_count(ch, f) == 1, timeout=3)
    assert amqp.poll(lambda: amqp.message_count(ch, f) == 0, timeout=3)
    deadline = time.monotonic() + 0.5
    while time.monotonic() < deadline:
        assert amqp.message_count(ch, e) == 0
        assert amqp.message_count(ch, f) == 0
        time.sleep(0.03)


def test_purge_and_delete_do_not_dead_letter(ch, amqp):
    ch.confirm_delivery()
    _, dead, work = _dlx_setup(ch, amqp)
    for i in range(2):
        ch.basic_publish("", work, b"p%d" % i)
    assert ch.queue_purge(work).method.message_count == 2
    ch.basic_publish("", work, b"d")
    assert ch.queue_delete(work).method.message_count == 1
    time.sleep(0.2)
    assert amqp.message_count(ch, dead) == 0


# -- invalid arguments ------------------------------------------------------------------------

def test_dead_letter_routing_key_without_exchange_is_refused(conn, ch, amqp):
    queue = amqp.queue_name()
    exc = amqp.expect_channel_error(
        conn, ch,
        lambda: ch.queue_declare(queue, arguments={"x-dead-letter-routing-key": "rk"}),
        PRECONDITION_FAILED)
    assert exc.reply_text == amqp.invalid_arg_text(
        "x-dead-letter-routing-key", queue, "routing_key_but_no_dlx_defined")


def test_dead_letter_exchange_of_wrong_type_is_refused(conn, ch, amqp):
    queue = amqp.queue_name()
    exc = amqp.expect_channel_error(
        conn, ch,
        lambda: ch.queue_declare(queue, arguments={"x-dead-letter-exchange": 5}),
        PRECONDITION_FAILED)
    # A different wording from the other invalid-argument errors.
    assert exc.reply_text == (
        "PRECONDITION_FAILED - invalid type 'signedint' for arg 'x-dead-letter-exchange' in "
        "queue '%s' in vhost '%s'" % (queue, amqp.vhost))
