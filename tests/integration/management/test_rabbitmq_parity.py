"""PolyMQ's management API against RabbitMQ's: the same requests (python3-requests) and AMQP
operations (pika) on a PolyMQ (a fresh one per test, the suite's `broker` fixture) and on
Debian's RabbitMQ with its management plugin (one node for the module,
tests/integration/common/rabbitmq_process.py), and the answers compared where they should
agree: status codes, error texts, the keys and JSON types of every object, counts, paging,
the definitions export, and a definitions file of each imported into the other.

Each test works in a vhost of its own (RabbitMQ's node is shared by the module) and removes
it from RabbitMQ at the end. RabbitMQ's counters lag behind (its queues emit statistics every
collect_statistics_interval, 500 ms here): `eventually` polls them with a deadline."""

import json
import time
import urllib.parse

import pika
import pytest

from management_api import Api
from polymq_process import params
from rabbitmq_process import make_rabbitmq_fixture

rabbitmq = make_rabbitmq_fixture()

# The keys of RabbitMQ's answers that PolyMQ deliberately does not serve (docs/compatibility.md,
# "Management HTTP API"): Erlang process details, per-message-store figures, rates and their
# sample history, TLS, and settings PolyMQ does not have. A key RabbitMQ has and PolyMQ lacks
# fails the test unless it is listed here; a key PolyMQ serves must be in RabbitMQ's answer
# with the same JSON type.
RATE_DETAILS = {"messages_details", "messages_ready_details", "messages_unacknowledged_details"}
OMITTED = {
    "queue": {
        # Erlang and backing-queue internals
        "backing_queue_status", "garbage_collection", "reductions", "reductions_details",
        "recoverable_slaves", "effective_policy_definition",
        # paging to disk, persistence and RAM split of RabbitMQ's message store
        "message_bytes", "message_bytes_persistent",
        "message_bytes_ram", "message_bytes_unacknowledged",
        "messages_persistent", "messages_ram", "messages_ready_ram",
        "messages_unacknowledged_ram",
        # consumer statistics
        "consumer_capacity", "consumer_utilisation", "idle_since",
        "head_message_timestamp", "single_active_consumer_tag",
        # one queue's page in the web UI: per-channel and per-exchange rate tables
        "consumer_details", "deliveries", "incoming",
    },
    "exchange": {"message_stats", "incoming", "outgoing"},
    "binding": set(),
    "vhost": {"message_stats", "recv_oct", "recv_oct_details", "send_oct", "send_oct_details"},
    "user": set(),
    "permission": set(),
    "policy": set(),
    "overview": {
        "churn_rates", "sample_retention_policies", "statistics_db_event_queue",
        "erlang_version", "erlang_full_version", "release_series_support_status",
    },
    "overview.message_stats": {
        "disk_reads", "disk_reads_details", "disk_writes", "disk_writes_details",
        "ack_details", "confirm_details", "deliver_details", "deliver_get_details",
        "deliver_no_ack_details", "drop_unroutable_details", "get_details",
        "get_empty_details", "get_no_ack_details", "publish_details", "redeliver_details",
        "return_unroutable_details",
    },
    "overview.listeners": {"socket_opts"},
    "get": set(),
    "definitions.users": set(), "definitions.vhosts": set(), "definitions.permissions": set(),
    "definitions.policies": set(), "definitions.queues": set(),
    "definitions.exchanges": set(), "definitions.bindings": set(),
    "definitions": {
        "rabbit_version", "rabbitmq_version", "product_name", "product_version",
        "parameters", "global_parameters", "topic_permissions",
    },
}
# PolyMQ's own keys in a definitions export (RabbitMQ ignores them on import).
POLYMQ_ONLY = {"definitions": {"polymq_version", "polymq_operator_policies"},
               "definitions.users": {"polymq_loopback_only"}}
# Exchanges RabbitMQ declares in every vhost that PolyMQ has not (no message tracing).
RABBITMQ_ONLY_EXCHANGES = {"amq.rabbitmq.trace"}
FULL = {"configure": ".*", "write": ".*", "read": ".*"}


def json_type(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}[type(value)]


def compare_keys(rabbit, polymq, kind, polymq_only=()):
    """PolyMQ's keys must be RabbitMQ's with the same JSON type; RabbitMQ's keys PolyMQ lacks
    must be listed in OMITTED[kind]. Returns a list of differences (empty: they agree).
    null matches any type (a queue without a policy, a consumer tag not set)."""
    problems = []
    for key in sorted(set(polymq) - set(polymq_only)):
        if key not in rabbit:
            problems.append("%s: PolyMQ serves %r, RabbitMQ has no such key" % (kind, key))
        elif (json_type(rabbit[key]) != json_type(polymq[key])
              and "null" not in (json_type(rabbit[key]), json_type(polymq[key]))):
            problems.append("%s: %r is %s in RabbitMQ, %s in PolyMQ" % (
                kind, key, json_type(rabbit[key]), json_type(polymq[key])))
    missing = set(rabbit) - set(polymq) - OMITTED[kind]
    if missing:
        problems.append("%s: PolyMQ lacks RabbitMQ's %s" % (kind, sorted(missing)))
    return problems


def eventually(fetch, done, timeout=20.0):
    """Polls fetch() until done(value); returns the last value (the caller asserts on it)."""
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


