"""Kafka transactions with the real clients (confluent-kafka / librdkafka; Debian's
kafka-python 2.0.2 has neither transactions nor an isolation_level setting) and, for the
protocol fields no client exposes, raw Fetch v4 and ListOffsets v2:

* a committed transaction is read whole, in order, with keys and headers, by read_committed;
* an aborted one is skipped by read_committed and shown by read_uncommitted; control markers
  are never handed to applications, but each takes an offset in the log, and a read_committed
  Fetch lists the aborted transaction;
* an open transaction holds read_committed readers (and ListOffsets latest) at the last stable
  offset, also for non-transactional records produced after it, until it ends;
* consume-transform-produce: offsets sent to a transaction are committed with it, and not
  when it aborts;
* a second producer with the same transactional.id fences the first and aborts its open
  transaction;
* the broker aborts a transaction that outlives transaction.timeout.ms;
* committed transactions, their offsets, and an open transaction (aborted by the next
  init_transactions) survive kill -9.

Kafka documents: KIP-98 (exactly once delivery and transactional messaging), the protocol
guide's Fetch / ListOffsets isolation_level and control batches, the producer's
transaction.timeout.ms and the consumer's isolation.level.
"""

import collections
import struct
import time

import confluent_kafka
import pytest
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
from kafka.protocol.fetch import FetchRequest
from kafka.protocol.offset import OffsetRequest
from kafka.record.default_records import DefaultRecordBatch

import kafka_raw

TIMEOUT = 30
READ_COMMITTED = "read_committed"
READ_UNCOMMITTED = "read_uncommitted"
# Fetch / ListOffsets isolation_level
ISOLATION = {READ_UNCOMMITTED: 0, READ_COMMITTED: 1}
# Control record key: version int16, type int16 (0 abort, 1 commit)
ABORT, COMMIT = 0, 1

Record = collections.namedtuple("Record", "offset key value headers")


def bootstrap(broker):
    return f"127.0.0.1:{broker.kafka_port}"


def create_topic(broker, name, partitions=1):
    admin = AdminClient({"bootstrap.servers": bootstrap(broker)})
    for f in admin.create_topics([NewTopic(name, num_partitions=partitions)],
                                 operation_timeout=TIMEOUT).values():
        f.result(timeout=TIMEOUT)


def txn_producer(broker, transactional_id, **config):
    return Producer({"bootstrap.servers": bootstrap(broker), "transactional.id": transactional_id,
                     "linger.ms": 5, **config})


def plain_producer(broker):
    return Producer({"bootstrap.servers": bootstrap(broker), "acks": "all", "linger.ms": 0})


def produce_all(producer, topic, records):
    """Produces (key, value, headers) records to partition 0, flushes, fails on any delivery
    error, and returns the records' offsets (in produce order)."""
    reports = []

    def delivered(err, msg):
        reports.append((err, msg.offset()))

    for key, value, headers in records:
        kwargs = {"headers": headers} if headers is not None else {}
        producer.produce(topic, key=key, value=value, partition=0, on_delivery=delivered,
                         **kwargs)
    assert producer.flush(TIMEOUT) == 0, "records still queued after flush"
    errors = [err for err, _ in reports if err is not None]
    assert errors == [], errors
    assert len(reports) == len(records)
    return [offset for _, offset in reports]


def produce_values(producer, topic, values):
    return produce_all(producer, topic, [(None, v, None) for v in values])


class Reader:
    """A consumer assigned partition 0 of a topic from the beginning (no group membership)
    that keeps every data record it is handed."""

    def __init__(self, broker, topic, isolation, group=None):
        self.consumer = Consumer({
            "bootstrap.servers": bootstrap(broker),
            "group.id": group or f"reader-{time.monotonic_ns()}",
            "isolation.level": isolation, "auto.offset.reset": "earliest",
            "enable.auto.commit": False, "fetch.wait.max.ms": 100})
        self.consumer.assign([TopicPartition(topic, 0, confluent_kafka.OFFSET_BEGINNING)])
        self.isolation = isolation
        self.records = []

    def _poll(self, timeout):
        msg = self.consumer.poll(timeout)
        if msg is None:
            return
        assert msg.error() is None, msg.error()
        self.records.append(Record(msg.offset(), msg.key(), msg.value(), msg.headers()))

    def wait_for(self, count, timeout=TIMEOUT):
        """Polls until `count` records came in (fails after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while len(self.records) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"{self.isolation} reader: {len(self.records)} of {count} records "
                            f"after {timeout} s: {self.values()}")
            self._poll(0.1)
        return self

    def poll_for(self, seconds):
        """Polls for `seconds` more, keeping whatever comes (a duplicate, a record that should
        not be visible)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self._poll(min(0.1, left))
        return self

    def values(self):
        return [r.value for r in self.records]

    def close(self):
        self.consumer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_values(broker, topic, isolation, count, settle=1.0):
    """Every data record value a reader at `isolation` is handed from the beginning: waits for
    `count`, then `settle` seconds more for any extra."""
    with Reader(broker, topic, isolation) as reader:
        return reader.wait_for(count).poll_for(settle).values()


