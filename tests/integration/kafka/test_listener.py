"""The Kafka listener with Debian's real clients (kcat/librdkafka, kafka-python,
confluent-kafka) and a raw socket for what they never send: ApiVersions, Metadata with topic
auto-creation, the cluster id across restarts, and the connection closed on bad input."""

import json
import socket
import struct
import subprocess
import time

import pytest

import kafka_raw

UNSUPPORTED_VERSION = 35
# The consumer-group APIs by key: OffsetCommit, OffsetFetch, FindCoordinator, JoinGroup,
# Heartbeat, LeaveGroup, SyncGroup, DescribeGroups, ListGroups, DeleteGroups, OffsetDelete.
GROUP_APIS = {8: (0, 8), 9: (0, 8), 10: (0, 4), 11: (0, 9), 12: (0, 4), 13: (0, 5), 14: (0, 5),
              15: (0, 5), 16: (0, 4), 42: (0, 2), 47: (0, 0)}


def kcat_list(port, topic=None):
    cmd = ["kcat", "-b", "127.0.0.1:%d" % port, "-L", "-J", "-m", "10"]
    if topic:
        cmd += ["-t", topic]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    return json.loads(out.stdout)


def test_kcat_lists_the_broker_and_an_auto_created_topic(kafka_broker):
    port = kafka_broker.kafka_port
    md = kcat_list(port, "orders")
    assert md["controllerid"] == 0
    assert md["brokers"] == [{"id": 0, "name": "127.0.0.1:%d" % port}]
    [topic] = md["topics"]
    assert topic["topic"] == "orders"
    assert "error" not in topic
    assert topic["partitions"] == [{"partition": 0, "leader": 0, "replicas": [{"id": 0}],
                                    "isrs": [{"id": 0}]}]
    # And it is there for everyone asking for every topic afterwards.
    names = [t["topic"] for t in kcat_list(port)["topics"]]
    assert names == ["orders"]


def test_kcat_gets_unknown_topic_when_auto_creation_is_off(make_broker, tmp_path):
    config = tmp_path / "polymq.toml"
    config.write_text("[kafka]\nauto_create_topics = false\n")
    broker = make_broker("--config", str(config), kafka=True).start()
    md = kcat_list(broker.kafka_port, "absent")
    [topic] = md["topics"]
    assert topic["topic"] == "absent"
    assert "Unknown topic" in topic.get("error", ""), topic
    assert kcat_list(broker.kafka_port)["topics"] == []


def test_num_partitions_sets_an_auto_created_topics_partitions(make_broker, tmp_path):
    config = tmp_path / "polymq.toml"
    config.write_text("[kafka]\nnum_partitions = 3\n")
    broker = make_broker("--config", str(config), kafka=True).start()
    [topic] = kcat_list(broker.kafka_port, "wide")["topics"]
    assert [p["partition"] for p in topic["partitions"]] == [0, 1, 2]


def test_kafka_python_bootstraps_and_lists_topics(kafka_broker):
    from kafka import KafkaClient, KafkaConsumer

    bootstrap = "127.0.0.1:%d" % kafka_broker.kafka_port
    client = KafkaClient(bootstrap_servers=bootstrap, api_version_auto_timeout_ms=10000)
    try:
        # Inferred from the ApiVersions v0 answer: Produce v8 is served (and DescribeAcls
        # v2 is not), so kafka-python takes the broker for a 2.4 and uses its modern requests.
        assert client.check_version() == (2, 4, 0)
    finally:
        client.close()
    kcat_list(kafka_broker.kafka_port, "events")
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version_auto_timeout_ms=10000)
    try:
        assert consumer.topics() == {"events"}
        assert consumer.partitions_for_topic("events") == {0}
    finally:
        consumer.close()


def test_confluent_kafka_lists_the_cluster(kafka_broker):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": "127.0.0.1:%d" % kafka_broker.kafka_port})
    kcat_list(kafka_broker.kafka_port, "audit")
    md = admin.list_topics(timeout=20)
    assert md.controller_id == 0
    assert list(md.brokers) == [0]
    assert md.brokers[0].host == "127.0.0.1"
    assert md.brokers[0].port == kafka_broker.kafka_port
    assert set(md.topics) == {"audit"}
    assert md.topics["audit"].error is None
    assert list(md.topics["audit"].partitions) == [0]
    assert confluent_kafka.version()  # the module is the real client, not a stand-in


