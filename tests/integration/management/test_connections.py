"""/api/connections, /api/channels, /api/consumers: the live AMQP connections as RabbitMQ's
management API lists them, and closing one (requests and Debian's rabbitmqadmin)."""

import time

import pika
import pytest

from management_api import Api
from polymq_process import params


def rows(output):
    return [line.split("\t") for line in output.strip().splitlines()]


def wait_for(fn, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def open_consumer(broker, queue="jobs", name="worker-1"):
    props = {"connection_name": name}
    conn = pika.BlockingConnection(params(broker.port, client_properties=props))
    ch = conn.channel()
    ch.queue_declare(queue)
    ch.basic_qos(prefetch_count=7)
    ch.basic_consume(queue, lambda *a: None, consumer_tag="ctag-1",
                     arguments={"x-priority": 3})
    return conn, ch


def test_connections_channels_consumers(api, broker):
    assert api.get("/connections").json() == []
    conn, ch = open_consumer(broker)
    second = conn.channel()
    second.confirm_delivery()
    try:
        listed = api.get("/connections").json()
        assert len(listed) == 1
        c = listed[0]
        assert c["protocol"] == "AMQP 0-9-1" and c["user"] == "guest" and c["vhost"] == "/"
        assert c["peer_host"] == "127.0.0.1" and c["host"] == "127.0.0.1"
        assert c["port"] == broker.port and c["peer_port"] > 0
        assert c["name"] == "127.0.0.1:%d -> 127.0.0.1:%d" % (c["peer_port"], broker.port)
        assert c["channels"] == 2 and c["state"] == "running"
        assert c["client_properties"]["connection_name"] == "worker-1"
        assert c["client_properties"]["product"] == "Pika Python Client Library"
        assert c["recv_oct"] > 0 and c["send_oct"] > 0
        assert c["connected_at"] > 1_600_000_000_000
        name = c["name"]
        enc = requests_quote(name)
        assert api.get("/connections/" + enc).json()["name"] == name
        assert [x["name"] for x in api.get("/vhosts/%2F/connections").json()] == [name]
        assert api.get("/connections/nope").status_code == 404

        chans = api.get("/connections/%s/channels" % enc).json()
        assert [x["number"] for x in chans] == [1, 2]
        assert chans[0]["name"] == name + " (1)"
        assert chans[0]["prefetch_count"] == 7 and chans[0]["consumer_count"] == 1
        assert chans[1]["confirm"] is True and chans[1]["consumer_count"] == 0
        assert chans[0]["connection_details"] == {"name": name, "peer_host": "127.0.0.1",
                                                  "peer_port": c["peer_port"]}
        assert len(api.get("/channels").json()) == 2
        assert api.get("/channels/" + requests_quote(name + " (2)")).json()["number"] == 2

        consumers = api.get("/consumers").json()
        assert len(consumers) == 1
        k = consumers[0]
        assert k["queue"] == {"name": "jobs", "vhost": "/"}
        assert k["consumer_tag"] == "ctag-1" and k["ack_required"] is True
        assert k["prefetch_count"] == 7 and k["exclusive"] is False
        assert k["arguments"] == {"x-priority": 3}
        assert k["channel_details"]["connection_name"] == name
        assert k["channel_details"]["number"] == 1
        assert api.get("/consumers/%2F").json() == consumers
        assert api.get("/consumers/nope").status_code == 404
    finally:
        conn.close()
    assert wait_for(lambda: api.get("/connections").json() == [])
    assert api.get("/consumers").json() == []


def test_channels_count_their_messages_with_rates(api, broker):
    """A channel's message_stats: what it published (and had confirmed), got, was delivered
    and acked, with a rate for each, as RabbitMQ's /api/channels; the overview has the
    broker's totals with rates too."""
    conn = pika.BlockingConnection(params(broker.port))
    try:
        ch = conn.channel()
        ch.confirm_delivery()
        ch.queue_declare("stats-q")
        # A first look: the rates of later ones are measured against it.
        assert api.get("/channels").json()[0]["message_stats"]["publish"] == 0
        for i in range(5):
            ch.basic_publish("", "stats-q", b"m%d" % i)
        ch.basic_publish("", "nowhere", b"x")        # routed nowhere: dropped
        method, _, _ = ch.basic_get("stats-q")         # with an ack to come
        ch.basic_ack(method.delivery_tag)
        ch.basic_get("stats-q", auto_ack=True)
        got = []
        ch.basic_consume("stats-q", lambda c, m, p, b: (got.append(b), c.basic_ack(m.delivery_tag)))
        wait_for(lambda: conn.process_data_events(0.05) or len(got) == 3)
        assert len(got) == 3
        ch.basic_get("stats-q")                        # empty now
        conn.process_data_events(0.1)
        want = {"publish": 6, "confirm": 6, "drop_unroutable": 1, "return_unroutable": 0,
                "get": 1, "get_no_ack": 1, "get_empty": 1, "deliver": 3, "deliver_no_ack": 0,
                "deliver_get": 5, "redeliver": 0, "ack": 4}

        def stats():
            chans = api.get("/channels").json()
            return chans[0]["message_stats"] if len(chans) == 1 else None

        s = wait_for(lambda: stats() if stats() and stats()["ack"] == 4 else None)
        assert s is not None
        assert {k: s[k] for k in want} == want
        for key in want:
            assert isinstance(s[key + "_details"]["rate"], float)
        assert s["publish_details"]["rate"] > 0 and s["ack_details"]["rate"] > 0
        overview = api.get("/overview").json()
        assert overview["message_stats"]["publish"] >= 6
        assert isinstance(overview["message_stats"]["publish_details"]["rate"], float)
        assert isinstance(overview["queue_totals"]["messages_details"]["rate"], float)
    finally:
        conn.close()


def test_delete_closes_with_connection_forced(api, broker):
    conn, _ = open_consumer(broker)
    name = api.get("/connections").json()[0]["name"]
    r = api.delete("/connections/" + requests_quote(name), headers={"X-Reason": "maintenance"})
    assert r.status_code == 204
    with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as e:
        for _ in range(100):
            conn.process_data_events(time_limit=0.1)
    assert e.value.reply_code == 320
    assert e.value.reply_text == "CONNECTION_FORCED - maintenance"
    assert wait_for(lambda: api.get("/connections").json() == [])


def test_management_user_sees_only_own_connections(api, broker):
    assert api.put("/users/watcher", {"password": "pw", "tags": "management"}).status_code in (
        201, 204)
    conn, _ = open_consumer(broker)
    try:
        watcher = Api(broker, "watcher", "pw")
        assert watcher.get("/connections").json() == []
        assert watcher.get("/consumers").json() == []
        name = api.get("/connections").json()[0]["name"]
        assert watcher.delete("/connections/" + requests_quote(name)).status_code == 404
    finally:
        conn.close()


def test_rabbitmqadmin_lists_and_closes(admin, api, broker):
    conn, _ = open_consumer(broker)
    name = api.get("/connections").json()[0]["name"]
    listed = rows(admin("-f", "tsv", "list", "connections").stdout)
    assert listed[0] == ["name", "user", "channels"] and listed[1:] == [[name, "guest", "1"]]
    chans = rows(admin("-f", "tsv", "list", "channels").stdout)
    assert chans[1:] == [[name + " (1)", "guest"]]
    consumers = rows(admin("-f", "tsv", "list", "consumers", "queue.name", "consumer_tag",
                           "prefetch_count").stdout)
    assert consumers[1:] == [["jobs", "ctag-1", "7"]]
    admin("close", "connection", "name=" + name)
    with pytest.raises(pika.exceptions.ConnectionClosedByBroker) as e:
        for _ in range(100):
            conn.process_data_events(time_limit=0.1)
    assert e.value.reply_code == 320
    assert e.value.reply_text == "CONNECTION_FORCED - Closed via management plugin"
    assert wait_for(lambda: rows(admin("-f", "tsv", "list", "connections").stdout)[1:] == [])


def requests_quote(name):
    from urllib.parse import quote
    return quote(name, safe="")