class Pair:
    """The same request to both brokers; the answers as (rabbitmq, polymq)."""

    def __init__(self, rabbit_node, polymq_broker, vhost):
        self.nodes = (rabbit_node, polymq_broker)
        self.apis = (Api(rabbit_node), Api(polymq_broker))
        self.vhost = vhost
        self.v = urllib.parse.quote(vhost, safe="")

    def __call__(self, method, path, body=None, raw=None, auth=None, expect=None, **kw):
        answers = []
        for node, api in zip(self.nodes, self.apis):
            if auth is not None:
                api = Api(node, *auth) if auth else Api(node)
                if not auth:
                    api.session.auth = None
            if raw is not None:
                kw["data"] = raw
                kw["headers"] = {"content-type": "application/json"}
            elif body is not None:
                kw["json"] = body
            answers.append(api(method, path.format(v=self.v), **kw))
        rabbit, polymq = answers
        assert rabbit.status_code == polymq.status_code, (
            "%s %s: RabbitMQ %d %s, PolyMQ %d %s" % (method, path, rabbit.status_code,
                                                     rabbit.text[:300], polymq.status_code,
                                                     polymq.text[:300]))
        if expect is not None:
            assert rabbit.status_code == expect, "%s %s: %d %s" % (method, path,
                                                                   rabbit.status_code,
                                                                   rabbit.text[:300])
        return rabbit, polymq

    def get(self, path, **kw):
        rabbit, polymq = self("GET", path, expect=200, **kw)
        return rabbit.json(), polymq.json()

    def amqp(self):
        """A pika connection to each broker, on the pair's vhost."""
        return [pika.BlockingConnection(params(node.port, virtual_host=self.vhost))
                for node in self.nodes]


@pytest.fixture
def pair(rabbitmq, broker, request):
    vhost = "parity-" + request.node.name.replace("test_", "")
    p = Pair(rabbitmq, broker, vhost)
    p("PUT", "/vhosts/{v}", expect=201)
    yield p
    rabbit = p.apis[0]
    rabbit.delete("/vhosts/" + p.v)
    for user in rabbit.get("/users").json():
        if user["name"].startswith(vhost):
            rabbit.delete("/users/" + urllib.parse.quote(user["name"], safe=""))


def declare_objects(pair):
    """Users, grants, exchanges of each type, queues, bindings and a policy, on both."""
    p, u = pair, pair.vhost
    p("PUT", "/vhosts/{v}", expect=204)
    p("PUT", "/users/%s-admin" % u, {"password": "pw", "tags": "administrator"}, expect=201)
    p("PUT", "/users/%s-ops" % u, {"password": "pw", "tags": ["management", "policymaker"]},
      expect=201)
    p("PUT", "/users/%s-app" % u, {"password": "pw", "tags": ""}, expect=201)
    p("PUT", "/users/%s-app" % u, {"password": "pw2", "tags": ""}, expect=204)
    p("PUT", "/permissions/{v}/%s-ops" % u, {"configure": "^ops", "write": ".*", "read": ".*"},
      expect=201)
    p("PUT", "/permissions/{v}/%s-app" % u, FULL, expect=201)
    p("PUT", "/permissions/{v}/%s-app" % u, FULL, expect=204)
    for kind in ("direct", "fanout", "topic", "headers"):
        p("PUT", "/exchanges/{v}/x." + kind, {"type": kind, "durable": True}, expect=201)
        p("PUT", "/exchanges/{v}/x." + kind, {"type": kind, "durable": True}, expect=204)
    p("PUT", "/exchanges/{v}/x.transient", {"type": "direct", "durable": False,
                                            "auto_delete": True, "internal": False,
                                            "arguments": {"alternate-exchange": "x.fanout"}},
      expect=201)
    p("PUT", "/queues/{v}/q.durable", {"durable": True, "arguments": {
        "x-max-length": 100, "x-message-ttl": 60000, "x-dead-letter-exchange": "x.fanout"}},
      expect=201)
    p("PUT", "/queues/{v}/q.transient", {"durable": False, "auto_delete": False}, expect=201)
    p("PUT", "/queues/{v}/q.other", {"durable": True}, expect=201)
    p("POST", "/bindings/{v}/e/x.direct/q/q.durable", {"routing_key": "k1"}, expect=201)
    rabbit, polymq = p("POST", "/bindings/{v}/e/x.topic/q/q.transient", {"routing_key": "a.*"},
                       expect=201)
    assert rabbit.headers["Location"] == polymq.headers["Location"] == "q.transient/a.%252A"
    p("POST", "/bindings/{v}/e/x.headers/q/q.other", {"routing_key": "", "arguments": {
        "x-match": "any", "color": "red"}}, expect=201)
    p("POST", "/bindings/{v}/e/x.fanout/e/x.topic", {"routing_key": ""}, expect=201)
    p("PUT", "/policies/{v}/limit", {"pattern": "^q\\.other$", "definition": {
        "max-length": 1000}, "priority": 1, "apply-to": "queues"}, expect=201)


