"""Exchange types, routing, e2e bindings, alternate exchanges, errors."""

import pika
import pika.exceptions
import pika.spec
import pytest


def _bodies(amqp, ch, queue, expected_count):
    """Return the bodies of every message in ``queue`` (as str)."""
    got = amqp.get_messages(ch, queue, expected_count)
    # Nothing beyond what was expected may be waiting.
    assert ch.basic_get(queue, auto_ack=True)[0] is None
    return [m[2].decode() for m in got]


def _publish_all(ch, exchange, items):
    """Publish (routing_key, body, headers) items."""
    for routing_key, body, headers in items:
        props = pika.BasicProperties(headers=headers)
        ch.basic_publish(exchange, routing_key, body.encode(), props)


# -- routing ---------------------------------------------------------------

def test_default_exchange_routes_by_queue_name(ch, amqp):
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch)
    ch.basic_publish("", queue, b"direct-to-queue")
    assert _bodies(amqp, ch, queue, 1) == ["direct-to-queue"]


def test_fanout_delivers_every_message_to_every_queue(conn, ch, amqp):
    exchange = amqp.declare_exchange(ch, "fanout")
    q1 = amqp.declare_queue(ch)
    q2 = amqp.declare_queue(ch)
    ch.queue_bind(q1, exchange)
    ch.queue_bind(q2, exchange, routing_key="ignored-key")

    messages = [b"fan-%d" % i for i in range(20)]
    got1 = []
    got2 = []
    c1 = conn.channel()
    c2 = conn.channel()
    c1.basic_consume(q1, lambda c, m, p, b: got1.append(b), auto_ack=True)
    c2.basic_consume(q2, lambda c, m, p, b: got2.append(b), auto_ack=True)
    for i, body in enumerate(messages):
        ch.basic_publish(exchange, "rk-%d" % i, body)
    assert amqp.wait_for(conn, lambda: len(got1) == 20 and len(got2) == 20)
    assert got1 == messages
    assert got2 == messages


def test_direct_routes_by_exact_key(ch, amqp):
    ch.confirm_delivery()
    exchange = amqp.declare_exchange(ch, "direct")
    q_info = amqp.declare_queue(ch)
    q_err = amqp.declare_queue(ch)
    ch.queue_bind(q_info, exchange, routing_key="info")
    ch.queue_bind(q_err, exchange, routing_key="error")
    ch.queue_bind(q_err, exchange, routing_key="critical")
    _publish_all(ch, exchange, [
        ("info", "i1", None),
        ("error", "e1", None),
        ("critical", "c1", None),
        ("debug", "d1", None),          # no binding
        ("INFO", "I1", None),           # keys are case sensitive
        ("info ", "i-space", None),
    ])
    assert _bodies(amqp, ch, q_info, 1) == ["i1"]
    assert _bodies(amqp, ch, q_err, 2) == ["e1", "c1"]


def test_direct_same_key_multiple_queues(ch, amqp):
    ch.confirm_delivery()
    exchange = amqp.declare_exchange(ch, "direct")
    queues = [amqp.declare_queue(ch) for _ in range(3)]
    for q in queues:
        ch.queue_bind(q, exchange, routing_key="shared")
    ch.basic_publish(exchange, "shared", b"to-all")
    for q in queues:
        assert _bodies(amqp, ch, q, 1) == ["to-all"]


# Observed with RabbitMQ 3.10: "*" matches exactly one (possibly empty)
# word, "#" zero or more words; the empty routing key has zero words.
TOPIC_PATTERNS = {
    "*.orange.*": ["quick.orange.rabbit", "lazy.orange.elephant",
                   "quick.orange.fox"],
    "*.*.rabbit": ["quick.orange.rabbit"],
    "lazy.#": ["lazy.orange.elephant", "lazy", "lazy.orange.male.rabbit"],
    "a.#.b": ["a.b", "a.x.b", "a.x.y.b", "a..b"],
    "#.b": ["a.b", "a.x.b", "a.x.y.b", "b", ".b", "a..b"],
    "*": ["orange", "lazy", "lazyx", "b", "a"],
    "a.*": ["a.b", "a."],
    "": [""],
    "*.#": None,  # everything except ""
    "#": None,    # everything
}
TOPIC_KEYS = ["quick.orange.rabbit", "lazy.orange.elephant",
              "quick.orange.fox", "orange", "quick.orange.male.rabbit",
              "lazy", "lazy.orange.male.rabbit", "lazyx", "a.b", "a.x.b",
              "a.x.y.b", "a.b.c", "b", "a", "", "a.", "..", ".b", "a..b"]


