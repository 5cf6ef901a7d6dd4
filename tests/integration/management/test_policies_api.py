"""Policies at run time through the management API (/api/policies, /api/operator-policies):
applied at once to existing queues, kept across restarts, in the definitions, with RabbitMQ's
access rules; and rabbitmqadmin's policy commands."""

import json

import pika

from management_api import Api
from polymq_process import params

FULL = {"configure": ".*", "write": ".*", "read": ".*"}
CAP = {"pattern": "^jobs", "definition": {"max-length": 2}, "apply-to": "queues"}


def publish(broker, queue, count, first=0):
    conn = pika.BlockingConnection(params(broker.port))
    ch = conn.channel()
    ch.confirm_delivery()
    for i in range(first, first + count):
        ch.basic_publish("", queue, b"m%d" % i)
    conn.close()


def declare(broker, queue, arguments=None):
    conn = pika.BlockingConnection(params(broker.port))
    conn.channel().queue_declare(queue, durable=True, arguments=arguments)
    conn.close()


def queue_info(api, name):
    r = api.get("/queues/%2F/" + name)
    assert r.status_code == 200, r.text
    return r.json()


def bodies(broker, queue):
    conn = pika.BlockingConnection(params(broker.port))
    ch = conn.channel()
    out = []
    while True:
        method, _, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            break
        out.append(body)
    conn.close()
    return out


def test_a_policy_applies_at_once_to_existing_queues_and_goes_when_deleted(broker, api):
    declare(broker, "jobs.email")
    declare(broker, "other")
    publish(broker, "jobs.email", 5)
    publish(broker, "other", 5)
    r = api.put("/policies/%2F/cap", CAP)
    assert r.status_code == 201, r.text
    # The two newest stay (drop-head), at once; the queue that does not match keeps all.
    info = queue_info(api, "jobs.email")
    assert info["messages_ready"] == 2 and info["policy"] == "cap"
    assert info["operator_policy"] is None
    assert queue_info(api, "other")["policy"] is None
    assert bodies(broker, "jobs.email") == [b"m3", b"m4"]

    listed = api.get("/policies").json()
    assert listed == [{"vhost": "/", "name": "cap", "pattern": "^jobs", "apply-to": "queues",
                       "definition": {"max-length": 2}, "priority": 0}]
    assert api.get("/policies/%2F").json() == listed
    assert api.get("/policies/%2F/cap").json() == listed[0]
    # Replaced: 204, and the new limit applies.
    assert api.put("/policies/%2F/cap", dict(CAP, definition={"max-length": 4})).status_code == 204
    publish(broker, "jobs.email", 6)
    assert queue_info(api, "jobs.email")["messages_ready"] == 4

    assert api.delete("/policies/%2F/cap").status_code == 204
    assert api.delete("/policies/%2F/cap").status_code == 404
    assert api.get("/policies/%2F/cap").status_code == 404
    publish(broker, "jobs.email", 3)
    info = queue_info(api, "jobs.email")
    assert info["messages_ready"] == 7 and info["policy"] is None


def test_policies_survive_a_crash_and_apply_to_queues_declared_after(make_broker):
    broker = make_broker(management=True).start()
    api = Api(broker)
    assert api.put("/policies/%2F/cap", CAP).status_code == 201
    assert api.put("/policies/%2F/gone", dict(CAP, pattern="^x")).status_code == 201
    assert api.delete("/policies/%2F/gone").status_code == 204
    broker.kill()
    broker.start()
    api = Api(broker)
    assert [p["name"] for p in api.get("/policies").json()] == ["cap"]
    declare(broker, "jobs.new")
    publish(broker, "jobs.new", 3)
    assert queue_info(api, "jobs.new")["messages_ready"] == 2


def test_operator_policies_cap_queue_arguments_and_policies(broker, api):
    declare(broker, "jobs.a", {"x-max-length": 10})
    assert api.put("/policies/%2F/user", dict(CAP, definition={"max-length": 8})).status_code == 201
    r = api.put("/operator-policies/%2F/ops", dict(CAP, definition={"max-length": 3}))
    assert r.status_code == 201, r.text
    publish(broker, "jobs.a", 6)
    info = queue_info(api, "jobs.a")
    assert info["messages_ready"] == 3
    assert info["policy"] == "user" and info["operator_policy"] == "ops"
    # Operator policies take only limits.
    r = api.put("/operator-policies/%2F/dlx", dict(CAP, definition={"dead-letter-exchange": "x"}))
    assert r.status_code == 400 and "not recognised policy settings" in r.json()["reason"]
    assert [p["name"] for p in api.get("/operator-policies").json()] == ["ops"]