def test_declarations_answer_alike(pair):
    declare_objects(pair)
    p = pair
    # Inequivalent redeclarations: 400 with AMQP's precondition text.
    for path, body in [("/exchanges/{v}/x.direct", {"type": "fanout", "durable": True}),
                       ("/queues/{v}/q.durable", {"durable": True,
                                                  "arguments": {"x-max-length": 50}}),
                       ("/queues/{v}/q.transient", {"durable": True})]:
        rabbit, polymq = p("PUT", path, body, expect=400)
        assert rabbit.json() == polymq.json()
    # What each lists of the vhost.
    rabbit, polymq = p.get("/exchanges/{v}")
    strip = ("message_stats", "user_who_performed_action")
    assert ({x["name"]: {k: v for k, v in x.items() if k not in strip} for x in rabbit
             if x["name"] not in RABBITMQ_ONLY_EXCHANGES}
            == {x["name"]: {k: v for k, v in x.items() if k not in strip} for x in polymq})
    # (RabbitMQ names a queue's policy with its statistics: compared below.)
    keep = ("name", "vhost", "type", "durable", "auto_delete", "exclusive", "arguments")
    rabbit, polymq = p.get("/queues/{v}")
    assert ([{k: q.get(k) for k in keep} for q in rabbit]
            == [{k: q.get(k) for k in keep} for q in polymq])
    rabbit, polymq = p.get("/bindings/{v}")
    with_args = [b for b in polymq if b["arguments"]]
    assert len(with_args) == 1

    def no_digest(bindings):
        # The digest of a binding's arguments is RabbitMQ's own hash (documented).
        return [dict(b, properties_key=b["properties_key"].split("~")[0] + "~"
                     if b["arguments"] else b["properties_key"]) for b in bindings]

    assert no_digest(rabbit) == no_digest(polymq)
    # Each binding by the key it is listed with, percent-encoded once more as rabbitmqadmin
    # does; then deleted.
    for b in polymq:
        if b["source"] == "":
            continue
        path = "/bindings/{v}/e/%s/%s/%s/" % (b["source"], b["destination_type"][0],
                                              b["destination"])
        rabbit_key = [r for r in rabbit if (r["source"], r["destination"]) == (
            b["source"], b["destination"])][0]["properties_key"]
        for api, key in zip(p.apis, (rabbit_key, b["properties_key"])):
            r = api.get(path.format(v=p.v) + urllib.parse.quote(key, safe=""))
            assert r.status_code == 200, (api.base, b, r.text)
            assert r.json()["routing_key"] == b["routing_key"]
    p("DELETE", "/bindings/{v}/e/x.direct/q/q.durable/k1", expect=204)
    p("DELETE", "/bindings/{v}/e/x.direct/q/q.durable/k1", expect=404)
    rabbit, polymq = p.get("/permissions")

    def mine(grants):
        return sorted((g["user"], g["vhost"], g["configure"], g["write"], g["read"])
                      for g in grants if g["vhost"] == p.vhost)

    assert mine(rabbit) == mine(polymq) and len(mine(polymq)) == 3
    rabbit, polymq = p.get("/users/%s-ops" % p.vhost)
    assert rabbit["tags"] == polymq["tags"] == ["management", "policymaker"]
    rabbit, polymq = p.get("/policies/{v}")
    assert rabbit == polymq
    rabbit, polymq = p.get("/queues/{v}/q.other")
    eventually(lambda: p.apis[0].get("/queues/%s/q.other" % p.v).json(),
               lambda q: q.get("policy") == "limit")
    assert polymq["policy"] == "limit"
    rabbit, polymq = p.get("/vhosts/{v}")
    assert (rabbit["name"], rabbit["tracing"]) == (polymq["name"], polymq["tracing"])
    # Deletes.
    p("DELETE", "/queues/{v}/q.transient", expect=204)
    p("DELETE", "/queues/{v}/q.transient", expect=404)
    p("DELETE", "/exchanges/{v}/x.transient", expect=204)
    p("DELETE", "/policies/{v}/limit", expect=204)
    p("DELETE", "/policies/{v}/limit", expect=404)
    p("DELETE", "/users/%s-app" % p.vhost, expect=204)
    p("DELETE", "/users/%s-app" % p.vhost, expect=404)


