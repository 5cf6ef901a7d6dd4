"""Operator policies from PolyMQ's config file ([[policies]]), with RabbitMQ's semantics.

The rules, from RabbitMQ's documentation (https://www.rabbitmq.com/parameters.html, "Policies";
https://www.rabbitmq.com/ttl.html, https://www.rabbitmq.com/maxlength.html,
https://www.rabbitmq.com/dlx.html):

* A policy matches a queue when its pattern (a regular expression) matches the queue's name;
  at most one policy applies to a queue: of the matching ones, the one with the greatest
  priority. Its keys are not merged with a lower-priority policy's.
* When a queue argument and the policy both set a numeric limit, the smaller value applies
  (maxlength.html: "the minimum of the two values specified is used"; ttl.html: "the lower
  value of the two will be applied"; the same for expires and a quorum queue's
  delivery-limit).
* For dead-letter-exchange (dlx.html: the queue argument "will override the one specified in
  policy"), dead-letter-routing-key and overflow, the queue's own argument wins.
* Policies are not stored in a queue's arguments: they apply to a durable queue restored at
  start-up as to a new one, and a changed policy changes existing queues (in PolyMQ, whose
  policies come from the config file, at the next start).

These tests start their own PolyMQ with the policies in its config file (see conftest.py).
They were also run against RabbitMQ 3.10 with the same policies set by rabbitmqctl
(POLICIES_REFERENCE=rabbitmq), where every test except the restart and config-error ones
passes: the expected results are RabbitMQ's.
"""

import time

import pika
import pika.exceptions
import pytest


def _publish(ch, queue, bodies, props=None):
    """Publishes with confirms; returns "a"/"n" per message (acked / nacked)."""
    out = ""
    for body in bodies:
        try:
            ch.basic_publish("", queue, body, props)
            out += "a"
        except pika.exceptions.NackError:
            out += "n"
    return out


def _count(ch, queue):
    return ch.queue_declare(queue, passive=True).method.message_count


def _poll(predicate, timeout=3.0, step=0.02):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(step)


def _get(ch, queue, timeout=3.0, auto_ack=True):
    deadline = time.monotonic() + timeout
    while True:
        method, props, body = ch.basic_get(queue, auto_ack=auto_ack)
        if method is not None or time.monotonic() >= deadline:
            return method, props, body
        time.sleep(0.01)


def _drain(ch, queue):
    bodies = []
    while True:
        method, _, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            return bodies
        bodies.append(body)


def _exists(conn, queue):
    probe = conn.channel()
    try:
        probe.queue_declare(queue, passive=True)
    except pika.exceptions.ChannelClosedByBroker as exc:
        assert exc.reply_code == 404, exc
        return False
    probe.close()
    return True


def _dead_letter_target(env, ch, suffix="dlx"):
    exchange = env.exchange(ch, suffix, "fanout")
    queue = env.queue(ch, suffix + ".q")
    ch.queue_bind(queue, exchange)
    return exchange, queue


def test_matching_queue_gets_the_policy_without_arguments(env, make_broker):
    policy = env.policy("ttl-all", env.pattern(r"ttl\."), {
        "message-ttl": 200,
        "dead-letter-exchange": env.name("dlx"),
        "max-length": 2,
        "overflow": "reject-publish",
    })
    broker = make_broker([policy])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    dlx, dead = _dead_letter_target(env, ch)
    queue = env.queue(ch, "ttl.work")   # no x-arguments at all
    # max-length 2 with reject-publish: the third publish is nacked.
    assert _publish(ch, queue, [b"m0", b"m1", b"m2"]) == "aan"
    assert _count(ch, queue) == 2
    # message-ttl 200: both expire, and dead-letter-exchange sends them to the DLX.
    assert _poll(lambda: _count(ch, queue) == 0)
    method, props, body = _get(ch, dead)
    assert body == b"m0"
    (death,) = props.headers["x-death"]
    assert (death["reason"], death["queue"]) == ("expired", queue)
    assert _get(ch, dead)[2] == b"m1"
    # The rejected publish was not dead-lettered (reject-publish, not reject-publish-dlx).
    assert _count(ch, dead) == 0