def test_topic_wildcards(ch, amqp):
    exchange = amqp.declare_exchange(ch, "topic")
    queues = {}
    for pattern in TOPIC_PATTERNS:
        queues[pattern] = amqp.declare_queue(ch)
        ch.queue_bind(queues[pattern], exchange, routing_key=pattern)
    ch.confirm_delivery()
    _publish_all(ch, exchange, [(k, k, None) for k in TOPIC_KEYS])
    for pattern, expected in TOPIC_PATTERNS.items():
        if expected is None:
            expected = [k for k in TOPIC_KEYS if k or pattern == "#"]
        got = _bodies(amqp, ch, queues[pattern], len(expected))
        assert got == expected, pattern


def test_topic_overlapping_bindings_deliver_once(ch, amqp):
    ch.confirm_delivery()
    exchange = amqp.declare_exchange(ch, "topic")
    queue = amqp.declare_queue(ch)
    for pattern in ("#", "a.*", "a.b", "*.b"):
        ch.queue_bind(queue, exchange, routing_key=pattern)
    ch.basic_publish(exchange, "a.b", b"a.b")
    assert _bodies(amqp, ch, queue, 1) == ["a.b"]


HEADER_BINDINGS = {
    "all": {"x-match": "all", "format": "pdf", "type": "report"},
    "any": {"x-match": "any", "format": "pdf", "type": "log"},
    "all-empty": {"x-match": "all"},
    "any-empty": {"x-match": "any"},
    "all-ignores-x-keys": {"x-match": "all", "x-foo": "bar",
                           "format": "pdf"},
    "default-is-all": {"format": "zip"},
    "typed-int": {"x-match": "all", "n": 1},
    "no-arguments": None,
}
HEADER_MESSAGES = [
    ("1", {"format": "pdf", "type": "report"}),
    ("2", {"format": "pdf", "type": "log"}),
    ("3", {"format": "zip"}),
    ("4", None),
    ("5", {"format": "pdf", "type": "report", "extra": 1}),
    ("6", {"type": "log"}),
    ("7", {"n": 1}),
    ("8", {"n": "1"}),
    ("9", {"format": "pdf"}),
    ("10", {"format": "pdf", "x-foo": "bar"}),
    ("11", {}),
]
HEADER_EXPECTED = {
    "all": ["1", "5"],
    "any": ["1", "2", "5", "6", "9", "10"],
    "all-empty": [m for m, _ in HEADER_MESSAGES],
    "any-empty": [],
    "all-ignores-x-keys": ["1", "2", "5", "9", "10"],
    "default-is-all": ["3"],
    "typed-int": ["7"],          # value types must match: 1 != "1"
    "no-arguments": [m for m, _ in HEADER_MESSAGES],
}


def test_headers_exchange_matching(ch, amqp):
    exchange = amqp.declare_exchange(ch, "headers")
    queues = {}
    for name, args in HEADER_BINDINGS.items():
        queues[name] = amqp.declare_queue(ch)
        ch.queue_bind(queues[name], exchange, routing_key="",
                      arguments=args)
    ch.confirm_delivery()
    _publish_all(ch, exchange, [("ignored", body, headers)
                                for body, headers in HEADER_MESSAGES])
    for name, expected in HEADER_EXPECTED.items():
        assert _bodies(amqp, ch, queues[name], len(expected)) == expected, \
            name


def test_headers_unbind_with_arguments(ch, amqp):
    ch.confirm_delivery()
    exchange = amqp.declare_exchange(ch, "headers")
    queue = amqp.declare_queue(ch)
    args = {"x-match": "any", "k": "v"}
    ch.queue_bind(queue, exchange, arguments=args)
    ch.basic_publish(exchange, "", b"before",
                     pika.BasicProperties(headers={"k": "v"}))
    ch.queue_unbind(queue, exchange, arguments=args)
    ch.basic_publish(exchange, "", b"after",
                     pika.BasicProperties(headers={"k": "v"}))
    assert _bodies(amqp, ch, queue, 1) == ["before"]


@pytest.mark.parametrize("name,exchange_type", [
    ("amq.direct", "direct"),
    ("amq.fanout", "fanout"),
    ("amq.topic", "topic"),
    ("amq.headers", "headers"),
    ("amq.match", "headers"),
])
def test_predeclared_exchanges_exist(conn, ch, amqp, name, exchange_type):
    ch.exchange_declare(name, passive=True)
    # Redeclaring with the same (durable) attributes is also accepted.
    ch.exchange_declare(name, exchange_type=exchange_type, durable=True)
    # And they route.
    ch.confirm_delivery()
    queue = amqp.declare_queue(ch)
    if exchange_type == "headers":
        ch.queue_bind(queue, name, arguments={"x-match": "all", "h": "v"})
        props = pika.BasicProperties(headers={"h": "v"})
    else:
        ch.queue_bind(queue, name, routing_key="pikatest.key." + queue)
        props = None
    ch.basic_publish(name, "pikatest.key." + queue, b"via-" + name.encode(),
                     props)
    assert _bodies(amqp, ch, queue, 1) == ["via-" + name]