def test_refused_policies_get_rabbitmqs_errors(broker, api):
    def reason(body, path="/policies/%2F/p", status=400):
        r = api.put(path, body)
        assert r.status_code == status, r.text
        return r.json()["reason"]

    assert "<<\"ha-mode\">>" in reason({"pattern": ".*", "definition": {"ha-mode": "all"}})
    assert "Validation failed" in reason({"pattern": ".*", "definition": {"max-length": -1}})
    assert "not a valid overflow value" in reason(
        {"pattern": ".*", "definition": {"overflow": "sideways"}})
    assert "regular expression" in reason({"pattern": "([", "definition": {"max-length": 1}})
    assert "apply-to" in reason({"pattern": ".*", "apply-to": "streams",
                                 "definition": {"max-length": 1}})
    assert "pattern" in reason({"definition": {"max-length": 1}})
    assert "definition" in reason({"pattern": ".*"})
    r = api("PUT", "/policies/%2F/p", data="{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert api.put("/policies/nowhere/p", CAP).status_code == 404
    assert api.get("/policies/nowhere").status_code == 404
    assert api.post("/policies", CAP).status_code == 405
    assert api.get("/policies").json() == []


def test_policymakers_set_policies_and_only_administrators_operator_policies(broker, api):
    for user, tags in (("pm", "policymaker"), ("mon", "monitoring"), ("mgmt", "management")):
        assert api.put("/users/" + user, {"password": "pw", "tags": tags}).status_code == 201
    # Without a grant in the vhost, not even a policymaker may touch its policies.
    r = Api(broker, "pm", "pw").put("/policies/%2F/cap", CAP)
    assert r.status_code == 401
    assert r.json()["reason"] == "User not authorised to access virtual host"
    for user in ("pm", "mon", "mgmt"):
        assert api.put("/permissions/%2F/" + user, FULL).status_code == 201
    assert Api(broker, "pm", "pw").put("/policies/%2F/cap", CAP).status_code == 201
    for user in ("mon", "mgmt"):
        # They read policies, as RabbitMQ lets them, but do not change them.
        r = Api(broker, user, "pw").get("/policies")
        assert r.status_code == 200 and [p["name"] for p in r.json()] == ["cap"]
        r = Api(broker, user, "pw").delete("/policies/%2F/cap")
        assert r.status_code == 401 and r.json()["reason"] == "Not policymaker user"
    r = Api(broker, "pm", "pw").put("/operator-policies/%2F/ops", CAP)
    assert r.status_code == 401 and r.json()["reason"] == "Not administrator user"
    assert api.get("/operator-policies").json() == []


def test_definitions_carry_policies_both_ways(make_broker):
    source = make_broker(management=True).start()
    api = Api(source)
    assert api.put("/policies/%2F/cap", dict(CAP, priority=5)).status_code == 201
    assert api.put("/operator-policies/%2F/ops", CAP).status_code == 201
    exported = api.get("/definitions").json()
    assert exported["policies"] == [{"vhost": "/", "name": "cap", "pattern": "^jobs",
                                     "apply-to": "queues", "definition": {"max-length": 2},
                                     "priority": 5}]
    assert [p["name"] for p in exported["polymq_operator_policies"]] == ["ops"]

    target = make_broker(management=True).start()
    target_api = Api(target)
    declare(target, "jobs.x")
    publish(target, "jobs.x", 4)
    assert target_api.post("/definitions", exported).status_code in (200, 201, 204)
    assert queue_info(target_api, "jobs.x")["messages_ready"] == 2
    assert target_api.get("/policies/%2F/cap").json()["priority"] == 5


def test_rabbitmqadmin_declares_lists_and_deletes_policies(admin, api, broker):
    admin("declare", "policy", "name=cap", "pattern=^jobs",
          "definition=" + json.dumps({"max-length": 1}), "apply-to=queues", "priority=2")
    policy = api.get("/policies/%2F/cap").json()
    assert policy["priority"] == 2 and policy["definition"] == {"max-length": 1}
    out = admin("-f", "tsv", "list", "policies", "name", "pattern").stdout
    assert "cap\t^jobs" in out
    admin("delete", "policy", "name=cap")
    assert api.get("/policies").json() == []