def test_errors_answer_alike(pair):
    p = pair
    u = p.vhost
    p("PUT", "/queues/{v}/q", {"durable": True}, expect=201)
    p("PUT", "/users/%s-app" % u, {"password": "pw", "tags": ""}, expect=201)
    p("PUT", "/users/%s-ops" % u, {"password": "pw", "tags": "management"}, expect=201)
    not_found = {"error": "Object Not Found", "reason": "Not Found"}
    for path in ["/queues/{v}/missing", "/exchanges/{v}/missing", "/vhosts/missing-vhost",
                 "/users/missing-user", "/queues/missing-vhost", "/policies/{v}/missing",
                 "/permissions/{v}/missing-user", "/bindings/{v}/e/missing/q/q/~"]:
        rabbit, polymq = p("GET", path, expect=404)
        assert rabbit.json() == polymq.json() == not_found, path
    for method, path in [("DELETE", "/queues/{v}/missing"), ("DELETE", "/exchanges/{v}/missing"),
                         ("DELETE", "/users/missing-user"),
                         ("POST", "/queues/{v}/missing/get")]:
        rabbit, polymq = p(method, path, body={"count": 1, "ackmode": "ack_requeue_true",
                                               "encoding": "auto"}, expect=404)
    # Not JSON.
    for path in ["/queues/{v}/bad", "/exchanges/{v}/bad", "/users/%s-bad" % u]:
        rabbit, polymq = p("PUT", path, raw="{not json", expect=400)
        assert rabbit.json() == polymq.json() == {"error": "bad_request", "reason": "not_json"}
    # Credentials: none, wrong, a user without a management tag, a management user on an
    # administrator's resource.
    rabbit, polymq = p("GET", "/overview", auth=(), expect=401)
    assert (rabbit.headers["WWW-Authenticate"] == polymq.headers["WWW-Authenticate"]
            == 'Basic realm="RabbitMQ Management"')
    rabbit, polymq = p("GET", "/overview", auth=("guest", "wrong"), expect=401)
    assert rabbit.json() == polymq.json() == {"error": "not_authorized", "reason": "Login failed"}
    rabbit, polymq = p("GET", "/queues", auth=("%s-app" % u, "pw"), expect=401)
    assert rabbit.json() == polymq.json() == {"error": "not_authorised",
                                              "reason": "Not management user"}
    rabbit, polymq = p("GET", "/users", auth=("%s-ops" % u, "pw"), expect=401)
    assert rabbit.json() == polymq.json() == {"error": "not_authorised",
                                              "reason": "Not administrator user"}
    p("GET", "/overview", auth=("%s-ops" % u, "pw"), expect=200)
    # Deliberately different (docs/compatibility.md): the bindings of a missing queue, or
    # between a missing exchange and a queue, are 404 in PolyMQ; RabbitMQ lists an empty list
    # or the default exchange's binding the queue would have.
    rabbit, polymq = [api.get("/bindings/%s/e/missing/q/q" % p.v) for api in p.apis]
    assert (rabbit.status_code, rabbit.json(), polymq.status_code) == (200, [], 404)
    rabbit, polymq = [api.get("/queues/%s/missing/bindings" % p.v) for api in p.apis]
    assert (rabbit.status_code, [b["source"] for b in rabbit.json()], polymq.status_code) == (
        200, [""], 404)
    # Methods a resource does not serve.
    for method, path in [("DELETE", "/overview"), ("POST", "/overview"), ("PUT", "/whoami"),
                         ("DELETE", "/nodes"), ("POST", "/queues/{v}/q"),
                         ("PUT", "/bindings/{v}"), ("POST", "/vhosts/{v}"),
                         ("PUT", "/health/checks/alarms"), ("DELETE", "/definitions")]:
        p(method, path, body={}, expect=405)
    # Reserved names and the default exchange.
    rabbit, polymq = p("PUT", "/exchanges/{v}/amq.custom", {"type": "direct"}, expect=401)
    assert rabbit.json() == polymq.json() == {"error": "not_authorised",
                                              "reason": "Access refused."}
    p("POST", "/bindings/{v}/e/amq.default/q/q", {"routing_key": "x"}, expect=401)
    # Publishing to a missing exchange: 400 with AMQP's text.
    rabbit, polymq = p("POST", "/exchanges/{v}/missing/publish", {
        "routing_key": "", "payload": "x", "payload_encoding": "string", "properties": {}},
        expect=400)
    assert rabbit.json() == polymq.json()
    assert polymq.json()["reason"].startswith("404 NOT_FOUND - no exchange 'missing'")


def test_grants_limit_what_users_see_and_do(pair):
    """A user sees the vhosts it has a grant in (administrators all of them, monitoring users
    all in /vhosts), is refused the others with "User not authorised to access virtual host",
    and declares, deletes, binds, gets and publishes only as its grant allows, administrators
    too ("Access refused.")."""
    p, u = pair, pair.vhost
    other = u + "-other"
    other_q = urllib.parse.quote(other, safe="")
    p("PUT", "/vhosts/" + other_q, expect=201)
    try:
        p("PUT", "/queues/%s/q2" % other_q, {"durable": True}, expect=201)
        p("PUT", "/queues/{v}/q1", {"durable": True}, expect=201)
        for tag in ("management", "policymaker", "monitoring", "administrator"):
            user = "%s-%s" % (u, tag)
            auth = (user, "pw")
            p("PUT", "/users/" + user, {"password": "pw", "tags": tag}, expect=201)
            p("PUT", "/permissions/{v}/" + user,
              {"configure": "^own", "write": ".*", "read": ".*"}, expect=201)
            admin = tag == "administrator"
            # Lists: only the granted vhost's objects (administrators: every vhost's).
            for path in ("/queues", "/exchanges", "/bindings"):
                rabbit, polymq = p("GET", path, auth=auth, expect=200)
                for answer in (rabbit, polymq):
                    vhosts = {item["vhost"] for item in answer.json()}
                    assert (other in vhosts) == admin, (tag, path, answer.text[:200])
                    assert u in vhosts, (tag, path)
            rabbit, polymq = p("GET", "/vhosts", auth=auth, expect=200)
            for answer in (rabbit, polymq):
                names = {v["name"] for v in answer.json()}
                assert (other in names) == (tag in ("monitoring", "administrator")), tag
            # The other vhost's paths.
            want = 200 if admin else 401
            for method, path, body in (
                    ("GET", "/queues/%s" % other_q, None),
                    ("GET", "/queues/%s/q2" % other_q, None),
                    ("GET", "/policies/%s" % other_q, None)):
                rabbit, polymq = p(method, path, body, auth=auth, expect=want)
                if not admin:
                    assert rabbit.json() == polymq.json() == {
                        "error": "not_authorised",
                        "reason": "User not authorised to access virtual host"}
            # Operations: the grant decides, for administrators too.
            for method, path, body in (
                    ("PUT", "/queues/{v}/notown", {"durable": True}),
                    ("DELETE", "/queues/{v}/q1", None),
                    ("PUT", "/exchanges/{v}/notownx", {"type": "direct"}),
                    ("PUT", "/queues/%s/own2" % other_q, {"durable": True}),
                    ("POST", "/queues/%s/q2/get" % other_q,
                     {"count": 1, "ackmode": "ack_requeue_true", "encoding": "auto"}),
                    ("POST", "/exchanges/%s/amq.default/publish" % other_q,
                     {"routing_key": "q2", "payload": "x", "payload_encoding": "string",
                      "properties": {}})):
                rabbit, polymq = p(method, path, body, auth=auth, expect=401)
                reason = ("Access refused." if admin or "/%s/" % other_q not in path
                          else "User not authorised to access virtual host")
                assert rabbit.json() == polymq.json() == {"error": "not_authorised",
                                                          "reason": reason}, (tag, path)
            p("PUT", "/queues/{v}/own1", {"durable": True}, auth=auth)
            p("DELETE", "/queues/{v}/q1/contents", auth=auth, expect=204)
    finally:
        p("DELETE", "/vhosts/" + other_q)