def test_pattern_is_searched_not_anchored(env, make_broker):
    # A pattern without ^ matches anywhere in the name (RabbitMQ uses a regex search).
    policy = env.policy("mid", env.pattern(r"limited\.", anchored=False), {"max-length": 1})
    broker = make_broker([policy])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    queue = env.queue(ch, None, full_name="in.the.middle." + env.name("limited.q"))
    _publish(ch, queue, [b"1", b"2", b"3"])
    assert _drain(ch, queue) == [b"3"]


def test_non_matching_queue_is_unaffected(env, make_broker):
    policy = env.policy("ttl-all", env.pattern(r"ttl\."), {
        "message-ttl": 100, "max-length": 1, "overflow": "reject-publish"})
    broker = make_broker([policy])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    queue = env.queue(ch, "other.ttl.work")  # "ttl." is not right after the prefix
    assert _publish(ch, queue, [b"a", b"b", b"c"]) == "aaa"
    time.sleep(0.4)
    assert _drain(ch, queue) == [b"a", b"b", b"c"]


@pytest.mark.parametrize("high_first", [False, True])
def test_higher_priority_policy_wins_alone(env, make_broker, high_first):
    low = env.policy("low", env.pattern(r"prio\."), {
        "max-length": 5, "message-ttl": 100, "dead-letter-exchange": env.name("dlx")},
        priority=1)
    high = env.policy("high", env.pattern(r"prio\.high\."), {"max-length": 1}, priority=10)
    broker = make_broker([high, low] if high_first else [low, high])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    dlx, dead = _dead_letter_target(env, ch)
    both = env.queue(ch, "prio.high.q")   # matches both: only "high" applies
    only_low = env.queue(ch, "prio.low.q")
    assert _publish(ch, both, [b"1", b"2", b"3"]) == "aaa"
    assert _publish(ch, only_low, [b"1", b"2", b"3"]) == "aaa"
    time.sleep(0.4)
    # "high": max-length 1 (drop-head); none of "low"'s keys (no TTL, no DLX) are merged in.
    assert _drain(ch, both) == [b"3"]
    # "low" applied to the other queue: its messages expired into the DLX.
    assert _count(ch, only_low) == 0
    assert sorted(_drain(ch, dead)) == [b"1", b"2", b"3"]


def test_max_length_argument_and_policy_smaller_wins(env, make_broker):
    policy = env.policy("len", env.pattern(r"len\."), {
        "max-length": 3, "overflow": "reject-publish"})
    broker = make_broker([policy])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    smaller_arg = env.queue(ch, "len.two", arguments={"x-max-length": 2})
    larger_arg = env.queue(ch, "len.ten", arguments={"x-max-length": 10})
    assert _publish(ch, smaller_arg, [b"%d" % i for i in range(5)]) == "aannn"
    assert _publish(ch, larger_arg, [b"%d" % i for i in range(5)]) == "aaann"


def test_max_length_bytes_argument_and_policy_smaller_wins(env, make_broker):
    policy = env.policy("bytes", env.pattern(r"bytes\."), {"max-length-bytes": 6})
    broker = make_broker([policy])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    smaller_arg = env.queue(ch, "bytes.small", arguments={"x-max-length-bytes": 4})
    larger_arg = env.queue(ch, "bytes.large", arguments={"x-max-length-bytes": 100})
    for queue in (smaller_arg, larger_arg):
        _publish(ch, queue, [b"aa", b"bb", b"cc", b"dd"])
    assert _drain(ch, smaller_arg) == [b"cc", b"dd"]
    assert _drain(ch, larger_arg) == [b"bb", b"cc", b"dd"]


