"""The management HTTP API with python3-requests and pika: authentication, JSON shapes and
values as RabbitMQ 3.x answers them, errors."""

import base64

import pika
import pytest

from management_api import Api
from polymq_process import params


def test_overview_whoami_nodes(api, broker):
    r = api.get("/overview")
    assert r.status_code == 200
    o = r.json()
    assert o["product_name"] == "PolyMQ"
    assert o["queue_totals"] == {"messages": 0, "messages_ready": 0, "messages_unacknowledged": 0,
                                 "messages_details": {"rate": 0.0},
                                 "messages_ready_details": {"rate": 0.0},
                                 "messages_unacknowledged_details": {"rate": 0.0}}
    ports = {(l["protocol"], l["port"]) for l in o["listeners"]}
    assert ("amqp", broker.port) in ports and ("http", broker.management_port) in ports
    assert api.get("/whoami").json() == {"name": "guest", "tags": ["administrator"]}
    nodes = api.get("/nodes").json()
    assert len(nodes) == 1 and nodes[0]["running"] is True and nodes[0]["name"] == o["node"]
    assert api.get("/nodes/" + o["node"]).json()["name"] == o["node"]
    r = api.get("/health/checks/alarms")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    r = api.get("/aliveness-test/%2F")
    assert (r.status_code, r.json()) == (200, {"status": "ok"})


def test_authentication(api, broker):
    anonymous = Api(broker)
    anonymous.session.auth = None
    r = anonymous.get("/overview")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="RabbitMQ Management"'
    r = Api(broker, "guest", "wrong").get("/overview")
    assert r.status_code == 401
    assert r.json() == {"error": "not_authorized", "reason": "Login failed"}
    # A user without a management tag may use AMQP, not the API.
    assert api.put("/users/app", {"password": "pw", "tags": ""}).status_code == 201
    r = Api(broker, "app", "pw").get("/overview")
    assert (r.status_code, r.json()) == (401, {"error": "not_authorised",
                                               "reason": "Not management user"})
    assert api.put("/permissions/%2F/app", {"configure": ".*", "write": ".*",
                                            "read": ".*"}).status_code == 201
    conn = pika.BlockingConnection(params(broker.port, credentials=pika.PlainCredentials("app",
                                                                                          "pw")))
    conn.close()
    assert api.put("/users/mon", {"password": "pw", "tags": "monitoring"}).status_code == 201
    mon = Api(broker, "mon", "pw")
    assert mon.get("/queues").status_code == 200
    assert mon.put("/vhosts/nope").status_code == 401


def test_queue_counts_follow_amqp(api, broker):
    assert api.put("/queues/%2F/work", {"durable": True, "auto_delete": False,
                                        "arguments": {"x-max-length": 100}}).status_code == 201
    conn = pika.BlockingConnection(params(broker.port))
    ch = conn.channel()
    ch.confirm_delivery()
    for i in range(7):
        ch.basic_publish("", "work", b"m%d" % i, pika.BasicProperties(delivery_mode=2))
    # Two taken and not acknowledged: unacked 2, ready 5.
    for _ in range(2):
        method, _, _ = ch.basic_get("work", auto_ack=False)
        assert method is not None
    q = api.get("/queues/%2F/work").json()
    assert (q["messages"], q["messages_ready"], q["messages_unacknowledged"]) == (7, 5, 2)
    assert q["durable"] is True and q["auto_delete"] is False and q["state"] == "running"
    assert q["arguments"] == {"x-max-length": 100}
    assert q["memory"] > 0
    ch.basic_consume("work", lambda *a: None)
    assert api.get("/queues/%2F/work").json()["consumers"] == 1
    conn.close()
    o = api.get("/overview").json()
    assert o["queue_totals"]["messages"] == 7
    vhost = api.get("/vhosts/%2F").json()
    assert (vhost["name"], vhost["messages"]) == ("/", 7)


