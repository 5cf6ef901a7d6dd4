"""Kafka topics and consumer groups in the management API, as operators look at them with
kafka-consumer-groups.sh --describe: /api/polymq/kafka/topics lists each topic's partitions with
their offsets, /api/polymq/kafka/groups each group's state, members (with the partitions the
group's leader assigned them) and committed offsets with their lag behind the high watermark.
Real clients: confluent-kafka (librdkafka) produces, consumes in a group and commits; the API is
read with python3-requests."""

import os
import sys
import time

import pytest
import requests
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))

from management_api import Api  # noqa: E402

TIMEOUT = 30


@pytest.fixture
def broker(make_broker):
    return make_broker(kafka=True, management=True).start()


@pytest.fixture
def api(broker):
    return Api(broker)


def bootstrap(broker):
    return f"127.0.0.1:{broker.kafka_port}"


def make_topic(broker, name, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap(broker)})
    for future in admin.create_topics([NewTopic(name, num_partitions=partitions)]).values():
        future.result(TIMEOUT)


def produce(broker, topic, per_partition):
    """Produces `count` records to each partition named in per_partition {partition: count}."""
    p = Producer({"bootstrap.servers": bootstrap(broker), "acks": "all"})
    for partition, count in per_partition.items():
        for i in range(count):
            p.produce(topic, value=f"{partition}-{i}".encode(), partition=partition)
    assert p.flush(TIMEOUT) == 0


def get_json(api, path, status=200):
    r = api.get(path)
    assert r.status_code == status, (path, r.status_code, r.text)
    return r.json()


def test_a_group_shows_its_member_assignment_and_lag(broker, api):
    make_topic(broker, "orders", 2)
    produce(broker, "orders", {0: 5, 1: 4})
    c = Consumer({"bootstrap.servers": bootstrap(broker), "group.id": "billing",
                  "client.id": "billing-worker", "auto.offset.reset": "earliest",
                  "enable.auto.commit": False, "partition.assignment.strategy": "range",
                  "session.timeout.ms": 6000, "heartbeat.interval.ms": 500})
    try:
        c.subscribe(["orders"])
        got = 0
        deadline = time.time() + TIMEOUT
        while got < 9 and time.time() < deadline:
            msg = c.poll(0.2)
            if msg is not None:
                assert msg.error() is None, msg.error()
                got += 1
        assert got == 9
        # Committed: 3 of partition 0's 5 records, all 4 of partition 1's.
        c.commit(offsets=[TopicPartition("orders", 0, 3), TopicPartition("orders", 1, 4)],
                 asynchronous=False)

        group = get_json(api, "/polymq/kafka/groups/%2F/billing")
        assert group["vhost"] == "/" and group["name"] == "billing"
        assert group["state"] == "Stable"
        assert group["protocol_type"] == "consumer"
        assert group["protocol"] == "range"
        assert group["generation"] >= 1
        assert len(group["members"]) == 1
        member = group["members"][0]
        assert member["client_id"] == "billing-worker"
        assert member["member_id"] == group["leader"]
        assert member["client_host"].endswith("127.0.0.1")
        assert member["assignment"] == [{"topic": "orders", "partitions": [0, 1]}]
        offsets = {o["partition"]: o for o in group["offsets"] if o["topic"] == "orders"}
        assert offsets[0]["committed_offset"] == 3
        assert offsets[0]["high_watermark"] == 5
        assert offsets[0]["lag"] == 2
        assert offsets[1]["committed_offset"] == 4
        assert offsets[1]["lag"] == 0
        assert group["lag"] == 2

        # The same figures in /metrics, under kafka_exporter's family names with polymq_.
        metrics = requests.get(f"http://127.0.0.1:{broker.management_port}/metrics",
                               timeout=TIMEOUT).text
        labels = '{vhost="/",consumergroup="billing",topic="orders",partition="%d"}'
        assert ("polymq_kafka_consumergroup_lag" + labels % 0 + " 2\n") in metrics, metrics
        assert ("polymq_kafka_consumergroup_lag" + labels % 1 + " 0\n") in metrics
        assert ("polymq_kafka_consumergroup_current_offset" + labels % 0 + " 3\n") in metrics
        assert 'polymq_kafka_consumergroup_members{vhost="/",consumergroup="billing"} 1\n' in metrics

        # More records raise the lag at once; the list has the group too.
        produce(broker, "orders", {1: 3})
        groups = get_json(api, "/polymq/kafka/groups")
        assert [(g["name"], g["lag"]) for g in groups] == [("billing", 5)]
    finally:
        c.close()
    # Once its only member left, the group is Empty with its offsets kept.
    group = get_json(api, "/polymq/kafka/groups/%2F/billing")
    assert group["state"] == "Empty"
    assert group["members"] == []
    assert group["lag"] == 5


def test_topics_show_their_partitions_offsets(broker, api):
    make_topic(broker, "events", 3)
    produce(broker, "events", {0: 2, 2: 7})
    topic = get_json(api, "/polymq/kafka/topics/%2F/events")
    assert topic["partition_count"] == 3
    assert topic["internal"] is False
    assert topic["messages"] == 9
    assert [(p["partition"], p["log_start_offset"], p["high_watermark"], p["log_end_offset"])
            for p in topic["partitions"]] == [(0, 0, 2, 2), (1, 0, 0, 0), (2, 0, 7, 7)]
    assert topic["configs"] == {}

    catalogs = [c["name"] for c in get_json(api, "/polymq")]
    assert "kafka/topics" in catalogs and "kafka/groups" in catalogs
    # Lists sort and page as RabbitMQ's lists do.
    make_topic(broker, "audit", 1)
    page = get_json(api, "/polymq/kafka/topics?page=1&page_size=1&sort=messages&sort_reverse=true")
    assert page["total_count"] >= 2
    assert [t["name"] for t in page["items"]] == ["events"]


def test_unknown_objects_methods_and_users_without_a_grant(broker, api):
    make_topic(broker, "orders", 1)
    get_json(api, "/polymq/kafka/topics/%2F/missing", status=404)
    get_json(api, "/polymq/kafka/nothing", status=404)
    get_json(api, "/polymq/kafka/topics/no-such-vhost", status=404)
    assert api.delete("/polymq/kafka/topics/%2F/orders").status_code == 405
    # A management user without a grant in "/" sees none of its topics, and is refused the
    # vhost's own list, as RabbitMQ refuses a vhost the user has no access to.
    assert api.put("/users/viewer", {"password": "pw", "tags": "management"}).status_code in (201, 204)
    viewer = Api(broker, "viewer", "pw")
    r = viewer.get("/polymq/kafka/topics")
    assert r.status_code == 200 and r.json() == [], r.text
    assert viewer.get("/polymq/kafka/topics/%2F").status_code == 401
    assert api.put("/permissions/%2F/viewer",
                   {"configure": "", "write": "", "read": ".*"}).status_code in (201, 204)
    topics = viewer.get("/polymq/kafka/topics").json()
    # The coordinators' own topics are listed as Kafka lists them: internal.
    assert [(t["name"], t["internal"]) for t in topics] == [
        ("__consumer_offsets", True), ("__transaction_state", True), ("orders", False)]