def test_message_ttl_argument_and_policy_smaller_wins(env, make_broker):
    policies = [env.policy("short", env.pattern(r"short\."), {"message-ttl": 100}),
                env.policy("long", env.pattern(r"long\."), {"message-ttl": 60000})]
    broker = make_broker(policies)
    ch = broker.connect().channel()
    ch.confirm_delivery()
    # Policy 100 ms, argument 60 s -> 100 ms.
    policy_smaller = env.queue(ch, "short.q", arguments={"x-message-ttl": 60000})
    # Policy 60 s, argument 100 ms -> 100 ms.
    arg_smaller = env.queue(ch, "long.q", arguments={"x-message-ttl": 100})
    # Policy 60 s alone -> kept.
    policy_only = env.queue(ch, "long.plain")
    for queue in (policy_smaller, arg_smaller, policy_only):
        _publish(ch, queue, [b"x"])
    assert _poll(lambda: _count(ch, policy_smaller) == 0 and _count(ch, arg_smaller) == 0)
    assert _count(ch, policy_only) == 1


def test_expires_policy_deletes_unused_queue(env, make_broker):
    policy = env.policy("exp", env.pattern(r"exp\."), {"expires": 200})
    broker = make_broker([policy])
    conn = broker.connect()
    ch = conn.channel()
    queue = env.queue(ch, "exp.q")
    other = env.queue(ch, "keep.q")
    time.sleep(0.6)
    assert not _exists(conn, queue)
    assert _exists(conn, other)


def test_dead_letter_exchange_argument_wins(env, make_broker):
    policy = env.policy("dl", env.pattern(r"dl\."), {
        "dead-letter-exchange": env.name("dlx.policy")})
    broker = make_broker([policy])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    policy_x, policy_dead = _dead_letter_target(env, ch, "dlx.policy")
    arg_x, arg_dead = _dead_letter_target(env, ch, "dlx.arg")
    with_arg = env.queue(ch, "dl.arg", arguments={"x-dead-letter-exchange": arg_x})
    without = env.queue(ch, "dl.plain")
    for queue in (with_arg, without):
        _publish(ch, queue, [queue.encode()])
        method, _, _ = _get(ch, queue, auto_ack=False)
        ch.basic_reject(method.delivery_tag, requeue=False)
    assert _get(ch, arg_dead)[2] == with_arg.encode()
    assert _get(ch, policy_dead)[2] == without.encode()
    time.sleep(0.1)
    assert _count(ch, arg_dead) == 0 and _count(ch, policy_dead) == 0


def test_dead_letter_routing_key_from_policy_and_argument(env, make_broker):
    policy = env.policy("dlrk", env.pattern(r"dlrk\."), {
        "dead-letter-exchange": env.name("dlx"), "dead-letter-routing-key": "from-policy"})
    broker = make_broker([policy])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    dlx = env.exchange(ch, "dlx", "direct")
    by_policy = env.queue(ch, "dead.policy")
    by_arg = env.queue(ch, "dead.arg")
    ch.queue_bind(by_policy, dlx, "from-policy")
    ch.queue_bind(by_arg, dlx, "from-arg")
    plain = env.queue(ch, "dlrk.plain")
    # RabbitMQ validates the arguments on their own: x-dead-letter-routing-key without an
    # x-dead-letter-exchange argument is refused even though the policy names a DLX.
    probe = ch.connection.channel()
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as info:
        probe.queue_declare(env.name("dlrk.refused"),
                            arguments={"x-dead-letter-routing-key": "from-arg"})
    assert info.value.reply_code == 406
    assert info.value.reply_text.endswith(": routing_key_but_no_dlx_defined")
    with_arg = env.queue(ch, "dlrk.arg", arguments={"x-dead-letter-exchange": dlx,
                                                    "x-dead-letter-routing-key": "from-arg"})
    for queue in (plain, with_arg):
        _publish(ch, queue, [queue.encode()])
        method, _, _ = _get(ch, queue, auto_ack=False)
        ch.basic_reject(method.delivery_tag, requeue=False)
    method, _, body = _get(ch, by_policy)
    assert (body, method.routing_key) == (plain.encode(), "from-policy")
    method, _, body = _get(ch, by_arg)
    assert (body, method.routing_key) == (with_arg.encode(), "from-arg")