@pytest.mark.parametrize("version", [4, 9])
def test_unsupported_api_versions_version_is_answered_in_v0(kafka_broker, version):
    with kafka_raw.connect(kafka_broker.kafka_port) as s:
        # v3+ requests use the flexible header; the body (two compact strings, no tags) is
        # v3's, which the broker need not read to answer.
        body = b"\x05raw\x00" + b"\x021" + b"\x00"
        s.sendall(kafka_raw.request_bytes(kafka_raw.API_VERSIONS, version, 77, body,
                                          flexible=True))
        payload = kafka_raw.read_frame(s)
        assert payload is not None, "the broker closed instead of answering"
        correlation_id, error_code, apis = kafka_raw.parse_api_versions_v0(payload)
        assert correlation_id == 77
        assert error_code == UNSUPPORTED_VERSION
        # Entries, not the whole list: the list grows as APIs are served.
        assert apis[kafka_raw.API_VERSIONS] == (0, 3)
        assert apis[kafka_raw.METADATA] == (0, 12)
        assert apis[kafka_raw.PRODUCE] == (3, 9)
        assert apis[kafka_raw.FETCH] == (4, 12)
        assert apis[kafka_raw.LIST_OFFSETS] == (1, 6)
        assert apis[kafka_raw.OFFSET_FOR_LEADER_EPOCH] == (0, 4)
        for key, versions in GROUP_APIS.items():
            assert apis[key] == versions, key
        # The client retries in a version from the list, on the same connection.
        s.sendall(kafka_raw.request_bytes(kafka_raw.API_VERSIONS, 0, 78))
        correlation_id, error_code, apis = kafka_raw.parse_api_versions_v0(
            kafka_raw.read_frame(s))
        assert (correlation_id, error_code) == (78, 0)


def test_the_cluster_id_survives_a_restart(make_broker):
    broker = make_broker(kafka=True).start()
    brokers, cluster_id, controller = kafka_raw.metadata_v2_cluster(broker.kafka_port)
    assert brokers == [(0, "127.0.0.1", broker.kafka_port)]
    assert controller == 0
    assert cluster_id and len(cluster_id) == 22
    broker.stop()
    broker.start()  # a new Kafka port, the same data directory
    _, again, _ = kafka_raw.metadata_v2_cluster(broker.kafka_port)
    assert again == cluster_id
    other = make_broker(kafka=True).start()
    assert kafka_raw.metadata_v2_cluster(other.kafka_port)[1] != cluster_id


def test_advertised_host_is_what_metadata_names(make_broker):
    broker = make_broker("--kafka-advertised-host", "kafka.example", kafka=True).start()
    brokers, _, _ = kafka_raw.metadata_v2_cluster(broker.kafka_port)
    assert brokers == [(0, "kafka.example", broker.kafka_port)]


@pytest.mark.parametrize("bad", [
    struct.pack(">i", 200 * 1024 * 1024),               # over socket.request.max.bytes
    struct.pack(">i", -5),                              # negative size
    kafka_raw.request_bytes(999, 0, 1),                 # unknown api key
    kafka_raw.request_bytes(kafka_raw.METADATA, 1, 1, b"\x00\x00\x00\x01"),  # truncated
    kafka_raw.request_bytes(kafka_raw.METADATA, 13, 1, b"\x00", flexible=True),  # version
    kafka_raw.request_bytes(kafka_raw.FETCH, 13, 1, b"\x00" * 16, flexible=True),  # version
], ids=["too-large", "negative", "unknown-api", "truncated", "metadata-v13", "fetch-v13"])
def test_bad_input_closes_the_connection_and_nothing_else(kafka_broker, bad):
    with kafka_raw.connect(kafka_broker.kafka_port) as s:
        s.sendall(bad)
        assert kafka_raw.closed_by_server(s)
    # The broker goes on serving.
    with kafka_raw.connect(kafka_broker.kafka_port) as s:
        s.sendall(kafka_raw.request_bytes(kafka_raw.API_VERSIONS, 0, 5))
        assert kafka_raw.parse_api_versions_v0(kafka_raw.read_frame(s))[1] == 0
    assert "closing connection" in kafka_broker.log_text()


def test_sigterm_closes_open_kafka_connections_and_exits_cleanly(make_broker):
    broker = make_broker(kafka=True).start()
    with kafka_raw.connect(broker.kafka_port) as s:
        s.sendall(kafka_raw.request_bytes(kafka_raw.API_VERSIONS, 0, 1))
        assert kafka_raw.read_frame(s) is not None
        assert broker.stop() == 0  # fails unless the broker exits 0 within the timeout
        assert kafka_raw.closed_by_server(s)


def test_the_environment_sets_the_kafka_port_and_the_flag_overrides_it(make_broker):
    from polymq_process import free_port, port_accepts

    port = free_port()
    broker = make_broker(env={"POLYMQ_KAFKA_PORT": str(port)}).start()
    # start() waited for the AMQP port only; the Kafka port opens just after it.
    deadline = time.monotonic() + 30
    while not port_accepts(port) and time.monotonic() < deadline:
        time.sleep(0.02)
    with kafka_raw.connect(port) as s:
        s.sendall(kafka_raw.request_bytes(kafka_raw.API_VERSIONS, 0, 1))
        assert kafka_raw.parse_api_versions_v0(kafka_raw.read_frame(s))[1] == 0
    broker.stop()
    off = make_broker("--kafka-port", "0", env={"POLYMQ_KAFKA_PORT": str(port)}).start()
    assert "Kafka listening" not in off.log_text()
    assert not port_accepts(port)
