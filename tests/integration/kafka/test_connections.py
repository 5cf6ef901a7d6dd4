"""Kafka connections in the management API, as RabbitMQ lists the connections of its other
protocols: /api/connections shows each Kafka client connection (protocol "Kafka", the user it
logged in as, the Kafka vhost, the client id and the client software it named), and DELETE
closes it. Real clients: confluent-kafka (librdkafka, ApiVersions v3 with its software name)
and kafka-python."""

import os
import sys
import time
import urllib.parse

import pytest
from confluent_kafka import Producer
from kafka import KafkaProducer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from management_api import Api  # noqa: E402

TIMEOUT = 20


@pytest.fixture
def broker(make_broker):
    return make_broker(kafka=True, management=True).start()


@pytest.fixture
def api(broker):
    return Api(broker)


def kafka_connections(api):
    r = api.get("/connections")
    assert r.status_code == 200, r.text
    return [c for c in r.json() if c["protocol"] == "Kafka"]


def wait_for(predicate, what):
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail("timed out waiting for " + what)


def with_client_id(api, client_id):
    return [c for c in kafka_connections(api)
            if c["client_properties"].get("client_id") == client_id]


def test_librdkafka_connection_is_listed_with_its_client(broker, api):
    p = Producer({"bootstrap.servers": "127.0.0.1:%d" % broker.kafka_port,
                  "client.id": "billing-service"})
    p.produce("invoices", b"one")
    assert p.flush(TIMEOUT) == 0
    conns = wait_for(lambda: with_client_id(api, "billing-service"), "the producer's connection")
    c = conns[0]
    assert c["user"] == "guest"
    assert c["vhost"] == "/"
    assert c["state"] == "running"
    assert c["port"] == broker.kafka_port
    assert c["peer_host"] == "127.0.0.1"
    assert c["name"] == "127.0.0.1:%d -> 127.0.0.1:%d" % (c["peer_port"], broker.kafka_port)
    # librdkafka names itself in ApiVersions v3.
    assert c["client_properties"]["product"].startswith("confluent-kafka")
    assert c["client_properties"]["version"] != ""
    assert c["channels"] == 0
    assert c["recv_oct"] > 0 and c["send_oct"] > 0
    # One connection's own entry answers too.
    one = api.get("/connections/" + urllib.parse.quote(c["name"], safe=""))
    assert one.status_code == 200 and one.json()["protocol"] == "Kafka"


def test_sasl_user_and_kafka_python_client_id(broker, api):
    assert api.put("/users/ingest", {"password": "pw", "tags": ""}).status_code == 201
    assert api.put("/permissions/%2F/ingest",
                   {"configure": ".*", "write": ".*", "read": ".*"}).status_code == 201
    p = KafkaProducer(bootstrap_servers="127.0.0.1:%d" % broker.kafka_port,
                      client_id="ingest-worker", security_protocol="SASL_PLAINTEXT",
                      sasl_mechanism="PLAIN", sasl_plain_username="ingest",
                      sasl_plain_password="pw")
    try:
        p.send("raw-events", b"x").get(timeout=TIMEOUT)
        conns = wait_for(lambda: with_client_id(api, "ingest-worker"), "kafka-python's connection")
        assert {c["user"] for c in conns} == {"ingest"}
    finally:
        p.close()
    # Closed connections leave the list.
    wait_for(lambda: not with_client_id(api, "ingest-worker"), "the closed connection to go")


def test_delete_closes_a_kafka_connection(broker, api):
    p = Producer({"bootstrap.servers": "127.0.0.1:%d" % broker.kafka_port,
                  "client.id": "doomed"})
    p.produce("t", b"x")
    assert p.flush(TIMEOUT) == 0
    names = {c["name"] for c in wait_for(lambda: with_client_id(api, "doomed"), "connection")}
    for name in names:
        r = api.delete("/connections/" + urllib.parse.quote(name, safe=""),
                       headers={"X-Reason": "maintenance"})
        assert r.status_code == 204, r.text
    # The broker closed them; librdkafka may reconnect, but from other ports.
    wait_for(lambda: not names & {c["name"] for c in kafka_connections(api)},
             "the closed connections to leave the list")
    assert "closed by an operator: maintenance" in broker.log_text()
    # The client goes on working over a new connection.
    p.produce("t", b"y")
    assert p.flush(TIMEOUT) == 0