def wait_for(fetch, done, what, timeout=TIMEOUT):
    """Calls fetch() until done(value); returns the value. A KafkaException counts as not yet."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = fetch()
            if done(last):
                return last
        except KafkaException as e:
            last = e
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}; last: {last!r}")
        time.sleep(0.1)


def committed_offset(broker, group, topic):
    """The group's committed offset of partition 0 (OFFSET_INVALID, -1001, when none), asked
    by a consumer of the group that does not join it (read_committed: OffsetFetch asks for
    stable offsets, so offsets of a transaction being completed are waited for)."""
    c = Consumer({"bootstrap.servers": bootstrap(broker), "group.id": group,
                  "isolation.level": READ_COMMITTED, "enable.auto.commit": False})
    try:
        (tp,) = c.committed([TopicPartition(topic, 0)], timeout=TIMEOUT)
        if tp.error is not None:
            raise KafkaException(tp.error)
        return tp.offset
    finally:
        c.close()


def wait_committed(broker, group, topic, expected):
    """Waits until the group's committed offset of partition 0 reads `expected`."""
    return wait_for(lambda: committed_offset(broker, group, topic), lambda o: o == expected,
                    f"offset {expected} committed for {group} on {topic}")


# -- raw Fetch v4 and ListOffsets v2 ---------------------------------------------------------

Batch = collections.namedtuple(
    "Batch", "base_offset last_offset producer_id transactional control records")
FetchResult = collections.namedtuple(
    "FetchResult", "high_watermark last_stable_offset aborted_transactions batches")


def raw_request(port, request, correlation_id=7):
    with kafka_raw.connect(port) as s:
        s.sendall(kafka_raw.request_bytes(request.API_KEY, request.API_VERSION, correlation_id,
                                          request.encode()))
        payload = kafka_raw.read_frame(s)
    assert payload is not None, f"no answer to {type(request).__name__}"
    assert struct.unpack_from(">i", payload)[0] == correlation_id
    return request.RESPONSE_TYPE.decode(payload[4:])


def parse_batches(data):
    """Record batches (magic 2) of a Fetch answer's records; a trailing partial batch is left."""
    batches = []
    pos = 0
    while pos + 61 <= len(data):
        base_offset, length = struct.unpack_from(">qi", data, pos)
        end = pos + 12 + length
        if end > len(data):
            break
        (magic,) = struct.unpack_from(">b", data, pos + 16)
        assert magic == 2, f"magic {magic} at offset {base_offset}"
        (attributes,) = struct.unpack_from(">h", data, pos + 21)
        (last_delta,) = struct.unpack_from(">i", data, pos + 23)
        (producer_id,) = struct.unpack_from(">q", data, pos + 43)
        records = [(r.offset, r.key, r.value) for r in DefaultRecordBatch(bytes(data[pos:end]))]
        batches.append(Batch(base_offset, base_offset + last_delta, producer_id,
                             bool(attributes & 0x10), bool(attributes & 0x20), records))
        pos = end
    return batches


def fetch_v4(broker, topic, offset, isolation):
    request = FetchRequest[4](replica_id=-1, max_wait_time=10, min_bytes=0, max_bytes=1 << 20,
                              isolation_level=ISOLATION[isolation],
                              topics=[(topic, [(0, offset, 1 << 20)])])
    response = raw_request(broker.kafka_port, request)
    ((name, partitions),) = response.topics
    ((partition, error, high, lso, aborted, records),) = partitions
    assert (name, partition, error) == (topic, 0, 0), (name, partition, error)
    return FetchResult(high, lso, aborted, parse_batches(records))


def list_offsets_latest(broker, topic, isolation):
    request = OffsetRequest[2](replica_id=-1, isolation_level=ISOLATION[isolation],
                               topics=[(topic, [(0, -1)])])
    response = raw_request(broker.kafka_port, request)
    ((name, ((partition, error, _timestamp, offset),)),) = response.topics
    assert (name, partition, error) == (topic, 0, 0), (name, partition, error)
    return offset


