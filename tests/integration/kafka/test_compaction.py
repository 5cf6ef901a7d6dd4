"""Compacted topics (cleanup.policy=compact) with the real clients: confluent-kafka creates the
topic and produces many values per key; the broker's background pass removes the superseded
records from the settled segments; confluent-kafka and kafka-python then read the topic from
the start, through the gaps, to its end, and find each key's latest value; a tombstone older
than delete.retention.ms goes with what it deleted; everything still reads the same after a
kill -9 and a restart."""

import re
import time

import confluent_kafka
import pytest
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
from kafka import KafkaConsumer, TopicPartition

TIMEOUT = 30
KEYS = 10
ROUNDS = 30
COMPACTION_FLAGS = ("--compaction-check-interval-ms", "100")


def bootstrap(broker):
    return f"127.0.0.1:{broker.kafka_port}"


def create_compacted(broker, name, **configs):
    client = AdminClient({"bootstrap.servers": bootstrap(broker)})
    # A pass whenever anything settled is dirty, as Kafka's own compaction tests set it.
    config = {"cleanup.policy": "compact", "segment.bytes": "1024",
              "min.cleanable.dirty.ratio": "0.01", **configs}
    for f in client.create_topics([NewTopic(name, num_partitions=1, config=config)],
                                  operation_timeout=TIMEOUT).values():
        f.result(timeout=TIMEOUT)
    resource = ConfigResource(ConfigResource.Type.TOPIC, name)
    (described,) = [f.result(timeout=TIMEOUT)
                    for f in client.describe_configs([resource]).values()]
    return {k: v.value for k, v in described.items()}


def produce(broker, topic, records):
    """Produces (key, value) pairs one batch each, acks=all, and returns their offsets."""
    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap(broker), "linger.ms": 0,
                                         "acks": "all"})
    offsets = []

    def delivered(err, msg):
        assert err is None, err
        offsets.append(msg.offset())

    for key, value in records:
        producer.produce(topic, key=key, value=value, on_delivery=delivered)
        producer.flush(TIMEOUT)
    assert len(offsets) == len(records)
    return offsets


def consume_confluent(broker, topic):
    """Every (offset, key, value) from offset 0 to the high watermark, via librdkafka."""
    consumer = confluent_kafka.Consumer({
        "bootstrap.servers": bootstrap(broker), "group.id": f"reader-{time.monotonic_ns()}",
        "enable.auto.commit": False})
    try:
        tp = confluent_kafka.TopicPartition(topic, 0, 0)
        _, high = consumer.get_watermark_offsets(tp, timeout=TIMEOUT)
        consumer.assign([tp])
        seen = []
        deadline = time.monotonic() + TIMEOUT
        position = 0
        while position < high:
            assert time.monotonic() < deadline, f"stuck at {position} of {high}: {seen[-3:]}"
            msg = consumer.poll(0.5)
            if msg is None:
                (pos,) = consumer.position([tp])
                position = max(position, pos.offset)
                continue
            assert msg.error() is None, msg.error()
            seen.append((msg.offset(), msg.key(), msg.value()))
            position = msg.offset() + 1
        return seen
    finally:
        consumer.close()


def consume_kafka_python(broker, topic):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap(broker), enable_auto_commit=False,
                             consumer_timeout_ms=5000)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        high = consumer.end_offsets([tp])[tp]
        seen = []
        deadline = time.monotonic() + TIMEOUT
        while consumer.position(tp) < high:
            assert time.monotonic() < deadline, f"stuck at {consumer.position(tp)} of {high}"
            for records in consumer.poll(timeout_ms=500).values():
                seen += [(r.offset, r.key, r.value) for r in records]
        return seen
    finally:
        consumer.close()


def latest_by_key(records):
    latest = {}
    for _, key, value in records:
        latest[key] = value
    return latest


def passes(broker, topic):
    """The broker's log lines of compaction passes that removed records of the topic."""
    pattern = re.compile(rf"compacted {re.escape(topic)}-0 in vhost '/': (\d+) records removed")
    return len(pattern.findall(broker.log_text()))