def test_overflow_argument_wins(env, make_broker):
    policy = env.policy("ovf", env.pattern(r"ovf\."), {
        "max-length": 2, "overflow": "reject-publish"})
    broker = make_broker([policy])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    queue = env.queue(ch, "ovf.q", arguments={"x-overflow": "drop-head"})
    assert _publish(ch, queue, [b"1", b"2", b"3", b"4"]) == "aaaa"
    assert _drain(ch, queue) == [b"3", b"4"]


def test_delivery_limit_policy_on_quorum_queue_smaller_wins(env, make_broker):
    # RabbitMQ 3.10 applies delivery-limit to quorum queues only; PolyMQ accepts
    # x-queue-type quorum.
    policy = env.policy("dlim", env.pattern(r"dlim\."), {
        "delivery-limit": 1, "dead-letter-exchange": env.name("dlx")})
    broker = make_broker([policy])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    dlx, dead = _dead_letter_target(env, ch)
    plain = env.queue(ch, "dlim.plain", durable=True, arguments={"x-queue-type": "quorum"})
    with_arg = env.queue(ch, "dlim.arg", durable=True,
                         arguments={"x-queue-type": "quorum", "x-delivery-limit": 5})
    for queue in (plain, with_arg):
        _publish(ch, queue, [queue.encode()])
        counts = []
        for _ in range(3):
            method, props, _ = _get(ch, queue, timeout=0.5, auto_ack=False)
            if method is None:
                break
            counts.append(props.headers["x-delivery-count"])
            ch.basic_nack(method.delivery_tag, requeue=True)
        # Limit 1 (min of 1 and 5): delivered twice, then dead-lettered.
        assert counts == [0, 1], queue
        method, props, body = _get(ch, dead)
        assert body == queue.encode()
        assert props.headers["x-death"][0]["reason"] == "delivery_limit"


def test_policy_applies_to_durable_queue_after_restart(env, make_broker):
    policy = env.policy("durable", env.pattern(r"durable\."), {
        "max-length": 2, "dead-letter-exchange": env.name("dlx"), "message-ttl": 60000})
    broker = make_broker([policy])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    dlx = env.exchange(ch, "dlx", "fanout", durable=True)
    dead = env.queue(ch, "dlx.q", durable=True)
    ch.queue_bind(dead, dlx)
    queue = env.queue(ch, "durable.q", durable=True)
    persistent = pika.BasicProperties(delivery_mode=2)
    _publish(ch, queue, [b"before"], persistent)

    broker.restart()
    ch = broker.connect().channel()
    ch.confirm_delivery()
    assert _count(ch, queue) == 1
    _publish(ch, queue, [b"after-1", b"after-2"], persistent)
    # max-length 2 still applies (drop-head), dead-lettering the oldest into the DLX.
    assert _drain(ch, queue) == [b"after-1", b"after-2"]
    method, props, body = _get(ch, dead)
    assert body == b"before"
    assert props.headers["x-death"][0]["reason"] == "maxlen"


def test_changed_policy_applies_after_restart(env, make_broker):
    # Policies are not baked into the queue: with the policy gone from the config, the
    # restored queue has no limit; with a new one, the new limit applies.
    limited = env.policy("lim", env.pattern(r"lim\."), {"max-length": 1})
    broker = make_broker([limited])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    queue = env.queue(ch, "lim.q", durable=True)
    _publish(ch, queue, [b"1", b"2"])
    assert _count(ch, queue) == 1

    broker.restart(policies=[])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    ch.queue_purge(queue)
    _publish(ch, queue, [b"3", b"4", b"5"])
    assert _count(ch, queue) == 3

    broker.restart(policies=[env.policy("lim2", env.pattern(r"lim\."), {
        "max-length": 2, "overflow": "reject-publish"})])
    ch = broker.connect().channel()
    ch.confirm_delivery()
    assert _publish(ch, queue, [b"6", b"7", b"8"]) == "aan"


def test_unsupported_policy_key_refuses_to_start(env, make_broker):
    # PolyMQ only: a key it does not implement is a config error, not silently ignored.
    broker = make_broker([env.policy("ha", ".*", {"ha-mode": "all"})], start=False)
    code, output = broker.start_expecting_failure()
    assert code != 0
    assert env.name("ha") in output
    assert "ha-mode" in output
