"""Per-vhost permissions, set through the management API and enforced on AMQP 0-9-1 as RabbitMQ
enforces them (rabbit_channel's checks, its ACCESS_REFUSED and NOT_ALLOWED texts), kept with the
definitions across a kill -9."""

import pika
import pytest

from management_api import Api
from polymq_process import params

FULL = {"configure": ".*", "write": ".*", "read": ".*"}
# bob may configure, write and read only resources named bob.*
BOB_ONLY = {"configure": "^bob\\.", "write": "^bob\\.", "read": "^bob\\."}


@pytest.fixture
def bob(api):
    """A user 'bob' (password 'pw', no tags) and a vhost 'dev' made by guest."""
    assert api.put("/vhosts/dev").status_code == 201
    assert api.put("/users/bob", {"password": "pw", "tags": ""}).status_code == 201
    return "bob"


def connect(broker, user="bob", vhost="dev"):
    return pika.BlockingConnection(params(broker.port, virtual_host=vhost,
                                          credentials=pika.PlainCredentials(user, "pw")))


def refused(fn):
    """Runs fn, which must make the broker close the channel; returns (code, text)."""
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as e:
        fn()
    return e.value.reply_code, e.value.reply_text


def test_a_user_without_a_grant_cannot_open_the_vhost(api, broker, bob):
    # pika reports a close during connection.open as a probable access denial.
    with pytest.raises(pika.exceptions.ProbableAccessDeniedError) as e:
        connect(broker)
    expected = '(530) "NOT_ALLOWED - access to vhost \'dev\' refused for user \'bob\'"'
    assert expected in str(e.value)
    # The vhost's maker got a grant with it (as RabbitMQ's API gives), a new user none.
    assert api.get("/permissions/dev/guest").json() == dict(user="guest", vhost="dev", **FULL)
    assert api.get("/users/bob/permissions").json() == []
    assert api.put("/permissions/dev/bob", FULL).status_code == 201
    connect(broker).close()
    assert api.delete("/permissions/dev/bob").status_code == 204
    with pytest.raises(pika.exceptions.ProbableAccessDeniedError):
        connect(broker)


def test_each_operation_needs_its_permission_on_its_resource(api, broker, bob):
    # Things bob's patterns do not cover, made by guest.
    g = pika.BlockingConnection(params(broker.port, virtual_host="dev")).channel()
    g.queue_declare("other")
    g.exchange_declare("other.x", "direct")
    assert api.put("/permissions/dev/bob", BOB_ONLY).status_code == 201
    conn = connect(broker)

    def channel():
        return conn.channel()

    ch = channel()
    ch.queue_declare("bob.q")
    ch.exchange_declare("bob.x", "direct")
    ch.queue_bind("bob.q", "bob.x", "k")
    ch.basic_publish("bob.x", "k", b"hello")
    method, _, body = ch.basic_get("bob.q", auto_ack=True)
    assert body == b"hello"
    # A passive declare needs no permission.
    ch.queue_declare("other", passive=True)
    ch.exchange_declare("other.x", passive=True)

    def text(kind, name):
        return "ACCESS_REFUSED - access to %s '%s' in vhost 'dev' refused for user 'bob'" % (
            kind, name)

    assert refused(lambda: channel().queue_declare("other")) == (403, text("queue", "other"))
    assert refused(lambda: channel().exchange_declare("other.y", "fanout")) == (
        403, text("exchange", "other.y"))
    assert refused(lambda: channel().queue_delete("other")) == (403, text("queue", "other"))
    assert refused(lambda: channel().queue_purge("other")) == (403, text("queue", "other"))
    assert refused(lambda: channel().exchange_delete("other.x")) == (
        403, text("exchange", "other.x"))
    assert refused(lambda: channel().basic_get("other")) == (403, text("queue", "other"))
    assert refused(lambda: channel().basic_consume("other", lambda *a: None)) == (
        403, text("queue", "other"))
    # Binding reads from the source exchange and writes into the destination.
    assert refused(lambda: channel().queue_bind("bob.q", "other.x", "k")) == (
        403, text("exchange", "other.x"))
    assert refused(lambda: channel().queue_bind("other", "bob.x", "k")) == (
        403, text("queue", "other"))
    assert refused(lambda: channel().exchange_bind("other.x", "bob.x", "k")) == (
        403, text("exchange", "other.x"))

    # Publishing to the default exchange is writing to amq.default.
    def publish_default():
        c = channel()
        c.confirm_delivery()
        c.basic_publish("", "bob.q", b"x")
    assert refused(publish_default) == (403, text("exchange", "amq.default"))
    # Nothing of that reached the queue; bob's own channel is still usable.
    assert ch.queue_declare("bob.q", passive=True).method.message_count == 0
    conn.close()