def test_declare_get_publish_purge_delete(api):
    assert api.put("/exchanges/%2F/events", {"type": "topic", "durable": True}).status_code == 201
    assert api.put("/exchanges/%2F/events", {"type": "topic", "durable": True}).status_code == 204
    r = api.put("/exchanges/%2F/events", {"type": "fanout", "durable": True})
    assert r.status_code == 400 and r.json()["error"] == "bad_request"
    assert api.put("/queues/%2F/orders", {"durable": True}).status_code == 201
    r = api.post("/bindings/%2F/e/events/q/orders", {"routing_key": "order.*", "arguments": {}})
    # The properties key "order.%2A" (quoted as RabbitMQ quotes it), encoded in the Location.
    assert r.status_code == 201 and r.headers["Location"] == "orders/order.%252A"
    bindings = api.get("/bindings/%2F/e/events/q/orders").json()
    assert [(b["source"], b["destination"], b["routing_key"]) for b in bindings] == [
        ("events", "orders", "order.*")]
    assert api.get("/exchanges/%2F/events/bindings/source").json()[0]["destination"] == "orders"
    assert [b["source"] for b in api.get("/queues/%2F/orders/bindings").json()] == ["", "events"]

    r = api.post("/exchanges/%2F/events/publish", {
        "routing_key": "order.created", "payload": "hello", "payload_encoding": "string",
        "properties": {"delivery_mode": 2, "headers": {"n": 1}, "content_type": "text/plain"}})
    assert (r.status_code, r.json()) == (200, {"routed": True})
    r = api.post("/exchanges/%2F/events/publish", {
        "routing_key": "other", "payload": "x", "payload_encoding": "string", "properties": {}})
    assert r.json() == {"routed": False}
    binary = bytes(range(256))
    r = api.post("/exchanges/%2F/amq.default/publish", {
        "routing_key": "orders", "payload": base64.b64encode(binary).decode(),
        "payload_encoding": "base64", "properties": {}})
    assert r.json() == {"routed": True}
    assert api.get("/queues/%2F/orders").json()["messages"] == 2

    got = api.post("/queues/%2F/orders/get", {"count": 5, "ackmode": "ack_requeue_true",
                                              "encoding": "auto", "truncate": 50000}).json()
    assert len(got) == 2
    assert got[0]["payload"] == "hello" and got[0]["payload_encoding"] == "string"
    assert got[0]["routing_key"] == "order.created" and got[0]["exchange"] == "events"
    assert got[0]["properties"]["headers"] == {"n": 1}
    assert got[0]["properties"]["delivery_mode"] == 2
    assert got[0]["redelivered"] is False
    assert got[1]["payload_encoding"] == "base64"
    assert base64.b64decode(got[1]["payload"]) == binary
    assert got[1]["properties"] == []
    # Requeued: still there, now redelivered; then taken for good.
    assert api.get("/queues/%2F/orders").json()["messages"] == 2
    got = api.post("/queues/%2F/orders/get", {"count": 1, "ackmode": "ack_requeue_false",
                                              "encoding": "auto"}).json()
    assert got[0]["redelivered"] is True and got[0]["message_count"] == 1
    assert api.get("/queues/%2F/orders").json()["messages"] == 1

    assert api.delete("/queues/%2F/orders/contents").status_code == 204
    assert api.get("/queues/%2F/orders").json()["messages"] == 0
    assert api.delete("/bindings/%2F/e/events/q/orders/order.%2A").status_code == 204
    assert api.get("/bindings/%2F/e/events/q/orders").json() == []
    assert api.delete("/queues/%2F/orders").status_code == 204
    assert api.delete("/exchanges/%2F/events").status_code == 204
    assert api.get("/queues/%2F/orders").status_code == 404
    assert api.get("/exchanges/%2F/events").status_code == 404


def test_errors(api):
    r = api.get("/queues/%2F/missing")
    assert (r.status_code, r.json()) == (404, {"error": "Object Not Found", "reason": "Not Found"})
    assert api.get("/queues/no-such-vhost").status_code == 404
    assert api.get("/exchanges/%2F/missing").status_code == 404
    r = api.post("/exchanges/%2F/missing/publish", {"routing_key": "", "payload": ""})
    assert (r.status_code, r.json()["reason"]) == (
        400, "404 NOT_FOUND - no exchange 'missing' in vhost '/'")
    r = api("PUT", "/queues/%2F/q", data="{not json", headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()) == (400, {"error": "bad_request", "reason": "not_json"})
    r = api.put("/exchanges/%2F/amq.topic2", {"type": "topic"})
    assert (r.status_code, r.json()) == (401, {"error": "not_authorised",
                                               "reason": "Access refused."})
    assert api.put("/queues/%2F/q", {"arguments": {"x-max-length": "ten"}}).status_code == 400


