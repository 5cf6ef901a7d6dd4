"""Debian's rabbitmqadmin (RabbitMQ 3.10's) against PolyMQ's management API, unchanged."""

import json

import pika

from management_api import Api
from polymq_process import params


def rows(output):
    """The rows of rabbitmqadmin's tab-separated output (-f tsv), header first."""
    return [line.split("\t") for line in output.strip().splitlines()]


def test_declare_list_publish_get_purge_delete(admin, api, broker):
    admin("declare", "exchange", "name=logs", "type=fanout")
    admin("declare", "queue", "name=audit", "durable=true")
    admin("declare", "binding", "source=logs", "destination=audit", "routing_key=any")
    queues = rows(admin("-f", "tsv", "list", "queues", "name", "messages").stdout)
    assert queues[0] == ["name", "messages"] and ["audit", "0"] in queues[1:]
    exchanges = rows(admin("-f", "tsv", "list", "exchanges", "name", "type").stdout)
    assert ["logs", "fanout"] in exchanges and ["amq.topic", "topic"] in exchanges
    bindings = rows(admin("-f", "tsv", "list", "bindings", "source", "destination",
                          "routing_key").stdout)
    assert ["logs", "audit", "any"] in bindings

    admin("publish", "exchange=logs", "routing_key=x", "payload=first")
    # And one from pika: the counts are the broker's own.
    conn = pika.BlockingConnection(params(broker.port))
    conn.channel().basic_publish("logs", "", b"second")
    conn.close()
    assert rows(admin("-f", "tsv", "list", "queues", "name", "messages").stdout)[1:] == [
        ["audit", "2"]]

    got = rows(admin("-f", "tsv", "get", "queue=audit", "ackmode=ack_requeue_true",
                     "count=2").stdout)
    header = got[0]
    payloads = [r[header.index("payload")] for r in got[1:]]
    assert payloads == ["first", "second"]
    assert api.get("/queues/%2F/audit").json()["messages"] == 2

    admin("purge", "queue", "name=audit")
    assert api.get("/queues/%2F/audit").json()["messages"] == 0
    admin("delete", "binding", "source=logs", "destination=audit", "destination_type=queue",
          "properties_key=any")
    assert api.get("/bindings/%2F/e/logs/q/audit").json() == []
    admin("delete", "queue", "name=audit")
    admin("delete", "exchange", "name=logs")
    names = [r[0] for r in rows(admin("-f", "tsv", "list", "queues", "name").stdout)[1:]]
    assert "audit" not in names
    assert api.get("/exchanges/%2F/logs").status_code == 404


def test_users_vhosts_and_overview(admin, broker):
    admin("declare", "vhost", "name=staging")
    admin("declare", "user", "name=deployer", "password=pw", "tags=management")
    admin("declare", "permission", "vhost=staging", "user=deployer", "configure=.*",
          "write=.*", "read=.*")
    vhosts = [r[0] for r in rows(admin("-f", "tsv", "list", "vhosts", "name").stdout)[1:]]
    assert "staging" in vhosts
    users = {r[0]: r[1] for r in rows(admin("-f", "tsv", "list", "users", "name", "tags").stdout)}
    assert "management" in users["deployer"] and "administrator" in users["guest"]
    assert Api(broker, "deployer", "pw").get("/whoami").status_code == 200
    overview = admin("-f", "raw_json", "show", "overview").stdout
    assert json.loads(overview)[0]["product_name"] == "PolyMQ"
    admin("delete", "user", "name=deployer")
    assert Api(broker, "deployer", "pw").get("/whoami").status_code == 401


def test_export_and_import_definitions(admin, api, tmp_path, make_broker):
    admin("declare", "queue", "name=keep-me", "durable=true", 'arguments={"x-max-length":10}')
    path = tmp_path / "defs.json"
    admin("export", str(path))
    defs = json.loads(path.read_text())
    assert {"name": "keep-me", "vhost": "/", "durable": True, "auto_delete": False,
            "arguments": {"x-max-length": 10}} in defs["queues"]
    other = make_broker(management=True, name="other").start()
    admin("import", str(path), port=other.management_port)
    assert Api(other).get("/queues/%2F/keep-me").json()["arguments"] == {"x-max-length": 10}