def test_changed_permissions_apply_to_new_connections(api, broker, bob):
    assert api.put("/permissions/dev/bob", FULL).status_code == 201
    conn = connect(broker)
    conn.channel().queue_declare("anything")
    conn.close()
    assert api.put("/permissions/dev/bob", dict(FULL, configure="")).status_code == 204
    conn = connect(broker)
    code, reply = refused(lambda: conn.channel().queue_declare("anything-else"))
    assert code == 403 and "queue 'anything-else'" in reply
    # Reading and writing still work: an empty pattern only takes configure away.
    ch = conn.channel()
    ch.basic_publish("", "anything", b"m")
    assert ch.basic_get("anything", auto_ack=True)[2] == b"m"
    conn.close()


def test_bad_patterns_are_refused(api, bob):
    r = api.put("/permissions/dev/bob", dict(FULL, read="(["))
    assert r.status_code == 400
    assert api.get("/permissions/dev/bob").status_code == 404


def test_permissions_survive_kill_9_and_go_with_their_user(api, broker, bob):
    assert api.put("/permissions/dev/bob", BOB_ONLY).status_code == 201
    assert api.put("/users/carol", {"password": "pw", "tags": ""}).status_code == 201
    assert api.put("/permissions/dev/carol", FULL).status_code == 201
    assert api.delete("/users/carol").status_code == 204
    assert api.put("/vhosts/gone").status_code == 201
    assert api.put("/permissions/gone/bob", FULL).status_code == 201
    assert api.delete("/vhosts/gone").status_code == 204
    broker.kill()
    broker.start()
    api = Api(broker)
    grants = {(p["vhost"], p["user"]): (p["configure"], p["write"], p["read"])
              for p in api.get("/permissions").json()}
    assert grants == {("/", "guest"): (".*", ".*", ".*"), ("dev", "guest"): (".*", ".*", ".*"),
                      ("dev", "bob"): ("^bob\\.", "^bob\\.", "^bob\\.")}
    # And they are enforced after the restart.
    conn = connect(broker)
    code, _ = refused(lambda: conn.channel().queue_declare("nope"))
    assert code == 403
    conn.channel().queue_declare("bob.q")
    conn.close()
    # The export carries them, so RabbitMQ grants the same on import.
    exported = api.get("/definitions").json()["permissions"]
    assert dict(user="bob", vhost="dev", **BOB_ONLY) in exported


def dlx_text(kind, name):
    return "ACCESS_REFUSED - access to %s '%s' in vhost 'dev' refused for user 'bob'" % (
        kind, name)