def test_a_new_queues_dead_letter_exchange_needs_write(pair):
    """PUT /api/queues declares as the user, as queue.declare does: a new queue with an
    x-dead-letter-exchange needs read on itself and write on that exchange ("Access refused."),
    a wrongly typed one is a 400 first; an existing queue is not checked again. The same on
    AMQP, with RabbitMQ's ACCESS_REFUSED texts."""
    p = pair
    user = p.vhost + "-dlx"
    auth = (user, "pw")
    p("PUT", "/users/" + user, {"password": "pw", "tags": "management"}, expect=201)
    p("PUT", "/exchanges/{v}/dlx", {"type": "fanout"}, expect=201)
    # Durable given each time: the brokers' defaults differ (RabbitMQ's API: false).
    p("PUT", "/queues/{v}/made", {"durable": True, "arguments": {"x-dead-letter-exchange": "dlx"}},
      expect=201)

    def grant(configure, write, read, expect):
        p("PUT", "/permissions/{v}/" + user,
          {"configure": configure, "write": write, "read": read}, expect=expect)

    def put(name, dlx, expect):
        return p("PUT", "/queues/{v}/" + name,
                 {"durable": True, "arguments": {"x-dead-letter-exchange": dlx}},
                 auth=auth, expect=expect)

    def amqp_declare(name, dlx):
        """(code, text) of each broker's answer to the user's queue.declare."""
        answers = []
        for node in p.nodes:
            conn = pika.BlockingConnection(params(
                node.port, virtual_host=p.vhost, credentials=pika.PlainCredentials(*auth)))
            try:
                conn.channel().queue_declare(name, durable=True,
                                             arguments={"x-dead-letter-exchange": dlx})
                answers.append((200, "ok"))
            except pika.exceptions.ChannelClosedByBroker as e:
                answers.append((e.reply_code, e.reply_text))
            finally:
                if conn.is_open:
                    conn.close()
        return answers

    refusal = {"error": "not_authorised", "reason": "Access refused."}
    grant(".*", "^$", ".*", expect=201)
    for dlx in ("dlx", "missing", ""):
        rabbit, polymq = put("q", dlx, expect=401)
        assert rabbit.json() == polymq.json() == refusal, dlx
        rabbit, polymq = amqp_declare("q", dlx)
        assert rabbit == polymq, dlx
        assert rabbit[0] == 403, rabbit
    rabbit, polymq = put("q", 5, expect=400)
    assert rabbit.json() == polymq.json()
    rabbit, polymq = amqp_declare("q", 5)
    assert rabbit == polymq and rabbit[0] == 406, (rabbit, polymq)
    put("made", "dlx", expect=204)
    assert amqp_declare("made", "dlx") == [(200, "ok")] * 2
    grant(".*", ".*", "^$", expect=204)
    rabbit, polymq = put("q", "dlx", expect=401)
    assert rabbit.json() == polymq.json() == refusal
    rabbit, polymq = amqp_declare("q", "dlx")
    assert rabbit == polymq and rabbit[0] == 403, (rabbit, polymq)
    grant(".*", "^dlx$", "^q", expect=204)
    put("q", "dlx", expect=201)
    assert amqp_declare("q2", "dlx") == [(200, "ok")] * 2