def test_pagination_sorting_filtering(api):
    for name, n in [("alpha", 3), ("beta", 1), ("gamma", 2), ("alphabet", 0)]:
        assert api.put("/queues/%2F/" + name, {"durable": False}).status_code == 201
        for i in range(n):
            api.post("/exchanges/%2F/amq.default/publish",
                     {"routing_key": name, "payload": "x", "payload_encoding": "string",
                      "properties": {}})
    names = [q["name"] for q in api.get("/queues?sort=messages&sort_reverse=true").json()]
    assert names == ["alpha", "gamma", "beta", "alphabet"]
    page = api.get("/queues/%2F?page=2&page_size=3&sort=name").json()
    assert page["total_count"] == 4 and page["filtered_count"] == 4
    assert (page["page"], page["page_count"], page["page_size"], page["item_count"]) == (2, 2, 3, 1)
    assert [q["name"] for q in page["items"]] == ["gamma"]
    page = api.get("/queues?page=1&name=alpha&sort=name").json()
    assert [q["name"] for q in page["items"]] == ["alpha", "alphabet"]
    page = api.get("/queues?page=1&name=^(beta|gamma)$&use_regex=true&sort=name").json()
    assert [q["name"] for q in page["items"]] == ["beta", "gamma"]
    r = api.get("/queues?page=9")
    assert (r.status_code, r.json()) == (400, {
        "error": "page_out_of_range", "reason": "Page out of range, page: 9 page size: 100, len: 4"})
    assert api.get("/queues?page_size=501&page=1").status_code == 400


def test_vhosts_users_permissions(api, broker):
    assert api.put("/vhosts/dev").status_code == 201
    assert api.put("/vhosts/dev").status_code == 204
    assert "dev" in [v["name"] for v in api.get("/vhosts").json()]
    assert api.put("/users/ops", {"password": "s3cret", "tags": "administrator"}).status_code \
        == 201
    u = api.get("/users/ops").json()
    assert u["tags"] == ["administrator"]
    assert u["hashing_algorithm"] == "rabbit_password_hashing_sha256"
    assert len(base64.b64decode(u["password_hash"])) == 36
    ops = Api(broker, "ops", "s3cret")
    assert ops.get("/whoami").json() == {"name": "ops", "tags": ["administrator"]}
    # The new user in the new vhost over AMQP, once granted (a new user has no permissions).
    full = {"configure": ".*", "write": ".*", "read": ".*"}
    assert api.put("/permissions/dev/ops", full).status_code == 201
    conn = pika.BlockingConnection(params(broker.port, virtual_host="dev",
                                          credentials=pika.PlainCredentials("ops", "s3cret")))
    conn.channel().queue_declare("in-dev")
    conn.close()
    assert [q["name"] for q in api.get("/queues/dev").json()] == ["in-dev"]
    # The same password hash given to another user logs it in with the same password.
    assert api.put("/users/copy", {"password_hash": u["password_hash"],
                                   "tags": ["management"]}).status_code == 201
    assert Api(broker, "copy", "s3cret").get("/whoami").status_code == 200
    perms = {"configure": "^cfg", "write": ".*", "read": "^r"}
    assert api.put("/permissions/dev/ops", perms).status_code == 204
    assert api.get("/permissions/dev/ops").json() == dict(user="ops", vhost="dev", **perms)
    assert dict(user="ops", vhost="dev", **perms) in api.get("/permissions").json()
    assert api.put("/permissions/nohost/ops", perms).json()["reason"] == "vhost_or_user_not_found"
    assert api.delete("/permissions/dev/ops").status_code == 204
    assert api.get("/permissions/dev/ops").status_code == 404
    assert api.delete("/users/copy").status_code == 204
    assert Api(broker, "copy", "s3cret").get("/whoami").status_code == 401
    assert api.delete("/users/copy").status_code == 404