def test_exchange_to_exchange_binding(ch, amqp):
    ch.confirm_delivery()
    source = amqp.declare_exchange(ch, "direct")
    destination = amqp.declare_exchange(ch, "fanout")
    queue = amqp.declare_queue(ch)
    ch.queue_bind(queue, destination)
    ch.exchange_bind(destination=destination, source=source,
                     routing_key="via")
    ch.basic_publish(source, "via", b"routed-1")
    ch.basic_publish(source, "other", b"not-routed")
    assert _bodies(amqp, ch, queue, 1) == ["routed-1"]

    ch.exchange_unbind(destination=destination, source=source,
                       routing_key="via")
    ch.basic_publish(source, "via", b"after-unbind")
    ch.basic_publish(destination, "", b"direct-to-destination")
    assert _bodies(amqp, ch, queue, 1) == ["direct-to-destination"]


def test_exchange_to_exchange_chain_and_cycle(ch, amqp):
    ch.confirm_delivery()
    x1 = amqp.declare_exchange(ch, "topic")
    x2 = amqp.declare_exchange(ch, "topic")
    x3 = amqp.declare_exchange(ch, "fanout")
    queue = amqp.declare_queue(ch)
    ch.exchange_bind(destination=x2, source=x1, routing_key="a.#")
    ch.exchange_bind(destination=x3, source=x2, routing_key="*.b")
    ch.exchange_bind(destination=x1, source=x3)   # cycle back to x1
    ch.queue_bind(queue, x3)
    ch.queue_bind(queue, x1, routing_key="a.b")   # second path to queue
    ch.basic_publish(x1, "a.b", b"a.b")
    ch.basic_publish(x1, "a.c", b"a.c")
    # Exactly one copy despite two paths and a cycle.
    assert _bodies(amqp, ch, queue, 1) == ["a.b"]


def test_alternate_exchange_catches_unroutable(ch, amqp):
    ae = amqp.declare_exchange(ch, "fanout")
    ae_queue = amqp.declare_queue(ch)
    ch.queue_bind(ae_queue, ae)
    exchange = amqp.declare_exchange(
        ch, "direct", arguments={"alternate-exchange": ae})
    main_queue = amqp.declare_queue(ch)
    ch.queue_bind(main_queue, exchange, routing_key="known")

    returned = []
    ch.add_on_return_callback(lambda *args: returned.append(args))
    ch.confirm_delivery()
    ch.basic_publish(exchange, "known", b"routed")
    # mandatory is satisfied by the alternate exchange: no basic.return.
    ch.basic_publish(exchange, "unknown", b"to-ae", mandatory=True)
    ch.basic_publish(exchange, "unknown-2", b"to-ae-2")
    assert _bodies(amqp, ch, main_queue, 1) == ["routed"]
    assert _bodies(amqp, ch, ae_queue, 2) == ["to-ae", "to-ae-2"]
    assert returned == []


def test_alternate_exchange_missing_is_unroutable(ch, amqp):
    exchange = amqp.declare_exchange(
        ch, "direct",
        arguments={"alternate-exchange": amqp.exchange_name()})
    ch.confirm_delivery()
    with pytest.raises(pika.exceptions.UnroutableError) as info:
        ch.basic_publish(exchange, "nowhere", b"lost", mandatory=True)
    method = info.value.messages[0].method
    assert method.reply_code == pika.spec.NO_ROUTE
    assert method.reply_text == "NO_ROUTE"


def test_exchange_delete_removes_bindings(conn, ch, amqp):
    exchange = amqp.declare_exchange(ch, "fanout")
    queue = amqp.declare_queue(ch)
    ch.queue_bind(queue, exchange)
    ch.exchange_delete(exchange)
    assert not amqp.exchange_exists(conn, exchange)
    # Recreate: the old binding must be gone.
    ch = conn.channel()
    ch.confirm_delivery()
    amqp.declare_exchange(ch, "fanout", name=exchange)
    with pytest.raises(pika.exceptions.UnroutableError):
        ch.basic_publish(exchange, "", b"x", mandatory=True)
    assert amqp.message_count(ch, queue) == 0