def test_a_new_queue_needs_read_on_itself_and_write_on_its_dead_letter_exchange(
        api, broker, bob):
    """RabbitMQ 3.10's queue.declare: after configure on the queue, a new queue with an
    x-dead-letter-exchange needs read on the queue and write on the exchange (existing or
    not; the default exchange is amq.default); a wrongly typed one is a 406 first."""
    g = pika.BlockingConnection(params(broker.port, virtual_host="dev")).channel()
    g.exchange_declare("dlx", "fanout")
    g.queue_declare("made", arguments={"x-dead-letter-exchange": "dlx"})
    # bob may configure and read anything, write nothing.
    assert api.put("/permissions/dev/bob",
                   {"configure": ".*", "write": "^$", "read": ".*"}).status_code == 201
    conn = connect(broker)

    def declare(queue, dlx, **kw):
        return lambda: conn.channel().queue_declare(
            queue, arguments={"x-dead-letter-exchange": dlx}, **kw)

    assert refused(declare("q", "dlx")) == (403, dlx_text("exchange", "dlx"))
    assert refused(declare("q", "missing")) == (403, dlx_text("exchange", "missing"))
    assert refused(declare("q", "")) == (403, dlx_text("exchange", "amq.default"))
    # pika sends 5 as a signed 32-bit integer.
    assert refused(declare("q", 5)) == (
        406, "PRECONDITION_FAILED - invalid type 'signedint' for arg 'x-dead-letter-exchange' in "
        "queue 'q' in vhost 'dev'")
    assert api.get("/queues/dev/q").status_code == 404
    # A queue that exists is not checked again, passive or not.
    ch = conn.channel()
    assert ch.queue_declare("made", arguments={"x-dead-letter-exchange": "dlx"}).method.queue \
        == "made"
    assert ch.queue_declare("made", passive=True).method.queue == "made"
    # Without a dead-letter exchange the queue needs configure only.
    ch.queue_declare("plain", arguments={"x-message-ttl": 1000})
    conn.close()

    # Read on the queue comes first.
    assert api.put("/permissions/dev/bob",
                   {"configure": ".*", "write": ".*", "read": "^$"}).status_code == 204
    conn = connect(broker)
    assert refused(declare("q", "dlx")) == (403, dlx_text("queue", "q"))
    conn.close()
    # And configure before both.
    assert api.put("/permissions/dev/bob",
                   {"configure": "^$", "write": "^$", "read": "^$"}).status_code == 204
    conn = connect(broker)
    assert refused(declare("q", "dlx")) == (403, dlx_text("queue", "q"))
    conn.close()

    # With read on q and write on dlx, the queue is made and dead-letters to dlx.
    assert api.put("/permissions/dev/bob",
                   {"configure": ".*", "write": "^dlx$", "read": "^q$"}).status_code == 204
    conn = connect(broker)
    conn.channel().queue_declare("q", arguments={"x-dead-letter-exchange": "dlx"})
    conn.close()
    assert api.get("/queues/dev/q").json()["arguments"] == {"x-dead-letter-exchange": "dlx"}


def test_the_api_checks_a_new_queues_dead_letter_exchange_as_amqp_does(api, broker, bob):
    """PUT /api/queues declares as the user: 401 "Access refused." without read on the queue
    or write on its dead-letter exchange, 400 with AMQP's text for a wrong type."""
    assert api.put("/users/bob", {"password": "pw", "tags": "management"}).status_code == 204
    assert api.put("/exchanges/dev/dlx", {"type": "fanout"}).status_code == 201
    assert api.put("/queues/dev/made",
                   {"arguments": {"x-dead-letter-exchange": "dlx"}}).status_code == 201
    as_bob = Api(broker, "bob", "pw")
    refusal = {"error": "not_authorised", "reason": "Access refused."}

    def put(name, dlx):
        return as_bob.put("/queues/dev/" + name, {"arguments": {"x-dead-letter-exchange": dlx}})

    assert api.put("/permissions/dev/bob",
                   {"configure": ".*", "write": "^$", "read": ".*"}).status_code == 201
    for dlx in ("dlx", "missing", ""):
        r = put("q", dlx)
        assert (r.status_code, r.json()) == (401, refusal), dlx
    r = put("q", 5)
    assert (r.status_code, r.json()) == (400, {
        "error": "bad_request",
        "reason": "invalid type 'long' for arg 'x-dead-letter-exchange' in queue 'q' in "
                  "vhost 'dev'"})
    assert api.get("/queues/dev/q").status_code == 404
    # An existing queue is not checked again.
    assert put("made", "dlx").status_code == 204
    assert as_bob.put("/queues/dev/plain", {"durable": True}).status_code == 201

    assert api.put("/permissions/dev/bob",
                   {"configure": ".*", "write": ".*", "read": "^$"}).status_code == 204
    r = put("q", "dlx")
    assert (r.status_code, r.json()) == (401, refusal)

    assert api.put("/permissions/dev/bob",
                   {"configure": ".*", "write": "^dlx$", "read": "^q$"}).status_code == 204
    assert put("q", "dlx").status_code == 201
    assert api.get("/queues/dev/q").json()["arguments"] == {"x-dead-letter-exchange": "dlx"}
