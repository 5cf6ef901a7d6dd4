"""DeleteRecords (api key 21): the log start offset it moves is what real clients see
afterwards (ListOffsets earliest, a consumer reading from the beginning), also after kill -9.
Debian's confluent-kafka (1.7) and kafka-python (2.0.2) have no delete_records, so the request
itself goes through the raw client (kafka_raw.delete_records, v0-v2); producing, listing
offsets and consuming use the real clients."""

import subprocess

import confluent_kafka
import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import KafkaConsumer, TopicPartition

import kafka_raw

OFFSET_OUT_OF_RANGE = 1
UNKNOWN_TOPIC_OR_PARTITION = 3
INVALID_TOPIC_EXCEPTION = 17


def bootstrap(broker):
    return "127.0.0.1:%d" % broker.kafka_port


def create_topic(broker, topic):
    """One partition, made with confluent-kafka's AdminClient: answered once the topic's
    definition is synced, so it is there after kill -9 too."""
    admin = AdminClient({"bootstrap.servers": bootstrap(broker)})
    for future in admin.create_topics([NewTopic(topic, 1)]).values():
        future.result(timeout=30)


def produce(broker, topic, count):
    """confluent-kafka, acks=all: `count` records 'record i', answered once durable."""
    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap(broker), "acks": "all",
                                         "linger.ms": 5})
    delivered = []

    def on_delivery(err, msg):
        assert err is None, err
        delivered.append(msg.offset())

    for i in range(count):
        producer.produce(topic, value=b"record %d" % i, on_delivery=on_delivery)
    assert producer.flush(60) == 0
    assert sorted(delivered) == list(range(count))


def watermarks(broker, topic):
    """(low, high) of partition 0 as librdkafka lists them (ListOffsets earliest and latest)."""
    consumer = confluent_kafka.Consumer({"bootstrap.servers": bootstrap(broker),
                                         "group.id": "watermarks"})
    try:
        return consumer.get_watermark_offsets(confluent_kafka.TopicPartition(topic, 0),
                                              timeout=30)
    finally:
        consumer.close()


def consume_from_beginning(broker, topic, until):
    """kafka-python, assign() and seek_to_beginning(): (offset, value) of partition 0 up to
    offset `until` (exclusive), with the earliest offset it was told."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap(broker), group_id=None,
                             enable_auto_commit=False, api_version_auto_timeout_ms=10000)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        earliest = consumer.beginning_offsets([tp])[tp]
        consumer.seek_to_beginning(tp)
        records = []
        for _ in range(200):
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend((r.offset, r.value) for r in batch)
            if records and records[-1][0] >= until - 1:
                break
        return earliest, records
    finally:
        consumer.close()


def kcat_offsets(broker, topic):
    out = subprocess.run(["kcat", "-b", bootstrap(broker), "-C", "-t", topic, "-p", "0",
                          "-o", "beginning", "-e", "-f", "%o\n"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    return [int(line) for line in out.stdout.decode().split()]


def expect_start_at_40(broker):
    assert watermarks(broker, "orders") == (40, 100)
    earliest, records = consume_from_beginning(broker, "orders", 100)
    assert earliest == 40
    assert records == [(i, b"record %d" % i) for i in range(40, 100)]
    assert kcat_offsets(broker, "orders") == list(range(40, 100))


def test_records_below_the_new_start_are_gone_for_every_client(kafka_broker):
    create_topic(kafka_broker, "orders")
    produce(kafka_broker, "orders", 100)
    assert watermarks(kafka_broker, "orders") == (0, 100)
    assert kafka_raw.delete_records(kafka_broker.kafka_port, "orders", {0: 40}) == {0: (40, 0)}
    expect_start_at_40(kafka_broker)
    # Again, or lower: nothing changes, the answer is the start.
    assert kafka_raw.delete_records(kafka_broker.kafka_port, "orders", {0: 10}) == {0: (40, 0)}
    expect_start_at_40(kafka_broker)


def test_the_start_offset_survives_kill_9(make_broker):
    broker = make_broker(kafka=True).start()
    create_topic(broker, "orders")
    produce(broker, "orders", 100)
    assert kafka_raw.delete_records(broker.kafka_port, "orders", {0: 40}) == {0: (40, 0)}
    broker.kill()  # SIGKILL: only what was synced before the answer survives
    broker.start()
    expect_start_at_40(broker)


@pytest.mark.parametrize("version", [0, 1, 2])
def test_kafkas_errors_in_every_version(kafka_broker, version):
    port = kafka_broker.kafka_port
    create_topic(kafka_broker, "orders")
    produce(kafka_broker, "orders", 100)
    assert kafka_raw.delete_records(port, "orders", {0: 101, 3: 0}, version) == {
        0: (-1, OFFSET_OUT_OF_RANGE), 3: (-1, UNKNOWN_TOPIC_OR_PARTITION)}
    assert kafka_raw.delete_records(port, "missing", {0: 0}, version) == {
        0: (-1, UNKNOWN_TOPIC_OR_PARTITION)}
    assert kafka_raw.delete_records(port, "__consumer_offsets", {0: 0}, version) == {
        0: (-1, INVALID_TOPIC_EXCEPTION)}
    assert watermarks(kafka_broker, "orders") == (0, 100)
    # -1 is the high watermark: everything goes, and producing goes on from there.
    assert kafka_raw.delete_records(port, "orders", {0: -1}, version) == {0: (100, 0)}
    assert watermarks(kafka_broker, "orders") == (100, 100)
    produce_one = confluent_kafka.Producer({"bootstrap.servers": bootstrap(kafka_broker)})
    produce_one.produce("orders", value=b"after")
    assert produce_one.flush(60) == 0
    assert kcat_offsets(kafka_broker, "orders") == [100]