def wait_until_compacted(broker, topic, fewer_than):
    """Reads the topic until fewer than `fewer_than` records are left in it; returns them."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        seen = consume_confluent(broker, topic)
        if len(seen) < fewer_than:
            return seen
        if time.monotonic() > deadline:
            pytest.fail(f"{len(seen)} records left after {passes(broker, topic)} passes:\n"
                        + broker.log_tail())
        time.sleep(0.2)


def test_a_compacted_topic_keeps_each_keys_latest_value_across_a_restart(make_broker):
    broker = make_broker(*COMPACTION_FLAGS, kafka=True).start()
    configs = create_compacted(broker, "settings")
    assert configs["cleanup.policy"] == "compact"
    assert configs["delete.retention.ms"] == "86400000"

    produced = [(f"key-{k}".encode(), f"value-{k}-{r}".encode())
                for r in range(ROUNDS) for k in range(KEYS)]
    produced.append((b"key-3", None))  # a tombstone, younger than delete.retention.ms
    offsets = produce(broker, "settings", produced)
    assert offsets == list(range(len(produced)))
    expected = latest_by_key(((None, k, v) for k, v in produced))
    # The settled segments keep one record a key; only the active segment (1 KiB, about ten
    # one-record batches) may still hold older ones.
    few = KEYS + 20
    wait_until_compacted(broker, "settings", few)
    assert passes(broker, "settings") >= 1

    for read in (consume_confluent, consume_kafka_python):
        seen = read(broker, "settings")
        assert latest_by_key(seen) == expected, read.__name__
        assert expected[b"key-3"] is None  # the tombstone is still served
        got_offsets = [o for o, _, _ in seen]
        assert got_offsets == sorted(set(got_offsets)), "offsets only grow"
        assert len(seen) < few, (read.__name__, len(seen))

    broker.kill()
    broker.start()
    client = AdminClient({"bootstrap.servers": bootstrap(broker)})
    resource = ConfigResource(ConfigResource.Type.TOPIC, "settings")
    (described,) = [f.result(timeout=TIMEOUT)
                    for f in client.describe_configs([resource]).values()]
    assert described["cleanup.policy"].value == "compact"
    assert described["min.cleanable.dirty.ratio"].value == "0.01"
    seen = consume_confluent(broker, "settings")
    assert latest_by_key(seen) == expected
    assert len(seen) < few
    # Producing more after the restart compacts again.
    produce(broker, "settings", [(f"key-{k}".encode(), b"after") for k in range(KEYS)] * 4)
    seen = wait_until_compacted(broker, "settings", few)
    assert set(latest_by_key(seen).values()) == {b"after"}
    assert passes(broker, "settings") >= 1
    broker.check_log()


def test_an_old_tombstone_goes_with_what_it_deleted(make_broker):
    broker = make_broker(*COMPACTION_FLAGS, kafka=True).start()
    create_compacted(broker, "sessions", **{"delete.retention.ms": "0"})
    produce(broker, "sessions", [(b"user-1", b"logged-in"), (b"user-2", b"logged-in"),
                                 (b"user-1", None)]
            + [(b"filler", b"x" * 40) for _ in range(60)])
    seen = wait_until_compacted(broker, "sessions", 30)
    keys = [k for _, k, _ in seen]
    assert b"user-1" not in keys
    assert keys.count(b"user-2") == 1
    broker.check_log()


def test_delete_is_still_the_default_and_compact_can_be_added_and_removed(make_broker):
    broker = make_broker(kafka=True).start()
    client = AdminClient({"bootstrap.servers": bootstrap(broker)})
    for f in client.create_topics([NewTopic("plain", num_partitions=1)],
                                  operation_timeout=TIMEOUT).values():
        f.result(timeout=TIMEOUT)

    def policy():
        resource = ConfigResource(ConfigResource.Type.TOPIC, "plain")
        (described,) = [f.result(timeout=TIMEOUT)
                        for f in client.describe_configs([resource]).values()]
        return described["cleanup.policy"].value

    assert policy() == "delete"
    for value in ("compact,delete", "compact"):
        resource = ConfigResource(ConfigResource.Type.TOPIC, "plain",
                                  set_config={"cleanup.policy": value})
        for f in client.alter_configs([resource]).values():
            f.result(timeout=TIMEOUT)
        assert policy() == value
    resource = ConfigResource(ConfigResource.Type.TOPIC, "plain",
                              set_config={"cleanup.policy": "shrink"})
    with pytest.raises(confluent_kafka.KafkaException) as e:
        for f in client.alter_configs([resource]).values():
            f.result(timeout=TIMEOUT)
    assert e.value.args[0].code() == confluent_kafka.KafkaError.INVALID_CONFIG
    broker.kill()
    broker.start()
    client = AdminClient({"bootstrap.servers": bootstrap(broker)})
    assert policy() == "compact"


def test_a_record_without_a_key_is_refused_on_a_compacted_topic(make_broker):
    """As Kafka: compaction keeps records by key, so a compacted topic takes none without one."""
    broker = make_broker(kafka=True).start()
    create_compacted(broker, "keyed")
    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap(broker), "linger.ms": 0,
                                         "message.send.max.retries": 0})
    errors = []
    producer.produce("keyed", value=b"no key", on_delivery=lambda err, msg: errors.append(err))
    producer.flush(TIMEOUT)  # a batch of its own
    producer.produce("keyed", key=b"k", value=b"keyed",
                     on_delivery=lambda err, msg: errors.append(err))
    producer.flush(TIMEOUT)
    assert len(errors) == 2
    assert errors[0] is not None and errors[0].code() == confluent_kafka.KafkaError.INVALID_RECORD
    assert errors[1] is None
    assert [(k, v) for _, k, v in consume_confluent(broker, "keyed")] == [(b"k", b"keyed")]