def test_exchange_delete_if_unused_on_unbound_exchange(conn, ch, amqp):
    exchange = amqp.declare_exchange(ch, "direct")
    ch.exchange_delete(exchange, if_unused=True)
    assert not amqp.exchange_exists(conn, exchange)


def test_exchange_delete_missing_is_ok(ch, amqp):
    # RabbitMQ: exchange.delete of a missing exchange is a no-op, not 404.
    ch.exchange_delete(amqp.exchange_name())
    assert ch.is_open
    amqp.sync(ch)


def test_auto_delete_exchange_deleted_after_last_unbind(conn, ch, amqp):
    exchange = amqp.declare_exchange(ch, "fanout", auto_delete=True)
    queue = amqp.declare_queue(ch)
    # Never bound: still there.
    assert amqp.exchange_exists(conn, exchange)
    ch.queue_bind(queue, exchange)
    ch.queue_unbind(queue, exchange)
    assert amqp.wait_for(conn, lambda: not amqp.exchange_exists(conn,
                                                                exchange))


# -- errors ----------------------------------------------------------------

def test_publish_to_internal_exchange_is_refused(conn, ch, amqp):
    exchange = amqp.declare_exchange(ch, "fanout", internal=True)
    amqp.expect_channel_error(
        conn, ch, lambda: ch.basic_publish(exchange, "", b"nope"),
        pika.spec.ACCESS_REFUSED, "internal exchange")


def test_internal_exchange_reachable_via_exchange_binding(ch, amqp):
    ch.confirm_delivery()
    internal = amqp.declare_exchange(ch, "fanout", internal=True)
    front = amqp.declare_exchange(ch, "fanout")
    queue = amqp.declare_queue(ch)
    ch.queue_bind(queue, internal)
    ch.exchange_bind(destination=internal, source=front)
    ch.basic_publish(front, "", b"through-internal")
    assert _bodies(amqp, ch, queue, 1) == ["through-internal"]


def test_publish_to_missing_exchange(conn, ch, amqp):
    missing = amqp.exchange_name()
    amqp.expect_channel_error(
        conn, ch, lambda: ch.basic_publish(missing, "k", b"nope"),
        pika.spec.NOT_FOUND, "no exchange")


def test_exchange_delete_if_unused_on_bound_exchange(conn, ch, amqp):
    exchange = amqp.declare_exchange(ch, "direct")
    queue = amqp.declare_queue(ch)
    ch.queue_bind(queue, exchange, routing_key="k")
    amqp.expect_channel_error(
        conn, ch, lambda: ch.exchange_delete(exchange, if_unused=True),
        pika.spec.PRECONDITION_FAILED, "in use")
    assert amqp.exchange_exists(conn, exchange)


def test_exchange_delete_if_unused_with_exchange_binding(conn, ch, amqp):
    source = amqp.declare_exchange(ch, "direct")
    destination = amqp.declare_exchange(ch, "direct")
    ch.exchange_bind(destination=destination, source=source, routing_key="k")
    amqp.expect_channel_error(
        conn, ch, lambda: ch.exchange_delete(source, if_unused=True),
        pika.spec.PRECONDITION_FAILED, "in use")


def test_passive_declare_missing_exchange(conn, ch, amqp):
    missing = amqp.exchange_name()
    amqp.expect_channel_error(
        conn, ch, lambda: ch.exchange_declare(missing, passive=True),
        pika.spec.NOT_FOUND, "no exchange")


def test_redeclare_exchange_with_different_type(conn, ch, amqp):
    exchange = amqp.declare_exchange(ch, "direct")
    amqp.expect_channel_error(
        conn, ch, lambda: ch.exchange_declare(exchange,
                                              exchange_type="fanout"),
        pika.spec.PRECONDITION_FAILED, "inequivalent arg 'type'")


def test_redeclare_exchange_with_different_durable(conn, ch, amqp):
    exchange = amqp.declare_exchange(ch, "direct", durable=False)
    amqp.expect_channel_error(
        conn, ch, lambda: ch.exchange_declare(exchange, "direct",
                                              durable=True),
        pika.spec.PRECONDITION_FAILED, "inequivalent arg 'durable'")


def test_redeclare_exchange_same_attributes_is_ok(ch, amqp):
    exchange = amqp.declare_exchange(ch, "topic", durable=True)
    ch.exchange_declare(exchange, "topic", durable=True)
    ch.exchange_declare(exchange, "fanout", passive=True)  # passive: no check
    assert ch.is_open


