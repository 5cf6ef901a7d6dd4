"""A consumer group reading a topic end to end with confluent-kafka: two members split a
4-partition topic and, once the group has settled, between them read every record once; after they commit and leave, a new
member of the group resumes from the committed offsets and reads only what was produced since;
and the committed position survives kill -9 of the broker."""

import confluent_kafka
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

TIMEOUT = 30


def bootstrap(broker):
    return f"127.0.0.1:{broker.kafka_port}"


def produce(broker, topic, values):
    p = Producer({"bootstrap.servers": bootstrap(broker), "acks": "all"})
    errors = []
    for v in values:
        # Keys spread the records over the partitions.
        p.produce(topic, key=v.encode(), value=v.encode(),
                  on_delivery=lambda err, msg: errors.append(err) if err else None)
    assert p.flush(TIMEOUT) == 0
    assert errors == []


def consumer(broker, group):
    return Consumer({"bootstrap.servers": bootstrap(broker), "group.id": group,
                     "auto.offset.reset": "earliest", "enable.auto.commit": False,
                     "session.timeout.ms": 6000, "heartbeat.interval.ms": 500})


def read(consumers, want, limit=60):
    """Polls the consumers in turn until `want` records came in; returns {value: consumer index}."""
    got = {}
    for _ in range(limit * 10):
        for i, c in enumerate(consumers):
            msg = c.poll(0.1)
            if msg is None:
                continue
            assert msg.error() is None, msg.error()
            value = msg.value().decode()
            assert value not in got, f"{value} delivered twice"
            got[value] = i
        if len(got) >= want:
            break
    return got


def wait_for_assignments(consumers, limit=60):
    """Polls the consumers (of an empty topic) until every one of them has partitions: the
    group has settled, so no rebalance hands a partition over while records are read. (A
    partition moving before its reader committed is read again from the committed offset, as
    Kafka does: that would be a duplicate the test did not mean to provoke.)"""
    for _ in range(limit * 10):
        for c in consumers:
            msg = c.poll(0.1)
            assert msg is None or msg.error() is None, msg.error()
            assert msg is None, "a record arrived before anything was produced"
        if all(len(c.assignment()) > 0 for c in consumers):
            return
    raise AssertionError("the group did not settle: %s" % [c.assignment() for c in consumers])


def create_topic(broker, name, partitions):
    admin = AdminClient({"bootstrap.servers": bootstrap(broker)})
    for f in admin.create_topics([NewTopic(name, num_partitions=partitions)]).values():
        f.result(timeout=TIMEOUT)


def test_two_members_split_the_topic_and_a_new_member_resumes(kafka_broker):
    create_topic(kafka_broker, "orders", 4)
    members = [consumer(kafka_broker, "billing"), consumer(kafka_broker, "billing")]
    for c in members:
        c.subscribe(["orders"])
    wait_for_assignments(members)
    first = [f"a{i}" for i in range(200)]
    produce(kafka_broker, "orders", first)
    got = read(members, len(first))
    assert sorted(got) == sorted(first)
    # Both members had partitions (4 partitions, 2 members: each gets some).
    assignments = [c.assignment() for c in members]
    assert all(len(a) > 0 for a in assignments), assignments
    assert sorted(tp.partition for a in assignments for tp in a) == [0, 1, 2, 3]
    for c in members:
        c.commit(asynchronous=False)
        c.close()

    second = [f"b{i}" for i in range(50)]
    produce(kafka_broker, "orders", second)
    late = consumer(kafka_broker, "billing")
    late.subscribe(["orders"])
    got = read([late], len(second))
    assert sorted(got) == sorted(second), "resumed from the committed offsets, nothing again"
    late.close()


def test_the_committed_position_survives_kill_9(make_broker):
    broker = make_broker(kafka=True).start()
    create_topic(broker, "events", 2)
    produce(broker, "events", [f"e{i}" for i in range(40)])
    c = consumer(broker, "audit")
    c.subscribe(["events"])
    assert len(read([c], 40)) == 40
    c.commit(asynchronous=False)
    committed = {tp.partition: tp.offset
                 for tp in c.committed([TopicPartition("events", 0), TopicPartition("events", 1)],
                                       timeout=TIMEOUT)}
    assert sum(committed.values()) == 40
    c.close()
    broker.kill()
    broker.start()
    produce(broker, "events", [f"f{i}" for i in range(10)])
    again = consumer(broker, "audit")
    again.subscribe(["events"])
    got = read([again], 10)
    assert sorted(got) == sorted(f"f{i}" for i in range(10))
    again.close()
    assert confluent_kafka.version()
