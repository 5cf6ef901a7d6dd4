"""Kafka topic administration with the real admin clients: confluent-kafka's AdminClient and
kafka-python's KafkaAdminClient create, describe, alter, grow and delete topics, and what they
did is still there after the broker is killed with SIGKILL and restarted."""

import confluent_kafka
import pytest
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic
from kafka.admin import ConfigResource as KpConfigResource
from kafka.admin import ConfigResourceType, KafkaAdminClient
from kafka.admin import NewTopic as KpNewTopic
from kafka.errors import TopicAlreadyExistsError

TIMEOUT = 30


def admin(broker):
    return AdminClient({"bootstrap.servers": f"127.0.0.1:{broker.kafka_port}"})


def wait_all(futures):
    return {name: f.result(timeout=TIMEOUT) for name, f in futures.items()}


def topic_configs(client, name):
    resource = ConfigResource(ConfigResource.Type.TOPIC, name)
    (result,) = wait_all(client.describe_configs([resource])).values()
    return {k: v.value for k, v in result.items()}


def partitions(client, name):
    md = client.list_topics(name, timeout=TIMEOUT)
    return len(md.topics[name].partitions)


def test_confluent_admin_creates_describes_alters_grows_and_deletes(kafka_broker):
    client = admin(kafka_broker)
    wait_all(client.create_topics([
        NewTopic("orders", num_partitions=3, replication_factor=1,
                 config={"retention.ms": "3600000"}),
        NewTopic("audit", num_partitions=1),
    ], operation_timeout=TIMEOUT))
    assert {"orders", "audit"} <= set(client.list_topics(timeout=TIMEOUT).topics)
    assert partitions(client, "orders") == 3
    configs = topic_configs(client, "orders")
    assert configs["retention.ms"] == "3600000"
    assert configs["cleanup.policy"] == "delete"

    # AlterConfigs replaces the topic's configs: what it leaves out returns to its default.
    # (Debian's confluent-kafka 1.9 has no incremental_alter_configs; the unit tests cover
    # IncrementalAlterConfigs.)
    resource = ConfigResource(ConfigResource.Type.TOPIC, "orders",
                              set_config={"retention.bytes": "1048576"})
    wait_all(client.alter_configs([resource]))
    configs = topic_configs(client, "orders")
    assert configs["retention.bytes"] == "1048576"
    assert configs["retention.ms"] == "-1"

    wait_all(client.create_partitions([NewPartitions("orders", 5)]))
    assert partitions(client, "orders") == 5

    wait_all(client.delete_topics(["audit"], operation_timeout=TIMEOUT))
    assert "audit" not in client.list_topics(timeout=TIMEOUT).topics


def test_confluent_admin_sees_kafkas_errors(kafka_broker):
    client = admin(kafka_broker)
    wait_all(client.create_topics([NewTopic("once", num_partitions=1)]))
    cases = {
        "once": NewTopic("once", num_partitions=1),
        "copies": NewTopic("copies", num_partitions=1, replication_factor=3),
        "compact": NewTopic("compact", num_partitions=1, config={"cleanup.policy": "squash"}),
    }
    expected = {
        "once": confluent_kafka.KafkaError.TOPIC_ALREADY_EXISTS,
        "copies": confluent_kafka.KafkaError.INVALID_REPLICATION_FACTOR,
        "compact": confluent_kafka.KafkaError.INVALID_CONFIG,
    }
    for name, future in client.create_topics(list(cases.values())).items():
        with pytest.raises(confluent_kafka.KafkaException) as raised:
            future.result(timeout=TIMEOUT)
        assert raised.value.args[0].code() == expected[name], name
    shrink = client.create_partitions([NewPartitions("once", 1)])["once"]
    with pytest.raises(confluent_kafka.KafkaException) as raised:
        shrink.result(timeout=TIMEOUT)
    assert raised.value.args[0].code() == confluent_kafka.KafkaError.INVALID_PARTITIONS
    missing = client.delete_topics(["never-was"])["never-was"]
    with pytest.raises(confluent_kafka.KafkaException) as raised:
        missing.result(timeout=TIMEOUT)
    assert raised.value.args[0].code() == confluent_kafka.KafkaError.UNKNOWN_TOPIC_OR_PART


def test_kafka_python_admin_creates_describes_and_deletes(kafka_broker):
    client = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{kafka_broker.kafka_port}",
                              request_timeout_ms=TIMEOUT * 1000)
    try:
        client.create_topics([KpNewTopic("events", num_partitions=2, replication_factor=1,
                                         topic_configs={"retention.ms": "120000"})])
        with pytest.raises(TopicAlreadyExistsError):
            client.create_topics([KpNewTopic("events", num_partitions=2, replication_factor=1)])
        assert "events" in client.list_topics()
        (described,) = client.describe_configs(
            [KpConfigResource(ConfigResourceType.TOPIC, "events")])
        # kafka-python hands back the raw response: resources of (error, message, type, name,
        # [(name, value, read_only, ...), ...]).
        resource = described.resources[0]
        assert resource[0] == 0
        values = {entry[0]: entry[1] for entry in resource[4]}
        assert values["retention.ms"] == "120000"
        client.alter_configs([KpConfigResource(ConfigResourceType.TOPIC, "events",
                                               configs={"retention.ms": "240000"})])
        (described,) = client.describe_configs(
            [KpConfigResource(ConfigResourceType.TOPIC, "events")])
        values = {entry[0]: entry[1] for entry in described.resources[0][4]}
        assert values["retention.ms"] == "240000"
        client.delete_topics(["events"])
        assert "events" not in client.list_topics()
    finally:
        client.close()


def test_created_and_altered_topics_survive_kill_9(make_broker):
    broker = make_broker(kafka=True).start()
    client = admin(broker)
    wait_all(client.create_topics([NewTopic("kept", num_partitions=4,
                                            config={"retention.ms": "7200000"})]))
    wait_all(client.create_partitions([NewPartitions("kept", 6)]))
    wait_all(client.create_topics([NewTopic("dropped", num_partitions=1)]))
    wait_all(client.delete_topics(["dropped"], operation_timeout=TIMEOUT))
    broker.kill()  # SIGKILL: only what was synced before the answers survives
    broker.start()
    client = admin(broker)
    topics = client.list_topics(timeout=TIMEOUT).topics
    assert "kept" in topics
    assert "dropped" not in topics
    assert len(topics["kept"].partitions) == 6
    assert topic_configs(client, "kept")["retention.ms"] == "7200000"
