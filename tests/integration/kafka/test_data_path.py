"""The Kafka data path (Produce, Fetch, ListOffsets, OffsetForLeaderEpoch) with Debian's real
clients, unchanged: kcat (librdkafka), kafka-python and confluent-kafka produce to PolyMQ and
consume back what they produced. Consumers use assign() (no consumer group): groups are
served by another part of the front-end."""

import subprocess
import threading

import pytest

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def bootstrap(broker):
    return "127.0.0.1:%d" % broker.kafka_port


def kcat(broker, *args, stdin=None):
    out = subprocess.run(["kcat", "-b", bootstrap(broker)] + list(args), input=stdin,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    assert out.returncode == 0, out.stderr.decode(errors="replace")
    return out.stdout.decode()


def consume_all(broker, topic, count, **config):
    """kafka-python: the first `count` records of partition 0 of `topic`, from the beginning."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap(broker), group_id=None,
                             enable_auto_commit=False, api_version_auto_timeout_ms=10000,
                             **config)
    try:
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        consumer.seek_to_beginning(tp)
        records = []
        for _ in range(200):
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
            if len(records) >= count:
                break
        return records
    finally:
        consumer.close()


def test_kcat_produces_keys_and_headers_and_consumes_them_back(kafka_broker):
    kcat(kafka_broker, "-P", "-t", "orders", "-K", ":", "-H", "origin=kcat", "-H", "n=1",
         stdin=b"k1:first\nk2:second\nk3:third\n")
    out = kcat(kafka_broker, "-C", "-t", "orders", "-o", "beginning", "-e",
               "-f", "%o %k %s %h\n")
    assert out.splitlines() == [
        "0 k1 first origin=kcat,n=1",
        "1 k2 second origin=kcat,n=1",
        "2 k3 third origin=kcat,n=1",
    ]


@pytest.mark.parametrize("codec", ["gzip", "snappy", "lz4", "zstd"])
def test_kafka_python_compressed_batches_are_stored_and_served_as_sent(kafka_broker, codec):
    producer = KafkaProducer(bootstrap_servers=bootstrap(kafka_broker), compression_type=codec,
                             linger_ms=50, api_version_auto_timeout_ms=10000)
    try:
        futures = [producer.send("zipped", key=b"k%d" % i, value=(b"value %d " % i) * 50)
                   for i in range(20)]
        producer.flush()
        offsets = [f.get(timeout=30).offset for f in futures]
    finally:
        producer.close()
    assert sorted(offsets) == list(range(20))
    records = consume_all(kafka_broker, "zipped", 20)
    assert [(r.offset, r.key, r.value) for r in records] == [
        (i, b"k%d" % i, (b"value %d " % i) * 50) for i in range(20)]
    # Also readable by librdkafka, which decompresses on its own.
    out = kcat(kafka_broker, "-C", "-t", "zipped", "-o", "beginning", "-e", "-f", "%k\n")
    assert out.splitlines() == ["k%d" % i for i in range(20)]


def test_confluent_kafka_acks_all_then_consumed_by_assign(kafka_broker):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap(kafka_broker),
                                         "acks": "all"})
    delivered = []

    def on_delivery(err, msg):
        assert err is None, err
        delivered.append(msg.offset())

    for i in range(10):
        producer.produce("audit", key=b"a%d" % i, value=b"event %d" % i,
                         headers=[("source", b"confluent")], on_delivery=on_delivery)
    assert producer.flush(60) == 0
    assert sorted(delivered) == list(range(10))

    consumer = confluent_kafka.Consumer({"bootstrap.servers": bootstrap(kafka_broker),
                                         "group.id": "unused", "enable.auto.commit": False})
    try:
        consumer.assign([confluent_kafka.TopicPartition("audit", 0, 0)])
        got = []
        for _ in range(120):
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            assert msg.error() is None, msg.error()
            got.append((msg.offset(), msg.key(), msg.value(), msg.headers()))
            if len(got) == 10:
                break
    finally:
        consumer.close()
    assert got == [(i, b"a%d" % i, b"event %d" % i, [("source", b"confluent")])
                   for i in range(10)]


def test_a_waiting_consumer_gets_a_record_produced_while_it_polls(kafka_broker):
    kcat(kafka_broker, "-P", "-t", "live", stdin=b"before\n")
    # A fetch that waits a minute unless woken: the record must wake it.
    consumer = KafkaConsumer(bootstrap_servers=bootstrap(kafka_broker), group_id=None,
                             enable_auto_commit=False, fetch_max_wait_ms=60000,
                             api_version_auto_timeout_ms=10000)
    try:
        tp = TopicPartition("live", 0)
        consumer.assign([tp])
        consumer.seek(tp, 1)
        assert consumer.poll(timeout_ms=1000) == {}  # its fetch is now parked at the broker
        producer = threading.Thread(
            target=lambda: kcat(kafka_broker, "-P", "-t", "live", stdin=b"after\n"))
        producer.start()
        records = []
        for _ in range(40):
            for batch in consumer.poll(timeout_ms=1000).values():
                records.extend(batch)
            if records:
                break
        producer.join()
    finally:
        consumer.close()
    assert [(r.offset, r.value) for r in records] == [(1, b"after")]


def test_offsets_for_times_finds_the_first_record_at_or_after(kafka_broker):
    producer = KafkaProducer(bootstrap_servers=bootstrap(kafka_broker),
                             api_version_auto_timeout_ms=10000)
    try:
        for i, ts in enumerate([1_000_000, 2_000_000, 3_000_000]):
            producer.send("timed", value=b"%d" % i, timestamp_ms=ts)
            producer.flush()
    finally:
        producer.close()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap(kafka_broker), group_id=None,
                             api_version_auto_timeout_ms=10000)
    try:
        tp = TopicPartition("timed", 0)
        found = consumer.offsets_for_times({tp: 1_500_000})[tp]
        assert (found.offset, found.timestamp) == (1, 2_000_000)
        found = consumer.offsets_for_times({tp: 3_000_000})[tp]
        assert (found.offset, found.timestamp) == (2, 3_000_000)
        assert consumer.offsets_for_times({tp: 9_000_000})[tp] is None
        assert consumer.beginning_offsets([tp]) == {tp: 0}
        assert consumer.end_offsets([tp]) == {tp: 3}
    finally:
        consumer.close()


def test_a_900_kib_record_goes_through(kafka_broker):
    value = bytes(range(256)) * (900 * 4)  # 900 KiB
    producer = KafkaProducer(bootstrap_servers=bootstrap(kafka_broker),
                             api_version_auto_timeout_ms=10000)
    try:
        assert producer.send("big", value=value).get(timeout=60).offset == 0
    finally:
        producer.close()
    [record] = consume_all(kafka_broker, "big", 1)
    assert record.value == value


def test_a_batch_over_message_max_bytes_is_refused(kafka_broker):
    from kafka.errors import MessageSizeTooLargeError

    producer = KafkaProducer(bootstrap_servers=bootstrap(kafka_broker),
                             max_request_size=4 * 1024 * 1024, batch_size=4 * 1024 * 1024,
                             api_version_auto_timeout_ms=10000)
    try:
        future = producer.send("big", value=b"x" * (2 * 1024 * 1024))
        with pytest.raises(MessageSizeTooLargeError):
            future.get(timeout=60)
    finally:
        producer.close()


def test_acks_all_records_survive_kill_9(make_broker):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    broker = make_broker(kafka=True).start()
    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap(broker), "acks": "all",
                                         "linger.ms": 5})
    delivered = []

    def on_delivery(err, msg):
        assert err is None, err
        delivered.append(msg.offset())

    for i in range(500):
        producer.produce("durable", value=b"record %d" % i, on_delivery=on_delivery)
    assert producer.flush(60) == 0
    assert len(delivered) == 500
    broker.kill()
    broker.start()
    # Topics are not yet kept in the definitions: naming the topic opens its partitions,
    # which were left on disk.
    kcat(broker, "-L", "-t", "durable")
    records = consume_all(broker, "durable", 500)
    assert [r.value for r in records] == [b"record %d" % i for i in range(500)]


@pytest.mark.parametrize("policy", ["never", "interval"])
def test_produce_and_consume_under_the_other_sync_policies(make_broker, policy):
    # never: acks are answered at once and records become visible with the next (syncless)
    # round; interval: both wait for the periodic sync.
    broker = make_broker("--sync-policy", policy, kafka=True).start()
    kcat(broker, "-P", "-t", "p", "-X", "acks=all", stdin=b"one\ntwo\n")
    out = kcat(broker, "-C", "-t", "p", "-o", "beginning", "-e", "-f", "%o %s\n")
    assert out.splitlines() == ["0 one", "1 two"]