def control_type(batch):
    """(version, type) of a control batch's single control record's key."""
    assert batch.control and len(batch.records) == 1, batch
    return struct.unpack(">hh", batch.records[0][1])


# -- tests -----------------------------------------------------------------------------------


def test_a_committed_transaction_is_read_whole_by_read_committed(kafka_broker):
    create_topic(kafka_broker, "orders")
    records = [(f"key-{i}".encode(), f"order-{i}".encode(),
                [("trace", f"t-{i}".encode()), ("seq", str(i).encode())]) for i in range(10)]
    producer = txn_producer(kafka_broker, "orders-tx")
    producer.init_transactions(TIMEOUT)
    producer.begin_transaction()
    offsets = produce_all(producer, "orders", records)
    assert offsets == sorted(offsets)
    producer.commit_transaction(TIMEOUT)

    with Reader(kafka_broker, "orders", READ_COMMITTED) as reader:
        reader.wait_for(len(records)).poll_for(1.0)
        got = [(r.key, r.value, r.headers) for r in reader.records]
        assert got == records
        assert [r.offset for r in reader.records] == offsets


def test_aborted_records_are_skipped_by_read_committed_and_shown_by_read_uncommitted(
        kafka_broker):
    create_topic(kafka_broker, "payments")
    first = [b"committed-1-%d" % i for i in range(5)]
    aborted = [b"aborted-%d" % i for i in range(4)]
    third = [b"committed-2-%d" % i for i in range(3)]
    producer = txn_producer(kafka_broker, "payments-tx")
    producer.init_transactions(TIMEOUT)

    producer.begin_transaction()
    produce_values(producer, "payments", first)
    producer.commit_transaction(TIMEOUT)

    producer.begin_transaction()
    # Flushed before the abort, so the records are in the log (abort_transaction would
    # purge records not sent yet).
    aborted_offsets = produce_values(producer, "payments", aborted)
    producer.abort_transaction(TIMEOUT)

    producer.begin_transaction()
    produce_values(producer, "payments", third)
    producer.commit_transaction(TIMEOUT)

    assert read_values(kafka_broker, "payments", READ_COMMITTED,
                       len(first) + len(third)) == first + third
    # Control markers are never handed to the application.
    assert read_values(kafka_broker, "payments", READ_UNCOMMITTED,
                       len(first) + len(aborted) + len(third)) == first + aborted + third

    # The log as a read_committed Fetch (v4) returns it: three transactions, each followed by
    # its control batch (one control record, one offset), and the aborted one listed.
    total = len(first) + len(aborted) + len(third) + 3
    fetched = wait_for(lambda: fetch_v4(kafka_broker, "payments", 0, READ_COMMITTED),
                       lambda f: f.last_stable_offset == total,
                       "the last stable offset past the third transaction's marker")
    assert fetched.high_watermark == total
    kinds = []
    for batch in fetched.batches:
        kind = ("control", control_type(batch)) if batch.control else ("data", None)
        if not kinds or kinds[-1] != kind or batch.control:
            kinds.append(kind)
    assert kinds == [("data", None), ("control", (0, COMMIT)), ("data", None),
                     ("control", (0, ABORT)), ("data", None), ("control", (0, COMMIT))], \
        fetched.batches
    assert all(b.transactional for b in fetched.batches), fetched.batches
    producer_ids = {b.producer_id for b in fetched.batches}
    assert len(producer_ids) == 1, fetched.batches
    (producer_id,) = producer_ids
    assert [tuple(a) for a in fetched.aborted_transactions] == \
        [(producer_id, aborted_offsets[0])], fetched.aborted_transactions
    abort_marker = aborted_offsets[-1] + 1
    assert [b.base_offset for b in fetched.batches if b.control][1] == abort_marker
    # From past the abort marker, no aborted transaction is left to list.
    later = fetch_v4(kafka_broker, "payments", abort_marker + 1, READ_COMMITTED)
    assert not later.aborted_transactions, later.aborted_transactions