def publish_traffic(pair, conns):
    """Publishes 7 messages to q.durable (2 through the API), takes 2 with basic.get
    unacknowledged, consumes q.transient; leaves the connections open."""
    for conn in conns:
        ch = conn.channel()
        ch.confirm_delivery()
        for i in range(5):
            ch.basic_publish("x.direct", "k1", b"body-%d" % i,
                             pika.BasicProperties(delivery_mode=2 if i % 2 else 1,
                                                  content_type="text/plain",
                                                  headers={"i": i}))
        ch.basic_publish("x.direct", "nowhere", b"dropped")
        for _ in range(2):
            assert ch.basic_get("q.durable", auto_ack=False)[0] is not None
        ch.basic_get("q.durable", auto_ack=True)   # taken and gone: 6 left
        ch.basic_publish("", "q.transient", b"t")
        ch.basic_consume("q.transient", lambda c, m, pr, b: c.basic_ack(m.delivery_tag))
        conn.process_data_events(0.2)
    for body in ("api-1", "api-2"):
        rabbit, polymq = pair("POST", "/exchanges/{v}/x.direct/publish", {
            "routing_key": "k1", "payload": body, "payload_encoding": "string",
            "properties": {"delivery_mode": 2, "headers": {"via": "api"}}}, expect=200)
        assert rabbit.json() == polymq.json() == {"routed": True}
    rabbit, polymq = pair("POST", "/exchanges/{v}/x.direct/publish", {
        "routing_key": "nowhere", "payload": "x", "payload_encoding": "string",
        "properties": {}}, expect=200)
    assert rabbit.json() == polymq.json() == {"routed": False}


def test_counts_and_keys_agree(pair):
    declare_objects(pair)
    p = pair
    conns = p.amqp()
    try:
        publish_traffic(p, conns)
        counts = ("messages", "messages_ready", "messages_unacknowledged", "consumers")
        # 7 published to q.durable, 2 taken and unacknowledged, 1 taken with auto-ack.
        want = {"messages": 6, "messages_ready": 4, "messages_unacknowledged": 2,
                "consumers": 0}
        rabbit_api = p.apis[0]
        rabbit_q = eventually(lambda: rabbit_api.get("/queues/%s/q.durable" % p.v).json(),
                              lambda q: {k: q.get(k) for k in counts} == want
                              and "message_stats" in q)
        _, polymq_q = p.get("/queues/{v}/q.durable")
        assert {k: rabbit_q.get(k) for k in counts} == want
        assert {k: polymq_q.get(k) for k in counts} == want
        # The queue's counters: 7 in, 3 taken (2 with an ack pending, 1 without), none acked.
        stats = ("publish", "deliver_get", "redeliver", "ack")
        want_stats = {"publish": 7, "deliver_get": 3, "redeliver": 0, "ack": 0}
        rabbit_q = eventually(lambda: rabbit_api.get("/queues/%s/q.durable" % p.v).json(),
                              lambda q: {k: q["message_stats"].get(k, 0) for k in stats}
                              == want_stats)
        assert {k: rabbit_q["message_stats"].get(k, 0) for k in stats} == want_stats
        assert {k: polymq_q["message_stats"][k] for k in stats} == want_stats
        problems = []
        for key in polymq_q["message_stats"]:
            if key not in rabbit_q["message_stats"]:
                problems.append("queue.message_stats: RabbitMQ has no %r" % key)
            elif key.endswith("_details"):
                assert isinstance(polymq_q["message_stats"][key]["rate"], float)
        assert problems == []
        assert rabbit_q["message_bytes_ready"] == polymq_q["message_bytes_ready"]
        # The vhost's totals, and every queue's counts.
        rabbit_vhost = eventually(lambda: rabbit_api.get("/vhosts/" + p.v).json(),
                                  lambda v: v.get("messages") == 6 and "recv_oct" in v)
        _, polymq_vhost = p.get("/vhosts/{v}")
        assert ({k: rabbit_vhost[k] for k in counts[:3]}
                == {k: polymq_vhost[k] for k in counts[:3]}
                == {k: want[k] for k in counts[:3]})
        rabbit, polymq = p.get("/queues/{v}")
        rabbit = eventually(lambda: rabbit_api.get("/queues/" + p.v).json(),
                            lambda qs: all("messages" in q for q in qs))
        assert ({q["name"]: [q.get(k) for k in counts] for q in rabbit}
                == {q["name"]: [q.get(k) for k in counts] for q in polymq})

        # The keys of every kind of object.
        problems = []
        for q_rabbit, q_polymq in zip(rabbit, polymq):
            problems += compare_keys(q_rabbit, q_polymq, "queue")
        one_rabbit, one_polymq = p.get("/queues/{v}/q.durable")
        problems += compare_keys(one_rabbit, one_polymq, "queue")
        rabbit, polymq = p.get("/exchanges/{v}")
        rabbit = [x for x in rabbit if x["name"] not in RABBITMQ_ONLY_EXCHANGES]
        assert [x["name"] for x in rabbit] == [x["name"] for x in polymq]
        for x_rabbit, x_polymq in zip(rabbit, polymq):
            problems += compare_keys(x_rabbit, x_polymq, "exchange")
        one_rabbit, one_polymq = p.get("/exchanges/{v}/x.direct")
        problems += compare_keys(one_rabbit, one_polymq, "exchange")
        for path, kind in [("/bindings/{v}", "binding"), ("/users", "user"),
                           ("/permissions", "permission"), ("/policies/{v}", "policy"),
                           ("/vhosts", "vhost")]:
            rabbit, polymq = p.get(path)
            assert rabbit and polymq, path
            if kind == "vhost":   # RabbitMQ counts messages of vhosts that have queues only
                rabbit = [v for v in rabbit if v["name"] == p.vhost]
            for r_item in rabbit:
                for p_item in polymq:
                    if all(r_item.get(k) == p_item.get(k) for k in ("name", "user", "vhost",
                                                                     "source", "destination")):
                        problems += compare_keys(r_item, p_item, kind)
        problems += compare_keys(rabbit_vhost, polymq_vhost, "vhost")
        rabbit_o = eventually(lambda: rabbit_api.get("/overview").json(),
                              lambda o: "get_empty" in o.get("message_stats", {})
                              and "messages" in o.get("queue_totals", {}))
        _, polymq_o = p.get("/overview")
        problems += compare_keys(rabbit_o, polymq_o, "overview")
        for key in ("message_stats", "queue_totals", "object_totals"):
            kind = "overview.message_stats" if key == "message_stats" else "overview"
            problems += compare_keys(rabbit_o[key], polymq_o[key], kind)
        problems += compare_keys(rabbit_o["listeners"][0], polymq_o["listeners"][0],
                                 "overview.listeners")
        problems += compare_keys(rabbit_o["exchange_types"][0], polymq_o["exchange_types"][0],
                                 "overview")
        assert not problems, "\n".join(problems)
        # Both count this test's connections and channels (RabbitMQ's node serves other tests
        # too, but one at a time).
        assert (polymq_o["object_totals"]["connections"], polymq_o["object_totals"]["channels"]
                ) == (1, 1)
        rabbit_o = eventually(lambda: rabbit_api.get("/overview").json(),
                              lambda o: o["object_totals"]["channels"] == 1)
        assert (rabbit_o["object_totals"]["connections"], rabbit_o["object_totals"]["channels"]
                ) == (1, 1)
        assert (sorted(t["name"] for t in rabbit_o["exchange_types"])
                == sorted(t["name"] for t in polymq_o["exchange_types"]))
        assert ({t["name"]: t["description"] for t in rabbit_o["exchange_types"]}
                == {t["name"]: t["description"] for t in polymq_o["exchange_types"]})
    finally:
        for conn in conns:
            conn.close()