def test_definitions_round_trip(api, make_broker):
    assert api.put("/exchanges/%2F/ex", {"type": "direct", "durable": True}).status_code == 201
    assert api.put("/queues/%2F/kept", {"durable": True,
                                        "arguments": {"x-message-ttl": 60000}}).status_code == 201
    assert api.post("/bindings/%2F/e/ex/q/kept", {"routing_key": "k"}).status_code == 201
    exported = api.get("/definitions").json()
    assert {"name": "kept", "vhost": "/", "durable": True, "auto_delete": False,
            "arguments": {"x-message-ttl": 60000}} in exported["queues"]
    assert [x["name"] for x in exported["exchanges"]] == ["ex"]
    assert [(b["source"], b["destination"], b["routing_key"]) for b in exported["bindings"]] == [
        ("ex", "kept", "k")]
    # Imported into another broker, which keeps them over a restart.
    other = make_broker(management=True, name="other").start()
    other_api = Api(other)
    assert other_api.post("/definitions", exported).status_code == 204
    other.stop()
    other.start()
    other_api = Api(other)
    q = other_api.get("/queues/%2F/kept").json()
    assert q["arguments"] == {"x-message-ttl": 60000} and q["durable"] is True
    assert other_api.get("/bindings/%2F/e/ex/q/kept").json()[0]["routing_key"] == "k"
    r = other_api.post("/definitions", {"queues": [{"name": "x", "vhost": "missing"}]})
    assert r.status_code == 400


def test_declared_queue_survives_restart(api, broker):
    assert api.put("/queues/%2F/durable-q", {"durable": True}).status_code == 201
    api.post("/exchanges/%2F/amq.default/publish",
             {"routing_key": "durable-q", "payload": "persist", "payload_encoding": "string",
              "properties": {"delivery_mode": 2}})
    broker.stop()
    broker.start()
    q = Api(broker).get("/queues/%2F/durable-q").json()
    assert q["messages"] == 1


def test_vhost_and_user_changes_survive_kill_9(api, broker):
    """Answered changes to vhosts and users are on disk: a kill -9 right after loses none."""
    assert api.put("/vhosts/kept").status_code == 201
    assert api.put("/queues/kept/q", {"durable": True}).status_code == 201
    assert api.put("/vhosts/gone").status_code == 201
    assert api.put("/users/alice", {"password": "pw", "tags": "management"}).status_code == 201
    assert api.put("/users/bob", {"password": "pw", "tags": ""}).status_code == 201
    assert api.put("/users/alice", {"tags": "administrator"}).status_code == 204
    assert api.delete("/users/bob").status_code == 204
    assert api.delete("/vhosts/gone").status_code == 204
    broker.kill()
    broker.start()
    api = Api(broker)
    assert sorted(v["name"] for v in api.get("/vhosts").json()) == ["/", "kept"]
    assert [q["name"] for q in api.get("/queues/kept").json()] == ["q"]
    users = {u["name"]: u["tags"] for u in api.get("/users").json()}
    assert users == {"guest": ["administrator"], "alice": ["administrator"]}
    # alice kept her password through the tags-only change and the restart.
    assert Api(broker, "alice", "pw").get("/whoami").json()["tags"] == ["administrator"]


def test_deleting_a_vhost_deletes_what_it_holds(api, broker):
    assert api.put("/vhosts/tmp").status_code == 201
    assert api.put("/queues/tmp/q", {"durable": True}).status_code == 201
    assert api.put("/exchanges/tmp/x", {"type": "direct"}).status_code == 201
    conn = pika.BlockingConnection(params(broker.port, virtual_host="tmp"))
    ch = conn.channel()
    ch.basic_publish("", "q", b"m")
    assert api.delete("/vhosts/tmp").status_code == 204
    assert api.get("/vhosts/tmp").status_code == 404
    assert api.get("/queues/tmp/q").status_code == 404
    # New connections to it are refused; the open one is left to close.
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        pika.BlockingConnection(params(broker.port, virtual_host="tmp"))
    conn.close()
    assert api.put("/vhosts/tmp").status_code == 201
    assert api.get("/queues/tmp").json() == []
    broker.stop()
    broker.start()
    assert Api(broker).get("/queues/tmp").json() == []