def test_declare_reserved_amq_prefix_is_refused(conn, ch, amqp):
    name = "amq.pikatest-" + amqp.exchange_name()
    amqp.expect_channel_error(
        conn, ch, lambda: ch.exchange_declare(name, "direct"),
        pika.spec.ACCESS_REFUSED, "reserved prefix 'amq.*'")


def test_unknown_exchange_type_is_connection_error(conn, ch, amqp):
    name = amqp.exchange_name()
    amqp.expect_connection_error(
        conn, lambda: ch.exchange_declare(name, "x-pikatest-no-such-type"),
        pika.spec.COMMAND_INVALID, "unknown exchange type")


def test_exchange_bind_missing_source(conn, ch, amqp):
    destination = amqp.declare_exchange(ch, "fanout")
    missing = amqp.exchange_name()
    amqp.expect_channel_error(
        conn, ch, lambda: ch.exchange_bind(destination=destination,
                                           source=missing),
        pika.spec.NOT_FOUND, "no exchange")


def test_bind_queue_to_default_exchange_is_refused(conn, ch, amqp):
    queue = amqp.declare_queue(ch)
    amqp.expect_channel_error(
        conn, ch, lambda: ch.queue_bind(queue, "", routing_key="x"),
        pika.spec.ACCESS_REFUSED, "default exchange")


def test_delete_default_exchange_is_refused(conn, ch, amqp):
    amqp.expect_channel_error(
        conn, ch, lambda: ch.exchange_delete(""),
        pika.spec.ACCESS_REFUSED, "default exchange")


def test_declare_default_exchange_is_refused(conn, ch, amqp):
    # Not even a passive declare may name the default exchange (RabbitMQ 3.x).
    amqp.expect_channel_error(
        conn, ch, lambda: ch.exchange_declare("", "direct"),
        pika.spec.ACCESS_REFUSED,
        "ACCESS_REFUSED - operation not permitted on the default exchange")
    ch = conn.channel()
    amqp.expect_channel_error(
        conn, ch, lambda: ch.exchange_declare("", passive=True),
        pika.spec.ACCESS_REFUSED, "operation not permitted on the default exchange")


def test_cr_and_lf_are_removed_from_exchange_names(conn, ch, amqp):
    name = amqp.exchange_name()
    ch.exchange_declare(name + "\r\n", "fanout")
    assert amqp.exchange_exists(conn, name)
    ch.exchange_declare("\n" + name, passive=True)
    ch.exchange_delete(name + "\r")
    assert not amqp.exchange_exists(conn, name)


def test_cc_and_bcc_keys_route_at_every_exchange(conn, ch, amqp):
    # RabbitMQ routes by the routing key and every CC/BCC key at each exchange a message
    # reaches, exchange-to-exchange bindings included.
    ch.confirm_delivery()
    source = amqp.declare_exchange(ch, "direct")
    middle = amqp.declare_exchange(ch, "direct")
    ch.exchange_bind(destination=middle, source=source, routing_key="hop")
    by_bcc = amqp.declare_queue(ch)
    by_cc = amqp.declare_queue(ch)
    ch.queue_bind(by_bcc, middle, routing_key="bcc-key")
    ch.queue_bind(by_cc, middle, routing_key="cc-key")
    ch.basic_publish(source, "hop", b"bcc", pika.BasicProperties(headers={"BCC": ["bcc-key"]}))
    ch.basic_publish(source, "hop", b"cc", pika.BasicProperties(headers={"CC": ["cc-key"]}))
    # One CC key leads to the middle exchange, another matches there.
    ch.basic_publish(source, "other", b"cc-first-hop",
                     pika.BasicProperties(headers={"CC": ["hop", "cc-key"]}))
    assert _bodies(amqp, ch, by_bcc, 1) == ["bcc"]
    assert sorted(_bodies(amqp, ch, by_cc, 2)) == ["cc", "cc-first-hop"]


@pytest.mark.parametrize("header, value, type_word", [
    ("CC", 7, "signedint"),
    ("BCC", "one-key", "longstr"),
    ("CC", {"k": "v"}, "table"),
    ("BCC", True, "bool"),
])
def test_cc_or_bcc_that_is_not_an_array_is_refused(conn, ch, amqp, header, value, type_word):
    queue = amqp.declare_queue(ch)
    text = ("PRECONDITION_FAILED - invalid message: "
            '{unacceptable_type_in_header,"%s",%s}' % (header, type_word))
    amqp.expect_channel_error(
        conn, ch,
        lambda: ch.basic_publish("", queue, b"x",
                                 pika.BasicProperties(headers={header: value})),
        pika.spec.PRECONDITION_FAILED, text)
    assert amqp.message_count(conn.channel(), queue) == 0