def test_get_answers_alike(pair):
    p = pair
    p("PUT", "/queues/{v}/q", {"durable": True}, expect=201)
    conns = p.amqp()
    try:
        for conn in conns:
            ch = conn.channel()
            ch.confirm_delivery()
            ch.basic_publish("", "q", b"plain")
            ch.basic_publish("", "q", b"\x00\xffbinary", pika.BasicProperties(
                content_type="application/octet-stream", delivery_mode=2, priority=3,
                correlation_id="c1", reply_to="r", expiration="60000", message_id="m1",
                timestamp=1700000000, type="t", user_id="guest", app_id="a",
                headers={"s": "x", "n": 7, "b": True, "l": ["a", 1],
                         "t": {"k": "v"}}))
            ch.basic_publish("", "q", "ünïcödé".encode())
    finally:
        for conn in conns:
            conn.close()
    # Requeued: the same answer twice, redelivered the second time.
    for ackmode, count in [("ack_requeue_true", 2), ("reject_requeue_true", 3),
                           ("ack_requeue_false", 5)]:
        rabbit, polymq = p("POST", "/queues/{v}/q/get", {"count": count, "ackmode": ackmode,
                                                         "encoding": "auto",
                                                         "truncate": 50000}, expect=200)
        assert rabbit.json() == polymq.json(), ackmode
        for r_item, p_item in zip(rabbit.json(), polymq.json()):
            assert not compare_keys(r_item, p_item, "get")
    rabbit, polymq = p("POST", "/queues/{v}/q/get", {"count": 1, "ackmode": "ack_requeue_false",
                                                     "encoding": "auto"}, expect=200)
    assert rabbit.json() == polymq.json() == []
    # An unknown ackmode: RabbitMQ fails (500, empty body), PolyMQ refuses it (400).
    rabbit, polymq = [api.post("/queues/%s/q/get" % p.v, {"count": 1, "ackmode": "nonsense",
                                                          "encoding": "auto"})
                      for api in p.apis]
    assert (rabbit.status_code, polymq.status_code) == (500, 400)
    assert polymq.json() == {"error": "bad_request", "reason": "Invalid ackmode"}


def test_paging_answers_alike(pair):
    p = pair
    for name in ("page-c", "page-a", "page-e", "page-b", "page-d", "other"):
        p("PUT", "/queues/{v}/" + name, {"durable": False}, expect=201)
    for query in ["page=1&page_size=2&name=page-&sort=name",
                  "page=3&page_size=2&name=page-&sort=name",
                  "page=1&page_size=4&name=page-&sort=name&sort_reverse=true",
                  "page=1&page_size=100&name=^page-[a-c]$&use_regex=true&sort=name",
                  "page=1&page_size=2&name=nothing", "page=1&page_size=2"]:
        rabbit, polymq = p.get("/queues/{v}?" + query)
        assert set(rabbit) == set(polymq), query
        assert ({k: v for k, v in rabbit.items() if k != "items"}
                == {k: v for k, v in polymq.items() if k != "items"}), query
        assert ([q["name"] for q in rabbit["items"]]
                == [q["name"] for q in polymq["items"]]), query
    rabbit, polymq = p.get("/exchanges/{v}?page=1&page_size=3&name=amq.&sort=name")
    assert rabbit["filtered_count"] - 1 == polymq["filtered_count"]   # amq.rabbitmq.trace
    assert set(rabbit) == set(polymq)
    assert [x["name"] for x in rabbit["items"]] == [x["name"] for x in polymq["items"]]
    # Past the last page.
    rabbit, polymq = p("GET", "/queues/{v}?page=9&page_size=2&name=page-", expect=400)
    assert rabbit.json() == polymq.json()