def test_an_open_transaction_holds_read_committed_back_at_the_last_stable_offset(kafka_broker):
    create_topic(kafka_broker, "ledger")
    plain = plain_producer(kafka_broker)
    (before,) = produce_values(plain, "ledger", [b"before"])

    producer = txn_producer(kafka_broker, "ledger-tx")
    producer.init_transactions(TIMEOUT)
    producer.begin_transaction()
    open_offsets = produce_values(producer, "ledger", [b"open-1", b"open-2"])
    (after,) = produce_values(plain, "ledger", [b"after"])
    assert before < open_offsets[0] < open_offsets[1] < after

    with Reader(kafka_broker, "ledger", READ_COMMITTED) as committed, \
            Reader(kafka_broker, "ledger", READ_UNCOMMITTED) as uncommitted:
        assert uncommitted.wait_for(4).poll_for(0.5).values() == \
            [b"before", b"open-1", b"open-2", b"after"]
        # "after" is in the log (read_uncommitted has it) but lies past the last stable
        # offset: read_committed stops before the open transaction's first record.
        assert committed.wait_for(1).poll_for(2.0).values() == [b"before"]

        lso = open_offsets[0]
        assert list_offsets_latest(kafka_broker, "ledger", READ_COMMITTED) == lso
        assert list_offsets_latest(kafka_broker, "ledger", READ_UNCOMMITTED) == after + 1
        fetched = fetch_v4(kafka_broker, "ledger", 0, READ_COMMITTED)
        assert (fetched.high_watermark, fetched.last_stable_offset) == (after + 1, lso)
        assert [b.base_offset for b in fetched.batches] == [before], fetched.batches

        producer.commit_transaction(TIMEOUT)
        assert committed.wait_for(4).poll_for(0.5).values() == \
            [b"before", b"open-1", b"open-2", b"after"]
        assert uncommitted.poll_for(0.5).values() == [b"before", b"open-1", b"open-2", b"after"]

    # The commit marker follows "after": both ends are past it.
    end = wait_for(lambda: (list_offsets_latest(kafka_broker, "ledger", READ_COMMITTED),
                            list_offsets_latest(kafka_broker, "ledger", READ_UNCOMMITTED)),
                   lambda ends: ends[0] == ends[1], "the last stable offset at the end")
    assert end == (after + 2, after + 2)


def test_consume_transform_produce_commits_offsets_only_with_the_transaction(kafka_broker):
    create_topic(kafka_broker, "raw")
    create_topic(kafka_broker, "enriched")
    group = "enricher"
    plain = plain_producer(kafka_broker)
    produce_values(plain, "raw", [b"in-%d" % i for i in range(6)])

    member = Consumer({"bootstrap.servers": bootstrap(kafka_broker), "group.id": group,
                       "isolation.level": READ_COMMITTED, "auto.offset.reset": "earliest",
                       "enable.auto.commit": False, "session.timeout.ms": 6000,
                       "heartbeat.interval.ms": 500})
    producer = txn_producer(kafka_broker, "enricher-tx")
    producer.init_transactions(TIMEOUT)
    try:
        member.subscribe(["raw"])

        def consume(count):
            got = []
            deadline = time.monotonic() + TIMEOUT
            while len(got) < count:
                assert time.monotonic() < deadline, f"read {got} of {count}"
                msg = member.poll(0.1)
                if msg is not None:
                    assert msg.error() is None, msg.error()
                    got.append(msg.value())
            return got

        def transform_round(inputs):
            producer.begin_transaction()
            produce_values(producer, "enriched", [v.replace(b"in", b"out") for v in inputs])
            positions = member.position([TopicPartition("raw", 0)])
            producer.send_offsets_to_transaction(positions, member.consumer_group_metadata(),
                                                 TIMEOUT)
            return positions[0].offset

        inputs = consume(6)
        assert inputs == [b"in-%d" % i for i in range(6)]
        position = transform_round(inputs)
        assert position == 6
        producer.commit_transaction(TIMEOUT)
        wait_committed(kafka_broker, group, "raw", 6)

        # A second round that aborts: the offsets sent with it are not committed.
        produce_values(plain, "raw", [b"in-6", b"in-7"])
        assert consume(2) == [b"in-6", b"in-7"]
        assert transform_round([b"in-6", b"in-7"]) == 8
        producer.abort_transaction(TIMEOUT)
        # Kafka completes the abort (markers, the group's pending offsets dropped) after
        # EndTxn is answered: a stable answer is waited for, and must be the old offset.
        assert wait_for(lambda: committed_offset(kafka_broker, group, "raw"), lambda o: True,
                        "a stable committed offset") == 6
        time.sleep(0.5)
        assert committed_offset(kafka_broker, group, "raw") == 6
    finally:
        member.close()

    assert read_values(kafka_broker, "enriched", READ_COMMITTED, 6) == \
        [b"out-%d" % i for i in range(6)]


