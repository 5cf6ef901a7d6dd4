"""Consumer groups with Debian's real clients: confluent-kafka (librdkafka) consumers share a
topic's partitions under each assignor and hand them over when one leaves; committed offsets
are read back after kill -9 and a restart over the same data directory; kafka-python and kcat
join groups. The data path (Fetch) is built elsewhere: these tests look at membership,
assignment and committed offsets, not at consumed records. Waits are bounded (WAIT seconds)
so a hang fails the test; nothing asserts on time."""

import subprocess
import time

import pytest

WAIT = 60
PARTITIONS = 4


def kafka_config(tmp_path, partitions=PARTITIONS):
    config = tmp_path / "polymq.toml"
    config.write_text("[kafka]\nnum_partitions = %d\n" % partitions)
    return str(config)


@pytest.fixture
def groups_broker(make_broker, tmp_path):
    """A broker whose auto-created topics have four partitions."""
    return make_broker("--config", kafka_config(tmp_path), kafka=True).start()


def create_topic(port, topic):
    """Names the topic in a Metadata request (kcat), which auto-creates it."""
    out = subprocess.run(["kcat", "-b", "127.0.0.1:%d" % port, "-L", "-t", topic, "-m", "10"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=WAIT)
    assert out.returncode == 0, out.stderr.decode(errors="replace")


def confluent_consumer(port, group, **extra):
    from confluent_kafka import Consumer

    config = {
        "bootstrap.servers": "127.0.0.1:%d" % port,
        "group.id": group,
        "enable.auto.commit": False,
        "session.timeout.ms": 10000,
        "heartbeat.interval.ms": 500,
    }
    config.update(extra)
    return Consumer(config)


def poll_until(consumers, done, what):
    """Polls every consumer (which runs their callbacks) until done() is true."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        for c in consumers:
            c.poll(0.1)
        if done():
            return
    raise AssertionError("gave up waiting for " + what)


def partitions_of(consumer):
    return sorted(tp.partition for tp in consumer.assignment())


@pytest.mark.parametrize("strategy", ["range", "roundrobin", "cooperative-sticky"])
def test_two_consumers_split_the_partitions_and_one_takes_all_when_the_other_leaves(
        groups_broker, strategy):
    from confluent_kafka.admin import AdminClient

    port = groups_broker.kafka_port
    create_topic(port, "orders")
    assigned = {}  # consumer index -> partitions from the on_assign callbacks

    def on_assign_of(i):
        def on_assign(consumer, partitions):
            if strategy == "cooperative-sticky":
                consumer.incremental_assign(partitions)
            assigned.setdefault(i, set()).update(p.partition for p in partitions)

        return on_assign

    def on_revoke_of(i):
        def on_revoke(consumer, partitions):
            assigned.setdefault(i, set()).difference_update(p.partition for p in partitions)

        return on_revoke

    consumers = [confluent_consumer(port, "split-" + strategy,
                                    **{"partition.assignment.strategy": strategy})
                 for _ in range(2)]
    try:
        for i, c in enumerate(consumers):
            c.subscribe(["orders"], on_assign=on_assign_of(i), on_revoke=on_revoke_of(i))

        def split():
            a, b = partitions_of(consumers[0]), partitions_of(consumers[1])
            return len(a) == 2 and len(b) == 2 and sorted(a + b) == [0, 1, 2, 3]

        poll_until(consumers, split, "two consumers with two partitions each")
        assert sorted(assigned[0] | assigned[1]) == [0, 1, 2, 3]
        assert not assigned[0] & assigned[1]

        # The group as an admin sees it: Stable, the assignor's protocol, two members.
        admin = AdminClient({"bootstrap.servers": "127.0.0.1:%d" % port})
        [group] = admin.list_groups("split-" + strategy, timeout=WAIT)
        assert group.state == "Stable"
        assert group.protocol_type == "consumer"
        assert group.protocol == strategy
        assert len(group.members) == 2

        # One leaves (LeaveGroup on close): the other gets every partition.
        consumers.pop().close()
        poll_until(consumers, lambda: partitions_of(consumers[0]) == [0, 1, 2, 3],
                   "the remaining consumer to get all partitions")
        assert sorted(assigned[0]) == [0, 1, 2, 3]
    finally:
        for c in consumers:
            c.close()


def test_committed_offsets_survive_kill_9_and_a_restart(make_broker, tmp_path):
    from confluent_kafka import TopicPartition

    broker = make_broker("--config", kafka_config(tmp_path), kafka=True).start()
    create_topic(broker.kafka_port, "ledger")
    consumer = confluent_consumer(broker.kafka_port, "bookkeepers")
    try:
        consumer.subscribe(["ledger"])
        poll_until([consumer], lambda: partitions_of(consumer) == [0, 1, 2, 3],
                   "the only member to get all partitions")
        # Several commits per partition: the last one counts.
        for round_ in range(3):
            offsets = [TopicPartition("ledger", p, 100 * round_ + p) for p in range(PARTITIONS)]
            consumer.commit(offsets=offsets, asynchronous=False)
        committed = consumer.committed([TopicPartition("ledger", p) for p in range(PARTITIONS)],
                                       timeout=WAIT)
        assert [(tp.partition, tp.offset) for tp in committed] == [
            (p, 200 + p) for p in range(PARTITIONS)]
    finally:
        consumer.close()

    broker.kill()  # SIGKILL: only what the commits' sync rounds made durable is left
    broker.start()
    # Topics are not yet kept in the definitions: naming it opens its partitions again.
    create_topic(broker.kafka_port, "ledger")
    reader = confluent_consumer(broker.kafka_port, "bookkeepers")
    try:
        committed = reader.committed(
            [TopicPartition("ledger", p) for p in range(PARTITIONS)] +
            [TopicPartition("ledger-unknown", 0)], timeout=WAIT)
        assert [(tp.topic, tp.partition, tp.offset) for tp in committed] == [
            ("ledger", p, 200 + p) for p in range(PARTITIONS)] + [
            ("ledger-unknown", 0, -1001)]  # librdkafka's OFFSET_INVALID: nothing committed
    finally:
        reader.close()
    assert "group coordinator loaded" in broker.log_text()


def test_a_consumer_without_group_management_commits_offsets(groups_broker):
    """assign() instead of subscribe(): commits carry no generation (Kafka's simple commits)."""
    from confluent_kafka import TopicPartition

    create_topic(groups_broker.kafka_port, "manual")
    consumer = confluent_consumer(groups_broker.kafka_port, "by-hand")
    try:
        consumer.assign([TopicPartition("manual", 1)])
        consumer.commit(offsets=[TopicPartition("manual", 1, 41)], asynchronous=False)
        [tp] = consumer.committed([TopicPartition("manual", 1)], timeout=WAIT)
        assert tp.offset == 41
    finally:
        consumer.close()


def test_kafka_python_joins_a_group_commits_and_reads_its_commits(groups_broker):
    from kafka import KafkaConsumer, TopicPartition
    from kafka.structs import OffsetAndMetadata

    bootstrap = "127.0.0.1:%d" % groups_broker.kafka_port
    create_topic(groups_broker.kafka_port, "events")
    partitions = [TopicPartition("events", p) for p in range(PARTITIONS)]
    # kafka-python 2.0.2 picks its request versions from the broker version it infers (1.0
    # here), not from ApiVersions' ranges: FindCoordinator v0, OffsetFetch v1, OffsetCommit v2,
    # JoinGroup v2. Without a committed offset, poll() resets positions with ListOffsets,
    # which it retries for ever while the data path is missing; so the group's first commits
    # are simple ones (no subscription), and the member's positions come from them.
    simple = KafkaConsumer(bootstrap_servers=bootstrap, group_id="snakes",
                           enable_auto_commit=False, api_version_auto_timeout_ms=10000)
    try:
        assert simple.committed(partitions[0]) is None  # nothing committed yet
        simple.commit({tp: OffsetAndMetadata(1, "") for tp in partitions})
        assert simple.committed(partitions[0]) == 1
    finally:
        simple.close()

    member = KafkaConsumer("events", bootstrap_servers=bootstrap, group_id="snakes",
                           enable_auto_commit=False, api_version_auto_timeout_ms=10000)
    try:
        deadline = time.monotonic() + WAIT
        while set(member.assignment()) != set(partitions) and time.monotonic() < deadline:
            member.poll(200)
        assert set(member.assignment()) == set(partitions)
        # A member's commit carries its generation and member id.
        member.commit({tp: OffsetAndMetadata(10 + tp.partition, "m") for tp in partitions})
        assert [member.committed(tp) for tp in partitions] == [10, 11, 12, 13]
    finally:
        member.close()


def read_stderr_until(proc, marker):
    """Lines of proc's stderr up to the first that contains marker (bounded by WAIT)."""
    import selectors

    lines, buffer = [], b""
    deadline = time.monotonic() + WAIT
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stderr, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not sel.select(timeout=0.5):
                continue
            chunk = proc.stderr.read1(4096)
            if not chunk:
                break
            buffer += chunk
            *complete, buffer = buffer.split(b"\n")
            lines += [line.decode(errors="replace") for line in complete]
            if any(marker in line for line in lines):
                return lines
    raise AssertionError("no %r from kcat; it said:\n%s" % (marker, "\n".join(lines)))


def test_kcat_balanced_consumer_is_assigned_every_partition(groups_broker):
    port = groups_broker.kafka_port
    create_topic(port, "tail")
    proc = subprocess.Popen(["kcat", "-b", "127.0.0.1:%d" % port, "-G", "cats", "tail"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        lines = read_stderr_until(proc, "assigned:")
    finally:
        proc.terminate()
        proc.wait(WAIT)
    [line] = [line for line in lines if "assigned:" in line]
    assert "Group cats rebalanced" in line
    assert line.split("assigned:")[1].split(",") == [
        " tail [%d]" % p for p in range(PARTITIONS)]


def test_a_static_member_that_comes_back_keeps_its_partitions_without_a_rebalance(
        groups_broker):
    port = groups_broker.kafka_port
    create_topic(port, "sensors")
    assignments = {"dynamic": 0}

    def count_dynamic_assignments(consumer, partitions):
        assignments["dynamic"] += 1

    # The dynamic member joins first and so leads the group; the static one follows.
    dynamic = confluent_consumer(port, "statics")
    static = confluent_consumer(port, "statics", **{"group.instance.id": "sensor-reader"})
    consumers = [dynamic, static]
    try:
        dynamic.subscribe(["sensors"], on_assign=count_dynamic_assignments)
        poll_until([dynamic], lambda: len(partitions_of(dynamic)) == PARTITIONS,
                   "the first member to get every partition")
        static.subscribe(["sensors"])
        poll_until(consumers, lambda: len(partitions_of(static)) == 2 and
                   len(partitions_of(dynamic)) == 2, "the two members to split the partitions")
        kept = partitions_of(static)
        dynamic_assignments = assignments["dynamic"]

        # A static member leaves no LeaveGroup behind when it closes: the group waits for its
        # session timeout, and the same instance coming back in time takes its place.
        consumers.pop().close()
        again = confluent_consumer(port, "statics", **{"group.instance.id": "sensor-reader"})
        consumers.append(again)
        again.subscribe(["sensors"])
        poll_until(consumers, lambda: partitions_of(again) == kept,
                   "the returning static member to get its partitions back")
        for _ in range(10):
            dynamic.poll(0.1)
        assert assignments["dynamic"] == dynamic_assignments  # no rebalance for the others
        assert len(partitions_of(dynamic)) == 2
    finally:
        for c in consumers:
            c.close()


MEMBER_SCRIPT = r"""
import sys
import time
from confluent_kafka import Consumer
port, group, topic = sys.argv[1], sys.argv[2], sys.argv[3]
deadline = time.monotonic() + 60  # then it exits, and the test fails instead of hanging
c = Consumer({"bootstrap.servers": "127.0.0.1:" + port, "group.id": group,
              "enable.auto.commit": False, "session.timeout.ms": 6000,
              "heartbeat.interval.ms": 500})
c.subscribe([topic])
while not c.assignment():
    if time.monotonic() > deadline:
        sys.exit(1)
    c.poll(0.1)
print("assigned", len(c.assignment()), flush=True)
while time.monotonic() < deadline + 60:
    c.poll(0.1)
"""


def test_a_member_killed_without_leaving_is_dropped_when_its_session_expires(groups_broker):
    import sys

    port = groups_broker.kafka_port
    create_topic(port, "jobs")
    # The other member is a process of its own, so it can die without a LeaveGroup.
    doomed = subprocess.Popen([sys.executable, "-c", MEMBER_SCRIPT, str(port), "workers", "jobs"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    survivor = confluent_consumer(port, "workers")
    try:
        assert doomed.stdout.readline().startswith(b"assigned")
        survivor.subscribe(["jobs"])
        poll_until([survivor], lambda: len(partitions_of(survivor)) == 2,
                   "the two members to split the partitions")
        doomed.kill()
        doomed.wait(WAIT)
        # After the dead member's 6 s session timeout, the group rebalances without it.
        poll_until([survivor], lambda: partitions_of(survivor) == [0, 1, 2, 3],
                   "the survivor to get every partition")
    finally:
        if doomed.poll() is None:
            doomed.kill()
            doomed.wait(WAIT)
        survivor.close()
    assert "session timeout (6000 ms) expired" in groups_broker.log_text()