def test_definitions_export_and_import_both_ways(pair, make_broker):
    declare_objects(pair)
    p = pair
    rabbit, polymq = p.get("/definitions")
    problems = compare_keys(rabbit, polymq, "definitions", POLYMQ_ONLY["definitions"])
    for section in ("users", "vhosts", "permissions", "policies", "queues", "exchanges",
                    "bindings"):
        r_items, p_items = rabbit[section], polymq[section]
        assert r_items and p_items, section
        for key_set in ({tuple(sorted(i)) for i in r_items}, {tuple(sorted(i)) for i in p_items}):
            assert len(key_set) == 1, (section, key_set)   # one shape per section
        problems += compare_keys(r_items[0], p_items[0], "definitions." + section,
                                 POLYMQ_ONLY.get("definitions." + section, ()))
    assert not problems, "\n".join(problems)
    mine = [q for q in rabbit["queues"] if q["vhost"] == p.vhost]
    assert (sorted(q["name"] for q in mine if q["durable"])
            == sorted(q["name"] for q in polymq["queues"] if q["vhost"] == p.vhost))

    def renamed(defs, suffix):
        """This test's objects only, in another vhost (and users renamed) so that an import
        adds them rather than finding them there already."""
        text = json.dumps(defs).replace('"%s' % p.vhost, '"%s%s' % (p.vhost, suffix))
        out = json.loads(text)
        out["users"] = [u for u in out["users"] if u["name"].startswith(p.vhost)]
        for section in ("vhosts",):
            out[section] = [i for i in out[section] if i["name"].startswith(p.vhost)]
        for section in ("permissions", "policies", "queues", "exchanges", "bindings"):
            out[section] = [i for i in out[section] if i["vhost"].startswith(p.vhost)]
        out.pop("polymq_operator_policies", None)
        return out

    # RabbitMQ's export into a fresh PolyMQ.
    other_broker = make_broker(management=True).start()
    other = Api(other_broker)
    r = other.post("/definitions", renamed(rabbit, "-r"))
    assert r.status_code in (200, 201, 204), r.text
    imported = other.get("/definitions").json()
    v = p.vhost + "-r"
    assert sorted(q["name"] for q in imported["queues"] if q["vhost"] == v) == [
        "q.durable", "q.other"]
    assert sorted(x["name"] for x in imported["exchanges"] if x["vhost"] == v) == [
        "x.direct", "x.fanout", "x.headers", "x.topic"]
    # RabbitMQ exports transient queues too: PolyMQ declares them, and exports only what is
    # durable.
    assert sorted(q["name"] for q in other.get("/queues/" + v).json()) == [
        "q.durable", "q.other", "q.transient"]
    assert len([b for b in other.get("/bindings/" + v).json() if b["source"]]) == 4
    assert [q["name"] for q in imported["policies"] if q["vhost"] == v] == ["limit"]
    assert sorted(g["user"] for g in imported["permissions"] if g["vhost"] == v) == sorted(
        ["guest", p.vhost + "-r-app", p.vhost + "-r-ops"])
    # A user imported from RabbitMQ logs in to PolyMQ with RabbitMQ's password hash.
    assert Api(other_broker, p.vhost + "-r-ops", "pw").get("/whoami").status_code == 200

    # PolyMQ's export into RabbitMQ.
    rabbit_api = p.apis[0]
    try:
        r = rabbit_api.post("/definitions", renamed(polymq, "-p"))
        assert r.status_code in (200, 201, 204), r.text
        v = urllib.parse.quote(p.vhost + "-p", safe="")
        assert sorted(q["name"] for q in rabbit_api.get("/queues/" + v).json()) == [
            "q.durable", "q.other"]
        assert sorted(b["source"] for b in rabbit_api.get("/bindings/" + v).json()
                      if b["source"]) == ["x.direct", "x.fanout", "x.headers"]
        assert [x["name"] for x in rabbit_api.get("/policies/" + v).json()] == ["limit"]
        assert rabbit_api.get("/queues/%s/q.durable" % v).json()["arguments"] == {
            "x-max-length": 100, "x-message-ttl": 60000, "x-dead-letter-exchange": "x.fanout"}
        ops = Api(p.nodes[0], p.vhost + "-p-ops", "pw")
        assert ops.get("/whoami").json()["tags"] == ["management", "policymaker"]
    finally:
        rabbit_api.delete("/vhosts/" + urllib.parse.quote(p.vhost + "-p", safe=""))
        for user in ("-p-admin", "-p-ops", "-p-app"):
            rabbit_api.delete("/users/" + p.vhost + user)
