"""The idempotent producer: InitProducerId hands out ids that stay unique across restarts,
a retried batch is stored once and answered with the offset it got the first time, also when
the retry comes after a kill -9 (the partitions read their producers back from the log).
Transactional producers are tested in test_transactions.py.
"""

import struct
import threading
import time

import pytest

from kafka.record.default_records import DefaultRecordBatchBuilder

import kafka_raw

INIT_PRODUCER_ID = 22


def bootstrap(broker):
    return "127.0.0.1:%d" % broker.kafka_port


def init_producer_id(port):
    """(error code, producer id, epoch) of InitProducerId v0 without a transactional id."""
    body = struct.pack(">hi", -1, 60000)  # null transactional id, transaction timeout
    with kafka_raw.connect(port) as s:
        s.sendall(kafka_raw.request_bytes(INIT_PRODUCER_ID, 0, 1, body))
        payload = kafka_raw.read_frame(s)
    assert payload is not None, "no InitProducerId response"
    _cid, _throttle, error, producer_id, epoch = struct.unpack(">iihqh", payload)
    return error, producer_id, epoch


def producer_batch(producer_id, epoch, sequence, values):
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False,
                                        producer_id=producer_id, producer_epoch=epoch,
                                        base_sequence=sequence, batch_size=1 << 20)
    now = int(time.time() * 1000)
    for i, value in enumerate(values):
        builder.append(i, timestamp=now, key=None, value=value, headers=[])
    return bytes(builder.build())


def produce_v3(port, topic, records):
    """(error code, base offset) of a Produce v3 (acks -1) of `records` to partition 0."""
    name = topic.encode()
    body = struct.pack(">hhi", -1, -1, 30000)  # null transactional id, acks, timeout
    body += struct.pack(">i", 1) + struct.pack(">h", len(name)) + name
    body += struct.pack(">i", 1) + struct.pack(">ii", 0, len(records)) + records
    with kafka_raw.connect(port) as s:
        s.sendall(kafka_raw.request_bytes(kafka_raw.PRODUCE, 3, 7, body))
        payload = kafka_raw.read_frame(s)
    assert payload is not None, "no Produce response"
    pos = 4 + 4  # correlation id, topic count
    (n,) = struct.unpack_from(">h", payload, pos)
    pos += 2 + n + 4  # topic name, partition count
    _partition, error, base_offset = struct.unpack_from(">ihq", payload, pos)
    return error, base_offset


def end_offset(broker, topic):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap(broker), "group.id": "end-offset-check"})
    try:
        _low, high = c.get_watermark_offsets(TopicPartition(topic, 0), timeout=30)
        return high
    finally:
        c.close()


def test_a_retried_batch_after_kill_9_is_answered_with_its_first_offset(make_broker):
    pytest.importorskip("confluent_kafka")
    broker = make_broker(kafka=True).start()
    error, pid, epoch = init_producer_id(broker.kafka_port)
    assert (error, epoch) == (0, 0) and pid >= 0
    first = producer_batch(pid, 0, 0, [b"a", b"b", b"c"])
    second = producer_batch(pid, 0, 3, [b"d", b"e"])
    assert produce_v3(broker.kafka_port, "retried", first) == (0, 0)
    assert produce_v3(broker.kafka_port, "retried", second) == (0, 3)
    # The answer to the second was lost: the producer sends it again, to a restarted broker.
    broker.kill()
    broker.start()
    assert produce_v3(broker.kafka_port, "retried", second) == (0, 3)
    assert produce_v3(broker.kafka_port, "retried", first) == (0, 0)
    assert end_offset(broker, "retried") == 5
    # A gap is refused (OUT_OF_ORDER_SEQUENCE_NUMBER), the next batch in sequence is stored.
    assert produce_v3(broker.kafka_port, "retried", producer_batch(pid, 0, 9, [b"x"]))[0] == 45
    assert produce_v3(broker.kafka_port, "retried", producer_batch(pid, 0, 5, [b"f"])) == (0, 5)
    # Producer ids handed out after the restart are new ones.
    _e, after, _ep = init_producer_id(broker.kafka_port)
    assert after > pid


def test_an_idempotent_producer_keeps_every_record_once_across_kill_9(make_broker):
    confluent_kafka = pytest.importorskip("confluent_kafka")
    broker = make_broker(kafka=True).start()
    producer = confluent_kafka.Producer({
        "bootstrap.servers": bootstrap(broker), "enable.idempotence": True,
        "linger.ms": 2, "batch.num.messages": 50, "message.timeout.ms": 120000,
        "reconnect.backoff.max.ms": 200})
    errors = []

    def on_delivery(err, _msg):
        if err is not None:
            errors.append(err)

    count = 20000
    restarted = threading.Event()

    def kill_and_restart():
        time.sleep(0.3)
        broker.kill()
        broker.start(same_ports=True)
        restarted.set()

    killer = threading.Thread(target=kill_and_restart)
    killer.start()
    for i in range(count):
        while True:
            try:
                producer.produce("exactly-once", value=b"%06d" % i, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)
    killer.join()
    assert restarted.is_set()
    assert producer.flush(120) == 0
    assert errors == []

    consumer = confluent_kafka.Consumer({"bootstrap.servers": bootstrap(broker),
                                         "group.id": "check", "auto.offset.reset": "earliest",
                                         "enable.auto.commit": False})
    consumer.assign([confluent_kafka.TopicPartition("exactly-once", 0, 0)])
    values = []
    deadline = time.monotonic() + 60
    while len(values) < count and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and msg.error() is None:
            values.append(msg.value())
    # Anything more would be a duplicate: give it a moment to show up.
    for _ in range(4):
        msg = consumer.poll(0.25)
        if msg is not None and msg.error() is None:
            values.append(msg.value())
    consumer.close()
    assert len(values) == count, "expected %d records, got %d" % (count, len(values))
    assert values == [b"%06d" % i for i in range(count)]