def test_a_second_producer_with_the_same_transactional_id_fences_the_first(kafka_broker):
    create_topic(kafka_broker, "shipments")
    first = txn_producer(kafka_broker, "shipper")
    first.init_transactions(TIMEOUT)
    first.begin_transaction()
    produce_values(first, "shipments", [b"zombie-1", b"zombie-2"])

    second = txn_producer(kafka_broker, "shipper")
    second.init_transactions(TIMEOUT)  # fences the first, aborts its open transaction

    # EndTxn with the fenced epoch: Kafka answers PRODUCER_FENCED (INVALID_PRODUCER_EPOCH
    # before v2.7), a fatal error for the client (Java: ProducerFencedException).
    with pytest.raises(KafkaException) as failure:
        first.commit_transaction(TIMEOUT)
    err = failure.value.args[0]
    failure = None  # the traceback holds this frame: let the fenced producer go with the test
    assert err.fatal(), err
    assert err.code() in (KafkaError._FENCED, KafkaError.PRODUCER_FENCED,
                          KafkaError.INVALID_PRODUCER_EPOCH), err

    second.begin_transaction()
    produce_values(second, "shipments", [b"shipped-1"])
    second.commit_transaction(TIMEOUT)

    assert read_values(kafka_broker, "shipments", READ_COMMITTED, 1) == [b"shipped-1"]
    assert read_values(kafka_broker, "shipments", READ_UNCOMMITTED, 3) == \
        [b"zombie-1", b"zombie-2", b"shipped-1"]


def test_a_transaction_past_its_timeout_is_aborted_by_the_broker(kafka_broker):
    create_topic(kafka_broker, "slow")
    producer = txn_producer(kafka_broker, "slow-tx", **{"transaction.timeout.ms": 3000})
    producer.init_transactions(TIMEOUT)
    producer.begin_transaction()
    started = time.monotonic()
    produce_values(producer, "slow", [b"late-1", b"late-2"])
    plain = plain_producer(kafka_broker)
    produce_values(plain, "slow", [b"after"])

    with Reader(kafka_broker, "slow", READ_COMMITTED) as committed:
        # Held back by the open transaction until the broker aborts it: not before its 3 s are
        # up, and (Kafka checks every transaction.abort.timed.out.transaction.cleanup.interval.ms,
        # 10 s by default) within 30 s.
        committed.wait_for(1)
        waited = time.monotonic() - started
        assert committed.values() == [b"after"]
        assert waited >= 2.5, f"the transaction was aborted after {waited:.1f} s"
        committed.poll_for(0.5)
        assert committed.values() == [b"after"]

    with pytest.raises(KafkaException):
        producer.commit_transaction(TIMEOUT)
    assert read_values(kafka_broker, "slow", READ_COMMITTED, 1) == [b"after"]
    assert read_values(kafka_broker, "slow", READ_UNCOMMITTED, 3) == [b"late-1", b"late-2",
                                                                        b"after"]


def test_transactions_and_their_offsets_survive_kill_9(make_broker):
    broker = make_broker(kafka=True).start()
    create_topic(broker, "journal")
    create_topic(broker, "journal-in")
    produce_values(plain_producer(broker), "journal-in", [b"in-%d" % i for i in range(5)])
    group = "journaler"
    member = Consumer({"bootstrap.servers": bootstrap(broker), "group.id": group,
                       "enable.auto.commit": False})
    metadata = member.consumer_group_metadata()

    producer = txn_producer(broker, "journal-tx")
    producer.init_transactions(TIMEOUT)
    producer.begin_transaction()
    produce_values(producer, "journal", [b"first-1", b"first-2", b"first-3"])
    producer.send_offsets_to_transaction([TopicPartition("journal-in", 0, 3)], metadata, TIMEOUT)
    producer.commit_transaction(TIMEOUT)
    wait_committed(broker, group, "journal-in", 3)

    # A second transaction, in the log but neither committed nor aborted, when the broker dies.
    producer.begin_transaction()
    produce_values(producer, "journal", [b"open-1", b"open-2"])
    producer.send_offsets_to_transaction([TopicPartition("journal-in", 0, 5)], metadata, TIMEOUT)
    member.close()
    del producer
    broker.kill()
    broker.start()

    # The same transactional id again: init_transactions aborts the one left open.
    producer = txn_producer(broker, "journal-tx")
    producer.init_transactions(TIMEOUT)
    producer.begin_transaction()
    produce_values(producer, "journal", [b"third-1", b"third-2"])
    producer.commit_transaction(TIMEOUT)

    assert read_values(broker, "journal", READ_COMMITTED, 5) == \
        [b"first-1", b"first-2", b"first-3", b"third-1", b"third-2"]
    assert read_values(broker, "journal", READ_UNCOMMITTED, 7) == \
        [b"first-1", b"first-2", b"first-3", b"open-1", b"open-2", b"third-1", b"third-2"]
    assert wait_for(lambda: committed_offset(broker, group, "journal-in"), lambda o: True,
                    "a stable committed offset") == 3
    broker.check_log()
